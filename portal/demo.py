"""Demo activity in the residents' portal (issue 10, "visible in make demo with demo residents").

Registered in PortalConfig.ready() as the ``portal`` seeder of ``manage.py seed_demo`` (after the taxes and the waste
fee demo, which give the demo residents their decisions, accounts and payments). Everything goes through the real
services, as the resident and the office's staff would do it:

* **the portal demo resident** (the party of the user ``mieszkaniec``, the first demo person with an e-mail):

  - notification consents: e-mail reminders of payment due dates and e-mail information about new letters
    (``portal.services_notifications.consent_set``, the consent text as the service records it);
  - a general letter sent from the portal (``portal.eforms``: the CRD pismo ogólne signed with the simulated podpis
    zaufany and submitted to the office's ePUAP box, UPP returned) asking for letters to be delivered to the
    resident's ePUAP box; the office's adapter polls the box, the letter is registered in the RPW, assigned to the
    tax clerk, who opens a case from it and records the resident's ePUAP box (the reply address) in the party
    register; the reply is drafted, approved and e-sealed by the head of unit and dispatched by the registry desk
    over ePUAP — it waits in the resident's box (opening it in /portal/sprawy/ records the delivery);
  - an earlier case with a letter sent by registered post and its ZPO registered (delivered to the addressee);
  - one online payment through the simulated payment gateway: an order for what is due (in-process, as the
    resident's browser: the gateway's pages, a bank chosen, "Zapłać"), then the gateway's signed callback to the
    office → a finance payment dated on the authorisation day, allocated;

* **one more demo person with tax data** (the first obligor of a tax account other than the resident): a case with
  a letter sent by registered post, its ZPO registered (received by an adult household member).

The simulations are reached in process (the ePUAP SOAP services and the e-Doręczenia REST API through this server's
own URL conf, as ``epuap.demo`` and the waste fee flow do; there is no HTTP server while ``seed_demo`` runs). The
simulated ePUAP is set up earlier in the same seed (the ``epuap`` seeder runs ``epuap_platform_setup``); without it
the ePUAP steps are skipped and the summary says so.

Idempotent: each step looks for what it made before (the resident's consents, his payment orders, the demo cases by
title and party) and does nothing when it is there. Each step is all or nothing (a savepoint); a failure is reported
in the one-line summary and the rest of the demo goes on.
"""

from __future__ import annotations

import datetime
import logging
import urllib.parse

logger = logging.getLogger(__name__)

#: the cases the seeder opens, found again by their titles (idempotency)
EPUAP_CASE_TITLE = "Doręczanie pism na skrzynkę ePUAP"
PAPER_CASE_TITLE = "Wyjaśnienia do informacji o nieruchomościach (IN-1)"
PAPER_LETTER_TITLE = "Wezwanie do złożenia wyjaśnień"
REPLY_TITLE = "Potwierdzenie doręczania pism na skrzynkę ePUAP"

LETTER_SUBJECT = "Wniosek o doręczanie pism na skrzynkę ePUAP"
LETTER_TEXT = (
    "Proszę o doręczanie mi pism w sprawach podatków i opłat lokalnych za pomocą środków komunikacji elektronicznej, "
    "na moją skrzynkę ePUAP, z której wysyłam ten wniosek.\n\n"
    "Wyrażam zgodę na doręczanie pism w ten sposób (art. 144a § 1 pkt 2 Ordynacji podatkowej)."
)
REPLY_BODY = (
    "W odpowiedzi na Pana/Pani wniosek uprzejmie informuję, że adres skrzynki ePUAP został wpisany do ewidencji "
    "stron. Pisma w sprawach podatków i opłat lokalnych będą doręczane na tę skrzynkę za urzędowym poświadczeniem "
    "odbioru.\n\nPismo uważa się za doręczone w dniu jego odebrania ze skrzynki (otwarcia w portalu mieszkańca)."
)
PAPER_BODY = (
    "Na podstawie art. 274a § 2 Ordynacji podatkowej wzywam do złożenia w terminie 14 dni od doręczenia wezwania "
    "wyjaśnień dotyczących powierzchni użytkowej budynku mieszkalnego wykazanej w informacji o nieruchomościach "
    "(IN-1), która różni się od danych z ewidencji gruntów i budynków.\n\n"
    "Wyjaśnienia można złożyć na piśmie, ustnie do protokołu lub przez portal mieszkańca."
)
# The letter is signed on the day of the seed, so it goes out with that day's książka nadawcza and its ZPO says it was
# received that day: nothing dated before its signature.
PAPER_SENT_DAYS_AGO = 0
PAPER_DELIVERED_DAYS_AGO = 0
PAPER_CASE_OPENED_DAYS_AGO = 16
GATEWAY_BANK = "pko"


