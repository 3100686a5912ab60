"""The ePUAP demo seeder (epuap.demo.seed_epuap, run by ``manage.py seed_demo``)."""

import io

import pytest

from core.models import AuditEvent
from epuap import crd, xades
from epuap import pki as pki_module
from epuap.demo import SENT_ACTION, seed_epuap
from epuap.models import InboundDocument
from epuap.platform.models import QueuedDocument, Upp
from epuap.services import box_poll

BOX = "/magistrowo/skrytka"


@pytest.fixture(autouse=True)
def _settings(settings, pki):
    settings.EPUAP_BOXES = [BOX]
    settings.EPUAP_PODMIOT = "magistrowo"
    settings.EPUAP_PLATFORM_CERTIFICATE = ""
    settings.EPUAP_OFFICE_CREDENTIAL = "office-system"


class SoapViaTestClient:
    """The adapter's Transport, routed to the simulated platform's SOAP views through the Django test client."""

    def __init__(self, client):
        self.client = client

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        response = self.client.post(
            path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=soap_action
        )
        return response.content


def test_the_seeder_is_registered_for_seed_demo():
    from core.demo import seeders

    assert ("epuap", seed_epuap) in seeders()


@pytest.mark.django_db
def test_seeding_twice_sends_the_documents_once(pki):
    first = seed_epuap(actor=None, stdout=io.StringIO())
    count = QueuedDocument.objects.filter(box__address=BOX).count()
    second = seed_epuap(actor=None, stdout=io.StringIO())

    assert count == 4
    assert QueuedDocument.objects.filter(box__address=BOX).count() == 4
    assert "4 signed documents" in first
    assert "already" in second
    assert AuditEvent.objects.filter(action=SENT_ACTION).count() == 1
    # Still nothing again after the office pulled and confirmed them (the rows stay, confirmed).
    QueuedDocument.objects.update(confirmed_at="2026-01-01T00:00:00Z")
    seed_epuap(actor=None, stdout=io.StringIO())
    assert QueuedDocument.objects.filter(box__address=BOX).count() == 4


@pytest.mark.django_db
def test_the_documents_verify_except_the_broken_one(pki):
    seed_epuap(actor=None, stdout=io.StringIO())
    docs = {d.file_name: d for d in QueuedDocument.objects.filter(box__address=BOX)}

    forms = {}
    for name in ("wniosek-zaswiadczenie.xml", "IN-1.xml", "DO-1.xml"):
        content = bytes(docs[name].content)
        result = xades.verify(content, ca=pki.ca)
        assert pki_module.pesel_from_certificate(result.signer) == docs[name].sender_pesel  # the sender signed it
        forms[name] = crd.form_code(crd.parse_document(content).form_namespace)
    assert forms == {"wniosek-zaswiadczenie.xml": "PISMO_OGOLNE", "IN-1.xml": "IN-1", "DO-1.xml": "DO-1"}
    with pytest.raises(xades.SignatureInvalid):
        xades.verify(bytes(docs["zgloszenie-lampa.xml"].content), ca=pki.ca)
    assert all(d.reply_address == f"/{d.sender_identifier}/domyslna" for d in docs.values())
    assert len(docs) == 4
    assert Upp.objects.filter(document__in=docs.values()).count() == 4  # sent by WS-Skrytka nadaj to a UPP box


@pytest.mark.django_db
def test_a_poll_brings_them_into_the_office_queue_with_the_broken_one_quarantined(client, pki):
    seed_epuap(actor=None, stdout=io.StringIO())

    result = box_poll(box_address=BOX, transport=SoapViaTestClient(client))

    assert (result.outcome, result.stored, result.quarantined, result.confirmed) == ("ok", 4, 1, 4)
    by_name = {d.file_name: d for d in InboundDocument.objects.all()}
    assert {n: d.status for n, d in by_name.items()} == {
        "wniosek-zaswiadczenie.xml": "accepted",
        "IN-1.xml": "accepted",
        "DO-1.xml": "accepted",
        "zgloszenie-lampa.xml": "quarantined",
    }
    assert by_name["zgloszenie-lampa.xml"].signature_verdict == InboundDocument.SignatureVerdict.INVALID
    assert by_name["IN-1.xml"].form_code == "IN-1"
    assert by_name["DO-1.xml"].form_code == "DO-1"


def _demo_script():
    import importlib.util
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"
    spec = importlib.util.spec_from_file_location("magistrat_demo_script_epuap", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


def test_the_demo_points_the_adapter_at_its_own_server_and_says_where_to_look():
    demo = _demo_script()

    assert demo.demo_environment(8123, {})["EPUAP_SIMULATION_BASE_URL"] == "http://127.0.0.1:8123"
    explicit = {"EPUAP_SIMULATION_BASE_URL": "http://example.test"}
    assert demo.demo_environment(8123, explicit)["EPUAP_SIMULATION_BASE_URL"] == "http://example.test"
    banner = "\n".join(demo.banner_lines("http://127.0.0.1:8123/"))
    assert "http://127.0.0.1:8123/sim/epuap/" in banner
    assert "http://127.0.0.1:8123/epuap/" in banner
    assert "kancelaria" in banner
