"""Importing MT940 bank statements: validation, matching, unidentified payments, allocation.

``statement_import`` takes the bytes of a file from a bank (one or more statements). The whole file is decoded
and validated first (``finance.domain.mt940``): a broken tag, an account that is not ours, balances that do not
reconcile, another currency or a value date in the future rejects it as a whole with the line and the reason, and
nothing is written. Then each statement is imported in ONE transaction: the ``BankStatement``, its lines, and for
each credit a ``Payment`` — matched by the virtual account (confidence 100), else by a PESEL / NIP of a registered
party (80) or an obligor-account reference (60) in the title, else unidentified (journal 133/240). A virtual
account scoped to a reference (``VirtualAccount.source_ref``, e.g. one per property) gives the payment its
``indicated_ref``: it settles only the payer's accounts with that reference (``finance.services.payments``).
Identified payments are allocated together (``finance.services.payments.payments_allocate_batch`` — the result of
``payment_allocate`` for each, in payment-date order, in a few queries), which books them. A statement already
imported (same account + reference + number, or the same content) is a duplicate and changes nothing; two
processes importing the same file at once end with one import (the unique constraints decide).

Payment date = the value date. ``payment_date_override`` (OP art. 60: the day the payer's account was debited)
is allowed only while the payment is not allocated (unidentified); for an allocated payment the clerk reverses
the allocation first (accounts area) — an allocation already computed with interest to the old date is never
silently changed.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.domain.identifiers import IdentifierError, validate_nip, validate_pesel
from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from finance.domain import mt940 as mt940_domain
from finance.models import BankProfile, BankStatement, ObligorAccount, Payment, StatementLine, VirtualAccount
from finance.services import ledger
from finance.services.bulk import NewPayment, bulk_insert_rows, reserve_ids
from finance.services.virtual_accounts import default_profile, office_accounts_predicate

MAX_FILE_BYTES = 50 * 1024 * 1024
CONFIDENCE_VIRTUAL = 100
CONFIDENCE_IDENTIFIER = 80
CONFIDENCE_REFERENCE = 60

_RE_DIGITS = re.compile(r"(?<![0-9])([0-9][0-9 -]{8,14}[0-9])(?![0-9])")
_RE_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9./-]{3,}")


class StatementRejected(ApplicationError):
    code = "statement_rejected"

    def __init__(self, message: str, *, line: int = 0):
        super().__init__(message, code="statement_rejected")
        self.line = line


@dataclass
class ImportSummary:
    statements: list[int] = field(default_factory=list)
    duplicates: int = 0
    lines: int = 0
    matched: int = 0
    unidentified: int = 0
    debits: int = 0
    amount: Decimal = Decimal("0.00")
    reversals: int = 0  # RC and RD lines
    reversals_unmatched: int = 0  # RC lines left for a clerk (finance.services.unallocation.unmatched_reversals)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "statements": self.statements,
            "duplicates": self.duplicates,
            "lines": self.lines,
            "matched": self.matched,
            "unidentified": self.unidentified,
            "debits": self.debits,
            "amount": str(self.amount),
            "reversals": self.reversals,
            "reversals_unmatched": self.reversals_unmatched,
            "warnings": self.warnings,
        }


@dataclass(frozen=True)
class Match:
    kind: str
    confidence: int
    party_id: int | None = None
    receivable_type_id: int | None = None
    source_ref: str = ""  # a virtual account scoped to the obligor accounts with this reference


@dataclass(slots=True)
class ScopedPayment(NewPayment):
    """A new bank payment of a statement, with the scope of the virtual account it was paid to."""

    indicated_ref: str = ""


def _check_actor(actor) -> None:
    if actor is not None and not actor.has_perm("finance.manage_payments"):
        raise ApplicationError(_("You may not import statements or resolve payments."), code="forbidden")


# --- matching -----------------------------------------------------------------------------------------------


def _identifiers_in(title: str) -> tuple[list[str], list[str]]:
    pesels, nips = [], []
    for chunk in _RE_DIGITS.findall(title or ""):
        digits = re.sub(r"[ -]", "", chunk)
        if len(digits) == 11:
            with contextlib.suppress(IdentifierError):
                pesels.append(validate_pesel(digits).number)
        elif len(digits) == 10:
            with contextlib.suppress(IdentifierError):
                nips.append(validate_nip(digits))
    return pesels, nips


def match_movements(movements, *, profile: BankProfile) -> list[Match]:
    """How each credit is matched (debits: ``debit``). Lookups are batched: one query per kind for all lines."""
    credits = [m for m in movements if m.is_credit]
    virtual = {
        va.nrb: va
        for va in VirtualAccount.objects.filter(nrb__in={m.virtual_account for m in credits if m.virtual_account})
    }
    found = {}
    for m in credits:
        if m.virtual_account not in virtual:
            found[m.index] = _identifiers_in(m.title)
    all_pesels = {p for pesels, _n in found.values() for p in pesels}
    all_nips = {n for _p, nips in found.values() for n in nips}
    by_pesel: dict[str, list[int]] = {}
    by_nip: dict[str, list[int]] = {}
    if all_pesels or all_nips:
        for pk, pesel, nip in Party.objects.filter(Q(pesel__in=all_pesels) | Q(nip__in=all_nips)).values_list(
            "pk", "pesel", "nip"
        ):
            if pesel in all_pesels:
                by_pesel.setdefault(pesel, []).append(pk)
            if nip in all_nips:
                by_nip.setdefault(nip, []).append(pk)
    # Obligor-account references in the titles of credits not matched by a virtual account: one query for all.
    all_tokens = {t for m in credits if m.index in found for t in _RE_REFERENCE.findall(m.title or "")}
    by_reference: dict[str, list[tuple[int, int]]] = {}
    if all_tokens:
        for ref, party_id, type_id in (
            ObligorAccount.objects.filter(source_ref__in=all_tokens)
            .exclude(source_ref="")
            .values_list("source_ref", "party_id", "receivable_type_id")
        ):
            by_reference.setdefault(ref, []).append((party_id, type_id))
    result = []
    for m in movements:
        if not m.is_credit:
            result.append(Match(StatementLine.Match.DEBIT, 0))
            continue
        va = virtual.get(m.virtual_account)
        if va is not None:
            result.append(
                Match(
                    StatementLine.Match.VIRTUAL_ACCOUNT,
                    CONFIDENCE_VIRTUAL,
                    va.party_id,
                    va.receivable_type_id,
                    va.source_ref,
                )
            )
            continue
        pesels, nips = found.get(m.index, ([], []))
        parties = {pk for p in pesels for pk in by_pesel.get(p, [])}
        if len(parties) == 1:
            result.append(Match(StatementLine.Match.PESEL, CONFIDENCE_IDENTIFIER, parties.pop()))
            continue
        parties = {pk for n in nips for pk in by_nip.get(n, [])}
        if len(parties) == 1:
            result.append(Match(StatementLine.Match.NIP, CONFIDENCE_IDENTIFIER, parties.pop()))
            continue
        tokens = set(_RE_REFERENCE.findall(m.title or ""))
        if tokens:
            accounts = [a for t in tokens for a in by_reference.get(t, [])]
            if len({a[0] for a in accounts}) == 1:
                result.append(
                    Match(StatementLine.Match.REFERENCE, CONFIDENCE_REFERENCE, accounts[0][0], accounts[0][1])
                )
                continue
        result.append(Match(StatementLine.Match.NONE, 0))
    return result


# --- allocation bridge --------------------------------------------------------------------------------------


def _allocate(*, payment: Payment, actor, event: str = "payment_bank") -> None:
    """Allocate an identified payment by the Ordynacja podatkowa (accounts area), which books it (133/221, or
    240/221 for money that waited as unidentified)."""
    from finance.services.payments import payment_allocate  # imported late: the accounts area builds on ours

    payment_allocate(payment=payment, actor=actor, event=event)


def _allocate_many(*, payments: list[Payment], actor, statement) -> None:
    """Allocate the identified payments of one statement at once (``payments_allocate_batch``: the same result as
    ``payment_allocate`` for each, in payment-date order; one collective journal entry per date and event)."""
    from finance.services.payments import payments_allocate_batch

    payments_allocate_batch(payments=payments, actor=actor, statement=statement, created_here=True)


def _reversal_matches(movements, matches: list[Match]) -> list[Match]:
    """An RD line (a debit taken back: money comes back, e.g. a bounced refund) is never matched and allocated as
    a tax payment: it waits in the unidentified queue for a clerk."""
    return [
        Match(StatementLine.Match.NONE, 0) if m.is_reversal and m.is_credit else match
        for m, match in zip(movements, matches, strict=True)
    ]


def _bank_reversals(line_ids, movements, *, actor):
    """The RC lines of a statement cancel their original payments (``finance.services.unallocation``); never
    refuses the import. ``count``: the RC and RD lines."""
    from finance.services.unallocation import bank_reversals_import

    rc = [pk for pk, m in zip(line_ids, movements, strict=True) if m.is_reversal and not m.is_credit]
    result = bank_reversals_import(line_ids=rc, actor=actor)
    result.count = sum(1 for m in movements if m.is_reversal)
    return result


def _parties_with_accounts(party_ids) -> set[int]:
    """The parties (of ``party_ids``) that have an account with the office, as obligor or co-obligor."""
    ids = {p for p in party_ids if p is not None}
    if not ids:
        return set()
    owners = set(ObligorAccount.objects.filter(party_id__in=ids).values_list("party_id", flat=True))
    joint = set(
        ObligorAccount.co_obligors.through.objects.filter(party_id__in=ids - owners).values_list("party_id", flat=True)
    )
    return owners | joint


# --- import -------------------------------------------------------------------------------------------------


def parse_file(*, profile: BankProfile, data: bytes, today: datetime.date | None = None):
    """Decode and validate a file for ``profile``: the statements, or :class:`StatementRejected`."""
    if not data:
        raise StatementRejected(_("The file is empty."))
    if len(data) > MAX_FILE_BYTES:
        raise StatementRejected(_("The file is too large (limit %(mb)d MB).") % {"mb": MAX_FILE_BYTES // 2**20})
    try:
        text = mt940_domain.decode(data, profile.encoding)
        return mt940_domain.parse(
            text,
            separator=profile.separator,
            virtual_account_field=profile.virtual_account_field,
            today=today or timezone.localdate(),
            accounts=office_accounts_predicate(profile),
        )
    except mt940_domain.Mt940Error as exc:
        raise StatementRejected(exc.message, line=exc.line) from None


def _is_duplicate(parsed) -> bool:
    return BankStatement.objects.filter(
        Q(account=parsed.account, reference=parsed.reference, sequence=parsed.sequence)
        | Q(content_sha256=parsed.content_sha256)
    ).exists()


def _import_one(*, parsed, profile, actor, file_name, encoding, summary, fail_after=None, progress=None) -> None:
    user = actor if getattr(actor, "is_authenticated", False) else None
    statement = BankStatement.objects.create(
        profile=profile,
        reference=parsed.reference,
        account=parsed.account,
        sequence=parsed.sequence,
        content_sha256=parsed.content_sha256,
        file_name=file_name[:255],
        raw=parsed.text.encode(encoding, errors="replace"),
        opening_balance=parsed.opening_balance,
        closing_balance=parsed.closing_balance,
        statement_date=parsed.statement_date,
        status=BankStatement.Status.IMPORTING,
        imported_by=user,
    )
    matches = match_movements(parsed.movements, profile=profile)
    matches = _reversal_matches(parsed.movements, matches)
    # Statement lines and payments are written as plain rows (COPY on PostgreSQL) with ids reserved first: the
    # payments after their allocation, with their final status (the foreign keys are checked at commit).
    line_ids = reserve_ids(StatementLine, len(parsed.movements))
    bulk_insert_rows(
        StatementLine,
        [
            {
                "id": pk, "statement_id": statement.pk, "index": m.index, "value_date": m.value_date,
                "entry_date": m.entry_date, "is_credit": m.is_credit, "amount": m.amount,
                "currency": parsed.currency, "transaction_code": m.transaction_code,
                "bank_reference": m.bank_reference, "title": m.title, "counterparty_name": m.counterparty_name,
                "counterparty_account": m.counterparty_account, "virtual_account": m.virtual_account,
                "match": match.kind, "confidence": match.confidence, "is_reversal": m.is_reversal,
            }
            for pk, m, match in zip(line_ids, parsed.movements, matches, strict=True)
        ],
        with_ids=True,
    )  # fmt: skip
    total = len(line_ids)
    # A party found but without any account with the office waits for a clerk like an unidentified payment — unless
    # it paid to a scoped virtual account: the allocation keeps the money on (a new) account of that scope.
    with_accounts = _parties_with_accounts(m.party_id for m in matches)
    credits = [(pk, m, match) for pk, m, match in zip(line_ids, parsed.movements, matches, strict=True) if m.is_credit]
    payment_ids = reserve_ids(Payment, len(credits))
    payments, identified = [], []
    for number, (pk, (line_id, m, match)) in enumerate(zip(payment_ids, credits, strict=True), start=1):
        if fail_after is not None and number > fail_after:
            raise RuntimeError("injected failure")  # tests: a crash mid-statement
        if progress is not None and number % 500 == 0:
            progress(number, len(credits))
        known = match.party_id is not None and (match.party_id in with_accounts or bool(match.source_ref))
        payments.append(
            ScopedPayment(
                pk=pk, statement_line_id=line_id, party_id=match.party_id if known else None,
                indicated_type_id=match.receivable_type_id if known else None, amount=m.amount,
                payment_date=m.value_date, payer_account=m.counterparty_account, title=m.title,
                indicated_ref=match.source_ref if known else "",
            )
        )  # fmt: skip
        identified.append(known)
    matched = sum(identified)
    unidentified = len(payments) - matched
    # Identified payments: allocated together (one collective journal entry per date, one audit event).
    _allocate_many(payments=[p for p, known in zip(payments, identified, strict=True) if known], actor=actor,
                   statement=statement)  # fmt: skip
    bulk_insert_rows(
        Payment,
        [
            {
                "id": p.pk, "source": Payment.Source.BANK, "statement_line_id": p.statement_line_id,
                "party_id": p.party_id, "indicated_type_id": p.indicated_type_id, "indicated_ref": p.indicated_ref,
                "amount": p.amount, "payment_date": p.payment_date, "received_on": p.payment_date,
                "payer_account": p.payer_account, "title": p.title, "status": p.status,
                "created_by_id": user.pk if user is not None else None,
            }
            for p in payments
        ],
        with_ids=True,
    )  # fmt: skip
    # Unidentified payments: one journal entry each (133/240), written together.
    unknown = [p for p, known in zip(payments, identified, strict=True) if not known]
    if unknown:
        debit, credit = ledger.PostingRules().accounts("unidentified", "principal")
        ledger.journal_post_many(
            drafts=[
                ledger.JournalDraft(
                    date=p.payment_date,
                    event="unidentified",
                    description=_("Unidentified payment #%(id)s: %(title)s") % {"id": p.pk, "title": p.title},
                    lines=[ledger.Line(account=debit, debit=p.amount), ledger.Line(account=credit, credit=p.amount)],
                )
                for p in unknown
            ],
            actor=actor,
        )
    # RC lines: the bank took a credit back — the original payment is cancelled, or the line waits for a clerk.
    reversals = _bank_reversals(line_ids, parsed.movements, actor=actor)
    statement.status = BankStatement.Status.IMPORTED
    statement.lines_total = total
    statement.lines_matched = matched
    statement.lines_unidentified = unidentified
    statement.save(update_fields=["status", "lines_total", "lines_matched", "lines_unidentified"])
    audit_log(
        actor=actor,
        action="finance.statement.imported",
        obj=statement,
        details={"file": file_name, "lines": total, "matched": matched, "unidentified": unidentified,
                 "reversals": reversals.count, "reversals_unmatched": len(reversals.unmatched),
                 "reversed_payments": reversals.reversed, "warnings": reversals.warnings},
    )  # fmt: skip
    summary.statements.append(statement.pk)
    summary.reversals += reversals.count
    summary.reversals_unmatched += len(reversals.unmatched)
    summary.warnings += reversals.warnings
    summary.lines += total
    summary.matched += matched
    summary.unidentified += unidentified
    summary.debits += total - len(credits)
    summary.amount += sum((m.amount for _pk, m, _match in credits), Decimal("0.00"))


def statement_import(
    *, actor, profile: BankProfile, data: bytes, file_name: str = "", fail_after: int | None = None, progress=None
) -> ImportSummary:
    """Import a file of statements; see the module docstring. Raises :class:`StatementRejected` (nothing written)."""
    _check_actor(actor)
    statements = parse_file(profile=profile, data=data)
    summary = ImportSummary()
    for parsed in statements:
        if _is_duplicate(parsed):
            summary.duplicates += 1
            continue
        try:
            with transaction.atomic():
                _import_one(
                    parsed=parsed,
                    profile=profile,
                    actor=actor,
                    file_name=file_name,
                    encoding=profile.encoding,
                    summary=summary,
                    fail_after=fail_after,
                    progress=progress,
                )
        except IntegrityError:
            if _is_duplicate(parsed):  # imported at the same moment by another process
                summary.duplicates += 1
                continue
            raise
        except ApplicationError as exc:
            raise StatementRejected(
                _("Statement %(reference)s: %(reason)s") % {"reference": parsed.reference, "reason": exc.message},
                line=parsed.line,
            ) from exc
    return summary


# --- after the import ---------------------------------------------------------------------------------------


def payment_date_override(*, actor, payment: Payment, payment_date: datetime.date, reason: str) -> Payment:
    """Set the payer's debit date (OP art. 60) on a payment not yet allocated, with the reason."""
    _check_actor(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Give the reason for the payment date (e.g. the payer's bank confirmation)."))
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.UNIDENTIFIED:
            raise ApplicationError(
                _("The payment is already allocated: reverse the allocation before changing its date."),
                code="invalid_state",
            )
        if payment_date > locked.received_on:
            raise ApplicationError(_("The payment date cannot be later than the day the money arrived."))
        if payment_date > timezone.localdate():
            raise ApplicationError(_("The payment date cannot be in the future."))
        old = locked.payment_date
        locked.payment_date = payment_date
        locked.payment_date_reason = reason[:300]
        locked.save(update_fields=["payment_date", "payment_date_reason"])
        audit_log(
            actor=actor,
            action="finance.payment.date_overridden",
            obj=locked,
            details={"from": old.isoformat(), "to": payment_date.isoformat(), "reason": reason[:300]},
        )
    return locked


def payment_resolve(*, actor, payment: Payment, party, receivable_type=None, indicated_ref: str = "") -> Payment:
    """A clerk assigns an unidentified payment to an obligor (and a receivable): 240 → 221 and the allocation.

    ``indicated_ref`` (with ``receivable_type``): the payment is meant for the obligor accounts with that reference
    only, as if paid to their scoped virtual account; empty (the default) clears an earlier one."""
    _check_actor(actor)
    indicated_ref = (indicated_ref or "").strip()
    if indicated_ref and receivable_type is None:
        message = _("A payment for a reference needs the receivable type.")
        raise ServiceValidationError(message, errors={"receivable_type": [message]})
    if len(indicated_ref) > Payment._meta.get_field("indicated_ref").max_length:
        message = _("The reference is too long.")
        raise ServiceValidationError(message, errors={"indicated_ref": [message]})
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.UNIDENTIFIED:
            raise ApplicationError(_("Only an unidentified payment can be resolved."), code="invalid_state")
        locked.party = party
        locked.indicated_type = receivable_type
        locked.indicated_ref = indicated_ref
        locked.save(update_fields=["party", "indicated_type", "indicated_ref"])
        if locked.statement_line_id:
            StatementLine.objects.filter(pk=locked.statement_line_id).update(
                match=StatementLine.Match.MANUAL, confidence=100
            )
        _allocate(payment=locked, actor=actor, event="unidentified_resolved")
        audit_log(
            actor=actor,
            action="finance.payment.resolved",
            obj=locked,
            details={
                "party": party.pk,
                "receivable_type": getattr(receivable_type, "code", None),
                **({"indicated_ref": indicated_ref} if indicated_ref else {}),
            },
        )
    locked.refresh_from_db()
    return locked


# --- the drop folder (host-to-host delivery) ----------------------------------------------------------------

INBOX_STALE_SECONDS = 30 * 60
_SKIP_SUFFIXES = (".part", ".tmp", ".reason.txt")


@dataclass
class InboxResult:
    imported: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    recovered: int = 0


def _inbox_candidates(inbox: Path):
    """(file, profile code or None): files at the top of the inbox (the default profile) and in a folder named
    after a bank profile's code."""
    reserved = {"processing", "done", "rejected"}
    for entry in sorted(inbox.iterdir()):
        if entry.name.startswith(".") or entry.name in reserved:
            continue
        if entry.is_file() and not entry.name.endswith(_SKIP_SUFFIXES):
            yield entry, None
        elif entry.is_dir():
            for inner in sorted(entry.iterdir()):
                if inner.is_file() and not inner.name.startswith(".") and not inner.name.endswith(_SKIP_SUFFIXES):
                    yield inner, entry.name


def _unique_target(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    target = folder / f"{stamp}_{name}"
    n = 1
    while target.exists():
        n += 1
        target = folder / f"{stamp}_{n}_{name}"
    return target


def _recover_stale(inbox: Path, now: float) -> int:
    """Files left in processing/ by a worker that died go back to the inbox (the import is idempotent)."""
    recovered = 0
    processing = inbox / "processing"
    if not processing.is_dir():
        return 0
    for claimed in processing.iterdir():
        claimed_at, _sep, rest = claimed.name.partition("__")
        if not claimed_at.isdigit() or now - int(claimed_at) < INBOX_STALE_SECONDS:
            continue
        _token, _sep, rest = rest.partition("__")
        code, _sep, name = rest.partition("__")
        back = (inbox / code) if code != "-" else inbox
        back.mkdir(exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            os.rename(claimed, back / name)
            recovered += 1
    return recovered


def inbox_import(*, inbox: Path | str, actor=None) -> InboxResult:
    """Import every new file of the drop folder once, and move it to done/ or rejected/ (with a .reason.txt).

    Safe to run twice at once: a file is claimed by an atomic rename into processing/ — whoever renames it
    imports it, the other run skips it; the statements' unique constraints are the second line of defence."""
    inbox = Path(inbox)
    result = InboxResult()
    if not inbox.is_dir():
        return result
    (inbox / "processing").mkdir(exist_ok=True)
    now = time.time()
    result.recovered = _recover_stale(inbox, now)
    profiles = {p.code: p for p in BankProfile.objects.filter(is_active=True)}
    for path, code in _inbox_candidates(inbox):
        if code is not None and code not in profiles:
            continue  # a folder that is not a profile (yet): left alone
        claimed = inbox / "processing" / f"{int(now)}__{uuid.uuid4().hex}__{code or '-'}__{path.name}"
        try:
            os.rename(path, claimed)
        except (FileNotFoundError, PermissionError):
            continue  # taken by another run
        try:
            profile = profiles[code] if code else default_profile()
            summary = statement_import(actor=actor, profile=profile, data=claimed.read_bytes(), file_name=path.name)
        except StatementRejected as exc:
            target = _unique_target(inbox / "rejected", path.name)
            os.rename(claimed, target)
            target.with_name(target.name + ".reason.txt").write_text(exc.message + "\n", encoding="utf-8")
            audit_log(
                actor=actor, action="finance.statement.rejected", object_type="finance.statementfile",
                object_id=path.name[:100], object_repr=path.name, details={"reason": exc.message},
            )  # fmt: skip
            result.rejected.append(path.name)
            continue
        except Exception:
            os.rename(claimed, path)  # back to the inbox for the next run; the import left nothing
            result.failed.append(path.name)
            continue
        os.rename(claimed, _unique_target(inbox / "done", path.name))
        (result.imported if summary.statements else result.duplicates).append(path.name)
    return result