# --- the office's staff and the residents ----------------------------------------------------------------------


def _staff(role: str, test=lambda user: True):
    """The first active user of ``role`` (by id) passing ``test``, or None."""
    from core.models import User

    return next((u for u in User.objects.filter(groups__name=role, is_active=True).order_by("pk") if test(u)), None)


class _Office:
    """The demo office's staff for the letters: the tax clerk, the head of his unit, the registry desk."""

    def __init__(self):
        from core import roles
        from documents.selectors import units_supervised_by

        self.clerk = _staff(
            roles.TAX_CLERK, lambda u: u.org_unit_id is not None and u.has_perm("documents.handle_case")
        )
        unit = self.clerk.org_unit_id if self.clerk else None
        self.head = _staff(
            roles.HEAD_OF_UNIT,
            lambda u: u.has_perm("documents.sign_document") and unit in units_supervised_by(u),
        )
        self.registry = _staff(
            roles.REGISTRY_CLERK,
            lambda u: u.has_perm("documents.dispatch_mail") and u.has_perm("documents.register_receipt"),
        )

    def missing(self) -> str:
        if self.clerk is None:
            return "no tax clerk with a unit"
        if self.head is None:
            return "no head of the tax clerk's unit"
        if self.registry is None:
            return "no registry clerk"
        return ""


def demo_resident():
    """The portal's demo resident (user ``mieszkaniec`` of core's seed), or None."""
    from core.management.commands.seed_demo import RESIDENT_USERNAME
    from core.models import User

    return User.objects.filter(username=RESIDENT_USERNAME, party__isnull=False).select_related("party").first()


def second_resident(resident_party):
    """One more demo person with tax data: the obligor of the first tax account (by party) who is not the portal's
    demo resident and has a PESEL and an address; None when there is none."""
    from core.models import Party
    from finance.models import ObligorAccount

    ids = (
        ObligorAccount.objects.filter(
            party__kind=Party.Kind.PERSON, party__pesel__isnull=False, party__registered_address__isnull=False
        )
        .exclude(party=resident_party)
        .order_by("party_id")
        .values_list("party_id", flat=True)
    )
    first = ids.first()
    return Party.objects.get(pk=first) if first else None


# --- in-process transports -------------------------------------------------------------------------------------


def _base_url() -> str:
    """Where the demo's web server runs (the gateway's return and notification addresses point there)."""
    from django.conf import settings

    return (getattr(settings, "MAGISTRAT_BASE_URL", "") or settings.EPUAP_SIMULATION_BASE_URL).rstrip("/")


def _browser():
    """A browser in process (this server's URL conf with its middleware; no network)."""
    from django.test import Client

    return Client(HTTP_HOST=urllib.parse.urlsplit(_base_url()).netloc or "127.0.0.1")


def _platform_ready() -> bool:
    from django.conf import settings

    from epuap.platform.models import Podmiot

    return settings.EPUAP_MODE == "simulated" and Podmiot.objects.filter(identifier=settings.EPUAP_PODMIOT).exists()


def _clients():
    """The office's ePUAP and e-Doręczenia clients talking to the simulations in process."""
    import io

    from django.core.management import call_command

    from epuap.client import EpuapClient
    from epuap.demo import InProcessTransport
    from epuap.edoreczenia_client import EdoreczeniaClient
    from taxes.hooks.waste_demo import InProcessHttpTransport

    # the e-Doręczenia simulation answers the BAE search of the dispatch (idempotent; `make demo` runs it later too)
    call_command("edoreczenia_setup", stdout=io.StringIO())
    return EpuapClient(transport=InProcessTransport()), EdoreczeniaClient(transport=InProcessHttpTransport())


