"""Services of obligor accounts: charges (przypis) with installments, reductions (odpis), reminder costs,
transfers between accounts of one obligor, reversals (storno).

Each service owns its transaction, locks the account rows it changes, writes immutable
:class:`~finance.models.AccountEntry` rows, books each money event in the ledger (``post_event``) in the same
transaction and writes an audit event. A refusal writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import user_or_none as _user
from core.exceptions import ApplicationError, ServiceValidationError
from core.selectors import legal_deadline
from core.services.audit import audit_log
from finance import selectors
from finance.domain.rounding import to_grosz
from finance.models import AccountEntry, Installment, ObligorAccount
from finance.services.ledger import post_event

K = AccountEntry.Kind
C = AccountEntry.Component
REVERSIBLE = (K.CHARGE, K.REDUCTION, K.REMINDER_COST)


def _require(actor, perm: str) -> None:
    if actor is not None and not actor.has_perm(perm):
        raise ApplicationError(_("You may not post entries on obligors' accounts."), code="forbidden")


def amount_error(amount) -> str:
    """Why ``amount`` is not a positive amount in złoty and grosze ("" when it is)."""
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, TypeError, ValueError):
        return _("Enter an amount.")
    if not value.is_finite():
        return _("Enter an amount.")
    if value != to_grosz(value):
        return _("Amounts are in złoty and grosze.")
    if value <= 0:
        return _("The amount must be positive.")
    return ""


def money_input(amount, field: str = "amount") -> Decimal:
    """A positive amount in złoty and grosze, or ServiceValidationError naming ``field``."""
    error = amount_error(amount)
    if error:
        raise ServiceValidationError(error, errors={field: [error]})
    return Decimal(str(amount))


def lock_accounts(ids: Iterable[int]) -> dict[int, ObligorAccount]:
    """Lock account rows in id order (no deadlocks between two services locking overlapping sets)."""
    return {a.pk: a for a in ObligorAccount.objects.select_for_update().filter(pk__in=sorted(set(ids))).order_by("pk")}


def effective_due_date(day: datetime.date) -> datetime.date:
    """OP art. 12 §5: a due date on a Saturday, Sunday or public holiday moves to the next working day."""
    return legal_deadline(day)


def account_get_or_create(
    *, party, receivable_type, year: int, co_obligors: Sequence = (), source_app: str = "", source_ref: str = ""
) -> ObligorAccount:
    """The account of ``party`` for a receivable type and year (one per ``source_ref``), with its co-obligors."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                account, created = ObligorAccount.objects.get_or_create(
                    party=party,
                    receivable_type=receivable_type,
                    year=year,
                    source_ref=source_ref,
                    defaults={"source_app": source_app},
                )
        except IntegrityError:  # created meanwhile by a concurrent transaction
            account, created = (
                ObligorAccount.objects.get(
                    party=party, receivable_type=receivable_type, year=year, source_ref=source_ref
                ),
                False,
            )
        extra = [p for p in co_obligors if p.pk != party.pk]
        if extra:
            account.co_obligors.add(*extra)
        if created:
            audit_log(
                actor="system",
                action="finance.account.created",
                obj=account,
                details={"source_app": source_app, "source_ref": source_ref, "co_obligors": [p.pk for p in extra]},
            )
    return account


def charge_post(
    *,
    actor,
    account: ObligorAccount,
    amount,
    installments: Sequence[tuple[datetime.date, Decimal]],
    value_date: datetime.date,
    description: str,
    source_ref: str = "",
) -> AccountEntry:
    """Book a charge (przypis) with its installments; Σ installments must equal the amount exactly."""
    _require(actor, "finance.post_entries")
    amount = money_input(amount)
    if not installments:
        raise ServiceValidationError(
            _("A charge needs at least one installment."),
            errors={"installments": [_("A charge needs at least one installment.")]},
        )
    parts = [(due, money_input(value, "installments")) for due, value in installments]
    if sum(v for _d, v in parts) != amount:
        raise ServiceValidationError(
            _("The installments add up to %(sum)s, not %(amount)s.")
            % {"sum": sum(v for _d, v in parts), "amount": amount},
            errors={"installments": [_("The installments must add up to the amount of the charge.")]},
        )
    with transaction.atomic():
        account = lock_accounts([account.pk])[account.pk]
        journal = post_event(
            event="charge", component="principal", amount=amount, date=value_date,
            description=description, obligor_account=account, actor=actor,
        )  # fmt: skip
        entry = AccountEntry.objects.create(
            account=account, kind=K.CHARGE, component=C.PRINCIPAL, amount=amount, value_date=value_date,
            booked_on=timezone.localdate(), description=description[:500], source_ref=source_ref,
            journal_entry=journal, created_by=_user(actor),
        )  # fmt: skip
        for number, (due, value) in enumerate(sorted(parts, key=lambda p: p[0]), start=1):
            Installment.objects.create(
                charge=entry, number=number, due_date=due, effective_due_date=effective_due_date(due), amount=value
            )
        audit_log(
            actor=actor, action="finance.charge.posted", obj=account,
            details={"entry": entry.pk, "amount": str(amount), "installments": len(parts), "source_ref": source_ref},
        )  # fmt: skip
    return entry


