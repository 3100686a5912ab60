"""Outgoing documents: templates, rendering, drafts and versions, the approval path, signing, the hand-over."""

import base64
import datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils import translation
from django.utils.translation import gettext
from lxml import etree

from core import roles
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import AuditEvent
from documents.models import ApprovalStep, DocumentTemplate, DocumentVersion, OutgoingDocument
from documents.services import outgoing as svc
from documents.services import signing
from documents.services.templates import (
    render_document,
    template_new_version,
    templates_install,
)
from epuap import crd, xades
from epuap.pki import ca_certificate, ensure_test_pki
from tests.factories import CaseFactory, PersonFactory

DAY = datetime.date(2026, 3, 16)


@pytest.fixture(scope="session")
def _pki_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("outgoing-pki")
    ensure_test_pki(directory, residents=1)
    return directory


@pytest.fixture
def pki_dir(_pki_dir, settings):
    settings.EPUAP_PKI_DIR = _pki_dir
    return _pki_dir


@pytest.fixture
def recipient(db):
    return PersonFactory(first_names="Zofia", surname="Żółkiewska", email="zofia@example.pl")


@pytest.fixture
def case(pd_unit, tax_clerk, jrwa_3120, recipient):
    c = CaseFactory(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Podatek od nieruchomości 2026")
    c.parties.add(recipient)
    return c


@pytest.fixture
def letter(db):
    templates_install()
    return DocumentTemplate.objects.filter(code="letter").order_by("-version").first()


@pytest.fixture
def approver2(make_user, fn_unit):
    return make_user(roles.HEAD_OF_UNIT, username="sekretarz")


def _draft(case, letter, clerk, recipient, text="Uprzejmie informuję, że sprawa została załatwiona."):
    return svc.draft_create(
        actor=clerk,
        case=case,
        template=letter,
        title="Odpowiedź na pismo",
        recipients=[recipient],
        context={"body": text},
    )


def _mark_line(mark):
    # "Znak sprawy: …" once the Polish catalogue has the msgid (see /work/briefs/po/outgoing.json)
    with translation.override("pl"):
        return gettext("Case mark: %(mark)s") % {"mark": mark}


def _events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("seq"))


# --- templates ------------------------------------------------------------------------------------------------


def test_the_four_shipped_templates_are_installed_once(db):
    templates_install()
    assert templates_install() == []
    assert sorted(DocumentTemplate.objects.values_list("code", "version", "kind")) == [
        ("certificate", 1, "certificate"),
        ("decision", 1, "decision"),
        ("letter", 1, "letter"),
        ("reminder", 1, "reminder"),
    ]


def test_new_template_version_keeps_the_old_one(letter, admin_user_):
    new = template_new_version(actor=admin_user_, template=letter, body="<p>{{ body }}</p>")

    letter.refresh_from_db()
    assert (new.code, new.version, new.is_active) == ("letter", 2, True)
    assert letter.is_active is False
    assert "linebreaks" in letter.body  # the old body is unchanged
    assert _events("documents.template.versioned")[-1].details["version"] == 2


def test_invalid_template_body_is_refused_and_nothing_written(letter, admin_user_):
    before = (DocumentTemplate.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ServiceValidationError) as exc:
        template_new_version(actor=admin_user_, template=letter, body="{% if %}")
    assert "body" in exc.value.errors
    assert (DocumentTemplate.objects.count(), AuditEvent.objects.count()) == before


def test_template_body_is_sandboxed_and_autoescaped(letter, settings):
    sneaky = DocumentTemplate(code="x", name="x", kind="letter", body="{{ body }}")
    rendered = render_document(
        template=sneaky, context={"body": "<script>alert(1)</script>"}, title="T", mark="PD.3120.1.2026", day=DAY
    )
    assert rendered.html == "&lt;script&gt;alert(1)&lt;/script&gt;"
    for body in ('{% include "base.html" %}', "{% load static %}", '{% extends "base.html" %}'):
        with pytest.raises(ServiceValidationError):
            render_document(
                template=DocumentTemplate(code="y", name="y", kind="letter", body=body), context={}, day=DAY
            )


