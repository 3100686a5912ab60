"""Changes during the year (issue 8 point 8): changing / ending decisions posted as the difference on delivery,
and the DN-1 / DT-1 self-assessments posted directly."""

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from core.exceptions import ApplicationError
from finance.models import AccountEntry
from finance.services.payments import payment_register_cash
from taxes.models import Decision, Declaration, Liability, TaxObject
from taxes.services import changes as svc
from taxes.services.decisions import XML_NS, decision_delivered, decision_hand_over, decision_html, decision_xml
from taxes.services.declarations import declaration_accept
from taxes.services.register import liability_end
from tests.factories import PersonFactory
from tests.taxes.conftest_changes import *  # noqa: F403
from tests.taxes.conftest_changes import charges, counts, make_object

D = Decimal
K = Decision.Kind
S = Decision.Status
day = datetime.date


def _installments(decision):
    return [(i.due_date, i.effective_due_date, i.amount) for i in decision.installments.order_by("number")]


def _reductions(decision):
    rows = AccountEntry.objects.filter(source_ref__startswith=f"decision:{decision.pk}:").exclude(
        kind=AccountEntry.Kind.CHARGE
    )
    return sorted((e.kind, e.installment.due_date, e.amount) for e in rows)


def _buy_house(clerk, party):
    """A house of 100 m² bought on 10.06.2025: taxed from 1.07.2025 (6 months × 119.00 = 59.50)."""
    return make_object(clerk, TaxObject.Kind.BUILDING, "2/1", {"category": "building_residential", "area": D("100")},
                       [party], valid_from=day(2025, 7, 1))  # fmt: skip


def test_purchase_gives_a_changing_decision_posted_as_an_additional_charge(delivered_2025, ch_clerk):
    e1, earlier = delivered_2025["e1"], delivered_2025["e1_decision"]
    _buy_house(ch_clerk, e1)
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    (pk,) = result["created"]
    draft = Decision.objects.get(pk=pk)
    assert (draft.kind, draft.status, draft.changes_id, draft.number) == (K.CHANGING, S.DRAFT, earlier.pk, "")
    assert (draft.total, draft.period_from, draft.period_to) == (D("786.00"), day(2025, 1, 1), day(2025, 12, 31))
    assert [(t.tax, t.exact, t.amount) for t in draft.taxes.all()] == [("property", D("786.3000"), D("786.00"))]
    assert sorted((i.category, i.base, i.months, i.amount) for i in draft.items.all()) == [
        ("building_residential", D("100.0000"), 6, D("59.5000")),
        ("building_residential", D("120.0000"), 12, D("142.8000")),
        ("land_other", D("800.0000"), 12, D("584.0000")),
    ]
    # 17.03 and 15.05 were due before the issue date: as they were; the 59 zł goes to 15.09 and 17.11
    assert _installments(draft) == [
        (day(2025, 3, 17), day(2025, 3, 17), D("181.75")),
        (day(2025, 5, 15), day(2025, 5, 15), D("181.75")),
        (day(2025, 9, 15), None, D("211.25")),
        (day(2025, 11, 17), None, D("211.25")),
    ]
    # the same situation again: the draft is kept, nothing new
    again = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    assert (again["created"], again["kept"]) == ([], [pk])
    assert Decision.objects.filter(changes=earlier).count() == 1

    issued = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    assert (issued.status, issued.number, issued.bank_account) == (S.ISSUED, "FN.3120.1.2025/000003",
                                                                   earlier.bank_account)  # fmt: skip
    assert issued.document is not None
    assert issued.qr_payload.split("|")[3] == "005900"
    html = decision_html(issued)
    assert "DECYZJA ZMIENIAJĄCA" in html
    assert "decyzję nr <strong>FN.3120.1.2025/000001</strong> z dnia 10.02.2025" in html
    assert "art. 6 ust. 3 i 5 ustawy z dnia 12 stycznia 1991 r." in html
    assert "art. 207 i art. 210" in html
    xml = etree.fromstring(decision_xml(issued))
    ns = {"d": XML_NS}
    assert [(e.tag.split("}")[1], e.text) for e in xml.find("d:Changes", ns)] == [
        ("Number", "FN.3120.1.2025/000001"), ("IssueDate", "2025-02-10"), ("PreviousTotal", "727.00"),
        ("Difference", "59.00"),
    ]  # fmt: skip

    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 7, 10))
    issued.refresh_from_db()
    assert (issued.status, issued.delivered_on) == (S.DELIVERED, day(2025, 7, 10))
    assert [i[1] for i in _installments(issued)] == [day(2025, 3, 17), day(2025, 5, 15), day(2025, 9, 15),
                                                     day(2025, 11, 17)]  # fmt: skip
    plan = [(day(2025, 9, 15), D("29.50")), (day(2025, 11, 17), D("29.50"))]
    assert charges(e1)[1:] == [(D("59.00"), f"decision:{issued.pk}:property", plan)]
    before = counts()
    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 7, 12))  # a second receipt
    assert counts() == before


