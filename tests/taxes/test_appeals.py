"""Appeals against tax decisions (OP art. 220–234): a pending timely appeal keeps the decision from becoming final;
the SKO's ruling makes it final or cancels it and reduces its charge in finance; late appeals, refusals."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import AuditEvent
from finance.models import AccountEntry
from finance.selectors import charge_remaining
from taxes.models import Decision, DecisionAppeal
from taxes.services import appeals
from taxes.services import decisions as dec
from tests.factories import PersonFactory
from tests.taxes.conftest_decisions import dec_clerk, fn_unit, jrwa_3120, make_decision  # noqa: F401

D = Decimal
DELIVERED = datetime.date(2024, 3, 4)  # Monday; the last day to appeal is 18.03.2024 (Monday)
S = Decision.Status
O = DecisionAppeal.Outcome  # noqa: E741


@pytest.fixture
def delivered(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    def _make(**kwargs):
        decision = dec.decision_hand_over(actor=dec_clerk, decision=make_decision(year=2024, **kwargs))
        dec.decision_delivered(decision_id=decision.pk, delivered_on=DELIVERED)
        decision.refresh_from_db()
        return decision

    return _make


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2024, 6, 1, 10, 0), tick=False):
        yield


def test_deadline_is_fourteen_days_after_delivery_shifted(db):
    assert appeals.appeal_deadline(DELIVERED) == datetime.date(2024, 3, 18)
    # delivered 2.03.2024 → 16.03 is a Saturday → 18.03
    assert appeals.appeal_deadline(datetime.date(2024, 3, 2)) == datetime.date(2024, 3, 18)


def test_timely_appeal_blocks_finality_until_upheld(delivered, dec_clerk):  # noqa: F811
    decision = delivered()
    appeal = appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                     lodged_on=datetime.date(2024, 3, 18))  # fmt: skip
    assert (appeal.late, appeal.status) == (False, DecisionAppeal.Status.LODGED)
    assert dec.decisions_mark_final(datetime.date(2024, 4, 1)) == 0
    decision.refresh_from_db()
    assert decision.status == S.DELIVERED
    result = appeals.appeal_forward(actor=dec_clerk, appeal=appeal, forwarded_on=datetime.date(2024, 4, 10))
    assert result.late_forwarding is False
    appeals.appeal_decide(actor=dec_clerk, appeal=appeal, outcome=O.UPHELD,
                          ruling_delivered_on=datetime.date(2024, 5, 20))  # fmt: skip
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (S.FINAL, datetime.date(2024, 5, 20))
    actions = list(AuditEvent.objects.filter(action__startswith="taxes.appeal.").values_list("action", flat=True))
    assert sorted(actions) == ["taxes.appeal.decided", "taxes.appeal.forwarded", "taxes.appeal.lodged"]


def test_late_appeal_does_not_stop_finality(delivered, dec_clerk):  # noqa: F811
    decision = delivered()
    appeal = appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                     lodged_on=datetime.date(2024, 3, 19))  # fmt: skip
    assert appeal.late is True
    assert dec.decisions_mark_final(datetime.date(2024, 3, 19)) == 1
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (S.FINAL, datetime.date(2024, 3, 19))
    appeals.appeal_forward(actor=dec_clerk, appeal=appeal, forwarded_on=datetime.date(2024, 5, 1))
    appeals.appeal_decide(actor=dec_clerk, appeal=appeal, outcome=O.LATE,
                          ruling_delivered_on=datetime.date(2024, 5, 30))  # fmt: skip
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (S.FINAL, datetime.date(2024, 3, 19))


def test_posted_appeal_arriving_after_the_final_mark_reopens_the_decision(delivered, dec_clerk):  # noqa: F811
    decision = delivered()
    assert dec.decisions_mark_final(datetime.date(2024, 3, 19)) == 1
    # a letter posted on the last day (18.03) arrives on 20.03: timely (OP art. 12 §6)
    appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                            lodged_on=datetime.date(2024, 3, 18))  # fmt: skip
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (S.DELIVERED, None)


def test_revoked_decision_is_cancelled_and_its_charge_reduced(delivered, dec_clerk):  # noqa: F811
    decision = delivered()
    (charge,) = AccountEntry.objects.filter(
        kind=AccountEntry.Kind.CHARGE, source_ref=f"decision:{decision.pk}:property"
    )
    assert charge_remaining(charge) == D("727.00")
    appeal = appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                     lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    appeals.appeal_forward(actor=dec_clerk, appeal=appeal, forwarded_on=datetime.date(2024, 4, 20))
    appeals.appeal_decide(actor=dec_clerk, appeal=appeal, outcome=O.REVOKED_REMANDED,
                          ruling_delivered_on=datetime.date(2024, 5, 31))  # fmt: skip
    decision.refresh_from_db()
    assert decision.status == S.CANCELLED
    reductions = AccountEntry.objects.filter(kind=AccountEntry.Kind.REDUCTION, source_ref=f"appeal:{decision.pk}")
    assert sorted(r.amount for r in reductions) == [D("181.75")] * 4
    assert {r.value_date for r in reductions} == {datetime.date(2024, 5, 31)}
    assert charge_remaining(charge) == D("0.00")
    assert dec.decisions_mark_final(datetime.date(2024, 6, 1)) == 0


def test_co_obligor_may_appeal_a_stranger_may_not(delivered, dec_clerk):  # noqa: F811
    co = PersonFactory()
    decision = delivered(co_obligors=[co])
    stranger = PersonFactory()
    audits, rows = AuditEvent.objects.count(), DecisionAppeal.objects.count()
    with pytest.raises(ServiceValidationError) as refusal:
        appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=stranger.pk,
                                lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    assert "party" in refusal.value.errors
    assert (AuditEvent.objects.count(), DecisionAppeal.objects.count()) == (audits, rows)
    appeal = appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=co.pk,
                                     lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    assert appeal.party == co
    with pytest.raises(ServiceValidationError):  # the same party's second pending appeal
        appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=co.pk,
                                lodged_on=datetime.date(2024, 3, 11))  # fmt: skip


def test_refusals_write_nothing(make_decision, delivered, dec_clerk, make_user):  # noqa: F811
    draft = make_decision(year=2024)
    with pytest.raises(ApplicationError):
        appeals.appeal_register(actor=dec_clerk, decision=draft, party_id=draft.party_id,
                                lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    decision = delivered()
    with pytest.raises(ServiceValidationError):  # before delivery
        appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                lodged_on=datetime.date(2024, 3, 1))  # fmt: skip
    with pytest.raises(ServiceValidationError):  # in the future
        appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                lodged_on=datetime.date(2024, 7, 1))  # fmt: skip
    outsider = make_user(username="bez-uprawnien")
    with pytest.raises(ApplicationError):
        appeals.appeal_register(actor=outsider, decision=decision, party_id=decision.party_id,
                                lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    assert DecisionAppeal.objects.count() == 0
    appeal = appeals.appeal_register(actor=dec_clerk, decision=decision, party_id=decision.party_id,
                                     lodged_on=datetime.date(2024, 3, 10))  # fmt: skip
    with pytest.raises(ApplicationError):  # not forwarded yet
        appeals.appeal_decide(actor=dec_clerk, appeal=appeal, outcome=O.UPHELD,
                              ruling_delivered_on=datetime.date(2024, 5, 1))  # fmt: skip
    appeal.refresh_from_db()
    decision.refresh_from_db()
    assert (appeal.status, appeal.outcome, decision.status) == (DecisionAppeal.Status.LODGED, "", S.DELIVERED)


def test_screens_register_forward_and_decide(client, delivered, dec_clerk, make_user):  # noqa: F811
    decision = delivered()
    client.force_login(dec_clerk)
    page = client.get(reverse("taxes:decision-detail", args=[decision.pk]))
    assert page.status_code == 200
    assert 'data-testid="appeal-form"' in page.content.decode()
    bad = client.post(reverse("taxes:appeal-register", args=[decision.pk]),
                      {"party": decision.party_id, "lodged_on": "2024-03-01"})  # fmt: skip
    assert bad.status_code == 422
    assert DecisionAppeal.objects.count() == 0
    ok = client.post(reverse("taxes:appeal-register", args=[decision.pk]),
                     {"party": decision.party_id, "lodged_on": "2024-03-15"})  # fmt: skip
    assert ok.status_code == 302
    appeal = DecisionAppeal.objects.get()
    assert (
        client.post(reverse("taxes:appeal-forward", args=[appeal.pk]), {"forwarded_on": "2024-04-02"}).status_code
        == 302
    )
    done = client.post(reverse("taxes:appeal-decide", args=[appeal.pk]),
                       {"outcome": "withdrawn", "ruling_delivered_on": "2024-04-30"})  # fmt: skip
    assert done.status_code == 302
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (S.FINAL, datetime.date(2024, 4, 30))
    client.force_login(make_user(username="bez-uprawnien-2"))
    assert client.post(reverse("taxes:appeal-register", args=[decision.pk]),
                       {"party": decision.party_id, "lodged_on": "2024-03-15"}).status_code == 403  # fmt: skip


def test_api(client, delivered, dec_clerk, make_user):  # noqa: F811
    decision = delivered()
    client.force_login(dec_clerk)
    url = f"/api/v1/taxes/decisions/{decision.pk}/appeals/"
    bad = client.post(url, {"party": decision.party_id, "lodged_on": "2024-07-01"}, content_type="application/json")
    assert bad.status_code == 400
    created = client.post(url, {"party": decision.party_id, "lodged_on": "2024-03-19"},
                          content_type="application/json")  # fmt: skip
    assert created.status_code == 201
    body = created.json()
    assert (body["late"], body["status"], body["decision_status"]) == (True, "lodged", "delivered")
    assert [a["id"] for a in client.get(url).json()] == [body["id"]]
    forwarded = client.post(f"/api/v1/taxes/appeals/{body['id']}/forward/", {"forwarded_on": "2024-04-01"},
                            content_type="application/json")  # fmt: skip
    assert forwarded.json()["status"] == "forwarded"
    decided = client.post(
        f"/api/v1/taxes/appeals/{body['id']}/decide/",
        {"outcome": "late", "ruling_delivered_on": "2024-05-02"},
        content_type="application/json",
    )
    assert decided.json()["decision_status"] == "final"
    assert decided.json()["decision_final_on"] == "2024-03-19"
    client.force_login(make_user(username="bez-uprawnien-3"))
    assert client.get(url).status_code == 403