def test_render_letter_html_pdf_and_xml(case, letter, recipient, settings):
    settings.EPUAP_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.MAGISTRAT_OFFICE_ADDRESS = "pl. Wolności 1, 05-990 Magistrowo"
    from documents.services.templates import recipient_of

    rendered = render_document(
        template=letter,
        context={"body": "Pierwszy akapit.\n\nDrugi akapit."},
        title="Odpowiedź na pismo",
        mark=case.mark,
        recipients=[recipient_of(recipient)],
        day=DAY,
    )

    assert case.mark == "PD.3120.1.2026"
    expected = '<h1 class="doc-title">Odpowiedź na pismo</h1> <p>Pierwszy akapit.</p> <p>Drugi akapit.</p>'
    assert rendered.html.split() == expected.split()
    assert "Magistrowo, 16.03.2026" in rendered.page_html
    assert "PD.3120.1.2026" in rendered.page_html
    assert "Zofia Żółkiewska" in rendered.page_html
    assert rendered.pdf.startswith(b"%PDF-")
    html, pdf, xml = rendered
    assert (html, pdf, xml) == (rendered.html, rendered.pdf, rendered.xml)
    doc = crd.parse_document(rendered.xml)
    assert doc.title == "Odpowiedź na pismo"
    assert doc.text_paragraphs == [
        _mark_line("PD.3120.1.2026"),
        "Odpowiedź na pismo",
        "Pierwszy akapit.",
        "Drugi akapit.",
    ]
    assert doc.sender.institution_name == "Urząd Gminy Magistrowo"
    assert (doc.recipient.first_name, doc.recipient.surname, doc.recipient.pesel) == (
        "Zofia",
        "Żółkiewska",
        recipient.pesel,
    )
    assert doc.created == DAY
    assert [(a.file_name, a.mime, a.content) for a in doc.attachments] == [
        ("pd312012026.pdf", "application/pdf", rendered.pdf)
    ]
    root = etree.fromstring(rendered.xml)
    values = root.findall(f".//{{{crd.NS_META}}}WartoscIdentyfikatora")
    assert [v.text for v in values] == ["PD.3120.1.2026"]


def test_decision_template_has_the_appeal_instruction(case, recipient, db):
    templates_install()
    decision = DocumentTemplate.objects.get(code="decision")
    rendered = render_document(
        template=decision,
        context={
            "legal_basis": "art. 21 ustawy o podatkach i opłatach lokalnych",
            "ruling": "Określa się wysokość podatku na 1 234,00 zł.",
            "justification": "Strona złożyła informację IN-1.",
        },
        title="Wymiar podatku",
        mark=case.mark,
        day=DAY,
    )
    text = " ".join(rendered.html.split())
    assert "Na podstawie art. 21 ustawy o podatkach i opłatach lokalnych" in text
    assert "Samorządowego Kolegium Odwoławczego za pośrednictwem Wójta Gminy Magistrowo, w terminie 14 dni" in text


def test_reminder_amounts_are_validated_and_shown_in_zloty(case, tax_clerk, recipient, db):
    templates_install()
    reminder = DocumentTemplate.objects.get(code="reminder")
    base = {"liability": "podatek od nieruchomości", "period": "I rata 2026"}
    with pytest.raises(ServiceValidationError) as exc:
        svc.draft_create(
            actor=tax_clerk,
            case=case,
            template=reminder,
            title="Upomnienie",
            recipients=[recipient],
            context={**base, "amount": "12,345"},
        )
    assert list(exc.value.errors) == ["amount"]
    assert OutgoingDocument.objects.count() == 0

    document = svc.draft_create(
        actor=tax_clerk,
        case=case,
        template=reminder,
        title="Upomnienie",
        recipients=[recipient],
        context={**base, "amount": "1234,5", "cost": "16,00"},
    )
    version = document.versions.get()
    assert version.context["amount"] == "1234.50"
    assert "w kwocie 1\xa0234,50\xa0zł wraz z odsetkami" in version.body_html
    assert "kosztami upomnienia w kwocie 16,00\xa0zł" in version.body_html


# --- drafts and versions -------------------------------------------------------------------------------------