# --- letters ---------------------------------------------------------------------------------------------------


def _jrwa(symbol: str):
    from documents.models import JrwaClass

    return JrwaClass.objects.filter(version__is_current=True, symbol=symbol).first()


def _letter_template():
    from documents.models import DocumentTemplate
    from documents.services.templates import templates_install

    templates_install()
    return DocumentTemplate.objects.filter(code="letter", is_active=True).order_by("-version").first()


def _signed_letter(*, office: _Office, case, party, title: str, body: str):
    """The clerk drafts the letter, the head of unit approves it and e-seals it (XAdES)."""
    from documents.services.outgoing import approval_decide, approval_start, draft_create
    from documents.services.signing import document_sign

    template = _letter_template()
    if template is None:
        raise RuntimeError("no letter template")
    document = draft_create(
        actor=office.clerk, case=case, template=template, title=title, recipients=[party], context={"body": body}
    )
    approval_start(actor=office.clerk, document=document, approvers=[office.head])
    approval_decide(actor=office.head, document=document, approve=True)
    return document_sign(actor=office.head, document=document)


def seed_paper_letter(*, office: _Office, party, manner: str) -> str:
    """A case of ``party`` with a letter sent by registered post (książka nadawcza) and its ZPO registered."""
    from django.db import transaction
    from django.utils import timezone

    from documents.models import Case, Shipment
    from documents.services.cases import case_open
    from documents.services.dispatch import document_dispatch
    from documents.services.postal_book import book_add
    from documents.services.receipts import zpo_register

    if Case.objects.filter(title=PAPER_CASE_TITLE, parties=party).exists():
        return "already there"
    jrwa = _jrwa("3120")
    if jrwa is None:
        return "skipped (no JRWA class 3120)"
    today = timezone.localdate()
    with transaction.atomic():
        case = case_open(
            actor=office.clerk, unit=office.clerk.org_unit, jrwa=jrwa, title=PAPER_CASE_TITLE, parties=[party],
            opened_on=today - datetime.timedelta(days=PAPER_CASE_OPENED_DAYS_AGO), procedure="kpa",
        )  # fmt: skip
        document = _signed_letter(office=office, case=case, party=party, title=PAPER_LETTER_TITLE, body=PAPER_BODY)
        [shipment] = document_dispatch(
            actor=office.registry, document=document, channels={party.pk: Shipment.Channel.POST_REGISTERED}
        )
        book_add(
            actor=office.registry, shipment=shipment, kind="post", registered=True,
            day=today - datetime.timedelta(days=PAPER_SENT_DAYS_AGO),
        )  # fmt: skip
        zpo_register(
            actor=office.registry, shipment=shipment, manner=manner,
            delivered_on=today - datetime.timedelta(days=PAPER_DELIVERED_DAYS_AGO),
        )  # fmt: skip
        shipment.refresh_from_db()
    return f"{case.mark} letter by post {shipment.registered_number} {shipment.status} on {shipment.delivered_on}"


def _epuap_box_recorded(*, actor, party, box: str):
    """The clerk records the resident's ePUAP box (the reply address of the letter) in the party register."""
    import dataclasses

    from core.services.parties import PARTY_FIELDS, PartyInput, party_update

    values = {name: getattr(party, name) for name in PARTY_FIELDS}
    values.update({k: v or "" for k, v in values.items() if k in ("pesel", "nip", "regon", "krs") and not v})
    data = dataclasses.replace(PartyInput(), **values)
    data.epuap_box = box
    return party_update(actor=actor, party=party, data=data)


