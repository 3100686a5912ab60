"""Outgoing dispatches: channel choice, sending and tracking to the legal delivery, against the REAL simulations.

The adapter reaches the simulated ePUAP (SOAP) and e-Doręczenia (JSON + bearer token) only through transports
that route its HTTP calls to the Django test client — byte for byte what it would send over the network.
"""

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from core import roles
from core.models import AuditEvent, Party
from epuap import edoreczenia_client, xades
from epuap.dispatch import (
    ALLOWED_TRANSITIONS,
    TransitionRefused,
    dispatch_paper_sent,
    dispatch_transition,
    edoreczenia_poll_dispatches,
    send_to_party,
)
from epuap.edoreczenia_client import EdoreczeniaClient, EvidenceInvalid
from epuap.events import deliver_events, register_delivery_handler, unregister_delivery_handler
from epuap.models import DeliveryEvent, Dispatch, DispatchTransition, InboundDocument
from epuap.services import box_poll
from tests.epuap.transports import HttpTransport, SoapTransport, use_simulations

WARSAW = zoneinfo.ZoneInfo("Europe/Warsaw")
T0 = datetime.datetime(2026, 3, 2, 10, 0, tzinfo=WARSAW)
BOX = "/magistrowo/skrytka"
RESIDENT_BOX = "/resident-1/domyslna"
KOWALSKI_PESEL, KOWALSKI_ADE = "80010112344", "AE:PL-51234-56789-KOWJA-11"
NOWAK_PESEL, NOWAK_ADE = "85121254321", "AE:PL-52345-67890-NOWAN-22"
CRD_1410 = "http://crd.gov.pl/wzor/2013/12/12/1410/"

pytestmark = pytest.mark.django_db


# --- transports to the simulations -------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _settings(settings, pki):
    use_simulations(settings, pki.directory)
    yield
    edoreczenia_client.clear_caches()


@pytest.fixture
def platforms(client):
    call_command("epuap_platform_setup", residents=1, stdout=io.StringIO())
    call_command("edoreczenia_setup", stdout=io.StringIO())
    http = HttpTransport(client)
    return {"soap": SoapTransport(client), "http": http, "edor": EdoreczeniaClient(transport=http)}


@pytest.fixture
def handler_calls():
    calls: list[int] = []

    def handler(event):
        calls.append(event.dispatch_id)

    register_delivery_handler(handler)
    yield calls
    unregister_delivery_handler(handler)


def letter(text: str = "Decyzja w sprawie podatku od nieruchomości.") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Dokument xmlns="{CRD_1410}" xmlns:str="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">'
        "<DaneDokumentu><str:Naglowek><str:NazwaDokumentu>Decyzja</str:NazwaDokumentu></str:Naglowek>"
        f"</DaneDokumentu><TrescDokumentu><Wartosc>{text}</Wartosc></TrescDokumentu></Dokument>\n"
    ).encode()


def person(**fields) -> Party:
    defaults = {"kind": Party.Kind.PERSON, "first_names": "Jan", "surname": "Kowalski"}
    return Party.objects.create(**{**defaults, **fields})


def send(platforms, party, *, actor="user:test", document=None, **kw):
    return send_to_party(
        actor=actor,
        document=document if document is not None else letter(),
        file_name="decyzja.xml",
        mime="text/xml",
        title="Decyzja PN.3120.7.2026",
        party=party,
        case_id="PN.3120.7.2026",
        document_id="DOC-7",
        edoreczenia=platforms["edor"],
        epuap=_epuap(platforms),
        **kw,
    )


def _epuap(platforms):
    from epuap.client import EpuapClient

    return EpuapClient(transport=platforms["soap"])


def _sim_message(dispatch):
    from epuap.edoreczenia.models import Message

    return Message.objects.get(pk=dispatch.external_id)


# --- e-Doręczenia ------------------------------------------------------------------------------------------


