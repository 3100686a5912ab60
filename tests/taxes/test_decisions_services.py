"""Decision documents, hand-over to EZD, delivery → due dates → finance, final (issue 8 points 6, 7; E1, E2, E6)."""

import datetime
from decimal import Decimal

import pytest
from lxml import etree

from core import roles
from core.exceptions import ApplicationError
from core.models import AuditEvent
from documents.events import deliver_receipt_events
from documents.models import OutgoingDocument, ReceiptEvent, Shipment
from epuap import crd
from finance.models import AccountEntry, Installment, JournalEntry, ObligorAccount
from taxes.models import Decision
from taxes.services import decisions as svc
from tests.factories import PersonFactory
from tests.taxes.conftest_decisions import ACCOUNT, dec_clerk, fn_unit, jrwa_3120, make_decision  # noqa: F401

D = Decimal
NS = {"d": svc.XML_NS}
E2_DELIVERED = datetime.date(2024, 3, 4)


def _deliver(decision, clerk, delivered_on):
    doc = decision.document
    shipment = Shipment.objects.create(document=doc, party=decision.party, year=delivered_on.year, number=1,
                                       created_by=clerk)  # fmt: skip
    ReceiptEvent.objects.create(shipment=shipment, source_app="taxes", source_ref=doc.source_ref,
                                delivered_on=delivered_on, manner="electronic")  # fmt: skip
    return deliver_receipt_events()


def test_xml_is_valid_with_exact_values(make_decision):  # noqa: F811
    co = PersonFactory()
    decision = make_decision(year=2025, number="FN.3120.1.2025", co_obligors=[co])
    xml = svc.decision_xml(decision)
    root = etree.fromstring(xml)
    assert svc._schema().validate(root)
    assert root.findtext("d:Number", namespaces=NS) == "FN.3120.1.2025"
    assert root.findtext("d:Total", namespaces=NS) == "727.00"
    assert root.find("d:Taxes/d:Tax", NS).attrib["code"] == "property"
    assert root.findtext("d:Taxes/d:Tax", namespaces=NS) == "727.00"
    assert [i.findtext("d:Amount", namespaces=NS) for i in root.iterfind("d:Items/d:Item", NS)] == [
        "142.8000", "584.0000",
    ]  # fmt: skip
    inst = root.findall("d:Installments/d:Installment", NS)
    assert [(i.attrib["due"], i.text) for i in inst] == [
        ("2025-03-15", "181.75"), ("2025-05-15", "181.75"), ("2025-09-15", "181.75"), ("2025-11-15", "181.75"),
    ]  # fmt: skip
    assert root.findtext("d:Payment/d:BankAccount", namespaces=NS) == ACCOUNT
    assert root.findtext("d:JointlyLiable/d:Name", namespaces=NS) == co.display_name
    assert any("art. 223" not in p.text and "art. 21 § 1 pkt 2" in p.text for p in root.iterfind(".//d:Provision", NS))


def test_pdf_html_and_qr(make_decision):  # noqa: F811
    decision = make_decision(number="FN.3120.7.2024")
    pdf, xml = svc.decision_render(decision)
    assert pdf.startswith(b"%PDF")
    assert b"FN.3120.7.2024" in xml
    html = svc.decision_html(decision)
    assert "FN.3120.7.2024" in html
    assert "art. 223" in html
    assert "Samorządowego Kolegium Odwoławczego" in html
    assert "data:image/png;base64," in html
    png = svc.qr_png(decision.qr_payload)
    assert png.startswith(b"\x89PNG")