def reduction_post(
    *,
    actor,
    charge: AccountEntry,
    amount,
    value_date: datetime.date,
    description: str,
    installment: Installment | None = None,
    source_ref: str = "",
) -> list[AccountEntry]:
    """Book a reduction (odpis) of a charge: against ``installment``, or spread over the installments from the
    last one back. An installment is never reduced below zero; the part of it already paid becomes an
    overpayment (an ``overpayment`` entry on that installment). Returns the entries written."""
    _require(actor, "finance.post_entries")
    amount = money_input(amount)
    if charge.kind != K.CHARGE:
        raise ServiceValidationError(
            _("Only a charge can be reduced."), errors={"charge": [_("Only a charge can be reduced.")]}
        )
    with transaction.atomic():
        account = lock_accounts([charge.account_id])[charge.account_id]
        state = selectors.account_state(account, as_of=max(value_date, timezone.localdate()))
        views = [v for v in state.installments if v.charge_id == charge.pk]
        if not views:
            raise ApplicationError(_("The charge has been reversed."), code="invalid")
        if installment is not None:
            views = [v for v in views if v.id == installment.pk]
            if not views:
                raise ServiceValidationError(
                    _("The installment is not of this charge."),
                    errors={"installment": [_("The installment is not of this charge.")]},
                )
        # What is still charged on each installment = amount − reductions − restorations so far.
        reduced = _reduced_so_far(charge)
        room = {v.id: v.amount - reduced.get(v.id, Decimal(0)) for v in views}
        if amount > sum(room.values()):
            raise ServiceValidationError(
                _("The reduction exceeds what is charged (%(room)s).") % {"room": sum(room.values())},
                errors={"amount": [_("The reduction exceeds what is charged.")]},
            )
        journal = post_event(
            event="reduction", component="principal", amount=amount, date=value_date,
            description=description, obligor_account=account, actor=actor,
        )  # fmt: skip
        written: list[AccountEntry] = []
        left = amount
        for view in sorted(views, key=lambda v: (v.effective_due_date, v.id), reverse=True):
            if left <= 0:
                break
            take = min(left, room[view.id])
            if take <= 0:
                continue
            left -= take
            written.append(AccountEntry.objects.create(
                account=account, kind=K.REDUCTION, component=C.PRINCIPAL, amount=take, value_date=value_date,
                booked_on=timezone.localdate(), installment_id=view.id, description=description[:500],
                source_ref=source_ref, journal_entry=journal, created_by=_user(actor),
            ))  # fmt: skip
            paid_back = take - min(take, max(view.state.principal, Decimal(0)))
            if paid_back > 0:
                written.append(AccountEntry.objects.create(
                    account=account, kind=K.OVERPAYMENT, component=C.OVERPAYMENT, amount=paid_back,
                    value_date=value_date, booked_on=timezone.localdate(), installment_id=view.id,
                    description=_("Paid part of a reduced installment"), source_ref=source_ref,
                    journal_entry=journal, created_by=_user(actor),
                ))  # fmt: skip
        audit_log(
            actor=actor, action="finance.reduction.posted", obj=account,
            details={"charge": charge.pk, "amount": str(amount), "entries": [e.pk for e in written]},
        )  # fmt: skip
    return written