def test_sale_gives_a_reduction_of_the_coming_installments(delivered_2025, ch_clerk):
    e1 = delivered_2025["e1"]
    land = delivered_2025["objects"]["land"]
    liability_end(actor=ch_clerk, liability=Liability.objects.get(object=land, party=e1), valid_to=day(2025, 8, 31))
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 8, 25))
    draft = Decision.objects.get(pk=result["created"][0])
    # 142.80 + 584.00 × 8/12 = 532.1333 → 532; −195 spread over 15.09 and 17.11
    assert (draft.kind, draft.total) == (K.CHANGING, D("532.00"))
    assert [i[2] for i in _installments(draft)] == [D("181.75"), D("181.75"), D("84.25"), D("84.25")]
    issued = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    assert issued.qr_payload == ""
    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 9, 1))
    assert _reductions(issued) == [("reduction", day(2025, 9, 15), D("97.50")),
                                   ("reduction", day(2025, 11, 17), D("97.50"))]  # fmt: skip
    assert len(charges(e1)) == 1  # no new charge


def test_a_draft_issued_later_is_rescheduled_as_of_the_issue_date(delivered_2025, ch_clerk):
    e1 = delivered_2025["e1"]
    land = delivered_2025["objects"]["land"]
    liability_end(actor=ch_clerk, liability=Liability.objects.get(object=land, party=e1), valid_to=day(2025, 8, 31))
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 8, 25))
    draft = Decision.objects.get(pk=result["created"][0])
    issued = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=day(2025, 9, 20))
    # on 20.09 the 15.09 installment is due already: the −195 falls on 17.11 (181.75) and then back on 15.09
    assert issued.issue_date == day(2025, 9, 20)
    assert [i[2] for i in _installments(issued)] == [D("181.75"), D("181.75"), D("168.50"), D("0.00")]
    assert sum(i[2] for i in _installments(issued)) == issued.total == D("532.00")


def test_sale_of_the_only_object_ends_the_obligation_and_gives_an_overpayment(delivered_2025, ch_clerk, ch_accountant):
    f, earlier = delivered_2025["f"], delivered_2025["f_decision"]
    assert earlier.total == D("730.00")
    payment_register_cash(actor=ch_accountant, party=f, amount=D("365.00"), payment_date=day(2025, 5, 12))
    liability_end(actor=ch_clerk, liability=Liability.objects.get(party=f), valid_to=day(2025, 4, 30))
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[f.pk], issue_date=day(2025, 6, 2))
    draft = Decision.objects.get(pk=result["created"][0])
    # 730 × 4/12 = 243.33 → 243; 365 was due already: 15.05 lowered to 60.50, 15.09 and 17.11 to 0
    assert (draft.kind, draft.total, draft.period_to) == (K.ENDING, D("243.00"), day(2025, 4, 30))
    assert [i[2] for i in _installments(draft)] == [D("182.50"), D("60.50"), D("0.00"), D("0.00")]
    issued = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    assert "DECYZJA WYGASZAJĄCA" in decision_html(issued)
    assert b"<Difference>-487.00</Difference>" in decision_xml(issued)
    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 6, 10))
    assert _reductions(issued) == [
        ("overpayment", day(2025, 5, 15), D("122.00")),
        ("reduction", day(2025, 5, 15), D("122.00")),
        ("reduction", day(2025, 9, 15), D("182.50")),
        ("reduction", day(2025, 11, 17), D("182.50")),
    ]
    before = counts()
    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 6, 20))
    assert counts() == before


