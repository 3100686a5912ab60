"""Demo data of the waste fee (issue 9 point 8): properties at the residents' registered addresses, accepted
declarations with a realistic share of discrepancies, the water utility's and the collector's CSV files imported,
the verification of the last full month (findings in the queue) and its charges posted. Deterministic
(``random.Random(seed)``) and idempotent: a second run adds nothing.

Then the flow of issue 9 for one more property (:func:`seed_flow`, when the simulated ePUAP is set up): a DO-1 sent
from the simulated ePUAP into the RPW, recorded and accepted, the residents finding, a case, a decision under art. 6o
issued, signed, dispatched to the payer's ePUAP box and delivered (the UPD), the charges corrected, a partial MT940
payment and a reminder (upomnienie) issued."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

PREFIX = "ODP/D/"
FLOW_IDENTIFIER = "ODP/D/EP001"
FLOW_ACTION = "taxes.waste_demo.flow"
FLOW_RESIDENT = "resident-1"  # the simulated ePUAP's test resident who sends the DO-1
FLOW_DECLARED = 2
DEFAULT_SIZE = 600
DEFAULT_SEED = 9
FIRST_MONTH = datetime.date(2025, 1, 1)  # the demo resolution's start (taxes.hooks.waste)


def _months_back(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def _address_text(address) -> str:
    """The address as the water utility / collector writes it (matched by taxes.services.waste_verify)."""
    place = address.street.full_name if address.street_id else (
        address.locality.name if address.locality_id else address.locality_name)  # fmt: skip
    if not address.street_id and address.street_name:
        place = address.street_name
    number = address.building_number + (f"/{address.flat_number}" if address.flat_number else "")
    town = address.locality.name if address.locality_id else address.locality_name
    return f"{place} {number}, {town}"


def _addresses(today: datetime.date, size: int) -> list[tuple[int, int, int]]:
    """(address id, registered residents, payer party id) of up to ``size`` residential addresses, in a stable order."""
    from population.models import Registration
    from population.selectors import in_force_on, resident_counts_by_address

    counts = {
        (
            c.locality_id,
            c.street_id,
            c.building_number.strip().upper(),
            (c.flat_number or "").strip().upper(),
        ): c.residents
        for c in resident_counts_by_address(on=today)
    }
    first: dict[tuple, tuple[int, int]] = {}
    rows = (
        Registration.objects.filter(in_force_on(today))
        .order_by("pk")
        .values_list("locality_id", "street_id", "building_number", "flat_number", "address_id", "resident__party_id")
    )
    for locality, street, building, flat, address_id, party_id in rows.iterator(chunk_size=2000):
        key = (locality, street, (building or "").strip().upper(), (flat or "").strip().upper())
        first.setdefault(key, (address_id, party_id))
    result = [(address_id, counts.get(key, 1), party_id) for key, (address_id, party_id) in sorted(
        first.items(), key=lambda item: item[1][0])]  # fmt: skip
    return result[:size]


def seed_demo(*, actor=None, stdout=None, size: int = DEFAULT_SIZE, seed: int = DEFAULT_SEED, today=None) -> str:
    from django.db import transaction
    from django.utils import timezone

    from core.models import Address, Party
    from taxes.hooks.demo_decisions import _assessor
    from taxes.models import CollectionContract, WasteProperty, WaterReading
    from taxes.selectors_waste import waste_rates_on
    from taxes.services.waste_charges import waste_charges_post
    from taxes.services.waste_declarations import (
        waste_declaration_accept,
        waste_declaration_record,
        waste_property_create,
    )
    from taxes.services.waste_verify import contracts_import, waste_verify, water_import

    if actor is None or not (actor.has_perm("taxes.manage_register") and actor.has_perm("taxes.assess_taxes")):
        actor = _assessor()
    if actor is None:
        return "waste demo: skipped (no user allowed to assess taxes)"
    today = today or timezone.localdate()
    last = _months_back(today.replace(day=1), 1)
    months = [_months_back(last, n) for n in (2, 1, 0)]
    if months[0] < FIRST_MONTH or waste_rates_on(months[0]) is None:
        return "waste demo: skipped (no waste fee resolution in force)"
    effective = months[0]
    rng = random.Random(seed)  # noqa: S311 (demo data)
    created = declared = 0
    water_rows, contract_rows = [], []
    with transaction.atomic():
        before = (WaterReading.objects.count(), CollectionContract.objects.count())
        addresses = _addresses(today, size)
        existing = {
            p.identifier: p for p in WasteProperty.objects.filter(identifier__startswith=PREFIX).select_related(
                "address__street", "address__locality")}  # fmt: skip
        objects = Address.objects.select_related("street", "locality").in_bulk([a for a, _n, _p in addresses])
        parties = Party.objects.in_bulk([p for _a, _n, p in addresses])
        for n, (address_id, registered, party_id) in enumerate(addresses, start=1):
            identifier = f"{PREFIX}{n:05d}"
            # the draws happen whether or not the property exists, so a second run sees the same data
            share, composts, selective_draw, mixed_draw, water_draw = (rng.random() for _i in range(5))
            fewer = rng.randint(1, 3)
            per_person = rng.uniform(2.5, 4.0)
            if identifier in existing:
                prop = existing[identifier]
                mixed = prop.kind == WasteProperty.Kind.MIXED
            else:
                mixed = mixed_draw < 0.02 or n % 50 == 3  # a few mixed-use, at least one
                kind = WasteProperty.Kind.MIXED if mixed else WasteProperty.Kind.RESIDENTIAL
                prop = waste_property_create(actor=actor, identifier=identifier, address=objects[address_id],
                                             kind=kind)  # fmt: skip
                created += 1
                if share < 0.95:  # ~5 % never declared
                    residents = registered
                    if (share >= 0.85 or n % 20 == 2) and registered > 1:  # ~10 % declare fewer people than registered
                        residents = max(1, registered - fewer)
                    containers = [{"capacity_l": 120, "frequency": 2, "count": 1}] if mixed else []
                    declaration = waste_declaration_record(
                        actor=actor, property=prop, payer=parties[party_id], filed_on=effective + datetime.timedelta(
                            days=9), effective_from=effective, purpose="first", method="per_resident",
                        residents=residents, selective=selective_draw >= 0.03, composts=composts < 0.30,
                        containers=containers,
                    )  # fmt: skip
                    waste_declaration_accept(actor=actor, declaration=declaration)
                    declared += 1
            text = _address_text(prop.address)
            heavy = water_draw < 0.04 or n % 50 == 5  # a few use far more water than the declared people could
            for month in months:
                m3 = registered * (per_person * (3 if heavy else 1))
                water_rows.append(f"WM-{prop.identifier};{text};{month:%Y-%m};{m3:.3f}")
            if mixed:
                bigger = water_draw < 0.5 or n % 100 == 3  # about half contracted more than declared
                capacity = 240 if bigger else 120
                contract_rows.append(f"{text};{capacity};2;1;{effective:%Y-%m-%d};")
        water_csv = ("meter_point;address;period;m3\n" + "\n".join(water_rows) + "\n").encode()
        water_name = f"woda-{months[0]:%Y%m}-{last:%Y%m}.csv"
        if water_rows:
            water_import(actor=actor, content=water_csv, file_name=water_name)
        if contract_rows:
            contracts_csv = "address;capacity_l;frequency;count;valid_from;valid_to\n" + "\n".join(contract_rows) + "\n"
            contracts_import(actor=actor, content=contracts_csv.encode(), file_name=f"umowy-{last:%Y%m}.csv")
        verified = waste_verify(month=last)
        charges = waste_charges_post(actor=actor, month=last)
    summary = (
        f"waste demo: {created} new properties, {declared} declarations accepted, "
        f"{WaterReading.objects.count() - before[0]} water readings and "
        f"{CollectionContract.objects.count() - before[1]} contracts imported, "
        f"{verified['created']} new findings for {last:%m.%Y}, {charges['posted']} charges posted"
    )
    return f"{summary}; {seed_flow(actor=actor, size=size, today=today)}"


# --- the flow for one property (issue 9 "done when") -----------------------------------------------------------------


class InProcessHttpTransport:
    """An HTTP transport (the e-Doręczenia client's) into this server's own URL conf, without a network; the host of
    the URL is passed on, so the simulation sees the address the client was configured with."""

    def __init__(self):
        from django.test import Client

        self.client = Client()

    def __call__(self, method, url, headers, body):
        import urllib.parse

        from epuap.transport import HttpResponseData

        parsed = urllib.parse.urlsplit(url)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        extra = {"HTTP_HOST": parsed.netloc}
        if "Authorization" in headers:
            extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
        if method == "GET":
            response = self.client.get(path, **extra)
        else:
            response = self.client.post(
                path, data=body or b"", content_type=headers.get("Content-Type", "application/json"), **extra
            )
        return HttpResponseData(response.status_code, response.get("Content-Type", ""), response.content)


def _flow_address(today: datetime.date, size: int, first_month: datetime.date):
    """The first residential address after the demo's ``size`` ones with at least three residents registered on
    ``first_month`` and today and no waste fee property yet: (address, residents registered on ``first_month``)."""
    from core.models import Address
    from population.selectors import resident_counts_by_address
    from taxes.models import WasteProperty

    then = {
        (c.locality_id, c.street_id, c.building_number.strip().upper(), (c.flat_number or "").strip().upper()):
            c.residents for c in resident_counts_by_address(on=first_month)
    }  # fmt: skip
    used = set(WasteProperty.objects.values_list("address_id", flat=True))
    for address_id, registered, _party in _addresses(today, size + 200)[size:]:
        if registered < FLOW_DECLARED + 1 or address_id in used:
            continue
        address = Address.objects.select_related("street", "locality").get(pk=address_id)
        if not (address.street_id and address.locality_id):
            continue
        key = (address.locality_id, address.street_id, address.building_number.strip().upper(),
               (address.flat_number or "").strip().upper())  # fmt: skip
        if then.get(key, 0) >= FLOW_DECLARED + 1:
            return address, then[key]
    return None, 0


def _do1(*, identity: dict, address, residents: int, event: datetime.date, today: datetime.date) -> bytes:
    """The DO-1 (``urn:magistrat:odpady:DO-1:1``) inside the office's local ePUAP form (``epuap.crd.NS_DO1``)."""
    from lxml import etree

    from epuap import crd
    from epuap.demo import _local_form
    from taxes.domain.waste_forms import NAMESPACE

    ns = f"{{{NAMESPACE}}}"
    form = etree.Element(f"{ns}Deklaracja", nsmap={None: NAMESPACE})
    for parent, children in (
        ("Naglowek", [("Cel", "pierwsza"), ("DataZdarzenia", event.isoformat())]),
        ("Platnik", [("PESEL", identity["pesel"]), ("Imie", identity["first_name"]),
                     ("Nazwisko", identity["surname"])]),
        ("Nieruchomosc", [("Miejscowosc", address.locality.name), ("Ulica", address.street.full_name),
                          ("NrDomu", address.building_number)] + (
                             [("NrLokalu", address.flat_number)] if address.flat_number else [])),
        ("Oplata", [("Metoda", "od_mieszkanca"), ("LiczbaMieszkancow", str(residents)), ("Selektywnie", "true"),
                    ("Kompostownik", "false")]),
    ):  # fmt: skip
        node = etree.SubElement(form, f"{ns}{parent}")
        for name, value in children:
            etree.SubElement(node, f"{ns}{name}").text = value
    fields = [("Tytul", crd.KNOWN_FORMS[crd.NS_DO1]), ("LiczbaMieszkancow", str(residents))]
    return _local_form(crd.NS_DO1, 1, today=today, fields=fields, content=form)


def _staff(role: str, test) -> object | None:
    """The first active user of ``role`` (by id) passing ``test``, or None."""
    from core.models import User

    users = User.objects.filter(groups__name=role, is_active=True).order_by("pk")
    return next((user for user in users if test(user)), None)


def _signer_for(document):
    """An active head of unit who may sign ``document`` (the e-seal of the office), or None."""
    from core import roles
    from core.models import User
    from documents.services.signing import can_sign

    heads = User.objects.filter(groups__name=roles.HEAD_OF_UNIT, is_active=True).order_by("pk")
    return next((user for user in heads if can_sign(user, document)), None)


def seed_flow(*, actor, size: int = DEFAULT_SIZE, today=None) -> str:
    """The waste fee flow for one demo property, through the real services and the simulated platforms (in process,
    as the demo's ePUAP seeder sends its documents). Idempotent (an audit event marks it done); all or nothing: a
    failure is reported in the summary and the rest of the demo goes on."""
    import logging

    try:
        return _seed_flow(actor=actor, size=size, today=today)
    except Exception as exc:  # a demo seeder: the rest of the demo goes on, the summary says why
        logging.getLogger(__name__).exception("taxes.waste_demo.flow_failed")
        return f"flow: failed ({getattr(exc, 'message', exc)})"


def _seed_flow(*, actor, size: int, today) -> str:
    import io

    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from core import roles
    from core.models import AuditEvent
    from core.services.audit import audit_log
    from documents.events import deliver_receipt_events
    from documents.models import Shipment
    from documents.selectors import units_supervised_by
    from documents.services.assignment import assign_to_clerk, assign_to_unit
    from documents.services.intake import entry_register_inbound
    from documents.services.signing import document_sign
    from epuap import pki
    from epuap.client import EpuapClient
    from epuap.demo import InProcessTransport
    from epuap.edoreczenia_client import EdoreczeniaClient
    from epuap.events import deliver_events
    from epuap.models import InboundDocument
    from epuap.platform import services as platform
    from epuap.platform.models import DeliveryOrder, Podmiot
    from epuap.services import box_poll
    from finance.models import BankProfile, ReceivableType
    from finance.models.collection import Reminder
    from finance.services import reminders
    from finance.services.statements import statement_import
    from finance.services.virtual_accounts import virtual_account_for
    from taxes.models import VerificationFinding, WasteProperty
    from taxes.services.waste_charges import waste_charges_post
    from taxes.services.waste_decisions import (
        waste_decision_dispatch,
        waste_decision_draft,
        waste_decision_issue,
        waste_decision_suggest,
    )
    from taxes.services.waste_declarations import waste_declaration_accept, waste_property_create
    from taxes.services.waste_intake import waste_declaration_from_incoming
    from taxes.services.waste_verify import finding_open_case, waste_verify

    if AuditEvent.objects.filter(action=FLOW_ACTION).exists():
        return "flow: already there"
    resident = Podmiot.objects.filter(identifier=FLOW_RESIDENT).first()
    if resident is None:
        return "flow: skipped (the simulated ePUAP is not set up)"
    if not actor.groups.filter(name=roles.TAX_CLERK).exists():  # e.g. the administrator running the seed
        from taxes.hooks.demo_decisions import _assessor

        actor = _assessor() or actor
    unit = getattr(actor, "org_unit", None)
    if unit is None:
        return "flow: skipped (the tax clerk has no unit)"
    if not BankProfile.objects.filter(is_active=True).exists():
        return "flow: skipped (no bank profile)"
    registry = _staff(roles.REGISTRY_CLERK, lambda user: user.has_perm("documents.register_mail"))
    head = _staff(roles.HEAD_OF_UNIT, lambda user: user.has_perm("documents.assign_entry")
                  and unit.pk in units_supervised_by(user))  # fmt: skip
    if registry is None or head is None:
        return "flow: skipped (no registry clerk or no head of the clerk's unit)"
    today = today or timezone.localdate()
    last = _months_back(today.replace(day=1), 1)
    first = _months_back(last, 2)
    address, registered = _flow_address(today, size, first)
    if address is None:
        return "flow: skipped (no free address with three or more residents)"
    identity = pki.resident_identity(int(FLOW_RESIDENT.split("-")[1]))
    # the e-Doręczenia simulation answers the BAE search of the dispatch (idempotent; `make demo` runs it again later)
    call_command("edoreczenia_setup", stdout=io.StringIO())
    epuap = EpuapClient(transport=InProcessTransport())
    edoreczenia = EdoreczeniaClient(transport=InProcessHttpTransport())
    box = settings.EPUAP_BOXES[0]
    with transaction.atomic():
        prop = waste_property_create(actor=actor, identifier=FLOW_IDENTIFIER, address=address,
                                     kind=WasteProperty.Kind.RESIDENTIAL)  # fmt: skip
        # 1. The owner sends the DO-1 (2 residents from the first demo month: filed late) from the simulated ePUAP;
        # the adapter polls the office's box, the document is registered in the RPW and assigned to the clerk.
        sent = platform.resident_document_send(
            resident=resident, document=_do1(identity=identity, address=address, residents=FLOW_DECLARED,
                                             event=first + datetime.timedelta(days=4), today=today),
            file_name="DO-1.xml", first_name=identity["first_name"], surname=identity["surname"],
            pesel=identity["pesel"],
        )  # fmt: skip
        box_poll(box_address=box, transport=epuap.transport)
        inbound = InboundDocument.objects.get(platform_document_id=sent.document_id)
        entry = entry_register_inbound(inbound=inbound)
        if entry.assigned_unit_id != unit.pk:
            assign_to_unit(actor=registry, entry=entry, unit=unit, instruction="opłata za odpady")
        assign_to_clerk(actor=head, entry=entry, clerk=actor, instruction="deklaracja DO-1 z ePUAP")
        declaration = waste_declaration_from_incoming(actor=actor, entry=entry, property=prop)
        declaration = waste_declaration_accept(actor=actor, declaration=declaration)
        payer = declaration.payer
        if not payer.email_consent:  # the owner agreed to electronic delivery (OP art. 144 §1a pkt 2)
            payer.email_consent = True
            payer.save(update_fields=["email_consent"])
        # 2. The last month charged (76.00 zł) and verified: declared 2, registered more.
        waste_charges_post(actor=actor, month=last)
        waste_verify(month=last)
        finding = VerificationFinding.objects.get(declaration=declaration, month=last,
                                                  kind=VerificationFinding.Kind.RESIDENTS)  # fmt: skip
        # 3. A case from the finding; the decision for the whole period declared (the same residents registered
        # since the first month), issued, signed by the head and dispatched to the owner's ePUAP box.
        finding = finding_open_case(actor=actor, finding=finding)
        proposal = waste_decision_suggest(finding=finding)
        proposal["effective_from"] = declaration.effective_from
        decision = waste_decision_draft(actor=actor, **proposal)
        decision = waste_decision_issue(actor=actor, decision=decision)
        signer = _signer_for(decision.document)
        if signer is None:
            raise RuntimeError("no head of unit may sign the decision")
        document_sign(actor=signer, document=decision.document)
        waste_decision_dispatch(actor=actor, decision=decision, edoreczenia=edoreczenia, epuap=epuap)
        # the owner opens the letter; the UPD comes back → documents.events → delivered, finance corrected
        shipment = Shipment.objects.get(document=decision.document)
        order = DeliveryOrder.objects.get(order_id=shipment.electronic_dispatch.order_id)
        platform.delivery_open(order)
        box_poll(box_address=box, transport=epuap.transport)
        deliver_events()
        deliver_receipt_events()
        decision.refresh_from_db()
        # 4. A partial payment today to the owner's individual account (MT940 of the gmina's bank).
        waste = ReceivableType.objects.get(code="waste_fee")
        profile = BankProfile.objects.filter(is_active=True).order_by("pk").first()
        virtual = virtual_account_for(party=payer, receivable_type=waste, profile=profile)
        paid = Decimal("100.00")
        statement = _mt940(profile=profile, nrb=virtual.nrb, amount=paid, day=today)
        statement_import(actor=None, profile=profile, data=statement, file_name=f"odpady-{today:%Y%m%d}.sta")
        # 5. The arrears → a reminder run of the waste fee; only the owner's reminder is confirmed and issued now
        # (the other proposals are left out for the clerk's review).
        run = reminders.reminder_run_create(actor=actor, receivable_type=waste, cutoff_date=today - datetime.timedelta(
            days=1), issue_date=today)  # fmt: skip
        ours = None
        for reminder in run.reminders.filter(status=Reminder.Status.PROPOSED).order_by("pk"):
            if reminder.party_id == payer.pk:
                ours = reminder
            else:
                reminders.reminder_exclude(actor=actor, reminder=reminder, reason="demo: do przeglądu")
        if ours is not None:
            reminders.reminder_run_confirm(actor=actor, run=run)
            ours.refresh_from_db()
        else:
            reminders.reminder_run_cancel(actor=actor, run=run, reason="demo: brak zaległości")
        audit_log(actor=actor, action=FLOW_ACTION, obj=decision, details={
            "property": prop.identifier, "entry": entry.rpw_number, "declaration": declaration.pk,
            "finding": finding.pk, "decision": decision.number, "status": decision.status,
            "registered": registered, "paid": str(paid), "reminder": ours.number if ours else None,
        })  # fmt: skip
    reminder_text = f"reminder {ours.number} ({ours.principal} zł)" if ours else "no reminder (no arrears yet)"
    return (f"flow: {prop.identifier} DO-1 {entry.rpw_number}, decision {decision.number} {decision.status} "
            f"({decision.monthly_fee} zł a month), paid {paid} zł, {reminder_text}")  # fmt: skip


def _mt940(*, profile, nrb: str, amount, day: datetime.date) -> bytes:
    """One credit to ``nrb`` in the profile's layout (sub-field 29 of :86:), balances reconciling."""
    sep = profile.separator
    value = f"{amount:.2f}".replace(".", ",")
    yymmdd = day.strftime("%y%m%d")
    lines = [
        f":20:ODP{yymmdd}", f":25:/PL{profile.office_account}", ":28C:00001", f":60F:C{yymmdd}PLN0,00",
        f":61:{yymmdd}{day:%m%d}C{value}N152NONREF//ODPADY0001",
        f":86:152{sep}00PRZELEW{sep}20OPLATA ZA ODPADY{sep}29{nrb}{sep}32WPLACAJACY",
        f":62F:C{yymmdd}PLN{value}",
    ]  # fmt: skip
    return ("\r\n".join(lines) + "\r\n-\r\n").encode(profile.encoding or "cp852")


def register() -> None:
    from core import demo

    demo.register_seeder("taxes-waste-demo", seed_demo, order=80)