def _reduced_so_far(charge: AccountEntry) -> dict[int, Decimal]:
    reversed_ids = set(
        AccountEntry.objects.filter(kind=K.REVERSAL, account_id=charge.account_id).values_list("reverses_id", flat=True)
    )
    out: dict[int, Decimal] = {}
    for e in AccountEntry.objects.filter(installment__charge=charge, kind__in=(K.REDUCTION,)):
        if e.pk not in reversed_ids:
            out[e.installment_id] = out.get(e.installment_id, Decimal(0)) + e.amount
    return out


def reminder_cost_post(
    *, actor, account: ObligorAccount, value_date: datetime.date, description: str = "", source_ref: str = ""
) -> AccountEntry:
    """Book the costs of a delivered reminder (upomnienie): the ``reminder_cost`` parameter valid on the date."""
    _require(actor, "finance.post_entries")
    try:
        amount = selectors.parameter("reminder_cost", value_date)
    except LookupError as exc:
        raise ApplicationError(_("No reminder cost is in force on that date."), code="invalid") from exc
    description = description or _("Reminder costs")
    with transaction.atomic():
        account = lock_accounts([account.pk])[account.pk]
        journal = post_event(
            event="reminder_cost", component="costs", amount=amount, date=value_date,
            description=description, obligor_account=account, actor=actor,
        )  # fmt: skip
        entry = AccountEntry.objects.create(
            account=account, kind=K.REMINDER_COST, component=C.COSTS, amount=amount, value_date=value_date,
            booked_on=timezone.localdate(), description=description[:500], source_ref=source_ref,
            journal_entry=journal, created_by=_user(actor),
        )  # fmt: skip
        audit_log(actor=actor, action="finance.reminder_cost.posted", obj=account, details={"amount": str(amount)})
    return entry


def transfer_post(
    *,
    actor,
    source: ObligorAccount,
    target: ObligorAccount,
    amount,
    value_date: datetime.date,
    description: str = "",
) -> tuple[AccountEntry, AccountEntry]:
    """Move an overpayment from one account to another account of the same obligor (przeksięgowanie):
    a ``transfer`` entry on the source and an ``overpayment`` entry on the target; journal 221/221."""
    _require(actor, "finance.post_entries")
    amount = money_input(amount)
    if source.pk == target.pk:
        raise ServiceValidationError(
            _("Choose two different accounts."), errors={"target": [_("Choose two different accounts.")]}
        )
    if source.party_id != target.party_id:
        raise ServiceValidationError(
            _("Both accounts must belong to the same obligor."),
            errors={"target": [_("Both accounts must belong to the same obligor.")]},
        )
    description = description or _("Transfer between accounts")
    with transaction.atomic():
        locked = lock_accounts([source.pk, target.pk])
        source, target = locked[source.pk], locked[target.pk]
        available = selectors.account_state(source, as_of=value_date).overpayment
        if amount > available:
            raise ServiceValidationError(
                _("Only %(available)s of overpayment is available on the source account.") % {"available": available},
                errors={"amount": [_("The amount exceeds the overpayment.")]},
            )
        journal = post_event(
            event="transfer", component="principal", amount=amount, date=value_date, description=description,
            obligor_account=source, counter_obligor_account=target, actor=actor,
        )  # fmt: skip
        common = {
            "component": C.OVERPAYMENT, "amount": amount, "value_date": value_date, "booked_on": timezone.localdate(),
            "description": description[:500], "journal_entry": journal, "created_by": _user(actor),
        }  # fmt: skip
        out = AccountEntry.objects.create(account=source, kind=K.TRANSFER, counter_account=target, **common)
        into = AccountEntry.objects.create(account=target, kind=K.OVERPAYMENT, counter_account=source, **common)
        audit_log(
            actor=actor, action="finance.transfer.posted", obj=source,
            details={"target": target.pk, "amount": str(amount)},
        )  # fmt: skip
    return out, into