def test_unchanged_and_no_decision_yet_write_no_decision(delivered_2025, ch_clerk):
    e1 = delivered_2025["e1"]
    newcomer = PersonFactory(surname="Nowy")
    _buy_house(ch_clerk, newcomer)
    before = Decision.objects.count()
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk, newcomer.pk], issue_date=day(2025, 7, 1))
    assert (result["unchanged"], result["no_decision"], result["created"]) == ([e1.pk], [newcomer.pk], [])
    assert Decision.objects.count() == before


def test_a_draft_whose_change_disappeared_is_cancelled(delivered_2025, ch_clerk):
    e1 = delivered_2025["e1"]
    house = _buy_house(ch_clerk, e1)
    first = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    Liability.objects.filter(object=house).delete()
    second = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    assert (second["cancelled"], second["unchanged"]) == (first["created"], [e1.pk])
    assert Decision.objects.get(pk=first["created"][0]).status == S.CANCELLED


def test_refusals_write_nothing(delivered_2025, ch_clerk, ch_outsider):
    e1 = delivered_2025["e1"]
    _buy_house(ch_clerk, e1)
    before = counts()
    with pytest.raises(ApplicationError) as error:
        svc.changes_detect(actor=ch_outsider, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    assert error.value.code == "forbidden"
    assert counts() == before
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    draft = Decision.objects.get(pk=result["created"][0])
    with pytest.raises(ApplicationError) as error:
        svc.changing_decision_issue(actor=ch_outsider, decision=draft, issue_date=draft.issue_date)
    assert error.value.code == "forbidden"
    with pytest.raises(ApplicationError) as error:  # an assessment decision is not issued here
        svc.changing_decision_issue(actor=ch_clerk, decision=delivered_2025["e1_decision"])
    assert error.value.code == "invalid_state"
    draft.refresh_from_db()
    assert (draft.status, draft.number) == (S.DRAFT, "")


def test_issue_refused_while_the_earlier_decision_is_not_delivered(delivered_2025, ch_clerk):
    e1, earlier = delivered_2025["e1"], delivered_2025["e1_decision"]
    _buy_house(ch_clerk, e1)
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[e1.pk], issue_date=day(2025, 7, 1))
    Decision.objects.filter(pk=earlier.pk).update(status=S.ISSUED, posted_at=None)
    before = counts()
    draft = Decision.objects.get(pk=result["created"][0])
    with pytest.raises(ApplicationError) as error:
        svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    assert error.value.code == "earlier_not_delivered"
    assert counts() == before


# --- self-assessments ------------------------------------------------------------------------------------------


def _declaration(party, form, filed_on, status=Declaration.Status.ACCEPTED, **fields):
    return Declaration.objects.create(form=form, party=party, year=2025, filed_on=filed_on, status=status, **fields)


DN1_DUE = [day(2025, 1, 31), day(2025, 2, 17), day(2025, 3, 17), day(2025, 4, 15), day(2025, 5, 15),
           day(2025, 6, 16), day(2025, 7, 15), day(2025, 8, 18), day(2025, 9, 15), day(2025, 10, 15),
           day(2025, 11, 17), day(2025, 12, 15)]  # fmt: skip


