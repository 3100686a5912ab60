"""Portal actions: signing a resident in after login.gov.pl confirmed their identity."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import Group
from django.db import transaction

from core import roles
from core.models import Party, User
from core.services.audit import audit_log
from portal.saml.sp import AuthenticatedIdentity

METHOD = "login.gov.pl"


def _username(party: Party) -> str:
    base = f"pz-{party.pk}"
    candidate, n = base, 1
    while User.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def resident_sign_in(*, identity: AuthenticatedIdentity) -> User | None:
    """The portal user of the person whose PESEL login.gov.pl confirmed, or None (no party / account blocked).

    A person found in the party register gets (on the first login) a portal account linked to the party, with the
    resident role and no password. Both outcomes are audited; a refusal records no personal data, only a hash.
    """
    with transaction.atomic():
        party = Party.objects.select_for_update().filter(kind=Party.Kind.PERSON, pesel=identity.pesel).first()
        details = {"method": METHOD, "loa": identity.loa, "assertion": identity.assertion_id}
        if party is None:
            audit_log(
                actor=None,
                action="portal.login_refused",
                object_type="core.party",
                details={
                    **details,
                    "reason": "no party with this PESEL",
                    "pesel_sha256": hashlib.sha256(identity.pesel.encode()).hexdigest()[:16],
                },
            )
            return None
        user = User.objects.filter(party=party).first()
        if user is not None and not user.is_active:
            audit_log(actor=None, action="portal.login_refused", obj=party, details={**details, "reason": "inactive"})
            return None
        if user is not None and (user.is_staff or user.is_superuser or user.has_perm("core.access_backoffice")):
            # an office account linked to the person: the portal never opens a back-office session
            audit_log(actor=None, action="portal.login_refused", obj=party, details={**details, "reason": "staff"})
            return None
        created = user is None
        if created:
            user = User(
                username=_username(party),
                party=party,
                first_name=identity.first_name[:150],
                last_name=identity.family_name[:150],
            )
            user.set_unusable_password()
            user.save()
        if not user.has_perm("core.use_portal"):
            group, _ = Group.objects.get_or_create(name=roles.RESIDENT)
            user.groups.add(group)
        audit_log(actor=user, action="portal.login", obj=party, details={**details, "account_created": created})
    return User.objects.get(pk=user.pk)  # fresh: no stale permission cache