def test_draft_create_renders_version_one_and_logs_with_case_id(case, letter, tax_clerk, recipient):
    document = _draft(case, letter, tax_clerk, recipient)

    assert (document.status, document.kind, document.created_by) == ("draft", "letter", tax_clerk)
    assert list(document.recipients.all()) == [recipient]
    version = document.versions.get()
    assert version.number == 1
    assert version.context == {"body": "Uprzejmie informuję, że sprawa została załatwiona."}
    assert bytes(version.pdf).startswith(b"%PDF-")
    assert crd.parse_document(bytes(version.xml)).text_paragraphs[0] == _mark_line(case.mark)
    event = _events("documents.document.drafted")[-1]
    assert (event.details["case_id"], event.details["document"], event.details["version"]) == (
        case.pk,
        document.pk,
        1,
    )


def test_draft_create_refused_for_someone_elses_case(case, letter, make_user, recipient, pd_unit):
    other = make_user(roles.TAX_CLERK, username="inny", org_unit=None)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        _draft(case, letter, other, recipient)
    assert exc.value.code == "forbidden"
    assert (OutgoingDocument.objects.count(), AuditEvent.objects.count()) == (0, before)


def test_head_of_unit_may_draft_in_a_subunit_case(case, letter, head, recipient):
    document = _draft(case, letter, head, recipient)
    assert document.created_by == head


def test_missing_body_and_recipients_are_refused(case, letter, tax_clerk):
    with pytest.raises(ServiceValidationError) as exc:
        svc.draft_create(actor=tax_clerk, case=case, template=letter, title="T", recipients=[], context={})
    assert list(exc.value.errors) == ["recipients"]
    with pytest.raises(ServiceValidationError) as exc:
        svc.draft_create(
            actor=tax_clerk, case=case, template=letter, title="T", recipients=list(case.parties.all()), context={}
        )
    assert list(exc.value.errors) == ["body"]
    assert OutgoingDocument.objects.count() == 0


def test_draft_update_adds_a_version_and_keeps_the_old_one(case, letter, tax_clerk, recipient):
    document = _draft(case, letter, tax_clerk, recipient, text="Wersja pierwsza.")
    v1 = document.versions.get()
    v1_pdf, v1_xml = bytes(v1.pdf), bytes(v1.xml)

    v2 = svc.draft_update(actor=tax_clerk, document=document, context={"body": "Wersja druga."}, comment="poprawka")

    assert [v.number for v in document.versions.all()] == [1, 2]
    v1.refresh_from_db()
    assert (bytes(v1.pdf), bytes(v1.xml), v1.context) == (v1_pdf, v1_xml, {"body": "Wersja pierwsza."})
    assert "Wersja druga." in v2.body_html
    assert "Wersja pierwsza." not in v2.body_html
    assert v2.comment == "poprawka"
    event = _events("documents.document.version_added")[-1]
    assert (event.details["case_id"], event.details["document"], event.details["version"]) == (case.pk, document.pk, 2)


# --- approval ------------------------------------------------------------------------------------------------


def test_approval_in_order_then_approved(case, letter, tax_clerk, recipient, head, approver2):
    document = _draft(case, letter, tax_clerk, recipient)
    assert svc.approval_start(actor=tax_clerk, document=document, approvers=[head, approver2]) == 1
    document.refresh_from_db()
    assert document.status == "in_approval"
    steps = list(document.approval_steps.order_by("order"))
    assert [(s.order, s.approver, s.status, s.version.number) for s in steps] == [
        (1, head, "pending", 1),
        (2, approver2, "waiting", 1),
    ]

    # the second approver cannot jump the queue: refused, nothing written, no audit
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        svc.approval_decide(actor=approver2, document=document, approve=True)
    assert exc.value.code == "not_your_turn"
    assert AuditEvent.objects.count() == before
    assert list(document.approval_steps.order_by("order").values_list("status", flat=True)) == ["pending", "waiting"]

    svc.approval_decide(actor=head, document=document, approve=True, comment="ok")
    document.refresh_from_db()
    assert document.status == "in_approval"
    assert list(document.approval_steps.order_by("order").values_list("status", flat=True)) == ["approved", "pending"]

    svc.approval_decide(actor=approver2, document=document, approve=True)
    document.refresh_from_db()
    assert document.status == "approved"
    assert list(document.approval_steps.order_by("order").values_list("status", flat=True)) == [
        "approved",
        "approved",
    ]
    approved = _events("documents.document.approved")[-1]
    assert (approved.details["case_id"], approved.details["document"]) == (case.pk, document.pk)
    assert [e.details["order"] for e in _events("documents.approval.approved")] == [1, 2]