def seed_eform_and_epuap_letter(*, office: _Office, resident) -> str:
    """The resident's general letter from the portal → UPP → RPW → case → reply waiting in his ePUAP box."""
    from django.conf import settings
    from django.db import transaction
    from django.utils import timezone

    from documents.models import Case, Shipment
    from documents.services.assignment import assign_to_clerk, assign_to_unit
    from documents.services.cases import case_open
    from documents.services.dispatch import document_dispatch
    from documents.services.intake import entry_register_inbound
    from epuap.models import InboundDocument
    from epuap.services import box_poll
    from portal.eforms import documents as forms_documents
    from portal.eforms import sending

    party = resident.party
    if Case.objects.filter(title=EPUAP_CASE_TITLE, parties=party).exists():
        return "already there"
    if not _platform_ready():
        return "skipped (the simulated ePUAP is not set up)"
    jrwa = _jrwa("3100") or _jrwa("3120")
    if jrwa is None:
        return "skipped (no JRWA class 3100)"
    epuap, edoreczenia = _clients()
    today = timezone.localdate()
    address = party.registered_address
    header = forms_documents.Header(
        sender=sending.sender_of(party), recipient_name=sending.office_name(),
        place=address.locality.name if address is not None and address.locality_id else "", created=today,
    )  # fmt: skip
    letter = forms_documents.letter_document(
        forms_documents.LetterData(subject=LETTER_SUBJECT, text=LETTER_TEXT, kind="wniosek"), header
    )
    with transaction.atomic():
        # 1. the resident signs (podpis zaufany) and sends it from the portal: the platform returns the UPP
        sent = sending.sign_and_send(actor=resident, party=party, kind="letter", document=letter)
        # 2. the office's adapter polls its box; the letter is registered in the RPW and assigned to the clerk
        box_poll(box_address=settings.EPUAP_BOXES[0], transport=epuap.transport)
        inbound = InboundDocument.objects.get(platform_document_id=sent.document_id)
        entry = entry_register_inbound(inbound=inbound)
        unit = office.clerk.org_unit
        if entry.assigned_unit_id != unit.pk:
            assign_to_unit(actor=office.registry, entry=entry, unit=unit, instruction="doręczanie elektroniczne")
        assign_to_clerk(actor=office.head, entry=entry, clerk=office.clerk, instruction="Proszę o załatwienie.")
        # 3. a case from the letter; the clerk records the resident's ePUAP box (the reply address)
        case = case_open(actor=office.clerk, unit=unit, jrwa=jrwa, title=EPUAP_CASE_TITLE, entry=entry)
        party = _epuap_box_recorded(actor=office.clerk, party=party, box=inbound.reply_address)
        # 4. the reply: drafted, approved, e-sealed, dispatched over ePUAP (against UPD) — waiting in the box
        document = _signed_letter(office=office, case=case, party=party, title=REPLY_TITLE, body=REPLY_BODY)
        [shipment] = document_dispatch(actor=office.registry, document=document, edoreczenia=edoreczenia, epuap=epuap)
        if (shipment.channel, shipment.status) != (Shipment.Channel.EPUAP, Shipment.Status.SENT):
            raise RuntimeError(f"the reply was not sent over ePUAP: {shipment.channel_reason or shipment.status}")
    return (
        f"letter from the portal (UPP {sent.upp_identifier}) → {entry.rpw_number} → {case.mark}, "
        f"reply waiting in {party.epuap_box}"
    )


# --- consents and the online payment -------------------------------------------------------------------------------


def seed_consents(*, resident) -> str:
    """E-mail reminders of due dates and e-mail information about new letters, consented by the resident."""
    from portal.models import Channel, NotificationConsent, Topic
    from portal.services_notifications import consent_set

    party = resident.party
    if NotificationConsent.objects.filter(party=party).exists():
        return "already there"
    if not party.email:
        return "skipped (no e-mail address)"
    rows = consent_set(
        actor=resident,
        party=party,
        granted={(Channel.EMAIL, Topic.DUE_DATES), (Channel.EMAIL, Topic.LETTERS)},
        email=party.email,
    )
    return f"{len(rows)} recorded for {party.email}"


def _items_to_pay(party):
    """The keys the resident pays: everything due today or earlier, else the first installment due."""
    from django.utils import timezone

    from finance.services.online_payments import due_items

    items = due_items(party)
    today = timezone.localdate()
    due = [i.key for i in items if i.due_date and i.due_date <= today]
    return due or [i.key for i in items[:1]]


