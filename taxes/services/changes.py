"""Changes during the year (issue 8 point 8): changing and ending decisions, self-assessments posted directly.

* :func:`changes_detect` — after a declaration is accepted (or on demand): the decision units of some parties are
  assessed again from the register (``taxes.services.assessment.assess_parties``) and compared per tax with the latest
  effective decision of the unit for the year (kind assessment / changing / ending, status issued / delivered /
  final; the unit = the same addressee, else a decision addressed to one of its co-obligors naming the party). A
  difference gives a DRAFT decision of kind CHANGING (ENDING when the obligation ends before December or nothing is
  left) with ``changes`` = the earlier decision, the NEW annual amounts, and the installments of the earlier decision
  rescheduled by :func:`reschedule`. Idempotent: an unchanged draft is kept, a different one is cancelled and
  replaced, a draft whose change disappeared is cancelled.
* :func:`changing_decision_issue` — number (the run's numbering), the unit's bank account, the QR code of the
  additional payment, then the hand-over to EZD of ``taxes.services.decisions`` (DRAFT → ISSUED).
* :func:`post_difference` — called by ``decisions._post_to_finance`` on delivery of a changing / ending decision:
  per tax an additional charge (``charge_post``, source_ref ``decision:<id>:<tax>``) or a reduction
  (``reduction_post``) of the charges of the decisions it changes (an overpayment arises where already paid).
* :func:`self_assessment_post` — an accepted DN-1 (property tax, monthly installments) or DT-1 (transport tax,
  15.02 / 15.09) becomes a decision of kind SELF_ASSESSMENT (no document, no number, recorded FINAL) and its charge is
  posted at once (value date = the filing date); a later declaration of the same year posts the difference.

Every service checks ``taxes.assess_taxes``, owns its transaction and writes an audit event; a refusal writes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.models import Party
from core.services.audit import audit_log
from taxes.domain.installments import LEGAL, TRANSPORT, payment_plan, split_amount
from taxes.models import Decision, DecisionInstallment, DecisionItem, DecisionTax, Declaration
from taxes.models.reference import Tax

PERM = "taxes.assess_taxes"
K = Decision.Kind
S = Decision.Status
CHANGE_KINDS = (K.CHANGING, K.ENDING)
EFFECTIVE_KINDS = (K.ASSESSMENT, K.CHANGING, K.ENDING)
EFFECTIVE_STATUSES = (S.ISSUED, S.DELIVERED, S.FINAL)
SELF_ASSESSED = {Declaration.Form.DN_1: Tax.PROPERTY, Declaration.Form.DT_1: Tax.TRANSPORT}
CHANGE_FORMS = (Declaration.Form.IN_1, Declaration.Form.IR_1, Declaration.Form.IL_1)
ZERO = Decimal(0)

# Legal basis of a changing / ending decision (shown instead of the assessment's basis).
CHANGE_BASIS = {
    Tax.PROPERTY: "art. 6 ust. 3 i 5 ustawy z dnia 12 stycznia 1991 r. o podatkach i opłatach lokalnych",
    Tax.AGRICULTURAL: "art. 6a ust. 6 ustawy z dnia 15 listopada 1984 r. o podatku rolnym",
    Tax.FOREST: "art. 5 ust. 4 ustawy z dnia 30 października 2002 r. o podatku leśnym",
    Tax.TRANSPORT: "art. 9 ust. 4 ustawy z dnia 12 stycznia 1991 r. o podatkach i opłatach lokalnych",
}
CHANGE_GENERAL_BASIS = "art. 21 § 1 pkt 2, art. 207 i art. 210 ustawy z dnia 29 sierpnia 1997 r. – Ordynacja podatkowa"


def _require(actor) -> None:
    if actor is None or not getattr(actor, "is_active", False) or not actor.has_perm(PERM):
        raise ApplicationError(_("You may not assess taxes."), code="forbidden")


def _rounding(year: int) -> str:
    from taxes.selectors import year_settings

    return year_settings(year).installment_rounding


def _shift(year: int):
    from taxes.selectors import due_date_shift

    return due_date_shift(year)


# --- pure helpers ------------------------------------------------------------------------------------------------


def reschedule(
    old: Sequence[tuple[datetime.date, Decimal]], total: Decimal, *, issue_date: datetime.date, rounding: str = "grosze"
) -> list[tuple[datetime.date, Decimal]]:
    """The installments of a changing decision: ``old`` = the earlier decision's (due date, amount) in order, ``total``
    the new tax. Installments due by ``issue_date`` stay as they were; the difference is spread over the installments
    still to come (:func:`split_amount`, Σ exact). An increase with none to come is one more payment dated
    ``issue_date`` (the delivery rule of OP art. 47 §2 then makes it due 14 days after delivery). A decrease that the
    installments to come cannot absorb is taken from the last installment back. Σ result = ``total``."""
    total = Decimal(total)
    rows = [[due, Decimal(amount)] for due, amount in old]
    diff = total - sum((a for _d, a in rows), ZERO)
    coming = [r for r in rows if r[0] > issue_date]
    if diff > 0:
        if coming:
            for row, part in zip(coming, split_amount(diff, len(coming), rounding), strict=True):
                row[1] += part
        else:
            rows.append([issue_date, diff])
    elif diff < 0:
        parts = split_amount(diff, len(coming), rounding) if coming else []
        if coming and all(r[1] + p >= 0 for r, p in zip(coming, parts, strict=True)):
            for row, part in zip(coming, parts, strict=True):
                row[1] += part
        else:
            left = -diff
            for row in reversed(rows):
                take = min(left, row[1])
                row[1] -= take
                left -= take
                if left == 0:
                    break
    return [(due, amount) for due, amount in rows]


# --- detection ---------------------------------------------------------------------------------------------------


def effective_decisions(year: int, party_ids: Sequence[int]) -> list[Decision]:
    """The effective decisions of ``year`` naming any of ``party_ids`` (as addressee or co-obligor): kind assessment /
    changing / ending, issued / delivered / final, not changed by another effective decision; oldest first."""
    ids = list(party_ids)
    return list(
        Decision.objects.filter(year=year, kind__in=EFFECTIVE_KINDS, status__in=EFFECTIVE_STATUSES)
        .filter(Q(party_id__in=ids) | Q(co_obligors__in=ids))
        .exclude(changed_by__status__in=EFFECTIVE_STATUSES)
        .distinct()
        .prefetch_related("co_obligors", "taxes")
        .order_by("id")
    )


def _holders(decision: Decision) -> frozenset[int]:
    return frozenset([decision.party_id, *(p.pk for p in decision.co_obligors.all())])


def _match(element_taxes: set[str], party: int, holders: frozenset[int], effective: list[Decision], used: set[int]):
    """The effective decision of a decision (element) of a unit: the same addressee and co-obligors, else the same
    holders under another addressee; with a tax in common. None when there is none."""
    candidates = [d for d in effective if d.pk not in used and _holders(d) == holders]
    candidates = [d for d in candidates if {t.tax for t in d.taxes.all()} & element_taxes or not element_taxes]
    same = [d for d in candidates if d.party_id == party]
    found = (same or candidates or [None])[-1]
    return found


def _old_rows(earlier: Decision) -> list[DecisionInstallment]:
    return list(earlier.installments.order_by("number"))


def _key_date(row: DecisionInstallment, shift) -> datetime.date:
    return row.effective_due_date or shift(row.due_date)


def _cancel_drafts(*, actor, drafts, reason: str) -> int:
    from taxes.services.decisions import _transition

    count = 0
    for draft in drafts:
        _transition(draft, S.CANCELLED, actor=actor, details={"reason": reason})
        count += 1
    return count


def _create_draft(*, actor, earlier: Decision, unit: dict | None, issue_date, declaration) -> Decision:
    """A DRAFT changing / ending decision from ``unit`` (an ``assess_parties`` dict; None = nothing left)."""
    year = earlier.year
    shift = _shift(year)
    per_tax = {t: (Decimal(v["exact"]), Decimal(v["amount"])) for t, v in (unit or {}).get("per_tax", {}).items()}
    for tax in earlier.taxes.values_list("tax", flat=True):
        per_tax.setdefault(tax, (ZERO, ZERO))  # a tax no longer due is shown as 0
    total = sum((a for _e, a in per_tax.values()), ZERO)
    old = _old_rows(earlier)
    plan = reschedule([(_key_date(r, shift), r.amount) for r in old], total, issue_date=issue_date,
                      rounding=_rounding(year))  # fmt: skip
    if unit:
        period_from = datetime.date.fromisoformat(unit["period_from"])
        period_to = datetime.date.fromisoformat(unit["period_to"])
    else:
        period_from = period_to = earlier.period_from
    ending = total == 0 or period_to < datetime.date(year, 12, 31)
    decision = Decision.objects.create(
        kind=K.ENDING if ending else K.CHANGING, party_id=earlier.party_id, year=year, period_from=period_from,
        period_to=period_to, issue_date=issue_date, status=S.DRAFT, total=total, changes=earlier,
        declaration=declaration, bank_account=earlier.bank_account, created_by=actor,
    )  # fmt: skip
    if unit:  # everyone jointly liable but the addressee (the unit's own addressee may be another holder now)
        co = sorted({unit["party"], *unit["co_obligors"]} - {earlier.party_id})
    else:
        co = list(earlier.co_obligors.values_list("pk", flat=True))
    decision.co_obligors.add(*co)
    DecisionTax.objects.bulk_create(
        DecisionTax(decision=decision, tax=t, exact=e, amount=a) for t, (e, a) in sorted(per_tax.items())
    )
    DecisionItem.objects.bulk_create(
        DecisionItem(
            decision=decision,
            tax=i["tax"],
            object_id=i["object"],
            version_id=i["version"],
            category=i["category"],
            base=Decimal(i["base"]),
            rate=Decimal(i["rate"]),
            months=i["months"],
            share=i["share"],
            amount=Decimal(i["amount"]),
        )
        for i in (unit or {}).get("items", [])
    )
    _write_installments(decision, old, plan, issue_date)
    return decision


def _write_installments(decision: Decision, old: list[DecisionInstallment], plan, issue_date) -> None:
    """The installments of a changing / ending decision from its ``plan`` (:func:`reschedule`), replacing any."""
    rows = []
    for number, (due, amount) in enumerate(plan, start=1):
        known = number <= len(old)
        kept = known and due <= issue_date
        # an installment already due stays as it was (its due date is not moved by the delivery rule)
        rows.append(DecisionInstallment(
            decision=decision, number=number, due_date=old[number - 1].due_date if known else due,
            effective_due_date=due if kept else None, amount=amount,
        ))  # fmt: skip
    DecisionInstallment.objects.filter(decision=decision).delete()
    DecisionInstallment.objects.bulk_create(rows)


def _elements(unit: dict) -> list[dict]:
    """The decisions of an ``assess_parties`` unit (one per tax liability), each with the unit's party / holders."""
    elements = unit.get("decisions") or [unit]
    return [{**e, "party": unit["party"], "co_obligors": unit.get("co_obligors", [])} for e in elements]


