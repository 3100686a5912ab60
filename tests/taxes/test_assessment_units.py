"""Decision units of the mass assessment: co-owners jointly and severally liable for the WHOLE tax (one decision to
one co-owner, the others co-obligors), a person alone and with another → two units, spouses, a unit with a legal
person left out; one decision per tax liability (property + forest without agricultural land → two decisions);
last year's total per unit; ``assess_parties``."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from taxes.models import AssessmentRun, Decision, DecisionInstallment, Proposal
from taxes.models.assessment import ProposalDecision
from taxes.services.assessment import (
    assess_parties,
    assessment_run_create,
    assessment_run_issue,
    assessment_run_request_compute,
)
from tests.taxes.conftest_assessment import *  # noqa: F403

D = Decimal
S = AssessmentRun.Status
DUE_2026 = ["2026-03-16", "2026-05-15", "2026-09-15", "2026-11-16"]


def _dry_run(actor, year=2026):
    run = assessment_run_create(actor=actor, year=year, issue_date=datetime.date(year, 2, 10))
    return assessment_run_request_compute(actor=actor, run=run)


def _by_unit(run, people):
    names = {p.pk: key for key, p in people.items()}
    return {
        "+".join(names[int(pid)] for pid in p.unit.split("-")): p
        for p in Proposal.objects.filter(run=run).select_related("party")
    }


def _plan(element):
    return [(i["due"], i["amount"]) for i in element["installments"]]


def test_units_exact_proposals(register_units, assess_clerk):
    people = register_units
    run = _dry_run(assess_clerk)
    assert run.status == S.DRY_RUN
    p = _by_unit(run, people)
    assert set(p) == {"a", "a+b", "c", "d_spouse+d"}
    # A alone: the house 100 m² × 1.25 = 125
    alone = p["a"]
    assert (alone.party, alone.total, alone.taxes["co_obligors"], alone.flags) == (people["a"], D("125"), [], [])
    assert [(i["category"], i["share"], i["amount"]) for i in alone.taxes["items"]] == [
        ("building_residential", "1", "125.0000")]  # fmt: skip
    assert _plan(alone.taxes["decisions"][0]) == [(day, "31.25") for day in DUE_2026]
    # A with B, ½ + ½: the WHOLE 1000 m² × 0.77 = 770 addressed to A (equal shares → the lower id), B co-obligor
    joint = p["a+b"]
    assert (joint.party, joint.total, joint.taxes["co_obligors"]) == (people["a"], D("770"), [people["b"].pk])
    assert [(i["category"], i["base"], i["share"], i["amount"]) for i in joint.taxes["items"]] == [
        ("land_other", "1000.0000", "1/2", "770.0000")]  # fmt: skip
    assert len(joint.taxes["decisions"]) == 1
    assert _plan(joint.taxes["decisions"][0]) == [(day, "192.50") for day in DUE_2026]
    assert joint.flags == []
    # property + forest without agricultural land: two tax liabilities, two decisions
    c = p["c"]
    assert c.total == D("509")
    assert [(e["taxes"], e["total"], e["joint"], e["decision"], e["single"]) for e in c.taxes["decisions"]] == [
        (["property"], "385", False, True, False),
        (["forest"], "124", False, True, False),
    ]
    assert _plan(c.taxes["decisions"][0]) == [(day, "96.25") for day in DUE_2026]
    assert _plan(c.taxes["decisions"][1]) == [(day, "31.00") for day in DUE_2026]
    assert _plan(c.taxes) == [(day, "127.25") for day in DUE_2026]  # what the unit pays per date
    assert c.taxes["joint"] is False
    # spouses: one unit addressed to the owner (the spouse has the lower id), 80 × 1.25 = 100 → paid once
    d = p["d_spouse+d"]
    assert (d.party, d.total, d.taxes["co_obligors"]) == (people["d"], D("100"), [people["d_spouse"].pk])
    assert _plan(d.taxes["decisions"][0]) == [("2026-03-16", "100.00")]
    assert d.taxes["single"] is True
    c_ = run.summary["counts"]
    # taxpayers: the persons in the units of the run (Ewert is only with the company)
    assert (c_["taxpayers"], c_["units"], c_["decisions"], c_["legal_person_units"]) == (5, 4, 5, 1)
    assert run.summary["total"] == "1504"  # 125 + 770 + 385 + 124 + 100
    assert run.summary["per_tax"] == {"forest": "124", "property": "1380"}
    assert not Proposal.objects.filter(run=run, party=people["e"]).exists()


def test_units_issue_one_decision_per_liability(register_units, assess_clerk, bank_profile):
    people = register_units
    run = assessment_run_issue(actor=assess_clerk, run=_dry_run(assess_clerk))
    assert run.status == S.ISSUED
    assert (run.progress_done, run.progress_total) == (5, 5)
    rows = [
        (d.number, d.party.surname, [p.surname for p in d.co_obligors.all()], [t.tax for t in d.taxes.all()], d.total)
        for d in Decision.objects.filter(run=run).order_by("number")
    ]
    assert sorted(r[1:] for r in rows) == sorted([
        ("Adamski", [], ["property"], D("125")),
        ("Adamski", ["Bednarek"], ["property"], D("770")),
        ("Cieslak", [], ["property"], D("385")),
        ("Cieslak", [], ["forest"], D("124")),
        ("Dudek", ["Dudkowa"], ["property"], D("100")),
    ])  # fmt: skip
    assert [r[0] for r in rows] == [f"FN.3120.1.2026/{n:06d}" for n in range(1, 6)]
    forest = Decision.objects.get(run=run, party=people["c"], taxes__tax="forest")
    assert [(i.number, i.due_date, i.amount) for i in forest.installments.all()] == [
        (n, datetime.date.fromisoformat(day), D("31.00")) for n, day in enumerate(DUE_2026, 1)
    ]
    assert [(i.category, i.base, i.months, i.share, i.amount) for i in forest.items.all()] == [
        ("forest", D("2"), 12, "1", D("123.8028"))]  # fmt: skip
    property_c = Decision.objects.get(run=run, party=people["c"], taxes__tax="property")
    assert property_c.bank_account == forest.bank_account  # one individual account per addressee
    assert forest.qr_payload == (
        f"1234563218|PL|{forest.bank_account}|003100|Urząd Gminy Testowo|{forest.number} rata 1|||"
    )
    assert (forest.period_from, forest.period_to) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    c_proposal = Proposal.objects.get(run=run, party=people["c"])
    assert [(x.position, x.decision_id) for x in ProposalDecision.objects.filter(proposal=c_proposal)] == [
        (0, property_c.pk), (1, forest.pk)]  # fmt: skip
    assert c_proposal.decision_id == property_c.pk
    assert DecisionInstallment.objects.filter(decision__run=run).count() == 4 * 4 + 1
    assert not Decision.objects.filter(party__in=[people["b"], people["e"], people["d_spouse"]]).exists()


def test_last_year_per_unit(register_units, assess_clerk):
    people = register_units
    a, b, c, d = people["a"], people["b"], people["c"], people["d"]

    def decision(party, total, co=()):
        made = Decision.objects.create(
            kind=Decision.Kind.ASSESSMENT, party=party, year=2025, period_from=datetime.date(2025, 1, 1),
            period_to=datetime.date(2025, 12, 31), status=Decision.Status.ISSUED, total=D(total),
        )  # fmt: skip
        made.co_obligors.set(co)

    decision(a, "120")  # A alone
    decision(a, "700", [b])  # A with B
    decision(c, "500")
    decision(d, "90")  # last year alone, this year with the spouse: fallback to the addressee
    decision(b, "999")  # B is not an addressee this year
    p = _by_unit(_dry_run(assess_clerk), people)
    assert (p["a"].previous_total, p["a"].difference) == (D("120"), D("5"))
    assert (p["a+b"].previous_total, p["a+b"].difference) == (D("700"), D("70"))
    assert (p["c"].previous_total, p["c"].difference) == (D("500"), D("9"))
    assert (p["d_spouse+d"].previous_total, p["d_spouse+d"].difference) == (D("90"), D("10"))


def test_assess_parties_contract(register_units):
    people = register_units
    a, b, c = people["a"], people["b"], people["c"]
    units = assess_parties(year=2026, party_ids=[a.pk])
    assert [(u["party"], u["co_obligors"], u["total"], u["decision"]) for u in units] == [
        (a.pk, [], "125", True),
        (a.pk, [b.pk], "770", True),
    ]
    assert {"per_tax", "items", "installments", "single", "error", "decisions"} <= set(units[0])
    # B alone is in one unit only: the joint one
    assert [(u["party"], u["co_obligors"]) for u in assess_parties(year=2026, party_ids=[b.pk])] == [(a.pk, [b.pk])]
    (cu,) = assess_parties(year=2026, party_ids=[c.pk])
    assert [e["total"] for e in cu["decisions"]] == ["385", "124"]
    assert {t: v["amount"] for t, v in cu["per_tax"].items()} == {"property": "385", "forest": "124"}
    assert assess_parties(year=2026, party_ids=[people["e"].pk]) == []  # with a company: DN-1
    assert assess_parties(year=2025, party_ids=[a.pk]) == []  # nothing held in 2025


@pytest.mark.skipif(connection.vendor != "postgresql", reason="forked worker processes run on PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_parallel_dry_run_and_issue_give_the_same_result(register_units, assess_clerk, bank_profile, settings,
                                                         monkeypatch):  # fmt: skip
    """Committed data (transaction=True), chunks of 2 taxpayers and of 1 proposal, 2 forked worker processes: the
    same proposals and decisions as in one process, numbered without gaps."""
    from taxes.services import assessment as svc

    settings.TAXES_ASSESSMENT_PROCESSES = 2
    monkeypatch.setattr(svc, "COMPUTE_CHUNK", 2)
    monkeypatch.setattr(svc, "ISSUE_CHUNK", 1)
    people = register_units
    run = _dry_run(assess_clerk)
    assert run.summary["processes"] == 2
    assert (run.progress_done, run.progress_total) == (6, 6)
    p = _by_unit(run, people)
    assert {k: (v.party, v.total) for k, v in p.items()} == {
        "a": (people["a"], D("125")), "a+b": (people["a"], D("770")), "c": (people["c"], D("509")),
        "d_spouse+d": (people["d"], D("100")),
    }  # fmt: skip
    c_ = run.summary["counts"]
    assert (c_["taxpayers"], c_["units"], c_["decisions"], c_["legal_person_units"]) == (5, 4, 5, 1)
    assert run.summary["total"] == "1504"
    run = assessment_run_issue(actor=assess_clerk, run=run)
    assert (run.status, run.progress_done, run.progress_total) == (S.ISSUED, 5, 5)
    numbers = sorted(Decision.objects.filter(run=run).values_list("number", flat=True))
    assert numbers == [f"FN.3120.1.2026/{n:06d}" for n in range(1, 6)]
    assert ProposalDecision.objects.filter(proposal__run=run).count() == 5
    # numbered in the order of the proposals and their decisions
    ordered = [
        d for p_ in Proposal.objects.filter(run=run).order_by("id")
        for d in Decision.objects.filter(pk__in=ProposalDecision.objects.filter(proposal=p_).values("decision"))
        .order_by("number")
    ]  # fmt: skip
    assert [d.number for d in ordered] == numbers


def test_co_owner_sells_mid_year_splits_the_months(register_units, assess_clerk):
    """Land co-owned by Adamski and Bednarek ½ + ½ until 30.06.2026, then Adamski's alone (he bought the other
    half): the months go to two units — {A, B} January–June, {A} July–December (with A's house)."""
    from taxes.models import Liability, TaxObject
    from taxes.services.register import liability_add, liability_end

    people = register_units
    a, b = people["a"], people["b"]
    land = TaxObject.objects.get(precinct="Unitowo", parcel="1/2")
    june = datetime.date(2026, 6, 30)
    for li in Liability.objects.filter(object=land):
        liability_end(actor=assess_clerk, liability=li, valid_to=june)
    liability_add(actor=assess_clerk, object=land, party=a, role=Liability.Role.OWNER,
                  valid_from=datetime.date(2026, 7, 1))  # fmt: skip
    p = _by_unit(_dry_run(assess_clerk), people)
    joint, alone = p["a+b"], p["a"]
    # 1000 m² × 0.77 = 770 a year: 6 months each = 385
    assert [(i["category"], i["months"], i["amount"]) for i in joint.taxes["items"]] == [("land_other", 6, "385.0000")]
    assert (joint.total, joint.taxes["period_from"], joint.taxes["period_to"]) == (D("385"), "2026-01-01", "2026-06-30")
    assert sorted((i["category"], i["months"], i["amount"]) for i in alone.taxes["items"]) == [
        ("building_residential", 12, "125.0000"), ("land_other", 6, "385.0000")]  # fmt: skip
    assert alone.total == D("510")
    assert _plan(alone.taxes["decisions"][0]) == [(day, "127.50") for day in DUE_2026]
    assert [x["party"] for x in assess_parties(year=2026, party_ids=[b.pk])] == [a.pk]


def test_unit_key_of_many_co_owners_fits_and_stays_distinct():
    from taxes.services.assessment import UNIT_KEY_LENGTH, unit_key

    assert unit_key({57, 12}) == "12-57"
    road = set(range(100001, 100081))  # 80 co-owners of an access road
    other = road - {100080} | {100090}
    assert len(unit_key(road)) <= UNIT_KEY_LENGTH
    assert unit_key(road).startswith("100001-100002-")
    assert unit_key(road) != unit_key(other)
    assert unit_key(road) == unit_key(sorted(road, reverse=True))
