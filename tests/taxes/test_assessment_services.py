"""Mass assessment: the dry run (proposals, flags, last year, totals) and the issue (decisions, numbers, items,
installments, QR, resumable)."""

import datetime
from decimal import Decimal

import pytest
from django.utils.translation import gettext

from core.exceptions import ApplicationError
from taxes.models import AssessmentRun, Decision, DecisionInstallment, Liability, Proposal, TaxObject
from taxes.models.assessment import ProposalDecision
from taxes.services import assessment as svc
from taxes.services.assessment import (
    assessment_run_cancel,
    assessment_run_create,
    assessment_run_issue,
    assessment_run_request_compute,
)
from taxes.services.register import object_create
from tests.factories import PersonFactory
from tests.taxes.conftest_assessment import *  # noqa: F403
from tests.taxes.conftest_assessment import counts

D = Decimal
S = AssessmentRun.Status


def _dry_run(actor, year, issue_date=None):
    run = assessment_run_create(actor=actor, year=year, issue_date=issue_date or datetime.date(year, 2, 10))
    return assessment_run_request_compute(actor=actor, run=run)


def _proposals(run):
    return {p.party.surname: p for p in Proposal.objects.filter(run=run).select_related("party")}


def test_dry_run_2025_exact_proposals_and_flags(register_2025, assess_clerk):
    run = _dry_run(assess_clerk, 2025)
    assert run.status == S.DRY_RUN
    assert (run.progress_done, run.progress_total) == (6, 6)
    p = _proposals(run)
    # the co-owners Wspolny and Bezadresu are one unit, addressed to Wspolny (equal shares → the lower party id)
    assert set(p) == {"Ejeden", "Eszesc", "Wspolny", "Maly", "Bezstawki"}
    e1 = p["Ejeden"]
    assert e1.total == D("727")
    assert e1.previous_total is None
    assert e1.difference == D("727")
    assert e1.taxes["per_tax"] == {"property": {"exact": "726.8000", "amount": "727", "farm": None}}
    assert [(i["due"], i["amount"]) for i in e1.taxes["installments"]] == [
        ("2025-03-17", "181.75"),
        ("2025-05-15", "181.75"),
        ("2025-09-15", "181.75"),
        ("2025-11-17", "181.75"),
    ]
    assert sorted((i["category"], i["base"], i["rate"], i["months"], i["share"], i["amount"])
                  for i in e1.taxes["items"]) == [
        ("building_residential", "120.0000", "1.1900", 12, "1", "142.8000"),
        ("land_other", "800.0000", "0.7300", 12, "1", "584.0000")]  # fmt: skip
    assert e1.flags == []
    assert e1.unit == str(register_2025["e1"].pk)
    assert len(e1.taxes["decisions"]) == 1
    assert e1.taxes["decisions"][0]["total"] == "727"
    assert e1.channel == "e_doreczenia"
    assert p["Eszesc"].channel == "epuap"
    assert p["Maly"].channel == "post"
    assert p["Eszesc"].taxes["joint"] is True
    assert [d["taxes"] for d in p["Eszesc"].taxes["decisions"]] == [["agricultural", "property", "forest"]]
    assert p["Maly"].flags == ["below_threshold"]
    assert p["Maly"].total == D("4")
    assert p["Bezstawki"].flags == ["no_rate"]
    assert p["Bezstawki"].taxes["error"]["code"] == "rate_missing"
    # co-owned ½ + ½: the WHOLE tax 1000 m² × 0.73 = 730 on one decision; the other co-owner has no address
    co_a, co_b = register_2025["co_a"], register_2025["co_b"]
    assert p["Wspolny"].total == D("730")
    assert p["Wspolny"].unit == f"{co_a.pk}-{co_b.pk}"
    assert p["Wspolny"].flags == ["co_owner_no_address"]
    assert p["Wspolny"].taxes["co_obligors"] == [co_b.pk]
    assert [(i["category"], i["base"], i["months"], i["share"], i["amount"]) for i in p["Wspolny"].taxes["items"]] == [
        ("land_other", "1000.0000", 12, "1/2", "730.0000")]  # fmt: skip
    assert [(i["due"], i["amount"]) for i in p["Wspolny"].taxes["installments"]] == [
        ("2025-03-17", "182.50"), ("2025-05-15", "182.50"),
        ("2025-09-15", "182.50"), ("2025-11-17", "182.50")]  # fmt: skip


