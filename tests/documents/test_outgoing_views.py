# ruff: noqa: F811 — the fixtures shared with test_outgoing.py are imported by name
"""Outgoing documents: back-office screens and the API."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core import roles
from core.models import AuditEvent
from documents.models import ApprovalStep, OutgoingDocument
from epuap import crd, xades
from tests.documents.test_outgoing import (  # noqa: F401 — fixtures
    _draft,
    _pki_dir,
    approver2,
    case,
    letter,
    pki_dir,
    recipient,
)


@pytest.fixture
def api():
    return APIClient()


# --- screens -------------------------------------------------------------------------------------------------


def test_draft_form_creates_a_draft(client, case, letter, tax_clerk, recipient):
    client.force_login(tax_clerk)
    url = reverse("documents:outgoing-create", args=[case.pk])

    page = client.get(url, {"template": letter.pk})
    assert page.status_code == 200
    assert recipient.display_name in page.content.decode()

    response = client.post(
        url,
        {
            "template": letter.pk,
            "title": "Odpowiedź",
            "recipients": [recipient.pk],
            "ctx_body": "Treść odpowiedzi.",
        },
    )
    document = OutgoingDocument.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:outgoing-detail", args=[document.pk])
    assert (document.title, document.versions.get().context) == ("Odpowiedź", {"body": "Treść odpowiedzi."})


def test_draft_form_shows_errors_and_writes_nothing(client, case, letter, tax_clerk, recipient):
    client.force_login(tax_clerk)
    before = AuditEvent.objects.exclude(action="documents.case.viewed").count()
    response = client.post(
        reverse("documents:outgoing-create", args=[case.pk]),
        {"template": letter.pk, "title": "X", "recipients": [recipient.pk], "ctx_body": ""},
    )
    assert response.status_code == 400
    assert OutgoingDocument.objects.count() == 0
    assert AuditEvent.objects.exclude(action="documents.case.viewed").count() == before


def test_draft_form_refuses_a_clerk_of_another_unit(client, case, letter, make_user):
    outsider = make_user(roles.TAX_CLERK, username="obcy-referent")
    client.force_login(outsider)
    assert client.get(reverse("documents:outgoing-create", args=[case.pk])).status_code == 404


def test_detail_shows_versions_and_the_decision_form_to_the_pending_approver(
    client, case, letter, tax_clerk, recipient, head
):
    from documents.services import outgoing as svc

    document = _draft(case, letter, tax_clerk, recipient)
    svc.approval_start(actor=tax_clerk, document=document, approvers=[head])
    url = reverse("documents:outgoing-detail", args=[document.pk])

    client.force_login(tax_clerk)
    page = client.get(url).content.decode()
    assert 'data-testid="versions-table"' in page
    assert reverse("documents:outgoing-version-file", args=[document.pk, 1, "pdf"]) in page
    assert 'data-testid="decision-card"' not in page

    client.force_login(head)
    page = client.get(url).content.decode()
    assert 'data-testid="decision-card"' in page
    queue = client.get(reverse("documents:outgoing-approvals")).content.decode()
    assert reverse("documents:outgoing-detail", args=[document.pk]) in queue

    response = client.post(reverse("documents:outgoing-decision", args=[document.pk]), {"decision": "approve"})
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.status == "approved"


def test_version_file_download(client, case, letter, tax_clerk, recipient):
    document = _draft(case, letter, tax_clerk, recipient)
    client.force_login(tax_clerk)
    pdf = client.get(reverse("documents:outgoing-version-file", args=[document.pk, 1, "pdf"]))
    xml = client.get(reverse("documents:outgoing-version-file", args=[document.pk, 1, "xml"]))
    assert (pdf.status_code, pdf["Content-Type"], pdf.content) == (
        200,
        "application/pdf",
        bytes(document.versions.get().pdf),
    )
    assert crd.parse_document(xml.content).title == "Odpowiedź na pismo"
    assert client.get(reverse("documents:outgoing-version-file", args=[document.pk, 2, "pdf"])).status_code == 404


def test_document_of_an_invisible_case_is_not_found(client, case, letter, tax_clerk, recipient, make_user):
    document = _draft(case, letter, tax_clerk, recipient)
    client.force_login(make_user(roles.TAX_CLERK, username="inny-referent"))
    assert client.get(reverse("documents:outgoing-detail", args=[document.pk])).status_code == 404
    assert client.get(reverse("documents:outgoing-version-file", args=[document.pk, 1, "pdf"])).status_code == 404


# --- API -----------------------------------------------------------------------------------------------------


def test_api_whole_path_draft_approval_sign(api, case, letter, tax_clerk, recipient, head, approver2, pki_dir):
    api.force_authenticate(tax_clerk)
    created = api.post(
        reverse("api-documents-outgoing-list"),
        {
            "case_id": case.pk,
            "template_id": letter.pk,
            "title": "Odpowiedź",
            "recipient_ids": [recipient.pk],
            "context": {"body": "Treść."},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    doc_id = created.json()["id"]
    assert created.json()["case_mark"] == case.mark
    assert [v["number"] for v in created.json()["versions"]] == [1]

    changed = api.patch(
        reverse("api-documents-outgoing-detail", args=[doc_id]), {"context": {"body": "Treść 2."}}, format="json"
    )
    assert [v["number"] for v in changed.json()["versions"]] == [1, 2]

    started = api.post(
        reverse("api-documents-outgoing-approval", args=[doc_id]),
        {"approver_ids": [head.pk, approver2.pk]},
        format="json",
    )
    assert started.status_code == 200
    assert [(s["approver"], s["status"], s["version"]) for s in started.json()["approval_steps"]] == [
        ("kierownik-fn", "pending", 2),
        ("sekretarz", "waiting", 2),
    ]

    api.force_authenticate(approver2)
    before = AuditEvent.objects.exclude(action="documents.document.viewed").count()
    refused = api.post(reverse("api-documents-outgoing-decision", args=[doc_id]), {"decision": "approve"})
    assert (refused.status_code, refused.json()["code"]) == (400, "not_your_turn")
    assert AuditEvent.objects.exclude(action="documents.document.viewed").count() == before
    assert list(ApprovalStep.objects.order_by("order").values_list("status", flat=True)) == ["pending", "waiting"]

    for user in (head, approver2):
        api.force_authenticate(user)
        ok = api.post(reverse("api-documents-outgoing-decision", args=[doc_id]), {"decision": "approve"})
        assert ok.status_code == 200
    assert ok.json()["status"] == "approved"

    api.force_authenticate(head)
    signed = api.post(reverse("api-documents-outgoing-sign", args=[doc_id]), {"manner": "xades"})
    assert signed.status_code == 200
    assert (signed.json()["status"], signed.json()["signature_kind"], signed.json()["signed_by"]) == (
        "signed",
        "xades",
        "kierownik-fn",
    )
    xades.verify(bytes(OutgoingDocument.objects.get(pk=doc_id).signed_xml))

    xml = api.get(reverse("api-documents-outgoing-version-file", args=[doc_id, 2, "xml"]))
    assert crd.parse_document(xml.content).text_paragraphs[-1] == "Treść 2."


def test_api_list_shows_only_visible_documents(api, case, letter, tax_clerk, recipient, make_user):
    document = _draft(case, letter, tax_clerk, recipient)
    api.force_authenticate(tax_clerk)
    assert [d["id"] for d in api.get(reverse("api-documents-outgoing-list")).json()["results"]] == [document.pk]
    api.force_authenticate(make_user(roles.TAX_CLERK, username="inny"))
    assert api.get(reverse("api-documents-outgoing-list")).json()["results"] == []
    assert api.get(reverse("api-documents-outgoing-detail", args=[document.pk])).status_code == 404


def test_api_templates_list(api, letter, tax_clerk):
    api.force_authenticate(tax_clerk)
    data = api.get(reverse("api-documents-templates")).json()
    assert sorted(t["code"] for t in data) == ["certificate", "decision", "letter", "reminder"]
    reminder = next(t for t in data if t["code"] == "reminder")
    assert [f["name"] for f in reminder["template_fields"]] == ["liability", "period", "amount", "cost", "body"]


def test_api_draft_with_unknown_party_is_refused(api, case, letter, tax_clerk):
    api.force_authenticate(tax_clerk)
    response = api.post(
        reverse("api-documents-outgoing-list"),
        {"case_id": case.pk, "template_id": letter.pk, "title": "T", "recipient_ids": [999999], "context": {}},
        format="json",
    )
    assert (response.status_code, list(response.json()["errors"])) == (400, ["recipient_ids"])
    assert OutgoingDocument.objects.count() == 0


def test_version_and_approval_screens(client, case, letter, tax_clerk, recipient, head):
    document = _draft(case, letter, tax_clerk, recipient, text="Pierwsza.")
    client.force_login(tax_clerk)

    edit_url = reverse("documents:outgoing-edit", args=[document.pk])
    assert "Pierwsza." in client.get(edit_url).content.decode()
    response = client.post(edit_url, {"title": "Odpowiedź 2", "ctx_body": "Druga.", "comment": "korekta"})
    assert response.status_code == 302
    assert list(document.versions.values_list("number", "comment")) == [(1, ""), (2, "korekta")]

    approval_url = reverse("documents:outgoing-approval", args=[document.pk])
    assert client.get(approval_url).status_code == 200
    refused = client.post(approval_url, {"approver_1": tax_clerk.pk})  # not an approver: not in the choices
    assert refused.status_code == 400
    assert ApprovalStep.objects.count() == 0
    response = client.post(approval_url, {"approver_1": head.pk})
    assert response.status_code == 302
    step = ApprovalStep.objects.get()
    assert (step.approver, step.status, step.version.number) == (head, "pending", 2)