def entry_reverse(*, actor, entry: AccountEntry, value_date: datetime.date, reason: str) -> AccountEntry:
    """Storno: a ``reversal`` entry pointing at the original, with the mirrored journal entry. Charges,
    reductions and reminder costs can be reversed (payments are corrected by re-allocation, not here); a charge
    only while nothing has been paid on it; an entry only once."""
    _require(actor, "finance.post_entries")
    if not reason.strip():
        raise ServiceValidationError(
            _("Give the reason of the reversal."), errors={"reason": [_("Give the reason of the reversal.")]}
        )
    with transaction.atomic():
        account = lock_accounts([entry.account_id])[entry.account_id]
        entry = AccountEntry.objects.select_related("journal_entry").get(pk=entry.pk)
        if entry.kind not in REVERSIBLE:
            raise ApplicationError(_("This kind of entry cannot be reversed."), code="invalid")
        if AccountEntry.objects.filter(reverses=entry).exists():
            raise ApplicationError(_("The entry has already been reversed."), code="already_reversed")
        if value_date < entry.value_date:
            raise ServiceValidationError(
                _("A reversal cannot precede the entry."),
                errors={"value_date": [_("A reversal cannot precede the entry.")]},
            )
        if (
            entry.kind == K.CHARGE
            and AccountEntry.objects.filter(
                installment__charge=entry, kind__in=(K.ALLOCATION, K.REDUCTION, K.OVERPAYMENT)
            ).exists()
        ):
            raise ApplicationError(
                _("Payments or reductions are booked on this charge; reduce it instead."), code="invalid"
            )
        if (
            entry.kind == K.REDUCTION
            and AccountEntry.objects.filter(
                installment_id=entry.installment_id, kind=K.OVERPAYMENT, journal_entry_id=entry.journal_entry_id
            ).exists()
        ):
            raise ApplicationError(
                _("The reduction created an overpayment; book a new charge instead."), code="invalid"
            )
        if entry.kind == K.REMINDER_COST:
            state = selectors.account_state(account, as_of=max(value_date, timezone.localdate()))
            if entry.pk not in {c.id for c in state.cost_items if c.amount == entry.amount}:
                raise ApplicationError(_("These reminder costs have been paid."), code="invalid")
        event = {K.CHARGE: "charge", K.REDUCTION: "reduction", K.REMINDER_COST: "reminder_cost"}[entry.kind]
        component = "costs" if entry.kind == K.REMINDER_COST else "principal"
        description = _("Reversal: %(reason)s") % {"reason": reason}
        journal = _mirror_journal(entry, value_date, description, actor) or _storno_by_rule(
            event=event, component=component, amount=entry.amount, day=value_date, description=description,
            account=account, actor=actor,
        )  # fmt: skip
        reversal = AccountEntry.objects.create(
            account=account, kind=K.REVERSAL, component=entry.component, amount=entry.amount,
            value_date=value_date, booked_on=timezone.localdate(), installment=entry.installment,
            reverses=entry, description=description[:500], journal_entry=journal, created_by=_user(actor),
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.entry.reversed", obj=account,
            details={"entry": entry.pk, "reversal": reversal.pk, "reason": reason},
        )  # fmt: skip
    return reversal


def _storno_by_rule(*, event, component, amount, day, description, account, actor):
    """The posting rule of ``event`` with the sides swapped (when the original entry shares its journal entry with
    others, e.g. a reduction spread over installments)."""
    from finance.models import LedgerAccount
    from finance.services.ledger import Line, classification, journal_post, posting_accounts

    debit, credit = posting_accounts(event, component)
    analytic = set(
        LedgerAccount.objects.filter(number__in=(debit, credit), analytic_by_obligor=True).values_list(
            "number", flat=True
        )
    )
    cls = classification(account.receivable_type, component)
    return journal_post(
        date=day,
        event=event,
        description=description,
        actor=actor,
        lines=[
            Line(account=credit, debit=amount, obligor_account_id=account.pk if credit in analytic else None, **cls),
            Line(account=debit, credit=amount, obligor_account_id=account.pk if debit in analytic else None, **cls),
        ],
    )


def _mirror_journal(entry: AccountEntry, day: datetime.date, description: str, actor):
    """The original journal entry with debit and credit swapped (storno), or None without one."""
    from finance.services.ledger import journal_reverse

    original = entry.journal_entry
    if original is None:
        return None
    # A reduction spread over installments shares one journal entry: mirror only this entry's amount.
    total = sum(original.lines.values_list("debit", flat=True), Decimal(0))
    if total != entry.amount:
        return None
    return journal_reverse(original=original, date=day, description=description, actor=actor)
