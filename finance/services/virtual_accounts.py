"""Individual bank accounts (virtual NRB) of the obligors.

One per obligor, or — when the bank profile says ``per_receivable_type`` — one per obligor and receivable type.
Idempotent: asking again returns the same account. Identifiers are handed out in order under a lock on the profile
row (the unique constraints are the backstop), so two clerks never get the same number.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from finance.domain import nrb as nrb_domain
from finance.models import BankProfile, VirtualAccount


def default_profile() -> BankProfile:
    profile = BankProfile.objects.filter(is_active=True).order_by("code").first()
    if profile is None:
        raise ApplicationError(_("No active bank profile: add one in the administration."), code="no_bank_profile")
    return profile


def _existing(party, receivable_type, profile) -> VirtualAccount | None:
    return VirtualAccount.objects.filter(party=party, receivable_type=receivable_type, profile=profile).first()


def virtual_account_for(*, party, receivable_type=None, profile=None, actor=None) -> VirtualAccount:
    """The obligor's virtual account under ``profile`` (the active one by default), created on first use."""
    profile = profile or default_profile()
    if not profile.per_receivable_type:
        receivable_type = None
    found = _existing(party, receivable_type, profile)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            locked = BankProfile.objects.select_for_update().get(pk=profile.pk)
            found = _existing(party, receivable_type, locked)
            if found is not None:
                return found
            last = VirtualAccount.objects.filter(profile=locked).aggregate(m=Max("identifier"))["m"] or 0
            identifier = last + 1
            try:
                number = nrb_domain.build(
                    sort_code=locked.sort_code,
                    client_prefix=locked.client_prefix,
                    identifier=identifier,
                    id_length=locked.id_length,
                )
            except nrb_domain.NrbError:
                raise ApplicationError(
                    _("The bank profile %(profile)s has no free identifiers left or a wrong layout.")
                    % {"profile": locked.name},
                    code="invalid",
                ) from None
            account = VirtualAccount.objects.create(
                nrb=number, party=party, receivable_type=receivable_type, profile=locked, identifier=identifier
            )
            audit_log(
                actor=actor,
                action="finance.virtual_account.created",
                obj=account,
                details={"party": party.pk, "receivable_type": getattr(receivable_type, "code", None)},
            )
            return account
    except IntegrityError:  # created at the same moment by another process
        found = _existing(party, receivable_type, profile)
        if found is None:
            raise
        return found


def virtual_accounts_bulk(*, parties, profile=None) -> int:
    """Create the missing per-obligor virtual accounts of many parties at once (demo, benchmark); the count."""
    profile = profile or default_profile()
    with transaction.atomic():
        locked = BankProfile.objects.select_for_update().get(pk=profile.pk)
        have = set(
            VirtualAccount.objects.filter(profile=locked, receivable_type__isnull=True).values_list(
                "party_id", flat=True
            )
        )
        last = VirtualAccount.objects.filter(profile=locked).aggregate(m=Max("identifier"))["m"] or 0
        rows = []
        for party in parties:
            if party.pk in have:
                continue
            last += 1
            number = nrb_domain.build(
                sort_code=locked.sort_code,
                client_prefix=locked.client_prefix,
                identifier=last,
                id_length=locked.id_length,
            )
            rows.append(VirtualAccount(nrb=number, party=party, profile=locked, identifier=last))
            have.add(party.pk)
        VirtualAccount.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def office_accounts_predicate(profile: BankProfile):
    """Whether a ``:25:`` account is the profile's collection account or one of its virtual accounts."""

    def accepts(account: str) -> bool:
        if account == nrb_domain.normalise(profile.office_account):
            return True
        return (
            nrb_domain.identifier_of(account, sort_code=profile.sort_code, client_prefix=profile.client_prefix)
            is not None
        )

    return accepts