def seed_online_payment(*, resident) -> str:
    """An order, the simulated gateway (bank chosen, "Zapłać"), the gateway's signed callback → the payment."""
    from django.db import transaction
    from django.urls import reverse

    from finance.gateway_sim import notify, signing
    from finance.models import GatewayTransaction, PaymentOrder
    from finance.services import online_payments

    party = resident.party
    if PaymentOrder.objects.filter(party=party).exists():
        return "already there"
    keys = _items_to_pay(party)
    if not keys:
        return "skipped (nothing to pay)"
    browser = _browser()
    base = _base_url()
    with transaction.atomic():
        order = online_payments.payment_order_create(actor=resident, party=party, keys=keys)
        redirect_to = online_payments.gateway_redirect_url(
            order,
            return_url=base + reverse("portal:pay-result", kwargs={"token": order.token}),
            notify_url=base + reverse("portal:pay-notify"),
        )
        # the resident's browser at the gateway: the order's page, a bank, "Zapłać" (authorised now)
        page = browser.get(redirect_to)
        if page.status_code != 200:
            raise RuntimeError(f"the gateway refused the order (HTTP {page.status_code})")
        chosen = browser.post(reverse("gateway_sim:start", kwargs={"token": order.token}), {"bank": GATEWAY_BANK})
        paid = browser.post(chosen.url, {"action": "pay"})
        if paid.status_code != 302:
            raise RuntimeError(f"the simulated bank did not authorise the payment (HTTP {paid.status_code})")
        # the gateway's signed notification to the office (the gateway's task sends it again after the commit;
        # the office answers that one as a duplicate)
        tx = GatewayTransaction.objects.get(merchant_order=order.token)
        body = notify.callback_body(tx)
        answer = browser.post(
            reverse("portal:pay-notify"), data=body, content_type="application/json",
            headers={notify.SIGNATURE_HEADER: signing.sign(body)},
        )  # fmt: skip
        if answer.status_code != 200:
            raise RuntimeError(f"the office refused the gateway's notification (HTTP {answer.status_code})")
        order.refresh_from_db()
    payment = order.payment
    return f"{order.amount} zł paid online ({tx.bank}, {order.transaction_id}) on {payment.payment_date}"


# --- the seeder ------------------------------------------------------------------------------------------------


def _step(name: str, fn, **kwargs) -> str:
    """Run one step; a failure (rolled back by the step's own savepoint) is reported, the rest goes on."""
    from django.db import transaction

    try:
        with transaction.atomic():
            return f"{name}: {fn(**kwargs)}"
    except Exception as exc:  # a demo seeder: the summary says why
        logger.exception("portal.demo.step_failed", extra={"step": name})
        return f"{name}: failed ({getattr(exc, 'message', exc)})"


def seed_demo(*, actor=None, stdout=None) -> str:
    """The demo residents' portal activity (see the module docstring). Returns a one-line summary."""
    from documents.models import Receipt

    resident = demo_resident()
    if resident is None:
        return "portal demo: skipped (no demo resident)"
    office = _Office()
    parts = [
        _step("consents", seed_consents, resident=resident),
        _step("online payment", seed_online_payment, resident=resident),
    ]
    if office.missing():
        parts.append(f"letters: skipped ({office.missing()})")
    else:
        parts.append(_step("e-form and ePUAP letter", seed_eform_and_epuap_letter, office=office, resident=resident))
        party, addressee = resident.party, Receipt.Manner.ADDRESSEE
        parts.append(_step("letter by post", seed_paper_letter, office=office, party=party, manner=addressee))
        other = second_resident(resident.party)
        if other is None:
            parts.append("second resident: skipped (no other person with tax data)")
        else:
            parts.append(
                _step(
                    f"letter by post to {other.display_name}",
                    seed_paper_letter,
                    office=office,
                    party=other,
                    manner=Receipt.Manner.ADULT_HOUSEHOLD,
                )
            )
    return f"portal demo ({resident.username}, {resident.party.display_name}): " + "; ".join(parts)