def changes_detect(
    *, actor, year: int, party_ids: Sequence[int], issue_date: datetime.date | None = None, declaration=None
) -> dict:
    """Compare the register with the effective decisions of ``party_ids`` for ``year`` and keep one DRAFT changing /
    ending decision per changed decision (see the module docstring). A decision unit's decision (one per tax
    liability of ``assess_parties``) is matched to the effective decision with the same holders (same addressee
    first) and a tax in common; an effective decision left without a match has nothing taxable left (ENDING, 0 zł).
    ``issue_date`` (default today) decides which installments are already due. Returns lists: ``created``, ``kept``
    (an identical draft exists), ``cancelled`` (drafts replaced or no longer needed) — decision ids —,
    ``unchanged``, ``no_decision`` (units without an earlier decision: they get an ordinary decision) — party ids —
    and ``errors`` ({party, code, message}: the engine refused; nothing done for the unit)."""
    from taxes.services.assessment import assess_parties

    _require(actor)
    issue_date = issue_date or timezone.localdate()
    ids = sorted({int(p) for p in party_ids})
    result = {"created": [], "kept": [], "cancelled": [], "unchanged": [], "no_decision": [], "errors": []}
    if not ids:
        return result
    units = assess_parties(year=year, party_ids=ids)
    with transaction.atomic():
        effective = effective_decisions(year, ids)
        list(Decision.objects.select_for_update().filter(pk__in=[d.pk for d in effective]).order_by("pk"))
        used: set[int] = set()
        work: list[tuple[Decision, dict | None]] = []
        for unit in units:
            holders = frozenset([unit["party"], *unit.get("co_obligors", [])])
            if unit.get("error"):
                for d in effective:
                    if _holders(d) == holders:
                        used.add(d.pk)  # nothing is decided for a unit the engine refused
                result["errors"].append({"party": unit["party"], **unit["error"]})
                continue
            for element in _elements(unit):
                taxes = set(element.get("taxes") or element.get("per_tax", {}))
                earlier = _match(taxes, unit["party"], holders, effective, used)
                if earlier is None:
                    if element.get("decision"):
                        result["no_decision"].append(unit["party"])
                    continue
                used.add(earlier.pk)
                work.append((earlier, element))
        work += [(d, None) for d in effective if d.pk not in used]  # nothing taxable left in the year
        for earlier, element in work:
            drafts = list(Decision.objects.filter(changes=earlier, status=S.DRAFT, kind__in=CHANGE_KINDS))
            old = {t.tax: t.amount for t in earlier.taxes.all()}
            new = {t: Decimal(v["amount"]) for t, v in (element or {}).get("per_tax", {}).items()}
            if {t: a for t, a in old.items() if a} == {t: a for t, a in new.items() if a}:
                result["cancelled"] += [d.pk for d in drafts]
                _cancel_drafts(actor=actor, drafts=drafts, reason="unchanged")
                result["unchanged"].append(earlier.party_id)
                continue
            total = sum(new.values(), ZERO)
            shift = _shift(year)
            plan = reschedule([(_key_date(r, shift), r.amount) for r in _old_rows(earlier)], total,
                              issue_date=issue_date, rounding=_rounding(year))  # fmt: skip
            keep = [d for d in drafts if _same_plan(d, new, plan)]
            if keep:
                result["kept"].append(keep[0].pk)
                others = [d for d in drafts if d.pk != keep[0].pk]
                result["cancelled"] += [d.pk for d in others]
                _cancel_drafts(actor=actor, drafts=others, reason="replaced")
                continue
            result["cancelled"] += [d.pk for d in drafts]
            _cancel_drafts(actor=actor, drafts=drafts, reason="replaced")
            draft = _create_draft(actor=actor, earlier=earlier, unit=element, issue_date=issue_date,
                                  declaration=declaration)  # fmt: skip
            result["created"].append(draft.pk)
            audit_log(
                actor=actor, action="taxes.decision.change_drafted", obj=draft,
                details={"kind": draft.kind, "changes": earlier.pk, "old": {t: str(a) for t, a in old.items()},
                         "new": {t: str(a) for t, a in new.items()}, "total": str(total)},
            )  # fmt: skip
        audit_log(actor=actor, action="taxes.changes.detected", obj=None, details={
            "year": year, "parties": ids, **{k: v for k, v in result.items() if k != "errors"},
            "errors": [e["party"] for e in result["errors"]]})  # fmt: skip
    return result