def test_dry_run_2026_e6_joint_and_last_year(register_2025, assess_clerk, bank_profile):
    first = _dry_run(assess_clerk, 2025)
    assessment_run_issue(actor=assess_clerk, run=first)
    run = _dry_run(assess_clerk, 2026)
    p = _proposals(run)
    e6 = p["Eszesc"]
    assert e6.total == D("1710")
    assert {t: v["amount"] for t, v in e6.taxes["per_tax"].items()} == {
        "agricultural": "1461",
        "property": "125",
        "forest": "124",
    }
    assert [(i["due"], i["amount"]) for i in e6.taxes["installments"]] == [
        ("2026-03-16", "427.50"),
        ("2026-05-15", "427.50"),
        ("2026-09-15", "427.50"),
        ("2026-11-16", "427.50"),
    ]
    e1 = p["Ejeden"]
    assert (e1.total, e1.previous_total, e1.difference) == (D("766"), D("727"), D("39"))
    assert e1.flags == []
    assert p["Maly"].previous_total is None  # no decision last year
    co = p["Wspolny"]
    assert (co.total, co.previous_total, co.difference) == (D("770"), D("730"), D("40"))  # same unit last year
    assert run.summary["per_tax"]["property"] == str(D("766") + D("125") + D("770"))
    assert run.summary["per_paragraf"] == {"0310": "1661", "0320": "1461", "0330": "124"}
    assert run.summary["counts"]["decisions"] == 3


def test_change_flag(register_2025, assess_clerk, bank_profile):
    from taxes.models import YearSettings

    YearSettings.objects.update_or_create(year=2026, defaults={"anomaly_percent": D("5"), "anomaly_amount": D("500")})
    assessment_run_issue(actor=assess_clerk, run=_dry_run(assess_clerk, 2025))
    p = _proposals(_dry_run(assess_clerk, 2026))
    assert "change" in p["Ejeden"].flags  # 39 / 727 = 5.4 % > 5 %
    assert "change" in p["Eszesc"].flags


def test_summary_totals_2025(register_2025, assess_clerk):
    run = _dry_run(assess_clerk, 2025)
    c = run.summary["counts"]
    assert (c["taxpayers"], c["units"], c["decisions"], c["below_threshold"], c["no_rate"]) == (6, 5, 3, 1, 1)
    assert (c["co_owner_no_address"], c["legal_person_units"]) == (1, 0)
    assert (c["e_doreczenia"], c["epuap"], c["post"]) == (1, 1, 3)
    assert run.summary["total"] == "3597"  # 727 (E1) + 2140 (the E6 register at the 2025 rates) + 730 (co-owned)