def test_refusal_by_someone_not_on_the_path_writes_nothing(case, letter, tax_clerk, recipient, head, make_user):
    outsider = make_user(roles.HEAD_OF_UNIT, username="obcy")
    document = _draft(case, letter, tax_clerk, recipient)
    svc.approval_start(actor=tax_clerk, document=document, approvers=[head])
    before = (AuditEvent.objects.count(), list(ApprovalStep.objects.values_list("status", "comment", "decided_at")))

    for actor in (outsider, tax_clerk):
        with pytest.raises(ApplicationError):
            svc.approval_decide(actor=actor, document=document, approve=True)
        with pytest.raises(ApplicationError):
            svc.approval_decide(actor=actor, document=document, approve=False, comment="nie")

    after = (AuditEvent.objects.count(), list(ApprovalStep.objects.values_list("status", "comment", "decided_at")))
    assert after == before
    document.refresh_from_db()
    assert document.status == "in_approval"


def test_return_supersedes_the_rest_and_a_new_round_restarts(case, letter, tax_clerk, recipient, head, approver2):
    document = _draft(case, letter, tax_clerk, recipient)
    svc.approval_start(actor=tax_clerk, document=document, approvers=[head, approver2])

    with pytest.raises(ServiceValidationError):  # a return needs a comment
        svc.approval_decide(actor=head, document=document, approve=False)
    svc.approval_decide(actor=head, document=document, approve=False, comment="Popraw podstawę prawną.")

    document.refresh_from_db()
    assert document.status == "returned"
    assert list(document.approval_steps.order_by("order").values_list("status", "comment")) == [
        ("returned", "Popraw podstawę prawną."),
        ("superseded", ""),
    ]
    with pytest.raises(ApplicationError):
        svc.approval_decide(actor=approver2, document=document, approve=True)

    svc.draft_update(actor=tax_clerk, document=document, context={"body": "Poprawione."})
    assert svc.approval_start(actor=tax_clerk, document=document, approvers=[head]) == 2
    step = document.approval_steps.get(round=2)
    assert (step.status, step.version.number) == ("pending", 2)
    svc.approval_decide(actor=head, document=document, approve=True)
    document.refresh_from_db()
    assert document.status == "approved"


def test_approval_path_validation(case, letter, tax_clerk, recipient, head, nobody):
    document = _draft(case, letter, tax_clerk, recipient)
    before = AuditEvent.objects.count()
    for approvers, field_message in (
        ([], "empty"),
        ([head, head], "duplicate"),
        ([nobody], "nobody"),
    ):
        with pytest.raises(ServiceValidationError) as exc:
            svc.approval_start(actor=tax_clerk, document=document, approvers=approvers)
        assert list(exc.value.errors) == ["approvers"], field_message
    assert (ApprovalStep.objects.count(), AuditEvent.objects.count()) == (0, before)
    document.refresh_from_db()
    assert document.status == "draft"


def test_no_new_version_while_in_approval(case, letter, tax_clerk, recipient, head):
    document = _draft(case, letter, tax_clerk, recipient)
    svc.approval_start(actor=tax_clerk, document=document, approvers=[head])
    with pytest.raises(ApplicationError) as exc:
        svc.draft_update(actor=tax_clerk, document=document, context={"body": "x"})
    assert exc.value.code == "not_editable"
    assert document.versions.count() == 1


# --- signing ---------------------------------------------------------------------------------------------------


def _approved(case, letter, clerk, recipient, head):
    document = _draft(case, letter, clerk, recipient)
    svc.approval_start(actor=clerk, document=document, approvers=[head])
    svc.approval_decide(actor=head, document=document, approve=True)
    document.refresh_from_db()
    return document