def _same_plan(draft: Decision, new: dict[str, Decimal], plan) -> bool:
    have_taxes = {t.tax: t.amount for t in draft.taxes.all() if t.amount}
    have_plan = [i.amount for i in draft.installments.order_by("number")]
    return have_taxes == {t: a for t, a in new.items() if a} and have_plan == [a for _d, a in plan]


# --- issue ---------------------------------------------------------------------------------------------------------


def change_figures(decision: Decision) -> dict:
    """Old / new / difference per tax and in total of a changing or ending decision (for screens and the PDF)."""
    earlier = decision.changes
    old = {t.tax: t.amount for t in earlier.taxes.all()} if earlier else {}
    new = {t.tax: t.amount for t in decision.taxes.all()}
    rows = []
    for tax in sorted(set(old) | set(new)):
        o, n = old.get(tax, ZERO), new.get(tax, ZERO)
        rows.append({"tax": tax, "label": str(Tax(tax).label), "old": o, "new": n, "difference": n - o})
    old_total = earlier.total if earlier else ZERO
    return {"rows": rows, "old": old_total, "new": decision.total, "difference": decision.total - old_total,
            "earlier": earlier}  # fmt: skip


def changing_decision_issue(*, actor, decision: Decision, issue_date: datetime.date | None = None) -> Decision:
    """Number a DRAFT changing / ending decision (``FN.3120.1.<year>/<serial>``), give it the unit's bank account and
    the QR code of the additional payment (increase only), then hand it over to EZD (DRAFT → ISSUED). Refused while
    the decision it changes is not delivered (its charge is not posted yet) or was changed meanwhile. Safe to call
    again after a failed hand-over (the number is kept). ``issue_date`` (default today) is the decision's date: a draft
    detected on another day gets its installments recomputed as of that date (what is due by then stays as it was)."""
    from documents.services.numbering import next_number
    from taxes.services.assessment import decision_number, qr_payload
    from taxes.services.decisions import decision_hand_over

    _require(actor)
    with transaction.atomic():
        locked = Decision.objects.select_for_update().get(pk=decision.pk)
        if locked.kind not in CHANGE_KINDS or locked.status != S.DRAFT or locked.changes_id is None:
            raise ApplicationError(_("Only a draft changing or ending decision can be issued here."),
                                   code="invalid_state")  # fmt: skip
        earlier = locked.changes
        if earlier.status not in (S.DELIVERED, S.FINAL) or earlier.posted_at is None:
            raise ApplicationError(
                _("The decision %(number)s it changes has not been delivered yet.") % {"number": earlier.number},
                code="earlier_not_delivered",
            )
        newer = Decision.objects.filter(changes=earlier, status__in=EFFECTIVE_STATUSES).exclude(pk=locked.pk)
        if newer.exists() or locked.status == S.CANCELLED:
            raise ApplicationError(_("The decision %(number)s has been changed meanwhile: detect the changes again.")
                                   % {"number": earlier.number}, code="stale")  # fmt: skip
        if not locked.number:
            today = issue_date or timezone.localdate()
            if locked.issue_date != today:  # drafted earlier: the installments already due are those of today
                shift = _shift(locked.year)
                old = _old_rows(earlier)
                plan = reschedule([(_key_date(r, shift), r.amount) for r in old], locked.total, issue_date=today,
                                  rounding=_rounding(locked.year))  # fmt: skip
                _write_installments(locked, old, plan, today)
            locked.number = decision_number(locked.year, next_number(f"taxes:decision:{locked.year}"))
            locked.issue_date = today
            locked.bank_account = locked.bank_account or earlier.bank_account
            increase = locked.total - earlier.total
            locked.qr_payload = (
                qr_payload(account=locked.bank_account, amount=increase, title=f"{locked.number} dopłata")
                if increase > 0 and locked.bank_account else ""
            )  # fmt: skip
            locked.save(update_fields=["number", "issue_date", "bank_account", "qr_payload"])
            audit_log(actor=actor, action="taxes.decision.change_numbered", obj=locked, details={
                "number": locked.number, "changes": earlier.pk, "difference": str(increase)})  # fmt: skip
    return decision_hand_over(actor=actor, decision=locked)