def test_issue_creates_one_decision_per_proposal(register_2025, assess_clerk, bank_profile):
    run = _dry_run(assess_clerk, 2025)
    run = assessment_run_issue(actor=assess_clerk, run=run)
    assert run.status == S.ISSUED
    assert (run.progress_done, run.progress_total) == (3, 3)
    decisions = Decision.objects.filter(run=run).order_by("number")
    assert [d.number for d in decisions] == [f"FN.3120.1.2025/{n:06d}" for n in range(1, 4)]
    assert {d.party.surname for d in decisions} == {"Ejeden", "Eszesc", "Wspolny"}
    e1 = Decision.objects.get(run=run, party=register_2025["e1"])
    assert (e1.kind, e1.status, e1.total, e1.year) == ("assessment", "draft", D("727"), 2025)
    assert (e1.period_from, e1.period_to) == (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
    assert e1.issue_date == datetime.date(2025, 2, 10)
    assert len(e1.bank_account) == 26
    assert e1.bank_account[2:16] == "10201026987654"
    assert e1.qr_payload == f"1234563218|PL|{e1.bank_account}|018175|Urząd Gminy Testowo|{e1.number} rata 1|||"
    assert [(i.number, i.due_date, i.amount) for i in e1.installments.all()] == [
        (1, datetime.date(2025, 3, 17), D("181.75")),
        (2, datetime.date(2025, 5, 15), D("181.75")),
        (3, datetime.date(2025, 9, 15), D("181.75")),
        (4, datetime.date(2025, 11, 17), D("181.75")),
    ]
    assert [(t.tax, t.exact, t.amount) for t in e1.taxes.all()] == [("property", D("726.8"), D("727"))]
    assert sorted((i.category, i.base, i.rate, i.months, i.share, i.amount) for i in e1.items.all()) == [
        ("building_residential", D("120"), D("1.19"), 12, "1", D("142.8")),
        ("land_other", D("800"), D("0.73"), 12, "1", D("584"))]  # fmt: skip
    co = Decision.objects.get(run=run, party=register_2025["co_a"])
    assert list(co.co_obligors.all()) == [register_2025["co_b"]]
    assert co.total == D("730")
    assert not Decision.objects.filter(party=register_2025["co_b"]).exists()
    assert Proposal.objects.get(run=run, party=register_2025["e1"]).decision == e1
    assert not Decision.objects.filter(party__in=[register_2025["small"], register_2025["norate"]]).exists()
    # calling again changes nothing
    with pytest.raises(ApplicationError):
        assessment_run_issue(actor=assess_clerk, run=run)
    assert Decision.objects.count() == 3
    assert DecisionInstallment.objects.count() == 4 + 4 + 4


def test_second_active_run_refused_nothing_written(register_2025, assess_clerk):
    first = assessment_run_create(actor=assess_clerk, year=2025, issue_date=None)
    before = counts(), AssessmentRun.objects.count()
    with pytest.raises(ApplicationError) as err:
        assessment_run_create(actor=assess_clerk, year=2025, issue_date=None)
    assert err.value.code == "run_active"
    assert str(err.value) == gettext(
        "Another assessment run for %(year)s is active: #%(id)s (%(status)s). Finish or cancel it first."
    ) % {"year": 2025, "id": first.pk, "status": first.get_status_display()}
    assert (counts(), AssessmentRun.objects.count()) == before
    assessment_run_cancel(actor=assess_clerk, run=first)
    assert assessment_run_create(actor=assess_clerk, year=2025).status == S.DRAFT


def test_recompute_replaces_proposals(register_2025, assess_clerk):
    run = _dry_run(assess_clerk, 2025)
    ids = set(Proposal.objects.filter(run=run).values_list("id", flat=True))
    run = assessment_run_request_compute(actor=assess_clerk, run=run)
    assert run.status == S.DRY_RUN
    assert Proposal.objects.filter(run=run).count() == 5
    assert not ids & set(Proposal.objects.filter(run=run).values_list("id", flat=True))
    # the task is safe twice: a computed run is left alone
    assert svc.assessment_run_compute(run_id=run.pk).status == S.DRY_RUN


def test_a_later_run_of_the_year_leaves_out_the_units_with_a_decision(register_2025, assess_clerk, bank_profile):
    first = assessment_run_issue(actor=assess_clerk, run=_dry_run(assess_clerk, 2025))
    assert first.status == S.ISSUED
    newcomer = PersonFactory(surname="Nowy")
    july = datetime.date(2025, 7, 1)
    object_create(
        actor=assess_clerk, kind=TaxObject.Kind.LAND, precinct="Testowo", parcel="8/1", identifier="",
        version={"valid_from": july, "category": "land_other", "area": D("600")},
        liabilities=[{"party": newcomer, "role": Liability.Role.OWNER, "valid_from": july}],
    )  # fmt: skip
    second = _dry_run(assess_clerk, 2025, issue_date=datetime.date(2025, 7, 20))
    # E1, E6 and the co-owners have their decisions of 2025: only the newcomer (and the units without a decision)
    assert set(_proposals(second)) == {"Nowy", "Maly", "Bezstawki"}
    assert second.summary["counts"]["already_assessed"] == 3
    assert _proposals(second)["Nowy"].total == D("219")  # 600 × 0.73 × 6/12 = 219.00
    before = Decision.objects.count()
    assessment_run_issue(actor=assess_clerk, run=second)
    assert Decision.objects.count() == before + 1
    assert Decision.objects.filter(party=newcomer, year=2025).count() == 1


def test_crash_mid_issue_then_resume(register_2025, assess_clerk, bank_profile, monkeypatch):
    run = _dry_run(assess_clerk, 2025)
    monkeypatch.setattr(svc, "ISSUE_CHUNK", 1)
    real = svc._issue_chunk
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(svc, "_issue_chunk", flaky)
    with pytest.raises(RuntimeError):
        assessment_run_issue(actor=assess_clerk, run=run)
    run.refresh_from_db()
    assert run.status == S.FAILED
    assert run.progress_done == 2
    assert "power failure" in run.error
    assert Decision.objects.filter(run=run).count() == 2
    monkeypatch.setattr(svc, "_issue_chunk", real)
    run = assessment_run_issue(actor=assess_clerk, run=run)
    assert run.status == S.ISSUED
    assert run.progress_done == 3
    numbers = list(Decision.objects.filter(run=run).order_by("number").values_list("number", flat=True))
    assert numbers == [f"FN.3120.1.2025/{n:06d}" for n in range(1, 4)]
    assert Decision.objects.filter(run=run).values("party").distinct().count() == 3
    assert ProposalDecision.objects.filter(proposal__run=run).count() == 3


def test_resume_from_issuing_after_process_crash(register_2025, assess_clerk, bank_profile):
    run = _dry_run(assess_clerk, 2025)
    AssessmentRun.objects.filter(pk=run.pk).update(status=S.ISSUING)  # the process died while issuing
    run = assessment_run_issue(actor=assess_clerk, run=run)
    assert run.status == S.ISSUED
    assert Decision.objects.filter(run=run).count() == 3


def test_permissions(register_2025, no_assess_user, assess_clerk):
    before = counts(), AssessmentRun.objects.count()
    with pytest.raises(ApplicationError) as err:
        assessment_run_create(actor=no_assess_user, year=2025)
    assert err.value.code == "forbidden"
    run = assessment_run_create(actor=assess_clerk, year=2025)
    with pytest.raises(ApplicationError):
        assessment_run_request_compute(actor=no_assess_user, run=run)
    with pytest.raises(ApplicationError):
        assessment_run_issue(actor=no_assess_user, run=run)
    assert counts()[:2] == before[0][:2]


def test_issue_refused_without_bank_profile(register_2025, assess_clerk):
    run = _dry_run(assess_clerk, 2025)
    before = counts()
    with pytest.raises(ApplicationError) as err:
        assessment_run_issue(actor=assess_clerk, run=run)
    assert err.value.code == "no_bank_profile"
    assert counts() == before
    run.refresh_from_db()
    assert run.status == S.DRY_RUN