def test_sign_approved_document_with_verified_xades(case, letter, tax_clerk, recipient, head, pki_dir):
    document = _approved(case, letter, tax_clerk, recipient, head)

    signing.document_sign(actor=head, document=document)

    document.refresh_from_db()
    assert (document.status, document.signature_kind, document.signed_by) == ("signed", "xades", head)
    signed = bytes(document.signed_xml)
    result = xades.verify(signed, ca=ca_certificate())
    assert crd.parse_document(result.signed_root_bytes).text_paragraphs[0] == _mark_line(case.mark)
    assert signing.signature_check(document) == (True, "")
    event = _events("documents.document.signed")[-1]
    assert (event.details["case_id"], event.details["document"], event.details["signature"]) == (
        case.pk,
        document.pk,
        "xades",
    )
    # after signing no version can be added
    with pytest.raises(ApplicationError):
        svc.draft_update(actor=tax_clerk, document=document, context={"body": "zmiana"})
    assert document.versions.count() == 1


def test_tampered_signed_xml_fails_verification(case, letter, tax_clerk, recipient, head, pki_dir):
    document = _approved(case, letter, tax_clerk, recipient, head)
    signing.document_sign(actor=head, document=document)
    document.refresh_from_db()
    tampered = bytes(document.signed_xml).replace(b"Uprzejmie", b"Nieuprzejmie")
    assert tampered != bytes(document.signed_xml)
    with pytest.raises(xades.SignatureInvalid):
        xades.verify(tampered)
    OutgoingDocument.objects.filter(pk=document.pk).update(signed_xml=tampered)
    document.refresh_from_db()
    valid, reason = signing.signature_check(document)
    assert valid is False
    assert "digest" in reason


def test_signing_a_draft_needs_the_head_of_the_unit(case, letter, tax_clerk, recipient, head, pki_dir, make_user):
    signer = make_user(roles.HEAD_OF_UNIT, username="kierownik-innego")  # may sign, but does not supervise PD
    signer.user_permissions.add(Permission.objects.get(codename="view_all_cases"))
    document = _draft(case, letter, tax_clerk, recipient)
    before = AuditEvent.objects.count()
    with pytest.raises(ApplicationError) as exc:
        signing.document_sign(actor=signer, document=document)
    assert exc.value.code == "not_approved"
    assert AuditEvent.objects.count() == before
    with pytest.raises(NotFoundOrForbidden):
        signing.document_sign(actor=tax_clerk, document=document)  # no sign_document permission

    signing.document_sign(actor=head, document=document)  # head of FN supervises PD
    document.refresh_from_db()
    assert document.status == "signed"


def test_mark_signed_on_paper(case, letter, tax_clerk, recipient, head):
    document = _approved(case, letter, tax_clerk, recipient, head)
    signing.document_mark_signed_on_paper(actor=head, document=document)
    document.refresh_from_db()
    assert (document.status, document.signature_kind, document.signed_by, document.signed_xml) == (
        "signed",
        "paper",
        head,
        None,
    )
    with pytest.raises(ApplicationError):
        signing.document_sign(actor=head, document=document)


# --- hand-over from another app --------------------------------------------------------------------------------


def test_outgoing_create_from_pdf_with_approvers(case, recipient, head, db):
    pdf = b"%PDF-1.7\n% decyzja podatkowa\n%%EOF\n"
    document = svc.outgoing_create(
        case=case,
        document=pdf,
        file_name="decyzja.pdf",
        mime="application/pdf",
        title="Decyzja w sprawie podatku od nieruchomości",
        kind="decision",
        recipients=[recipient],
        source_app="taxes",
        source_ref="assessment:17",
        approvers=[head],
    )

    assert (document.status, document.kind, document.source_app, document.source_ref) == (
        "in_approval",
        "decision",
        "taxes",
        "assessment:17",
    )
    assert document.created_by == case.owner
    version = document.versions.get()
    assert bytes(version.pdf) == pdf
    parsed = crd.parse_document(bytes(version.xml))
    assert parsed.attachments[0].content == pdf
    assert parsed.text_paragraphs[0] == _mark_line(case.mark)
    step = document.approval_steps.get()
    assert (step.approver, step.status, step.version) == (head, "pending", version)
    event = _events("documents.document.handed_over")[-1]
    assert event.actor_label == "system:taxes"
    assert (event.details["case_id"], event.details["document"], event.details["source_ref"]) == (
        case.pk,
        document.pk,
        "assessment:17",
    )