def test_dn1_posts_twelve_monthly_installments_and_a_correction_the_difference(register_2025_ch, ch_clerk, company):
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/1", {"category": "building_business", "area": D("500")},
                [company])  # fmt: skip
    declaration = _declaration(company, "DN-1", day(2025, 1, 20))
    decision = svc.self_assessment_post(actor=ch_clerk, declaration=declaration)
    assert (decision.kind, decision.status, decision.number, decision.total) == (
        K.SELF_ASSESSMENT, S.FINAL, "", D("17000.00"))  # fmt: skip
    assert decision.document_id is None
    (charge,) = charges(company)
    assert charge[:2] == (D("17000.00"), f"decision:{decision.pk}:property")
    assert charge[2] == list(zip(DN1_DUE, [D("1416.66")] * 11 + [D("1416.74")], strict=True))
    entry = AccountEntry.objects.get(source_ref=f"decision:{decision.pk}:property")
    assert (entry.value_date, entry.account.receivable_type.code) == (day(2025, 1, 20), "property_tax_legal")
    before = counts()
    assert svc.self_assessment_post(actor=ch_clerk, declaration=declaration) == decision  # posted once
    assert counts() == before

    # a correction: another 100 m² from January → 20 400; the difference 3 400 over the same months
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/2", {"category": "building_business", "area": D("100")},
                [company])  # fmt: skip
    correction = _declaration(company, "DN-1", day(2025, 3, 3), purpose=Declaration.Purpose.CORRECTION,
                              payload={"totals": {"tax": "20000"}})  # fmt: skip
    corrected = svc.self_assessment_post(actor=ch_clerk, declaration=correction)
    assert (corrected.total, corrected.changes_id) == (D("20400.00"), decision.pk)
    assert charges(company)[1] == (
        D("3400.00"), f"decision:{corrected.pk}:property",
        list(zip(DN1_DUE, [D("283.34")] * 11 + [D("283.26")], strict=True)),
    )  # fmt: skip
    correction.refresh_from_db()
    assert [p["code"] for p in correction.problems] == ["declared_tax_differs"]


def test_dn1_change_during_the_year_charges_the_difference_on_the_installments_to_come(
    register_2025_ch, ch_clerk, company
):
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/1", {"category": "building_business", "area": D("500")},
                [company])  # fmt: skip
    first = svc.self_assessment_post(actor=ch_clerk, declaration=_declaration(company, "DN-1", day(2025, 1, 20)))
    # 120 m² more bought in July, taxed from 1.08: 120 × 34.00 × 5/12 = 1 700; filed on 20.07
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/3", {"category": "building_business", "area": D("120")},
                [company], valid_from=day(2025, 8, 1))  # fmt: skip
    change = svc.self_assessment_post(actor=ch_clerk, declaration=_declaration(
        company, "DN-1", day(2025, 7, 20), purpose=Declaration.Purpose.CHANGE))  # fmt: skip
    assert (change.total, change.changes_id) == (D("18700.00"), first.pk)
    # nothing falls on the installments already due (no interest from January): 340 × 5 from 18.08
    assert charges(company)[1] == (D("1700.00"), f"decision:{change.pk}:property",
                                   [(d, D("340.00")) for d in DN1_DUE[7:]])  # fmt: skip


def test_dn1_correction_downwards_reduces_the_charge(register_2025_ch, ch_clerk, company):
    building = make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/1",
                           {"category": "building_business", "area": D("500")}, [company])  # fmt: skip
    first = svc.self_assessment_post(actor=ch_clerk, declaration=_declaration(company, "DN-1", day(2025, 1, 20)))
    liability_end(actor=ch_clerk, liability=Liability.objects.get(object=building), valid_to=day(2025, 6, 30))
    corrected = svc.self_assessment_post(actor=ch_clerk, declaration=_declaration(
        company, "DN-1", day(2025, 7, 3), purpose=Declaration.Purpose.CHANGE))  # fmt: skip
    assert (corrected.total, corrected.changes_id) == (D("8500.00"), first.pk)
    reductions = AccountEntry.objects.filter(source_ref=f"decision:{corrected.pk}:property",
                                             kind=AccountEntry.Kind.REDUCTION)  # fmt: skip
    assert sum(e.amount for e in reductions) == D("8500.00")
    assert len(charges(company)) == 1


