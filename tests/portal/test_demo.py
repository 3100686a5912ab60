"""The demo residents' portal activity (portal.demo, run by ``manage.py seed_demo``): the portal demo resident's
cases and letters (one waiting in his ePUAP box, one delivered by post with a ZPO), his notification consents, an
online payment through the simulated gateway and a letter sent from the portal (UPP, RPW); a second demo person with
tax data and a letter by post. Seen through the portal's pages; a second seed creates nothing.

The whole ``seed_demo`` runs (every app's seeder, the simulations in process), with smaller sizes of the populous
seeders (residents register, tax register, waste fee) so that the test takes a minute, not the demo's ten."""

import functools
import io
import re
import shutil

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

import core.demo
from core.domain.money import format_pln
from core.models import User
from documents.models import Case, IncomingEntry, OutgoingDocument, Receipt, Shipment
from epuap.models import DeliveryEvent, Dispatch, InboundDocument
from epuap.platform.models import DeliveryOrder, QueuedDocument
from finance.models import AccountEntry, GatewayTransaction, Payment, PaymentOrder
from portal import demo
from portal.eforms.sending import pz_identifier
from portal.models import Channel, NotificationConsent, Topic
from portal.saml import sp
from portal.services_notifications import consent_text
from tests.epuap.conftest import pki, pki_session  # noqa: F401  (fixtures)
from tests.epuap.transports import SoapTransport, use_simulations
from tests.portal.conftest import Browser

pytestmark = pytest.mark.django_db

SMALLER = {"population": {"people": 120}, "taxes-register": {"size": 80}, "taxes-waste-demo": {"size": 20}}


@pytest.fixture
def smaller_demo(monkeypatch, settings, pki, tmp_path):  # noqa: F811
    """The demo with smaller populous seeders; the simulations (ePUAP, e-Doręczenia, login.gov.pl) in process, their
    keys in a copy of the session's test PKI (login.gov.pl's keys are added to it on the first login)."""
    directory = tmp_path / "pki"
    shutil.copytree(pki.directory, directory)
    settings.EPUAP_PKI_DIR = directory
    use_simulations(settings, directory)
    settings.EPUAP_SIMULATION_BASE_URL = "http://testserver"
    settings.PORTAL_LOGIN_RATE_LIMIT = 1000
    monkeypatch.setattr(sp, "get_transport", lambda: SoapTransport(Client()))
    cache.clear()
    settings.EPUAP_MODE = "simulated"
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Gminy Magistrowo"
    settings.PORTAL_EFORMS_DRAFT_DIR = str(tmp_path / "eforms")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    seeders = [
        (order, name, functools.partial(fn, **SMALLER[name]) if name in SMALLER else fn)
        for order, name, fn in core.demo._seeders
    ]
    assert {name for _o, name, _f in seeders} >= {*SMALLER, "portal", "epuap", "taxes-decisions"}
    monkeypatch.setattr(core.demo, "_seeders", seeders)


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return next(line for line in out.getvalue().splitlines() if line.startswith("portal: "))


def rows(*parties) -> dict[str, int]:
    """What the portal demo makes. (Other seeders may add rows on a second run — e.g. the RPW registers the ePUAP
    documents the first run's polls brought in — so cases, RPW entries and payments are counted for the demo
    residents and the online payments, letters and everything else in total.)"""
    orders = PaymentOrder.objects.all()
    return {
        "cases of the demo residents": Case.objects.filter(parties__in=parties).count(),
        "documents in their cases": OutgoingDocument.objects.filter(case__parties__in=parties).count(),
        "rpw entries from them": IncomingEntry.objects.filter(sender__in=parties).count(),
        "letters (shipments)": Shipment.objects.count(),
        "receipts": Receipt.objects.count(),
        "inbound documents": InboundDocument.objects.count(),
        "dispatches": Dispatch.objects.count(),
        "delivery events": DeliveryEvent.objects.count(),
        "platform deliveries": DeliveryOrder.objects.count(),
        "platform documents": QueuedDocument.objects.count(),
        "consents": NotificationConsent.objects.count(),
        "payment orders": orders.count(),
        "gateway transactions": GatewayTransaction.objects.count(),
        "online payments": Payment.objects.filter(pk__in=orders.values("payment")).count(),
        "their allocations": AccountEntry.objects.filter(payment__in=orders.values("payment")).count(),
    }


def section(html: str, testid: str) -> str:
    match = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert match, f"no {testid}"
    return match.group(0)


