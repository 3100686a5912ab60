"""Individual bank accounts (virtual NRB) of the obligors.

One per obligor, or — when the bank profile says ``per_receivable_type`` — one per obligor and receivable type.
An app may also ask for an account **scoped** to the obligor accounts with one ``source_ref`` (e.g. one number per
property of the waste fee: ``waste-property:<id>``): always one per obligor, receivable type and reference,
whatever the profile says; money paid to it settles only those accounts (``Payment.indicated_ref``, see
``finance.services.payments``). Idempotent: asking again returns the same account. Identifiers are handed out in
order under a lock on the profile row (the unique constraints are the backstop), so two clerks never get the same
number.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.domain import nrb as nrb_domain
from finance.models import BankProfile, VirtualAccount


def default_profile() -> BankProfile:
    profile = BankProfile.objects.filter(is_active=True).order_by("code").first()
    if profile is None:
        raise ApplicationError(_("No active bank profile: add one in the administration."), code="no_bank_profile")
    return profile


def _existing(party, receivable_type, profile, source_ref="") -> VirtualAccount | None:
    return VirtualAccount.objects.filter(
        party=party, receivable_type=receivable_type, profile=profile, source_ref=source_ref
    ).first()


def _scope(source_ref) -> str:
    return (source_ref or "").strip()


def virtual_account_for(*, party, receivable_type=None, profile=None, actor=None, source_ref="") -> VirtualAccount:
    """The obligor's virtual account under ``profile`` (the active one by default), created on first use.

    ``source_ref`` empty: the obligor-level account (per obligor, or per obligor and ``receivable_type`` when the
    profile is ``per_receivable_type``). Otherwise the account scoped to the obligor accounts with that reference
    and ``receivable_type`` (required), even under a profile that is not per receivable type."""
    profile = profile or default_profile()
    source_ref = _scope(source_ref)
    if source_ref:
        if receivable_type is None:
            message = _("A virtual account for a reference needs the receivable type.")
            raise ServiceValidationError(message, errors={"receivable_type": [message]})
        if len(source_ref) > VirtualAccount._meta.get_field("source_ref").max_length:
            message = _("The reference is too long.")
            raise ServiceValidationError(message, errors={"source_ref": [message]})
    elif not profile.per_receivable_type:
        receivable_type = None
    found = _existing(party, receivable_type, profile, source_ref)
    if found is not None:
        return found
    try:
        with transaction.atomic():
            locked = BankProfile.objects.select_for_update().get(pk=profile.pk)
            found = _existing(party, receivable_type, locked, source_ref)
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
                nrb=number,
                party=party,
                receivable_type=receivable_type,
                profile=locked,
                identifier=identifier,
                source_ref=source_ref,
            )
            details = {"party": party.pk, "receivable_type": getattr(receivable_type, "code", None)}
            if source_ref:
                details["source_ref"] = source_ref
            audit_log(actor=actor, action="finance.virtual_account.created", obj=account, details=details)
            return account
    except IntegrityError:  # created at the same moment by another process
        found = _existing(party, receivable_type, profile, source_ref)
        if found is None:
            raise
        return found


def virtual_account_of(*, party, receivable_type=None, source_ref="", profile=None, fallback=False):
    """The virtual account a payment of ``party`` for (``receivable_type``, ``source_ref``) should go to — a read
    for decisions, notices and the portal; never creates one. ``None`` when there is none (or no active profile).

    The same choice as :func:`virtual_account_for`: with ``source_ref`` the account scoped to it; without, the
    obligor-level one (per receivable type when the profile says so). ``fallback``: when the scoped account does not
    exist, the obligor-level one instead (a payment to it is allocated over all the payer's accounts)."""
    if profile is None:
        profile = BankProfile.objects.filter(is_active=True).order_by("code").first()
        if profile is None:
            return None
    source_ref = _scope(source_ref)
    if source_ref:
        if receivable_type is not None:
            found = _existing(party, receivable_type, profile, source_ref)
            if found is not None or not fallback:
                return found
        elif not fallback:
            return None
    if not profile.per_receivable_type:
        receivable_type = None
    return _existing(party, receivable_type, profile)


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