def test_dt1_posts_two_installments(register_2025_ch, ch_clerk, company):
    truck = {"category": "truck_3_5_5_5", "vehicle_mass_kg": 5000, "vehicle_axles": 2}
    make_object(ch_clerk, TaxObject.Kind.VEHICLE, "", truck, [company], identifier="WTE 12345")
    decision = svc.self_assessment_post(actor=ch_clerk, declaration=_declaration(company, "DT-1", day(2025, 2, 10)))
    assert (decision.kind, decision.total) == (K.SELF_ASSESSMENT, D("1205.00"))
    (charge,) = charges(company)
    assert charge == (D("1205.00"), f"decision:{decision.pk}:transport",
                      [(day(2025, 2, 17), D("602.50")), (day(2025, 9, 15), D("602.50"))])  # fmt: skip
    entry = AccountEntry.objects.get(source_ref=f"decision:{decision.pk}:transport")
    assert entry.account.receivable_type.code == "transport_tax_legal"


def test_self_assessment_refusals_write_nothing(register_2025_ch, ch_clerk, ch_outsider, company):
    make_object(ch_clerk, TaxObject.Kind.BUILDING, "9/1", {"category": "building_business", "area": D("500")},
                [company])  # fmt: skip
    received = _declaration(company, "DN-1", day(2025, 1, 20), status=Declaration.Status.RECEIVED)
    in1 = _declaration(company, "IN-1", day(2025, 1, 20))
    accepted = _declaration(company, "DN-1", day(2025, 1, 20))
    before = counts()
    for actor, declaration, code in ((ch_outsider, accepted, "forbidden"), (ch_clerk, received, "invalid_state"),
                                     (ch_clerk, in1, "not_self_assessed")):  # fmt: skip
        with pytest.raises(ApplicationError) as error:
            svc.self_assessment_post(actor=actor, declaration=declaration)
        assert error.value.code == code
    assert counts() == before


# --- the hook in declaration_accept ----------------------------------------------------------------------------


def test_accepting_a_dn1_posts_it(register_2025_ch, ch_clerk, company):
    declaration = _declaration(company, "DN-1", day(2025, 1, 20), status=Declaration.Status.RECEIVED, proposal=[{
        "op": "object_create", "kind": "building", "precinct": "Testowo", "parcel": "9/1",
        "version": {"valid_from": "2025-01-01", "category": "building_business", "area": "500"},
        "liabilities": [{"party": company.pk, "role": "owner", "valid_from": "2025-01-01"}],
    }])  # fmt: skip
    declaration_accept(actor=ch_clerk, declaration=declaration)
    decision = Decision.objects.get(declaration=declaration)
    assert (decision.kind, decision.total) == (K.SELF_ASSESSMENT, D("17000.00"))
    assert charges(company)[0][0] == D("17000.00")


def test_accepting_an_in1_drafts_the_changing_decision(delivered_2025, ch_clerk):
    e1, earlier = delivered_2025["e1"], delivered_2025["e1_decision"]
    declaration = _declaration(e1, "IN-1", day(2025, 6, 20), status=Declaration.Status.RECEIVED,
                               purpose=Declaration.Purpose.CHANGE, event_date=day(2025, 6, 10), proposal=[{
        "op": "object_create", "kind": "building", "precinct": "Testowo", "parcel": "2/1",
        "version": {"valid_from": "2025-01-01", "category": "building_residential", "area": "100"},
        "liabilities": [{"party": e1.pk, "role": "owner", "valid_from": "2025-07-01"}],
    }])  # fmt: skip
    declaration_accept(actor=ch_clerk, declaration=declaration)
    draft = Decision.objects.get(changes=earlier)
    assert (draft.kind, draft.status, draft.total, draft.declaration_id) == (K.CHANGING, S.DRAFT, D("786.00"),
                                                                             declaration.pk)  # fmt: skip


