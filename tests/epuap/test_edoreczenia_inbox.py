"""The test person's e-Doręczenia mailbox (web UI): chooser, session isolation, collecting → proof of receipt."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from epuap.edoreczenia import services
from epuap.edoreczenia.models import Evidence, Message
from epuap.edoreczenia.resident_views import SESSION_KEY
from tests.epuap import test_edoreczenia as base
from tests.epuap.test_edoreczenia import COMPANY, PERSON, PUBLIC_BODY, T0, TEST_MAILBOXES, get_token, send

pytestmark = pytest.mark.django_db

# The fixtures of the e-Doręczenia tests: the test PKI directory (autouse) and the office set up by
# edoreczenia_setup (which also creates the test persons' mailboxes).
_pki = base._pki
office = base.office

OTHER_PERSON = TEST_MAILBOXES[1]
CHOOSE = "edoreczenia:sim-mailbox-choose"


def choose(http, address: str):
    return http.post(reverse(CHOOSE), {"address": address})


def send_to(http, office_, to: str, **kwargs) -> Message:
    token = get_token(http, office_)
    response = send(http, token, to, **kwargs)
    assert response.status_code == 201, response.content
    return Message.objects.get(pk=response.json()["messages"][0]["MessageId"])


def test_chooser_lists_test_parties_but_not_public_bodies(client, office):
    response = client.get(reverse(CHOOSE))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Symulator e-Doręczeń — środowisko testowe" in page
    for spec in (PERSON, OTHER_PERSON, COMPANY):
        assert spec["address"] in page
    assert PUBLIC_BODY["address"] not in page
    assert "MAGIS" not in page  # the office's own mailbox is not offered


def test_choosing_a_public_body_or_unknown_mailbox_is_refused(client, office):
    for address in (PUBLIC_BODY["address"], "AE:PL-10000-20000-MAGIS-01", "nonsense"):
        assert choose(client, address).status_code == 400
        assert SESSION_KEY not in client.session


def test_without_session_redirects_to_the_chooser(client, office):
    message = send_to(client, office, PERSON["address"])
    chooser = reverse(CHOOSE)
    for url in (
        reverse("edoreczenia:sim-inbox"),
        reverse("edoreczenia:sim-message", args=[message.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == chooser
    response = client.post(reverse("edoreczenia:sim-message-open", args=[message.pk]))
    assert response.status_code == 302
    assert response["Location"] == chooser
    message.refresh_from_db()
    assert message.opened_at is None


def test_session_isolation_and_logout(client, office):
    mine = send_to(client, office, PERSON["address"], subject="Dla Jana")
    theirs = send_to(client, office, OTHER_PERSON["address"], subject="Dla Anny")
    response = choose(client, PERSON["address"])
    assert response.status_code == 302
    assert response["Location"] == reverse("edoreczenia:sim-inbox")
    assert client.session[SESSION_KEY] == PERSON["address"]
    assert "_auth_user_id" not in client.session  # not the office's login
    page = client.get(reverse("edoreczenia:sim-inbox")).content.decode()
    assert "Dla Jana" in page
    assert "Dla Anny" not in page
    assert client.get(reverse("edoreczenia:sim-message", args=[mine.pk])).status_code == 200
    assert client.get(reverse("edoreczenia:sim-message", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("edoreczenia:sim-message-open", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.opened_at is None
    response = client.post(reverse("edoreczenia:sim-logout"))
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get(reverse("edoreczenia:sim-inbox")).status_code == 302


def test_logout_needs_post(client, office):
    choose(client, PERSON["address"])
    assert client.get(reverse("edoreczenia:sim-logout")).status_code == 405
    assert client.session[SESSION_KEY] == PERSON["address"]


def test_collecting_creates_the_receipt_exactly_once(client, office):
    with time_machine.travel(T0, tick=False):
        message = send_to(client, office, PERSON["address"], attachments=[("decyzja.pdf", b"%PDF-1.4 decyzja")])
    choose(client, PERSON["address"])
    detail = reverse("edoreczenia:sim-message", args=[message.pk])
    page = client.get(detail).content.decode()
    assert "W załączeniu decyzja." not in page  # content only after collecting
    att = message.attachments.get()
    att_url = reverse("edoreczenia:sim-attachment", args=[message.pk, att.attachment_id])
    assert client.get(att_url).status_code == 404
    message.refresh_from_db()
    assert message.opened_at is None  # viewing the notice does not open

    open_url = reverse("edoreczenia:sim-message-open", args=[message.pk])
    assert client.get(open_url).status_code == 405
    opened = T0 + datetime.timedelta(days=2)
    with time_machine.travel(opened, tick=False):
        response = client.post(open_url)
    assert response.status_code == 302
    assert response["Location"] == detail
    with time_machine.travel(opened + datetime.timedelta(hours=1), tick=False):
        client.post(open_url)
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED
    assert message.opened_at == opened == message.delivered_at
    assert message.evidences.filter(kind=Evidence.Kind.RECEIPT).count() == 1
    page = client.get(detail).content.decode()
    assert "Doręczona" in page
    assert "W załączeniu decyzja." in page
    assert "decyzja.pdf" in page
    download = client.get(att_url)
    assert download.status_code == 200
    assert download.content == b"%PDF-1.4 decyzja"
    assert download["Content-Disposition"] == 'attachment; filename="decyzja.pdf"'


def test_deemed_delivered_message_is_shown_as_such(client, office):
    with time_machine.travel(T0, tick=False):
        message = send_to(client, office, PERSON["address"], subject="Wezwanie")
    with time_machine.travel(T0 + datetime.timedelta(days=15), tick=False):
        assert services.messages_deem_due() == 1
    choose(client, PERSON["address"])
    page = client.get(reverse("edoreczenia:sim-inbox")).content.decode()
    assert "Uznana za doręczoną" in page
    assert "16.03.2026" in page  # deemed at T0 + 14 days
    # Collecting it later records the opening but no new evidence.
    client.post(reverse("edoreczenia:sim-message-open", args=[message.pk]))
    message.refresh_from_db()
    assert message.status == Message.Status.DEEMED
    assert message.opened_at is not None
    assert sorted(message.evidences.values_list("kind", flat=True)) == ["deemed", "submission"]
    page = client.get(reverse("edoreczenia:sim-message", args=[message.pk])).content.decode()
    assert "Uznana za doręczoną" in page
    assert "W załączeniu decyzja." in page
