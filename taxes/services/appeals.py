"""Appeals against tax decisions (OP art. 220–234): register, forward to the SKO, record the SKO's ruling.

* :func:`appeal_register` — the appellant (the addressee or a jointly liable co-obligor) and the day the appeal was
  lodged (for a letter: the day it was posted, OP art. 12 §6). Lodged by the last day of the 14-day period
  (:func:`appeal_deadline`) → timely: the decision does not become final while it is pending, and a decision already
  marked final (the letter arrived after the nightly job) goes back to DELIVERED. Lodged later → recorded as late:
  the decision's finality is not affected; the SKO will state the delay.
* :func:`appeal_forward` — LODGED → FORWARDED with the day the files went to the SKO (a warning in the result when
  more than 30 days after receipt, art. 227 §1).
* :func:`appeal_decide` — FORWARDED → DECIDED with the outcome and the day the SKO's ruling was delivered (a
  withdrawal or a late appeal also straight from LODGED). Upheld, withdrawn or late → the decision becomes FINAL (on
  that day; a late appeal leaves the original finality day); revoked (remanded or discontinued) → the decision, and
  first any decision changing it, is CANCELLED and its finance effect undone (value date = the ruling's delivery):
  its charges reduced (an amount already paid becomes an overpayment), the reductions it booked against the decision
  it changed charged again.

Each function checks ``taxes.assess_taxes``, locks the rows it changes, writes an audit event and owns its
transaction. Status changes of the decision go through the decisions module's transition table.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from taxes.models import Decision, DecisionAppeal
from taxes.services import decisions as dec

A = DecisionAppeal.Status
O = DecisionAppeal.Outcome  # noqa: E741
S = Decision.Status
FORWARD_DAYS = 30  # OP art. 227 §1


@dataclass(frozen=True)
class ForwardResult:
    appeal: DecisionAppeal
    late_forwarding: bool


def appeal_deadline(delivered_on: datetime.date) -> datetime.date:
    """The last day to appeal: 14 days after delivery (OP art. 223 §2 pkt 1), moved past a Saturday or a holiday
    (art. 12 §5) — the day before :func:`taxes.services.decisions.final_on`."""
    return dec.final_on(delivered_on) - datetime.timedelta(days=1)


def _refuse(field: str, message: str):
    raise ServiceValidationError(message, errors={field: [message]})


def _transition(appeal: DecisionAppeal, to: str, *, actor, fields: dict, details: dict | None = None) -> None:
    if to not in DecisionAppeal.TRANSITIONS[appeal.status]:
        raise ApplicationError(
            _("An appeal in the state %(state)s cannot become %(to)s.")
            % {"state": appeal.get_status_display(), "to": A(to).label},
            code="invalid_transition",
        )
    old = appeal.status
    appeal.status = to
    for name, value in fields.items():
        setattr(appeal, name, value)
    appeal.save(update_fields=["status", *fields])
    audit_log(
        actor=actor, action=f"taxes.appeal.{to}", obj=appeal.decision,
        details={"appeal": appeal.pk, "from": old, "to": to, **(details or {})},
    )  # fmt: skip


def appeal_register(
    *, actor, decision: Decision, party_id: int, lodged_on: datetime.date, incoming_entry=None, note: str = ""
) -> DecisionAppeal:
    dec._require(actor)
    today = timezone.localdate()
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if locked.status not in (S.DELIVERED, S.FINAL) or locked.delivered_on is None:
            raise ApplicationError(
                _("An appeal can be registered only against a delivered decision."), code="invalid_state"
            )
        allowed = {locked.party_id, *locked.co_obligors.values_list("pk", flat=True)}
        if party_id not in allowed:
            _refuse("party", _("Only the addressee or a jointly liable co-obligor can appeal against the decision."))
        if lodged_on < locked.delivered_on:
            _refuse("lodged_on", _("An appeal cannot be lodged before the decision was delivered."))
        if lodged_on > today:
            _refuse("lodged_on", _("The lodging date cannot be in the future."))
        if locked.appeals.filter(party_id=party_id).exclude(status=A.DECIDED).exists():
            _refuse("party", _("This party's appeal against the decision is already pending."))
        deadline = appeal_deadline(locked.delivered_on)
        late = lodged_on > deadline
        appeal = DecisionAppeal.objects.create(
            decision=locked, party_id=party_id, lodged_on=lodged_on, late=late, incoming_entry=incoming_entry,
            note=note.strip(), created_by=actor,
        )  # fmt: skip
        if not late and locked.status == S.FINAL:
            dec._transition(
                locked, S.DELIVERED, actor=actor, fields={"final_on": None},
                details={"reason": "timely appeal", "appeal": appeal.pk},
            )  # fmt: skip
        audit_log(
            actor=actor, action="taxes.appeal.lodged", obj=locked,
            details={"appeal": appeal.pk, "party": party_id, "lodged_on": lodged_on, "late": late,
                     "deadline": deadline},
        )  # fmt: skip
    return appeal


def appeal_forward(*, actor, appeal: DecisionAppeal, forwarded_on: datetime.date) -> ForwardResult:
    dec._require(actor)
    with transaction.atomic():
        locked = DecisionAppeal.objects.select_for_update().select_related("decision").get(pk=appeal.pk)
        if forwarded_on < locked.lodged_on:
            _refuse("forwarded_on", _("The appeal cannot be forwarded before it was lodged."))
        if forwarded_on > timezone.localdate():
            _refuse("forwarded_on", _("The forwarding date cannot be in the future."))
        late_forwarding = (forwarded_on - locked.lodged_on).days > FORWARD_DAYS
        _transition(
            locked, A.FORWARDED, actor=actor, fields={"forwarded_on": forwarded_on},
            details={"forwarded_on": forwarded_on, "late_forwarding": late_forwarding},
        )  # fmt: skip
    return ForwardResult(locked, late_forwarding)


def _revoke_effect(decision: Decision, *, actor, day: datetime.date) -> list[int]:
    """Undo in finance what ``decision`` posted (revoked on appeal): its own charges (the przypis of an assessment, the
    increase of a changing decision) are reduced by what they still charge — an amount already paid becomes an
    overpayment —, and the reductions it booked against the decisions it changed are charged again with the due dates
    they had. Returns the entry ids written."""
    from collections import defaultdict
    from decimal import Decimal

    from finance.models import AccountEntry, ObligorAccount
    from finance.selectors import charge_remaining
    from finance.services.accounts import charge_post, reduction_post

    K = AccountEntry.Kind
    prefix = f"decision:{decision.pk}:"
    description = _("Decision %(number)s revoked on appeal") % {"number": decision.number}
    written: list[int] = []
    for charge in AccountEntry.objects.filter(kind=K.CHARGE, source_ref__startswith=prefix).order_by("pk"):
        remaining = charge_remaining(charge)
        if remaining <= 0:
            continue
        entries = reduction_post(
            actor=actor, charge=charge, amount=remaining, value_date=day, description=description,
            source_ref=f"appeal:{decision.pk}",
        )  # fmt: skip
        written += [e.pk for e in entries]
    reductions = AccountEntry.objects.filter(kind=K.REDUCTION, source_ref__startswith=prefix).select_related(
        "installment"
    )
    reversed_ids = set(
        AccountEntry.objects.filter(kind=K.REVERSAL, reverses__in=reductions).values_list("reverses_id", flat=True)
    )
    restore: dict[tuple[int, str], dict[datetime.date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for entry in reductions.order_by("pk"):
        if entry.pk not in reversed_ids and entry.installment_id:
            restore[(entry.account_id, entry.source_ref)][entry.installment.due_date] += entry.amount
    for (account_id, ref), parts in sorted(restore.items()):
        schedule = sorted(parts.items())
        entry = charge_post(
            actor=actor, account=ObligorAccount.objects.get(pk=account_id), amount=sum(a for _d, a in schedule),
            installments=schedule, value_date=day, description=description,
            source_ref=f"appeal:{decision.pk}:{ref.rsplit(':', 1)[-1]}",
        )  # fmt: skip
        written.append(entry.pk)
    return written


def _revoke(decision: Decision, *, actor, day: datetime.date, details: dict) -> list[int]:
    """Cancel a revoked decision and, first, the decisions that change it (newest first): drafts and undelivered
    ones are just cancelled, delivered ones have their finance effect undone (:func:`_revoke_effect`)."""
    written: list[int] = []
    for newer in (
        Decision.objects.select_for_update().filter(changes=decision).exclude(status=S.CANCELLED).order_by("-pk")
    ):
        written += _revoke(newer, actor=actor, day=day, details={**details, "changed_decision_revoked": decision.pk})
    if decision.status == S.FINAL:
        dec._transition(decision, S.DELIVERED, actor=actor, fields={"final_on": None}, details=details)
    if decision.status == S.DELIVERED:
        written += _revoke_effect(decision, actor=actor, day=day)
    dec._transition(decision, S.CANCELLED, actor=actor, fields={}, details={**details, "entries": written})
    return written


def appeal_decide(
    *, actor, appeal: DecisionAppeal, outcome: str, ruling_delivered_on: datetime.date, note: str = ""
) -> DecisionAppeal:
    dec._require(actor)
    if outcome not in O.values:
        _refuse("outcome", _("Choose the outcome of the appeal."))
    with transaction.atomic():
        locked = DecisionAppeal.objects.select_for_update().get(pk=appeal.pk)
        decision = Decision.objects.select_for_update().get(pk=locked.decision_id)
        if locked.status == A.LODGED and outcome not in (O.WITHDRAWN, O.LATE):
            _refuse("outcome", _("Forward the appeal to the SKO first; only a withdrawal or a late appeal can be "
                                 "recorded before that."))  # fmt: skip
        if locked.forwarded_on and ruling_delivered_on < locked.forwarded_on:
            _refuse("ruling_delivered_on", _("The ruling cannot be delivered before the appeal was forwarded."))
        if ruling_delivered_on < locked.lodged_on:
            _refuse("ruling_delivered_on", _("The ruling cannot be delivered before the appeal was lodged."))
        if ruling_delivered_on > timezone.localdate():
            _refuse("ruling_delivered_on", _("The delivery date cannot be in the future."))
        fields = {"outcome": outcome, "ruling_delivered_on": ruling_delivered_on}
        if note.strip():
            fields["note"] = "\n".join(filter(None, [locked.note, note.strip()]))
        _transition(locked, A.DECIDED, actor=actor, fields=fields, details={"outcome": outcome})
        others_pending = decision.appeals.exclude(pk=locked.pk).filter(late=False).exclude(status=A.DECIDED).exists()
        if outcome in DecisionAppeal.FINAL_OUTCOMES:
            if not others_pending and decision.status == S.DELIVERED:
                if outcome == O.LATE or locked.late:
                    final_day = dec.final_on(decision.delivered_on)
                else:
                    final_day = ruling_delivered_on
                dec._transition(decision, S.FINAL, actor=actor, fields={"final_on": final_day},
                                details={"appeal": locked.pk, "outcome": outcome})  # fmt: skip
        elif decision.status in (S.DELIVERED, S.FINAL):
            _revoke(decision, actor=actor, day=ruling_delivered_on, details={"appeal": locked.pk, "outcome": outcome})
    return locked


def pending_appeal_decision_ids():
    """Decisions with a timely appeal not yet decided (they must not become final)."""
    return DecisionAppeal.objects.filter(late=False).exclude(status=A.DECIDED).values_list("decision_id", flat=True)