def test_nothing_left_in_the_year_gives_an_ending_decision_of_zero(delivered_2025, ch_clerk):
    f, earlier = delivered_2025["f"], delivered_2025["f_decision"]
    Liability.objects.filter(party=f).delete()  # recorded late: the land was sold before the year
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[f.pk], issue_date=day(2025, 6, 2))
    draft = Decision.objects.get(pk=result["created"][0])
    assert (draft.kind, draft.total, draft.changes_id) == (K.ENDING, D("0.00"), earlier.pk)
    assert [i[2] for i in _installments(draft)] == [D("0.00")] * 4
    issued = svc.changing_decision_issue(actor=ch_clerk, decision=draft, issue_date=draft.issue_date)
    decision_delivered(decision_id=issued.pk, delivered_on=day(2025, 6, 10))
    dues = (day(2025, 3, 17), day(2025, 5, 15), day(2025, 9, 15), day(2025, 11, 17))
    assert _reductions(issued) == [("reduction", due, D("182.50")) for due in dues]


def test_co_owned_unit_keeps_its_addressee_and_co_obligors(register_2025_ch, ch_clerk):
    from taxes.services.assessment import assessment_run_create, assessment_run_issue, assessment_run_request_compute
    from taxes.services.register import object_version_add

    a, b = PersonFactory(surname="Awspolny"), PersonFactory(surname="Bwspolny")
    land = object_create_co(ch_clerk, [a, b])
    run = assessment_run_create(actor=ch_clerk, year=2025, issue_date=day(2025, 2, 10))
    assessment_run_issue(actor=ch_clerk, run=assessment_run_request_compute(actor=ch_clerk, run=run))
    earlier = Decision.objects.get(run=run, co_obligors__isnull=False)
    assert (earlier.total, {earlier.party_id, *earlier.co_obligors.values_list("pk", flat=True)}) == (
        D("730.00"), {a.pk, b.pk})  # fmt: skip
    decision_hand_over(actor=ch_clerk, decision=earlier)
    decision_delivered(decision_id=earlier.pk, delivered_on=day(2025, 2, 25))
    object_version_add(actor=ch_clerk, object=land, valid_from=day(2025, 7, 1), category="land_other",
                       area=D("1200"))  # fmt: skip
    result = svc.changes_detect(actor=ch_clerk, year=2025, party_ids=[b.pk], issue_date=day(2025, 7, 1))
    draft = Decision.objects.get(pk=result["created"][0])
    # 730 × 6/12 + 876 × 6/12 = 803: +73 over 15.09 and 17.11
    assert (draft.kind, draft.total, draft.party_id) == (K.CHANGING, D("803.00"), earlier.party_id)
    assert set(draft.co_obligors.values_list("pk", flat=True)) == set(earlier.co_obligors.values_list("pk", flat=True))
    assert [i[2] for i in _installments(draft)] == [D("182.50"), D("182.50"), D("219.00"), D("219.00")]


def object_create_co(clerk, holders):
    from taxes.services.register import object_create

    return object_create(
        actor=clerk, kind=TaxObject.Kind.LAND, precinct="Testowo", parcel="7/1", identifier="",
        version={"valid_from": day(2025, 1, 1), "category": "land_other", "area": D("1000")},
        liabilities=[{"party": p, "role": Liability.Role.CO_OWNER, "valid_from": day(2025, 1, 1),
                      "share_numerator": 1, "share_denominator": 2} for p in holders],
    )  # fmt: skip