# --- posting -------------------------------------------------------------------------------------------------------


def _receivable_type(tax: str, party):
    from finance.models import ReceivableType

    suffix = "person" if party.kind == party.Kind.PERSON else "legal"
    return ReceivableType.objects.get(code=f"{tax}_tax_{suffix}")


def _chain(decision: Decision) -> list[int]:
    """The ids of the decisions ``decision`` changes, the nearest first."""
    ids, current = [], decision.changes
    while current is not None:
        ids.append(current.pk)
        current = current.changes
    return ids


def _reduce(
    *, actor, decision: Decision, tax: str, amount: Decimal, value_date, description: str, targets=()
) -> list[int]:
    """Reduce ``amount`` of ``tax`` from the charges of the decisions ``decision`` changes (the nearest first):
    first ``targets`` — (due date, amount) of the installments the decision lowered, matched to the charged
    installments of that due date —, then what is left from the last installment back. An installment already paid
    gives an overpayment (``reduction_post``)."""
    from finance.models import AccountEntry, Installment
    from finance.services.accounts import reduction_post

    refs = [f"decision:{pk}:{tax}" for pk in _chain(decision)]
    found = {c.source_ref: c for c in AccountEntry.objects.filter(kind=AccountEntry.Kind.CHARGE, source_ref__in=refs)}
    charges = [found[r] for r in refs if r in found]
    source_ref = f"decision:{decision.pk}:{tax}"
    written, left = [], Decimal(amount)

    def reduced(**where) -> Decimal:  # the reductions in force (a reversed one no longer reduces)
        reversed_ids = AccountEntry.objects.filter(kind=AccountEntry.Kind.REVERSAL).values("reverses_id")
        rows = AccountEntry.objects.filter(kind=AccountEntry.Kind.REDUCTION, **where).exclude(pk__in=reversed_ids)
        return rows.aggregate(s=Sum("amount"))["s"] or ZERO

    installments = list(Installment.objects.filter(charge__in=charges).select_related("charge").order_by("number"))
    order = {c.pk: n for n, c in enumerate(charges)}
    installments.sort(key=lambda i: order[i.charge_id])
    for due, part in targets:
        for inst in [i for i in installments if i.due_date == due]:
            take = min(part, left, inst.amount - reduced(installment=inst))
            if take <= 0:
                continue
            entries = reduction_post(actor=actor, charge=inst.charge, amount=take, value_date=value_date,
                                     description=description, installment=inst, source_ref=source_ref)  # fmt: skip
            written += [e.pk for e in entries]
            part -= take
            left -= take
    for charge in charges:
        take = min(left, charge.amount - reduced(installment__charge=charge))
        if take <= 0:
            continue
        entries = reduction_post(actor=actor, charge=charge, amount=take, value_date=value_date,
                                 description=description, source_ref=source_ref)  # fmt: skip
        written += [e.pk for e in entries]
        left -= take
    if left > 0:
        raise ApplicationError(
            _("The reduction of %(amount)s zł of %(tax)s cannot be booked: the earlier charges are smaller.")
            % {"amount": amount, "tax": Tax(tax).label},
            code="reduction_too_large",
        )
    return written