def test_hand_over_creates_one_document_and_case(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    decision = make_decision()
    decision = svc.decision_hand_over(actor=dec_clerk, decision=decision)
    assert decision.status == Decision.Status.ISSUED
    doc = decision.document
    assert (doc.source_app, doc.source_ref, doc.kind) == ("taxes", f"decision:{decision.pk}", "decision")
    assert doc.case.jrwa.symbol == "3120"
    assert list(doc.recipients.all()) == [decision.party]
    # the CRD document sealed and delivered electronically carries the PDF and the decision's own XML
    version = doc.versions.get(number=1)
    attached = {a.file_name: (a.mime, a.content) for a in crd.parse_document(bytes(version.xml)).attachments}
    xml_name = f"{decision.number.replace('/', '-')}.xml"
    assert attached[xml_name] == ("application/xml", svc.decision_xml(decision))
    assert [m for m, _c in attached.values()].count("application/pdf") == 1
    again = svc.decision_hand_over(actor=dec_clerk, decision=decision)
    assert again.document_id == doc.pk
    assert OutgoingDocument.objects.filter(source_app="taxes").count() == 1
    # a second decision of the year goes to the same collective case
    other = svc.decision_hand_over(actor=dec_clerk, decision=make_decision())
    assert other.document.case_id == doc.case_id


def test_bulk_hand_over_is_safe_twice(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    ids = [make_decision().pk, make_decision().pk]
    assert svc.decisions_hand_over(actor=dec_clerk, decision_ids=ids) == {"handed_over": 2, "skipped": 0, "errors": []}
    assert svc.decisions_hand_over(actor=dec_clerk, decision_ids=ids) == {"handed_over": 0, "skipped": 2, "errors": []}
    assert OutgoingDocument.objects.filter(source_app="taxes").count() == 2


def test_hand_over_refused_without_permission(make_decision, make_user, jrwa_3120, fn_unit):  # noqa: F811
    outsider = make_user(roles.REGISTRY_CLERK, org_unit=fn_unit)
    decision = make_decision()
    audits = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.decision_hand_over(actor=outsider, decision=decision)
    assert exc.value.code == "forbidden"
    decision.refresh_from_db()
    assert (decision.status, decision.document_id) == (Decision.Status.DRAFT, None)
    assert OutgoingDocument.objects.count() == 0
    assert AuditEvent.objects.count() == audits


def test_e2_delivery_sets_due_dates_and_posts_the_charge_once(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    co = PersonFactory()
    decision = svc.decision_hand_over(actor=dec_clerk, decision=make_decision(year=2024, co_obligors=[co]))
    assert _deliver(decision, dec_clerk, E2_DELIVERED) == 1
    decision.refresh_from_db()
    assert (decision.status, decision.delivered_on) == (Decision.Status.DELIVERED, E2_DELIVERED)
    assert decision.posted_at is not None
    assert [(i.due_date, i.effective_due_date) for i in decision.installments.order_by("number")] == [
        (datetime.date(2024, 3, 15), datetime.date(2024, 3, 18)),
        (datetime.date(2024, 5, 15), datetime.date(2024, 5, 15)),
        (datetime.date(2024, 9, 15), datetime.date(2024, 9, 16)),  # Sunday
        (datetime.date(2024, 11, 15), datetime.date(2024, 11, 15)),
    ]
    account = ObligorAccount.objects.get(party=decision.party, year=2024)
    assert account.receivable_type.code == "property_tax_person"
    assert list(account.co_obligors.all()) == [co]
    (charge,) = AccountEntry.objects.filter(account=account, kind=AccountEntry.Kind.CHARGE)
    assert (charge.amount, charge.value_date, charge.source_ref) == (D("727.00"), E2_DELIVERED,
                                                                     f"decision:{decision.pk}:property")  # fmt: skip
    assert [(i.due_date, i.amount) for i in Installment.objects.filter(charge=charge).order_by("number")] == [
        (datetime.date(2024, 3, 18), D("181.75")),
        (datetime.date(2024, 5, 15), D("181.75")),
        (datetime.date(2024, 9, 16), D("181.75")),
        (datetime.date(2024, 11, 15), D("181.75")),
    ]
    entries, journals, audits = AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()
    # a second receipt (another shipment, e.g. the co-obligor's) changes nothing
    shipment = Shipment.objects.create(document=decision.document, party=co, year=2024, number=2, created_by=dec_clerk)
    ReceiptEvent.objects.create(shipment=shipment, source_app="taxes", source_ref=decision.document.source_ref,
                                delivered_on=datetime.date(2024, 3, 6), manner="electronic")  # fmt: skip
    deliver_receipt_events()
    decision.refresh_from_db()
    assert decision.delivered_on == E2_DELIVERED
    assert (AccountEntry.objects.count(), JournalEntry.objects.count(), AuditEvent.objects.count()) == (
        entries, journals, audits,
    )  # fmt: skip


def test_e1_early_delivery_keeps_statutory_dates_shifted(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    decision = svc.decision_hand_over(actor=dec_clerk, decision=make_decision(year=2025))
    svc.decision_delivered(decision_id=decision.pk, delivered_on=datetime.date(2025, 2, 25))
    decision.refresh_from_db()
    assert [i.effective_due_date for i in decision.installments.order_by("number")] == [
        datetime.date(2025, 3, 17), datetime.date(2025, 5, 15), datetime.date(2025, 9, 15),
        datetime.date(2025, 11, 17),
    ]  # fmt: skip


def test_e6_joint_decision_posts_one_charge_per_tax(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    taxes = [("agricultural", D("1461.00")), ("forest", D("124.00")), ("property", D("125.00"))]
    decision = make_decision(year=2026, taxes=taxes, installments=[D("427.50")] * 4)
    decision = svc.decision_hand_over(actor=dec_clerk, decision=decision)
    svc.decision_delivered(decision_id=decision.pk, delivered_on=datetime.date(2026, 2, 20))
    got = {}
    for entry in AccountEntry.objects.filter(account__party=decision.party, kind=AccountEntry.Kind.CHARGE):
        got[entry.account.receivable_type.code] = [
            (i.due_date, i.amount) for i in Installment.objects.filter(charge=entry).order_by("number")
        ]
    dates = [datetime.date(2026, 3, 16), datetime.date(2026, 5, 15), datetime.date(2026, 9, 15),
             datetime.date(2026, 11, 16)]  # fmt: skip
    assert got == {
        "agricultural_tax_person": [(d, D("365.25")) for d in dates],
        "forest_tax_person": [(d, D("31.00")) for d in dates],
        "property_tax_person": [(d, D("31.25")) for d in dates],
    }


def test_split_per_tax_keeps_installments_and_taxes_exact():
    split = svc.split_per_tax([("property", D("103")), ("forest", D("8"))], [D("37.00"), D("37.00"), D("37.00")])
    assert split == {"property": [D("34.33"), D("34.33"), D("34.34")], "forest": [D("2.67"), D("2.67"), D("2.66")]}


def test_final_after_the_appeal_period(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    decision = svc.decision_hand_over(actor=dec_clerk, decision=make_decision(year=2024))
    svc.decision_delivered(decision_id=decision.pk, delivered_on=E2_DELIVERED)
    # 4.03 + 14 days = 18.03.2024 (Monday), the last day to appeal; final from 19.03
    assert svc.decisions_mark_final(datetime.date(2024, 3, 18)) == 0
    assert svc.decisions_mark_final(datetime.date(2024, 3, 19)) == 1
    decision.refresh_from_db()
    assert (decision.status, decision.final_on) == (Decision.Status.FINAL, datetime.date(2024, 3, 19))
    assert svc.decisions_mark_final(datetime.date(2024, 4, 1)) == 0


def test_final_on_weekend_shift(db):
    # delivered 1.03.2024 → 15.03 (Friday) → final 16.03; delivered 2.03.2024 → 16.03 Saturday → 18.03 → final 19.03
    assert svc.final_on(datetime.date(2024, 3, 1)) == datetime.date(2024, 3, 16)
    assert svc.final_on(datetime.date(2024, 3, 2)) == datetime.date(2024, 3, 19)


def test_delivery_of_a_draft_changes_nothing(make_decision):  # noqa: F811
    decision = make_decision()
    entries = AccountEntry.objects.count()
    svc.decision_delivered(decision_id=decision.pk, delivered_on=E2_DELIVERED)
    decision.refresh_from_db()
    assert (decision.status, decision.delivered_on) == (Decision.Status.DRAFT, None)
    assert AccountEntry.objects.count() == entries