def test_ade_from_bae_send_open_poll_delivered_with_opening_date(platforms, handler_calls):
    from epuap.edoreczenia import services as edor_sim

    party = person(pesel=NOWAK_PESEL, first_names="Anna", surname="Nowak")
    with time_machine.travel(T0, tick=False):
        dispatch = send(platforms, party)

    assert (dispatch.channel, dispatch.status, dispatch.recipient_address) == ("edoreczenia", "sent", NOWAK_ADE)
    assert "BAE" in dispatch.channel_reason
    assert dispatch.external_id
    assert dispatch.submission_evidence
    assert dispatch.submitted_at == T0
    message = _sim_message(dispatch)
    assert message.case_id == "PN.3120.7.2026"
    assert bytes(message.attachments.get().content) == letter()

    # Not opened yet: polling changes nothing.
    with time_machine.travel(T0 + datetime.timedelta(days=1), tick=False):
        assert edoreczenia_poll_dispatches(client=platforms["edor"])["delivered"] == 0
    opened_at = T0 + datetime.timedelta(days=3, hours=2)
    edor_sim.message_open(message, opened_at)

    # The office learns of it days later: the legal date is still the opening.
    with time_machine.travel(T0 + datetime.timedelta(days=6), tick=False):
        counts = edoreczenia_poll_dispatches(client=platforms["edor"])
    assert counts["delivered"] == 1
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DELIVERED
    assert dispatch.delivered_at == opened_at
    assert dispatch.delivered_on == datetime.date(2026, 3, 5)
    assert dispatch.delivery_evidence
    assert [t.to_status for t in dispatch.transitions.all()] == ["created", "sent", "delivered"]
    event = DeliveryEvent.objects.get()
    assert (event.dispatch_id, event.channel, event.deemed, event.delivered_on) == (
        dispatch.pk,
        "edoreczenia",
        False,
        datetime.date(2026, 3, 5),
    )
    assert (event.case_id, event.document_id) == ("PN.3120.7.2026", "DOC-7")

    # Polling again is a no-op; the handler runs exactly once even if the task runs twice.
    assert edoreczenia_poll_dispatches(client=platforms["edor"])["checked"] == 0
    assert deliver_events() == 1
    assert deliver_events() == 0
    assert handler_calls == [dispatch.pk]
    event.refresh_from_db()
    assert event.processed_at is not None
    actions = list(
        AuditEvent.objects.filter(action__startswith="epuap.dispatch.").order_by("seq").values_list("action", flat=True)
    )
    assert actions == ["epuap.dispatch.created", "epuap.dispatch.sent", "epuap.dispatch.delivered"]


def test_recorded_ade_not_opened_is_deemed_delivered_on_day_14(platforms, handler_calls):
    from epuap.edoreczenia import services as edor_sim

    party = person(ade_address=KOWALSKI_ADE)  # no PESEL: the recorded ADE is used, BAE not asked
    with time_machine.travel(T0, tick=False):
        dispatch = send(platforms, party)
    assert (dispatch.status, dispatch.recipient_address) == ("sent", KOWALSKI_ADE)
    assert not any("bae_search" in path for _m, path in platforms["http"].calls)

    later = T0 + datetime.timedelta(days=16)
    with time_machine.travel(later, tick=False):
        assert edor_sim.messages_deem_due(later) == 1
        counts = edoreczenia_poll_dispatches(client=platforms["edor"])
    assert counts["deemed_delivered"] == 1
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DEEMED_DELIVERED
    assert dispatch.delivered_at == T0 + datetime.timedelta(days=14)  # the legal date, not the poll date
    assert dispatch.delivered_on == datetime.date(2026, 3, 16)
    event = DeliveryEvent.objects.get(dispatch=dispatch)
    assert event.deemed is True
    assert event.delivered_on == datetime.date(2026, 3, 16)
    deliver_events()
    deliver_events()
    assert handler_calls == [dispatch.pk]


def test_forged_evidence_is_refused(platforms):
    party = person(ade_address=KOWALSKI_ADE)
    dispatch = send(platforms, party)
    jws = dispatch.submission_evidence
    header, payload, signature = jws.split(".")
    import base64

    data = json.loads(base64.urlsafe_b64decode(payload + "=="))
    data["eventDate"] = "2020-01-01T00:00:00+00:00"
    forged_payload = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    with pytest.raises(EvidenceInvalid):
        platforms["edor"].verify_evidence(f"{header}.{forged_payload}.{signature}")
    with pytest.raises(EvidenceInvalid):
        platforms["edor"].verify_evidence(jws, {**data})  # content differing from the signed payload