def post_difference(decision: Decision, actor) -> list[int]:
    """Post a delivered changing / ending decision (caller's transaction): per tax the difference to the decision
    it changes — an additional charge over the installments whose amount grew (with their effective due dates), or a
    reduction of the earlier charges. Returns the entry ids."""
    from finance.services.accounts import account_get_or_create, charge_post
    from taxes.services.decisions import split_per_tax, unit_account_ref

    actor = None if isinstance(actor, str) else actor
    earlier = decision.changes
    old_rows = {i.number: i.amount for i in earlier.installments.all()}
    rows = list(decision.installments.order_by("number"))
    grown = [(r, r.amount - old_rows.get(r.number, ZERO)) for r in rows if r.amount > old_rows.get(r.number, ZERO)]
    old = {t.tax: t.amount for t in earlier.taxes.all()}
    new = {t.tax: t.amount for t in decision.taxes.all()}
    increases = [(t, new.get(t, ZERO) - old.get(t, ZERO)) for t in sorted(set(old) | set(new))]
    decreases = [(t, -d) for t, d in increases if d < 0]
    increases = [(t, d) for t, d in increases if d > 0]
    entries: list[int] = []
    description = f"{{tax}} {decision.year}, decyzja {decision.number} zmieniająca {earlier.number}"
    if increases:
        if not grown:  # the installments shrank overall (mixed taxes): one payment 14 days after delivery
            grown = [(rows[-1], sum((d for _t, d in increases), ZERO))]
        per_tax = split_per_tax(increases, [d for _r, d in grown], _rounding(decision.year))
        co_obligors = list(decision.co_obligors.all())
        for code, parts in per_tax.items():
            account = account_get_or_create(
                party=decision.party, receivable_type=_receivable_type(code, decision.party), year=decision.year,
                co_obligors=co_obligors, source_app="taxes", source_ref=unit_account_ref(decision.party, co_obligors),
            )  # fmt: skip
            schedule = [(r.effective_due_date or r.due_date, p) for (r, _d), p in zip(grown, parts, strict=True) if p]
            entry = charge_post(
                actor=actor, account=account, amount=sum(p for _d, p in schedule), installments=schedule,
                value_date=decision.delivered_on, description=description.format(tax=Tax(code).label),
                source_ref=f"decision:{decision.pk}:{code}",
            )  # fmt: skip
            entries.append(entry.pk)
    if decreases:
        old_dates = {i.number: i.effective_due_date or i.due_date for i in earlier.installments.all()}
        shrunk = [(old_dates[r.number], old_rows[r.number] - r.amount) for r in rows
                  if r.number in old_rows and r.amount < old_rows[r.number]]  # fmt: skip
        per_tax = split_per_tax(decreases, [d for _due, d in shrunk], _rounding(decision.year)) if shrunk else {}
        for code, amount in decreases:
            targets = [(due, p) for (due, _d), p in zip(shrunk, per_tax.get(code, []), strict=True) if p > 0]
            entries += _reduce(actor=actor, decision=decision, tax=code, amount=amount,
                               value_date=decision.delivered_on, description=description.format(tax=Tax(code).label),
                               targets=targets)  # fmt: skip
    return entries


