"""My cases against the REAL simulated ePUAP: a decision dispatched by EZD to the resident's ePUAP box is opened in
the portal (delivery recorded that day); the platform's UPD arriving later changes nothing. And a notification to
the resident's box goes through WS-Skrytka ``nadaj`` into the simulated box."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from core import roles
from documents.models import Receipt
from epuap import client as epuap_client
from epuap.events import deliver_events
from epuap.models import DeliveryEvent
from portal.notify import Message
from portal.notify.backends import ElectronicBoxSender
from tests.documents.test_dispatch import (  # noqa: F401  (fixtures)
    BOX,
    RESIDENT_BOX,
    WARSAW,
    _settings,
    person,
    platforms,
    signed_document,
)
from tests.epuap.conftest import pki, pki_session  # noqa: F401
from tests.epuap.transports import SoapTransport

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry_clerk(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-p")


def test_letter_opened_in_the_portal_is_delivered_once(client, make_user, platforms, pki, registry_clerk):  # noqa: F811
    from documents.services.dispatch import document_dispatch
    from epuap.platform import services as platform_sim
    from epuap.platform.models import DeliveryOrder
    from epuap.services import box_poll

    party = person(epuap_box=RESIDENT_BOX, email_consent=True)
    document = signed_document(pki, party)
    document.case.parties.set([party])
    [shipment] = document_dispatch(
        actor=registry_clerk, document=document, edoreczenia=platforms["edor"], epuap=platforms["epuap"]
    )
    assert (shipment.channel, shipment.status) == ("epuap", "sent"), shipment.channel_reason
    order = DeliveryOrder.objects.get(order_id=shipment.electronic_dispatch.order_id)
    opened_at = (order.notified_at + datetime.timedelta(days=2)).replace(microsecond=0)

    resident = make_user(roles.RESIDENT, username="res-epuap", party=party)
    with time_machine.travel(opened_at, tick=False):
        client.force_login(resident)
        response = client.post(reverse("portal:letter", args=[shipment.pk]))
    assert response.status_code == 200
    assert response.content == bytes(document.signed_xml)  # no PDF version: the signed XML as dispatched
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_on) == ("delivered", opened_at.astimezone(WARSAW).date())
    assert Receipt.objects.filter(shipment=shipment).count() == 1

    # the resident also collects it from the simulated box later: the UPD comes, nothing changes
    platform_sim.delivery_open(order, opened_at + datetime.timedelta(days=1))
    with time_machine.travel(opened_at + datetime.timedelta(days=2), tick=False):
        box_poll(box_address=BOX, transport=SoapTransport(platforms["epuap"].transport.client))
    deliver_events()
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_on) == ("delivered", opened_at.astimezone(WARSAW).date())
    assert Receipt.objects.filter(shipment=shipment).count() == 1
    assert DeliveryEvent.objects.count() == 1


def test_the_box_sender_puts_the_notification_into_the_epuap_box(platforms, monkeypatch):  # noqa: F811
    from epuap.platform.models import QueuedDocument

    monkeypatch.setattr(epuap_client, "default_transport", lambda: platforms["epuap"].transport)
    before = QueuedDocument.objects.filter(box__address=RESIDENT_BOX).count()
    reference = ElectronicBoxSender().send(
        Message(channel="box", address=RESIDENT_BOX, subject="Termin płatności", body="Rata 1 & 2 < 3", key="k")
    )
    assert reference.startswith("epuap:")
    queued = QueuedDocument.objects.filter(box__address=RESIDENT_BOX).order_by("-id")
    assert queued.count() == before + 1
    content = bytes(queued.first().content)
    assert b"<Tytul>Termin p\xc5\x82atno\xc5\x9bci</Tytul>" in content
    assert b"Rata 1 &amp; 2 &lt; 3" in content