def test_token_is_cached_until_expiry(platforms):
    edor = platforms["edor"]
    first = edor.token()
    assert edor.token() == first
    logins = [c for c in platforms["http"].calls if c[1].endswith("/auth/token")]
    assert len(logins) == 1
    # An expired/unknown token (401) makes the client log in again once.
    from epuap.edoreczenia.models import AccessToken

    AccessToken.objects.all().delete()
    assert edor.search(pesel=KOWALSKI_PESEL) == [KOWALSKI_ADE]
    assert len([c for c in platforms["http"].calls if c[1].endswith("/auth/token")]) == 2


# --- ePUAP -------------------------------------------------------------------------------------------------


def test_epuap_box_with_consent_dorecz_open_upd_pulled_delivered(platforms, pki, handler_calls):
    from epuap.platform import services as platform_sim
    from epuap.platform.models import DeliveryOrder

    party = person(epuap_box=RESIDENT_BOX, email_consent=True)  # no PESEL/NIP, no ADE
    dispatch = send(platforms, party)  # now: the test certificates are valid from today
    assert (dispatch.channel, dispatch.status) == ("epuap", "sent"), dispatch.error
    assert dispatch.external_id
    assert dispatch.order_id
    assert xades.verify(bytes(dispatch.content), ca=pki.ca).signer == pki["office-system"].certificate

    order = DeliveryOrder.objects.get(order_id=dispatch.order_id)
    assert order.sender_document_id == "DOC-7"
    opened_at = (order.notified_at + datetime.timedelta(days=2, hours=5)).replace(microsecond=0)
    platform_sim.delivery_open(order, opened_at)

    with time_machine.travel(order.notified_at + datetime.timedelta(days=4), tick=False):
        result = box_poll(box_address=BOX, transport=platforms["soap"])
    assert (result.outcome, result.stored, result.confirmed) == ("ok", 1, 1)
    upd = InboundDocument.objects.get()
    assert upd.form_code == "UPD"
    assert upd.status == InboundDocument.Status.ACCEPTED  # stored, nothing dropped
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DELIVERED
    assert dispatch.delivered_at == opened_at  # the UPD's DataOdbioru, not the poll time
    assert dispatch.delivered_on == timezone.localdate(opened_at)
    assert dispatch.upd_id == upd.pk
    assert DeliveryEvent.objects.get().channel == "epuap"
    deliver_events()
    assert handler_calls == [dispatch.pk]


def test_epuap_deemed_delivery_upd(platforms):
    from epuap.platform import services as platform_sim
    from epuap.platform.models import DeliveryOrder

    party = person(epuap_box=RESIDENT_BOX, email_consent=True)
    dispatch = send(platforms, party)
    notified = DeliveryOrder.objects.get(order_id=dispatch.order_id).notified_at
    later = notified + datetime.timedelta(days=15)
    with time_machine.travel(later, tick=False):
        platform_sim.deliveries_deem_due(later)
        box_poll(box_address=BOX, transport=platforms["soap"])
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.DEEMED_DELIVERED
    assert dispatch.delivered_at == (notified + datetime.timedelta(days=14)).replace(microsecond=0)
    assert DeliveryEvent.objects.get().deemed is True


def test_forged_upd_from_a_resident_is_stored_but_not_applied(platforms, pki):
    from epuap import upo
    from epuap.client import EpuapClient

    party = person(epuap_box=RESIDENT_BOX, email_consent=True)
    dispatch = send(platforms, party)
    forged = upo.build_upd(
        identifier="X",
        issuer_name="Urząd",
        issuer_id="magistrowo",
        addressee_name="Jan",
        addressee_id="resident-1",
        received_at=T0,
        created_at=T0,
        case_id="",
        document_id=dispatch.sender_reference,
    )
    resident = EpuapClient(transport=platforms["soap"], credential=pki["resident-1"], podmiot="resident-1")
    resident.send(
        recipient_address=BOX,
        reply_address=RESIDENT_BOX,
        content=xades.sign(forged, pki["resident-1"]),
        file_name="UPD.xml",
        extra_data=f"<D><IdentyfikatorDokumentu>{dispatch.external_id}</IdentyfikatorDokumentu></D>".encode(),
    )
    box_poll(box_address=BOX, transport=platforms["soap"])
    dispatch.refresh_from_db()
    assert dispatch.status == Dispatch.Status.SENT
    assert "not signed by the platform" in dispatch.error
    assert InboundDocument.objects.get().form_code == "UPD"
    assert not DeliveryEvent.objects.exists()


