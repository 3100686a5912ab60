"""Appeals meet changing decisions: revoking a changing decision restores what it reduced; revoking a decision that
was changed cancels the changing decision too and undoes both in finance; a withdrawal before forwarding."""

import datetime
from decimal import Decimal

import pytest

from core.exceptions import ServiceValidationError
from finance.models import AccountEntry
from finance.selectors import charge_remaining
from taxes.models import Decision, DecisionAppeal, Liability
from taxes.services import appeals
from taxes.services import changes as svc
from taxes.services.decisions import decision_delivered
from taxes.services.register import liability_end
from tests.taxes.conftest_changes import *  # noqa: F403
from tests.taxes.test_changes_services import _buy_house

D = Decimal
S = Decision.Status
O = DecisionAppeal.Outcome  # noqa: E741
day = datetime.date


def _charged(party) -> Decimal:
    """What the party's charges still charge, in total."""
    return sum(
        (charge_remaining(c) for c in AccountEntry.objects.filter(account__party=party, kind=AccountEntry.Kind.CHARGE)),
        D(0),
    )


def _appeal_revoked(clerk, decision, *, lodged_on, forwarded_on, ruled_on, outcome=O.REVOKED_REMANDED):
    appeal = appeals.appeal_register(actor=clerk, decision=decision, party_id=decision.party_id, lodged_on=lodged_on)
    appeals.appeal_forward(actor=clerk, appeal=appeal, forwarded_on=forwarded_on)
    return appeals.appeal_decide(actor=clerk, appeal=appeal, outcome=outcome, ruling_delivered_on=ruled_on)


def test_revoking_a_reducing_changing_decision_charges_the_reduction_again(delivered_2025, ch_clerk):
    e1, earlier = delivered_2025["e1"], delivered_2025["e1_decision"]
    land = delivered_2025["objects"]["land"]
    liability_end(actor=ch_clerk, liability=Liability.objects.get(object=land, party=e1), valid_to=day(2025, 8, 31))
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 8, 25))
    draft = Decision.objects.get(pk=result["created"][0])
    changing = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    decision_delivered(decision_id=changing.pk, delivered_on=day(2025, 9, 1))
    assert _charged(e1) == D("532.00")
    _appeal_revoked(ch_clerk, changing, lodged_on=day(2025, 9, 5), forwarded_on=day(2025, 9, 20),
                    ruled_on=day(2025, 10, 30))  # fmt: skip
    changing.refresh_from_db()
    assert changing.status == S.CANCELLED
    restored = AccountEntry.objects.get(kind=AccountEntry.Kind.CHARGE, source_ref=f"appeal:{changing.pk}:property")
    assert restored.amount == D("195.00")
    assert sorted((i.due_date, i.amount) for i in restored.installments.all()) == [
        (day(2025, 9, 15), D("97.50")),
        (day(2025, 11, 17), D("97.50")),
    ]
    assert _charged(e1) == D("727.00")  # the earlier decision's tax again
    assert [d.pk for d in svc.effective_decisions(2025, [e1.pk])] == [earlier.pk]


def test_revoking_a_changed_decision_cancels_the_changing_one_and_undoes_both(delivered_2025, ch_clerk):
    e1, earlier = delivered_2025["e1"], delivered_2025["e1_decision"]
    appeal = appeals.appeal_register(actor=ch_clerk, decision=earlier, party_id=e1.pk, lodged_on=day(2025, 3, 5))
    _buy_house(ch_clerk, e1)
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    draft = Decision.objects.get(pk=result["created"][0])
    changing = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    decision_delivered(decision_id=changing.pk, delivered_on=day(2025, 7, 10))
    assert _charged(e1) == D("786.00")  # 727 + 59
    appeals.appeal_forward(actor=ch_clerk, appeal=appeal, forwarded_on=day(2025, 8, 1))
    appeals.appeal_decide(actor=ch_clerk, appeal=appeal, outcome=O.REVOKED_REMANDED,
                          ruling_delivered_on=day(2025, 9, 15))  # fmt: skip
    earlier.refresh_from_db()
    changing.refresh_from_db()
    assert (earlier.status, changing.status) == (S.CANCELLED, S.CANCELLED)
    assert _charged(e1) == D("0.00")
    assert svc.effective_decisions(2025, [e1.pk]) == []


def test_withdrawal_before_forwarding_makes_the_decision_final(delivered_2025, ch_clerk):
    earlier = delivered_2025["e1_decision"]
    appeal = appeals.appeal_register(actor=ch_clerk, decision=earlier, party_id=earlier.party_id,
                                     lodged_on=day(2025, 3, 3))  # fmt: skip
    with pytest.raises(ServiceValidationError):  # the SKO has not got it: it cannot have ruled on it
        appeals.appeal_decide(actor=ch_clerk, appeal=appeal, outcome=O.UPHELD, ruling_delivered_on=day(2025, 4, 1))
    appeals.appeal_decide(actor=ch_clerk, appeal=appeal, outcome=O.WITHDRAWN, ruling_delivered_on=day(2025, 4, 1))
    earlier.refresh_from_db()
    assert (earlier.status, earlier.final_on) == (S.FINAL, day(2025, 4, 1))