def test_outgoing_create_from_xml_keeps_it_byte_exact(case, recipient, tax_clerk, db):
    xml = crd.build_pismo_ogolne(
        crd.CrdDocument(
            form_namespace=crd.NS_WNIO_4566, title="Zawiadomienie", text_paragraphs=["Treść zawiadomienia."]
        )
    )
    document = svc.outgoing_create(
        case=case,
        document=xml,
        file_name="z.xml",
        mime="text/xml",
        title="Zawiadomienie",
        kind="letter",
        recipients=[recipient],
        actor=tax_clerk,
        source_app="finance",
    )
    version = document.versions.get()
    assert bytes(version.xml) == xml
    assert bytes(version.pdf).startswith(b"%PDF-")
    assert document.status == "draft"


@pytest.mark.parametrize(
    ("content", "mime", "field"),
    [
        (b"MZ\x90\x00 executable", "application/pdf", "document"),
        (b"%PDF-1.4 ...", "text/xml", "mime"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><x>&e;</x>', "text/xml", "document"),
        (b"", "application/pdf", "document"),
    ],
)
def test_outgoing_create_refuses_bad_content(case, recipient, content, mime, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ServiceValidationError) as exc:
        svc.outgoing_create(
            case=case, document=content, file_name="x", mime=mime, title="T", kind="letter", recipients=[recipient]
        )
    assert list(exc.value.errors) == [field]
    assert (OutgoingDocument.objects.count(), DocumentVersion.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        before,
    )


def test_outgoing_create_refuses_oversized(case, recipient, settings):
    settings.DOCUMENTS_MAX_DOCUMENT_BYTES = 100
    with pytest.raises(ServiceValidationError) as exc:
        svc.outgoing_create(
            case=case,
            document=b"%PDF-" + b"x" * 200,
            file_name="x.pdf",
            mime="application/pdf",
            title="T",
            kind="letter",
            recipients=[recipient],
        )
    assert list(exc.value.errors) == ["document"]
    assert OutgoingDocument.objects.count() == 0


def test_transition_table_refuses_skipping_states(case, letter, tax_clerk, recipient):
    document = _draft(case, letter, tax_clerk, recipient)
    before = AuditEvent.objects.count()
    with pytest.raises(svc.TransitionRefused):
        svc.document_transition(actor=tax_clerk, document=document, to="dispatched")
    document.refresh_from_db()
    assert document.status == "draft"
    assert AuditEvent.objects.count() == before


def test_pdf_bytes_carry_no_base64_surprises(case, letter, tax_clerk, recipient):
    document = _draft(case, letter, tax_clerk, recipient)
    version = document.versions.get()
    root = etree.fromstring(bytes(version.xml))
    data = root.find(f".//{{{crd.NS_STR}}}DaneZalacznika").text
    assert base64.b64decode(data) == bytes(version.pdf)


def test_cancel_in_approval_supersedes_open_steps(case, letter, tax_clerk, recipient, head):
    document = _draft(case, letter, tax_clerk, recipient)
    svc.approval_start(actor=tax_clerk, document=document, approvers=[head])
    with pytest.raises(ServiceValidationError):
        svc.document_cancel(actor=tax_clerk, document=document, reason=" ")
    svc.document_cancel(actor=tax_clerk, document=document, reason="Sprawa załatwiona telefonicznie.")
    document.refresh_from_db()
    assert document.status == "cancelled"
    assert list(document.approval_steps.values_list("status", flat=True)) == ["superseded"]
    with pytest.raises(ApplicationError):
        svc.approval_decide(actor=head, document=document, approve=True)
    event = _events("documents.document.cancelled")[-1]
    assert (event.details["case_id"], event.details["reason"]) == (case.pk, "Sprawa załatwiona telefonicznie.")


def test_demo_seeder_drafts_once(case, db):
    from documents.hooks.outgoing import seed_demo_documents

    assert (
        seed_demo_documents(actor="system:demo")
        == f"outgoing: draft {OutgoingDocument.objects.get().pk} in {case.mark}"
    )
    assert seed_demo_documents(actor="system:demo") == "outgoing: nothing to draft"
    document = OutgoingDocument.objects.get()
    assert (document.case, document.created_by, document.status) == (case, case.owner, "draft")