# --- self-assessment -----------------------------------------------------------------------------------------------


def _self_items(declaration: Declaration, tax: str):
    """The engine's items of the declaring party for ``tax`` in the year, and the first and last month."""
    from taxes.domain.engine import TaxableItem
    from taxes.selectors_register import register_for_year

    tp = register_for_year(declaration.year, [declaration.party_id]).get(declaration.party_id)
    items, months = [], set()
    for it in tp.items if tp else []:
        if it.object.tax != tax or it.liability.joint_with is not None:
            continue
        counts: dict[int, int] = {}
        versions = {}
        for month, version in it.months.items():
            counts[version.id] = counts.get(version.id, 0) + 1
            versions[version.id] = version
            months.add(month)
        share = Decimal(it.liability.share_numerator) / Decimal(it.liability.share_denominator)
        for vid, count in counts.items():
            v = versions[vid]
            items.append(TaxableItem(
                tax=tax, category=v.category, unit=v.unit, area=v.area, area_low=v.area_low, value=v.value,
                land_type=v.land_type, land_class=v.land_class, reserve=v.reserve, exemption=v.exemption or "",
                months=count, share=share, ref=(it.object.id, v.id, str(it.liability.share)),
            ))  # fmt: skip
    return items, (min(months) if months else 1), (max(months) if months else 12)


def declared_tax(declaration: Declaration) -> Decimal | None:
    """The tax the taxpayer computed on the form (``payload["totals"]["tax"]`` or ``payload["tax"]``), if any."""
    payload = declaration.payload or {}
    value = payload.get("declared_tax") or (payload.get("totals") or {}).get("tax", payload.get("tax"))  # XML forms
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value).replace(",", ".").replace(" ", ""))
    except ArithmeticError:
        return None