def test_demo_residents_have_portal_activity_and_a_second_seed_adds_nothing(smaller_demo, client):
    summary = seed()
    assert "failed" not in summary, summary
    assert "skipped" not in summary, summary
    resident = User.objects.select_related("party").get(username="mieszkaniec")
    party = resident.party

    # 1. cases and letters: a reply waiting in the resident's ePUAP box, a letter by post delivered with a ZPO
    electronic_case = Case.objects.get(title=demo.EPUAP_CASE_TITLE, parties=party)
    paper_case = Case.objects.get(title=demo.PAPER_CASE_TITLE, parties=party)
    waiting = Shipment.objects.get(document__case=electronic_case, party=party)
    assert (waiting.channel, waiting.status, waiting.delivered_on) == ("epuap", "sent", None)
    assert waiting.electronic_dispatch.status == Dispatch.Status.SENT
    party.refresh_from_db()
    assert party.epuap_box == f"/{pz_identifier(party.pesel)}/domyslna" == waiting.electronic_dispatch.recipient_address
    assert DeliveryOrder.objects.filter(order_id=waiting.electronic_dispatch.order_id, opened_at__isnull=True).exists()
    posted = Shipment.objects.get(document__case=paper_case, party=party)
    today = timezone.localdate()
    assert (posted.channel, posted.status, posted.sent_on, posted.delivered_on) == (
        "post_registered", "delivered", today - timezone.timedelta(days=demo.PAPER_SENT_DAYS_AGO),
        today - timezone.timedelta(days=demo.PAPER_DELIVERED_DAYS_AGO),
    )  # fmt: skip
    assert posted.registered_number
    assert posted.book_id
    [zpo] = posted.receipts.all()
    assert (zpo.kind, zpo.status, zpo.manner) == (Receipt.Kind.ZPO, Receipt.Status.ATTACHED, Receipt.Manner.ADDRESSEE)
    for document in (waiting.document, posted.document):
        assert (document.status, document.signature_kind) == ("dispatched", "xades")
        assert document.approval_steps.filter(status="approved").count() == 1

    # the second demo person with tax data: a case with a letter by post, received by a household member
    other = demo.second_resident(party)
    assert other is not None
    assert other.pk != party.pk
    assert other.obligor_accounts.exists()
    [other_letter] = Shipment.objects.filter(party=other, document__case__title=demo.PAPER_CASE_TITLE)
    assert (other_letter.status, other_letter.receipts.get().manner) == ("delivered", Receipt.Manner.ADULT_HOUSEHOLD)
    assert Case.objects.filter(parties=other, title=demo.PAPER_CASE_TITLE).count() == 1

    # 4. the letter sent from the portal: UPP, registered in the RPW with the resident as the sender, in the case
    entry = electronic_case.origin_entry
    assert (entry.sender_id, entry.status, entry.channel) == (party.pk, IncomingEntry.Status.IN_CASE, "epuap")
    assert entry.inbound_document.file_name == "pismo-ogolne.xml"
    assert entry.inbound_document.upp_reference

    # 2. consents: e-mail reminders of due dates and e-mail on new letters, the text as the service records it
    consents = NotificationConsent.objects.filter(party=party).order_by("topic")
    assert [(c.channel, c.topic, c.granted, c.address, c.recorded_by) for c in consents] == [
        (Channel.EMAIL, Topic.DUE_DATES, True, party.email, "mieszkaniec"),
        (Channel.EMAIL, Topic.LETTERS, True, party.email, "mieszkaniec"),
    ]
    assert [c.consent_text for c in consents] == [
        consent_text(Channel.EMAIL, Topic.DUE_DATES, party.email),
        consent_text(Channel.EMAIL, Topic.LETTERS, party.email),
    ]

    # 3. the online payment: the gateway authorised it, the callback made the payment dated that day, allocated
    [order] = PaymentOrder.objects.filter(party=party)
    assert order.status == PaymentOrder.Status.PAID
    assert order.payment is not None
    tx = GatewayTransaction.objects.get(merchant_order=order.token)
    assert (tx.status, tx.bank, tx.transaction_id) == ("authorised", "pko", order.transaction_id)
    assert tx.amount == order.amount
    payment = order.payment
    assert payment.payment_date == timezone.localtime(tx.authorised_at).date() == timezone.localtime(
        order.authorised_at).date()  # fmt: skip
    assert (payment.party_id, payment.amount, payment.status) == (party.pk, order.amount, Payment.Status.ALLOCATED)
    allocated = AccountEntry.objects.filter(payment=payment).exclude(kind=AccountEntry.Kind.INTEREST)
    assert allocated.exists()

    # the portal pages, as the resident sees them after logging in through (the simulated) login.gov.pl
    first_name = party.first_names.split()[0]
    login = Browser(client).login(pesel=party.pesel, first_name=first_name, family_name=party.surname)
    assert (login.status_code, login.url) == (302, reverse("portal:home"))
    assert client.session["_auth_user_id"] == str(resident.pk)
    cases_page = client.get(reverse("portal:cases")).content.decode()
    for text in (electronic_case.mark, paper_case.mark, demo.REPLY_TITLE, demo.PAPER_LETTER_TITLE):
        assert escape(text) in cases_page, text
    other_case = Case.objects.get(parties=other, title=demo.PAPER_CASE_TITLE)
    assert other_case.mark not in cases_page
    assert "<form" in client.get(reverse("portal:letter", args=[waiting.pk])).content.decode()  # "Otwórz pismo"

    notifications_page = client.get(reverse("portal:notifications")).content.decode()
    history = section(notifications_page, "consent-history")
    for consent in consents:
        assert escape(consent.consent_text) in history

    account = allocated.first().account
    year_page = client.get(reverse("portal:taxes-year", args=[account.year])).content.decode()
    payments = section(year_page, f"payments-{account.id}")
    assert payment.payment_date.strftime("%d.%m.%Y") in payments
    assert escape(format_pln(order.amount)) in payments

    sent = QueuedDocument.objects.get(sender_identifier=pz_identifier(party.pesel), file_name="pismo-ogolne.xml")
    assert sent.upp.identifier in client.get(reverse("portal:forms")).content.decode()

    # a second seed: every step finds what it made, nothing new
    before = rows(party, other)
    again = seed()
    assert again.count("already there") == 5, again
    assert rows(party, other) == before

    # opening the waiting letter in the portal records its delivery today (the real effect of the demo's letter)
    response = client.post(reverse("portal:letter", args=[waiting.pk]))
    assert response.status_code == 200
    waiting.refresh_from_db()
    assert (waiting.status, waiting.delivered_on) == ("delivered", today)
