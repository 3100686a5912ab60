"""Posting many charges (przypisy) at once, for the periodic runs of other apps (the monthly waste fee run).

:func:`charges_post_many` writes for every :class:`ChargeDraft` exactly what
:func:`finance.services.accounts.charge_post` writes for it — one ``charge`` entry, its installments (the nominal
due date and the effective one shifted past a weekend or holiday, OP art. 12 §5) and its own journal entry by the
posting rule ``charge/principal`` (Wn 221 with the obligor account as analytic / Ma 720, the receivable type's
classification) — in a few queries: the accounts locked in id order, the ids reserved and the rows written by
``COPY`` on PostgreSQL (``bulk_create`` elsewhere, :mod:`finance.services.bulk`). The checks are those of
``charge_post`` (a positive amount in grosze, installments adding up to it, no closed period, known ledger accounts);
one refused draft refuses the whole batch and nothing is written (all or nothing, the caller's transaction).

The audit trail: instead of one ``finance.charge.posted`` event per charge, one ``finance.charges.posted`` event
per batch with the number of charges, their total, the ids of the entries written and the caller's ``source``
(e.g. "taxes.waste_charges 2025-03"); each entry keeps its own ``source_ref``, ``created_by`` and journal entry.

:func:`accounts_get_or_create_many` is :func:`finance.services.accounts.account_get_or_create` for many parties of
one receivable type and year (``source_ref`` empty, no co-obligors): existing accounts are read in one query, the
missing ones created in one ``INSERT … ON CONFLICT DO NOTHING`` (an account created meanwhile by a concurrent
transaction is simply read) and recorded in one ``finance.accounts.created`` event.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none
from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance.models import (
    AccountEntry,
    Installment,
    JournalEntry,
    JournalLine,
    LedgerAccount,
    ObligorAccount,
    ReceivableType,
)
from finance.services import ledger
from finance.services.accounts import _require, effective_due_date, lock_accounts, money_input
from finance.services.bulk import CHUNK, bulk_insert_rows, chunks, reserve_ids

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AccountRef:
    """An obligor account known by its id and receivable type (read in bulk by the caller, no model instance)."""

    pk: int
    receivable_type_id: int


@dataclass(frozen=True)
class ChargeDraft:
    """One charge to post: what :func:`finance.services.accounts.charge_post` takes."""

    account: ObligorAccount | AccountRef
    amount: Decimal
    installments: tuple[tuple[datetime.date, Decimal], ...]
    value_date: datetime.date
    description: str
    source_ref: str = ""


def accounts_get_or_create_many(
    *, party_ids: Iterable[int], receivable_type: ReceivableType, year: int, source_app: str = ""
) -> dict[int, ObligorAccount]:
    """The account of each party for ``receivable_type`` and ``year`` (``source_ref`` empty): party id → account
    (with ``receivable_type`` set). Missing accounts are created (audited in one ``finance.accounts.created``)."""
    found = accounts_by_ref_get_or_create_many(
        keys=[(pk, "") for pk in party_ids], receivable_type=receivable_type, year=year, source_app=source_app
    )
    return {party_id: account for (party_id, _ref), account in found.items()}


def accounts_by_ref_get_or_create_many(
    *, keys: Iterable[tuple[int, str]], receivable_type: ReceivableType, year: int, source_app: str = ""
) -> dict[tuple[int, str], ObligorAccount]:
    """The account of each (party id, ``source_ref``) for ``receivable_type`` and ``year`` — an app keeping separate
    accounts per reference (the waste fee per property): (party id, ref) → account (with ``receivable_type`` set).
    Missing accounts are created (audited in one ``finance.accounts.created``)."""
    wanted = sorted(set(keys))
    found: dict[tuple[int, str], ObligorAccount] = {}
    if not wanted:
        return found

    def read(rows):
        want = set(rows)
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            for account in ObligorAccount.objects.filter(
                party_id__in={p for p, _r in part}, source_ref__in={r for _p, r in part},
                receivable_type=receivable_type, year=year,
            ):  # fmt: skip
                key = (account.party_id, account.source_ref)
                if key in want:
                    account.receivable_type = receivable_type
                    found[key] = account

    with transaction.atomic():
        read(wanted)
        missing = [key for key in wanted if key not in found]
        if missing:
            ObligorAccount.objects.bulk_create(
                [
                    ObligorAccount(
                        party_id=pk, receivable_type=receivable_type, year=year, source_ref=ref, source_app=source_app
                    )
                    for pk, ref in missing
                ],
                batch_size=2000,
                ignore_conflicts=True,  # created meanwhile by a concurrent transaction: read below
            )
            read(missing)
            audit_log(
                actor="system", action="finance.accounts.created", object_type="finance.obligoraccount",
                object_id=found[missing[0]].pk,
                details={
                    "source_app": source_app, "receivable_type": receivable_type.code, "year": year,
                    "accounts": [found[key].pk for key in missing],
                },
            )  # fmt: skip
    return found


def _lock_accounts(ids: list[int]) -> None:
    """Lock the account rows in id order, as ``lock_accounts`` does (PostgreSQL: one array parameter)."""
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(ObligorAccount._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE", [ids])  # noqa: S608
        return
    for chunk in chunks(ids):
        lock_accounts(chunk)


def _checked(draft: ChargeDraft) -> tuple[Decimal, list[tuple[datetime.date, Decimal]]]:
    """The draft's amount and installments checked as ``charge_post`` checks them."""
    amount = money_input(draft.amount)
    if not draft.installments:
        raise ServiceValidationError(
            _("A charge needs at least one installment."),
            errors={"installments": [_("A charge needs at least one installment.")]},
        )
    parts = [(due, money_input(value, "installments")) for due, value in draft.installments]
    if sum(v for _d, v in parts) != amount:
        raise ServiceValidationError(
            _("The installments add up to %(sum)s, not %(amount)s.")
            % {"sum": sum(v for _d, v in parts), "amount": amount},
            errors={"installments": [_("The installments must add up to the amount of the charge.")]},
        )
    return amount, sorted(parts, key=lambda p: p[0])