# --- paper, consent, state machine --------------------------------------------------------------------------


def test_nobody_electronic_awaits_paper(platforms):
    party = person(pesel="90010112345")  # not in BAE, no box
    dispatch = send(platforms, party)
    assert (dispatch.channel, dispatch.status) == ("paper", "awaiting_paper")
    assert "no ePUAP box" in dispatch.channel_reason

    no_consent = send(platforms, person(epuap_box=RESIDENT_BOX, email_consent=False))
    assert (no_consent.channel, no_consent.status) == ("paper", "awaiting_paper")
    assert "no consent" in no_consent.channel_reason

    pdf = send(platforms, person(epuap_box=RESIDENT_BOX, email_consent=True), document=b"%PDF-1.7 ...")
    assert pdf.channel == "paper"
    assert "not XML" in pdf.channel_reason

    posted = dispatch_paper_sent(dispatch=dispatch, actor="system:documents")
    assert posted.status == Dispatch.Status.SENT_PAPER


def test_invalid_transitions_are_refused(platforms):
    dispatch = send(platforms, person())
    assert dispatch.status == "awaiting_paper"
    for to in (Dispatch.Status.DELIVERED, Dispatch.Status.SENT, Dispatch.Status.CREATED):
        with pytest.raises(TransitionRefused):
            dispatch_transition(dispatch=dispatch, to=to, actor="test")
    dispatch.refresh_from_db()
    assert dispatch.status == "awaiting_paper"
    assert DispatchTransition.objects.filter(dispatch=dispatch).count() == 2
    assert ALLOWED_TRANSITIONS[Dispatch.Status.DELIVERED] == frozenset()
    assert not DeliveryEvent.objects.exists()


def test_failing_handler_is_retried_and_then_runs_once(platforms):
    dispatch = send(platforms, person())
    dispatch_paper_sent(dispatch=dispatch, actor="test")
    dispatch_transition(dispatch=dispatch, to=Dispatch.Status.DELIVERED, actor="test", at=T0)
    seen = []
    fail = {"n": 1}

    def flaky(event):
        if fail["n"]:
            fail["n"] -= 1
            raise RuntimeError("down")
        seen.append(event.pk)

    register_delivery_handler(flaky)
    try:
        assert deliver_events() == 0
        event = DeliveryEvent.objects.get()
        assert (event.processed_at, event.attempts, event.last_error) == (None, 1, "RuntimeError: down")
        assert deliver_events() == 1
        assert deliver_events() == 0
    finally:
        unregister_delivery_handler(flaky)
    assert seen == [event.pk]


# --- back office --------------------------------------------------------------------------------------------


def test_back_office_list_detail_and_downloads(platforms, client, make_user, nobody):
    edor = send(platforms, person(ade_address=KOWALSKI_ADE))
    paper = send(platforms, person())
    client.force_login(make_user(roles.REGISTRY_CLERK))
    listing = client.get(reverse("epuap:dispatch-list"))
    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 2
    only_paper = client.get(reverse("epuap:dispatch-list"), {"channel": "paper"})
    assert [d.pk for d in only_paper.context["page"].object_list] == [paper.pk]
    sent = client.get(reverse("epuap:dispatch-list"), {"status": "sent"})
    assert [d.pk for d in sent.context["page"].object_list] == [edor.pk]
    detail = client.get(reverse("epuap:dispatch-detail", args=[edor.pk]))
    assert detail.status_code == 200
    assert [t.to_status for t in detail.context["transitions"]] == ["created", "sent"]
    evidence = client.get(reverse("epuap:dispatch-file", args=[edor.pk, "submission"]))
    assert evidence.content == edor.submission_evidence.encode()
    assert evidence["Content-Type"] == "application/octet-stream"
    assert client.get(reverse("epuap:dispatch-file", args=[edor.pk, "upd"])).status_code == 404
    assert client.get(reverse("epuap:dispatch-file", args=[edor.pk, "document"])).content == letter()

    client.force_login(nobody)
    assert client.get(reverse("epuap:dispatch-list")).status_code == 403
    assert client.get(reverse("epuap:dispatch-detail", args=[edor.pk])).status_code == 403