def self_assessment_post(*, actor, declaration: Declaration) -> Decision:
    """Record an accepted DN-1 / DT-1 as a SELF_ASSESSMENT decision and post its charge (see the module docstring).
    A declaration already posted returns its decision (nothing written). When the form carries the taxpayer's own
    tax and it differs, a ``declared_tax_differs`` problem is added to the declaration (nothing is overridden)."""
    from taxes.domain.engine import EngineError, assess_taxpayer
    from taxes.selectors import conventions_for_year, year_rates

    _require(actor)
    tax = SELF_ASSESSED.get(declaration.form)
    if tax is None:
        raise ApplicationError(_("Only a DN-1 or DT-1 declaration is self-assessed."), code="not_self_assessed")
    with transaction.atomic():
        locked = Declaration.objects.select_for_update().get(pk=declaration.pk)
        if locked.status != Declaration.Status.ACCEPTED:
            raise ApplicationError(_("Only an accepted declaration can be posted."), code="invalid_state")
        # one posting per taxpayer at a time: the difference is taken against the latest self-assessment
        Party.objects.select_for_update().filter(pk=locked.party_id).first()
        existing = Decision.objects.filter(declaration=locked, kind=K.SELF_ASSESSMENT).first()
        if existing is not None:
            return existing
        year = locked.year
        items, first, last = _self_items(locked, tax)
        conventions = conventions_for_year(year)
        try:
            results = assess_taxpayer(items, year_rates(year), conventions, natural_person=False) if items else []
        except EngineError as error:
            raise ApplicationError(
                _("The tax cannot be computed: %(error)s") % {"error": str(error)}, code=error.code
            ) from None
        taxes = [t for r in results for t in r.taxes if t.tax == tax]
        amount = sum((t.amount for t in taxes), ZERO)
        start = datetime.date(year, first, 1) if first > 1 else None
        shift = _shift(year)
        payer = TRANSPORT if tax == Tax.TRANSPORT else LEGAL
        plan = payment_plan(amount, year=year, shift=shift, payer=payer, start=start, conventions=conventions)
        earlier = (
            Decision.objects.filter(party_id=locked.party_id, year=year, kind=K.SELF_ASSESSMENT, taxes__tax=tax)
            .exclude(status=S.CANCELLED)
            .order_by("-id")
            .first()
        )
        period_to = datetime.date(year + last // 12, last % 12 + 1, 1) - datetime.timedelta(days=1)
        now = timezone.now()
        decision = Decision.objects.create(
            kind=K.SELF_ASSESSMENT, party_id=locked.party_id, year=year, period_from=datetime.date(year, first, 1),
            period_to=period_to, issue_date=locked.filed_on, status=S.FINAL, total=plan.amount, changes=earlier,
            declaration=locked, delivered_on=locked.filed_on, final_on=locked.filed_on, posted_at=now,
            created_by=actor,
        )  # fmt: skip
        DecisionTax.objects.create(decision=decision, tax=tax, exact=sum((t.exact for t in taxes), ZERO),
                                   amount=plan.amount)  # fmt: skip
        DecisionItem.objects.bulk_create(
            DecisionItem(
                decision=decision,
                tax=tax,
                object_id=r.item.ref[0],
                version_id=r.item.ref[1],
                category=r.item.category,
                base=r.base,
                rate=r.rate,
                months=r.item.months,
                share=r.item.ref[2],
                amount=r.amount,
            )
            for t in taxes
            for r in t.items
        )
        DecisionInstallment.objects.bulk_create(
            DecisionInstallment(
                decision=decision, number=i.number, due_date=i.nominal_due, effective_due_date=i.due, amount=i.amount
            )
            for i in plan.installments
        )
        entries = _post_self_assessment(actor=actor, decision=decision, earlier=earlier, tax=tax, plan=plan)
        declared = declared_tax(locked)
        if declared is not None and declared != plan.amount:
            locked.problems = [*(locked.problems or []), {
                "code": "declared_tax_differs", "field": "tax",
                "message": _("The taxpayer declared %(declared)s zł, the register gives %(computed)s zł.")
                % {"declared": declared, "computed": plan.amount},
            }]  # fmt: skip
            locked.save(update_fields=["problems"])
        audit_log(actor=actor, action="taxes.self_assessment.posted", obj=decision, details={
            "declaration": locked.pk, "form": locked.form, "tax": tax, "amount": str(plan.amount),
            "changes": earlier.pk if earlier else None, "entries": entries,
            "declared": None if declared is None else str(declared)})  # fmt: skip
    return decision


def _post_self_assessment(*, actor, decision: Decision, earlier: Decision | None, tax: str, plan) -> list[int]:
    from finance.services.accounts import account_get_or_create, charge_post

    old_amount = earlier.total if earlier else ZERO
    difference = plan.amount - old_amount
    value_date = decision.issue_date
    label = Tax(tax).label
    description = f"{label} {decision.year}, deklaracja {decision.declaration.form} z {value_date:%d.%m.%Y}"
    if difference > 0:
        schedule = [(i.due, i.amount) for i in plan.installments]
        if earlier is not None and decision.declaration.purpose == Declaration.Purpose.CORRECTION:
            # a correction restates the tax of the same months: the difference per installment, at its own date
            old = {r.due_date: r.amount for r in earlier.installments.all()}
            parts = [(i.due, i.amount - old.get(i.nominal_due, ZERO)) for i in plan.installments]
            if all(p >= 0 for _d, p in parts) and sum(p for _d, p in parts) == difference:
                schedule = [(d, p) for d, p in parts if p]
            else:
                shares = split_amount(difference, len(plan.installments), _rounding(decision.year))
                schedule = [(i.due, p) for i, p in zip(plan.installments, shares, strict=True) if p]
        elif earlier is not None:
            # a change during the year (upol art. 6 ust. 3): the tax grows from the month after the event, so the
            # difference falls on the installments still to come after the filing; none left → due in 14 days
            coming = sorted(
                (r.effective_due_date or r.due_date)
                for r in earlier.installments.all()
                if (r.effective_due_date or r.due_date) > value_date
            )
            if coming:
                shares = split_amount(difference, len(coming), _rounding(decision.year))
                schedule = [(due, p) for due, p in zip(coming, shares, strict=True) if p]
            else:
                schedule = [(value_date + datetime.timedelta(days=14), difference)]
        account = account_get_or_create(
            party=decision.party, receivable_type=_receivable_type(tax, decision.party), year=decision.year,
            source_app="taxes",
        )  # fmt: skip
        entry = charge_post(
            actor=actor if actor.has_perm("finance.post_entries") else None, account=account, amount=difference,
            installments=schedule, value_date=value_date, description=description,
            source_ref=f"decision:{decision.pk}:{tax}",
        )  # fmt: skip
        return [entry.pk]
    if difference < 0:
        return _reduce(actor=actor if actor.has_perm("finance.post_entries") else None, decision=decision, tax=tax,
                       amount=-difference, value_date=value_date, description=description)  # fmt: skip
    return []


# --- the hook after a declaration is accepted ----------------------------------------------------------------------


def on_declaration_accepted(*, actor, declaration: Declaration) -> dict:
    """Called at the end of ``declaration_accept`` (inside its transaction): a DN-1 / DT-1 is posted as a
    self-assessment, an IN-1 / IR-1 / IL-1 triggers :func:`changes_detect` for the declaring party and the other
    parties of the liabilities it created. Each in a savepoint: a failure (no rate, …) is recorded as a problem of
    the declaration (code ``post_failed`` / ``changes_failed``) and does not undo the acceptance."""
    outcome: dict = {}
    if declaration.form in SELF_ASSESSED:
        try:
            with transaction.atomic():
                outcome["self_assessment"] = self_assessment_post(actor=actor, declaration=declaration).pk
        except ApplicationError as error:
            _problem(declaration, "post_failed", str(error.message))
        return outcome
    if declaration.form in CHANGE_FORMS:
        parties = {declaration.party_id, *declaration.liabilities.values_list("party_id", flat=True)}
        try:
            with transaction.atomic():
                outcome["changes"] = changes_detect(
                    actor=actor, year=declaration.year, party_ids=sorted(parties), declaration=declaration
                )
        except ApplicationError as error:
            _problem(declaration, "changes_failed", str(error.message))
    return outcome


def _problem(declaration: Declaration, code: str, message: str) -> None:
    declaration.problems = [*(declaration.problems or []), {"code": code, "field": "", "message": message}]
    Declaration.objects.filter(pk=declaration.pk).update(problems=declaration.problems)


# --- reads ---------------------------------------------------------------------------------------------------------


def change_drafts(year: int | None = None):
    qs = Decision.objects.filter(kind__in=CHANGE_KINDS).exclude(status=S.CANCELLED).select_related("party", "changes")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("status", "-id")


def self_assessments(year: int | None = None):
    qs = Decision.objects.filter(kind=K.SELF_ASSESSMENT).select_related("party", "declaration", "changes")
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-id")


__all__ = [
    "CHANGE_BASIS",
    "CHANGE_GENERAL_BASIS",
    "change_basis",
    "change_drafts",
    "change_figures",
    "changes_detect",
    "changing_decision_issue",
    "effective_decisions",
    "on_declaration_accepted",
    "post_difference",
    "reschedule",
    "self_assessment_post",
    "self_assessments",
]


def change_basis(decision: Decision) -> tuple[str, ...]:
    """The legal basis of a changing / ending decision: per tax of it or of the decision it changes, then the
    Ordynacja podatkowa (art. 207 — the decision, art. 210 — its elements)."""
    taxes = set(decision.taxes.values_list("tax", flat=True))
    if decision.changes_id:
        taxes |= set(decision.changes.taxes.values_list("tax", flat=True))
    return (*(CHANGE_BASIS[Tax(t)] for t in sorted(taxes)), CHANGE_GENERAL_BASIS)