def charges_post_many(*, actor, drafts: Sequence[ChargeDraft], source: str = "") -> list[int]:
    """Book many charges, each exactly as :func:`~finance.services.accounts.charge_post` books it (entry,
    installments, its own journal entry ``charge/principal``), in a few queries. All or nothing. Returns the ids of
    the charge entries in the order of ``drafts``. ``actor``: the user recorded on the entries (needs
    ``finance.post_entries``) or None (the system); ``source``: who posted, kept in the audit event."""
    _require(actor, "finance.post_entries")
    drafts = list(drafts)
    if not drafts:
        return []
    checked = [_checked(d) for d in drafts]
    for year, month in sorted({(d.value_date.year, d.value_date.month) for d in drafts}):
        if ledger.period_is_closed(datetime.date(year, month, 1)):
            raise ledger.PeriodClosed(_("The period %(month)02d.%(year)d is closed.") % {"month": month, "year": year})
    rules = ledger.PostingRules()
    types = {t.pk: t for t in ReceivableType.objects.filter(pk__in={d.account.receivable_type_id for d in drafts})}
    templates: dict[int, list[tuple]] = {}  # receivable type → the lines of ``post_event`` for 1 zł
    for draft in drafts:
        key = draft.account.receivable_type_id
        if key not in templates:
            templates[key] = [
                (x.account, x.debit > 0, x.obligor_account_id is not None, x.dzial, x.rozdzial, x.paragraf)
                for x in ledger.event_lines(
                    rules=rules, event="charge", component="principal", amount=Decimal(1),
                    obligor_account=draft.account, receivable_type=types[key],
                )
            ]  # fmt: skip
    numbers = {line[0] for lines in templates.values() for line in lines}
    ledger_accounts = {a.number: a.pk for a in LedgerAccount.objects.filter(number__in=numbers)}
    missing = numbers - set(ledger_accounts)
    if missing:
        raise ApplicationError(
            _("Unknown ledger account: %(accounts)s.") % {"accounts": ", ".join(sorted(missing))}, code="invalid"
        )
    user = user_or_none(actor)
    user_id = user.pk if user is not None else None
    booked, now = timezone.localdate(), timezone.now()
    shifted: dict[datetime.date, datetime.date] = {}
    with transaction.atomic():
        _lock_accounts(sorted({d.account.pk for d in drafts}))
        journal_ids = reserve_ids(JournalEntry, len(drafts))
        entry_ids = reserve_ids(AccountEntry, len(drafts))
        journals, journal_lines, entries, installments = [], [], [], []
        for draft, (amount, parts), journal_id, entry_id in zip(drafts, checked, journal_ids, entry_ids, strict=True):
            journals.append({
                "id": journal_id, "date": draft.value_date, "event": "charge", "description": draft.description[:300],
                "reverses_id": None, "created_by_id": user_id, "created_at": now,
            })  # fmt: skip
            journal_lines += [
                {
                    "entry_id": journal_id, "account_id": ledger_accounts[number],
                    "obligor_account_id": draft.account.pk if analytic else None,
                    "debit": amount if debit else ZERO, "credit": ZERO if debit else amount,
                    "dzial": dzial, "rozdzial": rozdzial, "paragraf": paragraf,
                }
                for number, debit, analytic, dzial, rozdzial, paragraf in templates[draft.account.receivable_type_id]
            ]  # fmt: skip
            entries.append({
                "id": entry_id, "account_id": draft.account.pk, "kind": AccountEntry.Kind.CHARGE.value,
                "component": AccountEntry.Component.PRINCIPAL.value, "amount": amount, "value_date": draft.value_date,
                "booked_on": booked, "description": draft.description[:500], "source_ref": draft.source_ref,
                "journal_entry_id": journal_id, "created_by_id": user_id, "created_at": now,
            })  # fmt: skip
            for number, (due, value) in enumerate(parts, start=1):
                if due not in shifted:
                    shifted[due] = effective_due_date(due)
                installments.append({
                    "charge_id": entry_id, "number": number, "due_date": due, "effective_due_date": shifted[due],
                    "amount": value,
                })  # fmt: skip
        bulk_insert_rows(JournalEntry, journals, with_ids=True)
        bulk_insert_rows(JournalLine, journal_lines)
        bulk_insert_rows(AccountEntry, entries, with_ids=True)
        bulk_insert_rows(Installment, installments)
        total = sum((amount for amount, _parts in checked), ZERO)
        audit_log(
            actor=actor, action="finance.charges.posted", object_type="finance.accountentry",
            object_id=entry_ids[0],
            details={
                "source": source, "charges": len(drafts), "amount": str(total),
                "accounts": len({d.account.pk for d in drafts}), "installments": len(installments),
                "entries": entry_ids,
            },
        )  # fmt: skip
    return entry_ids
