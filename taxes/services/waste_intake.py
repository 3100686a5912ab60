"""The waste fee declaration DO-1 received from ePUAP / e-Doręczenia (issue 9 point 2): the form is read from the
EZD entry's original XML, recognised by its namespace (``urn:magistrat:odpady:DO-1:1``), validated against
taxes/data/forms/DO-1.xsd, its property matched by the address and recorded with
``taxes.services.waste_declarations.waste_declaration_record`` (RECEIVED: the clerk reviews and accepts it on the
property screen). The payer is matched by the PESEL/NIP of the form, else the entry's sender; the declaration links
to the entry and its case (a case under JRWA 3120 is opened when the entry has none). Any refusal: a precise message,
nothing recorded, no case opened."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from taxes.domain import waste_forms as W
from taxes.models import WasteDeclaration, WasteProperty
from taxes.services.declarations import _open_case, _party_by_ids, entry_form_xml
from taxes.services.waste_declarations import _require, waste_declaration_record


def _refuse(message: str, problems: list[str] | None = None):
    raise ServiceValidationError(message, errors={"entry": problems or [message]})


def parse_waste_form_xml(data: bytes) -> W.WasteForm:
    """Recognise, validate (XSD) and map a DO-1 XML; ServiceValidationError with a precise message otherwise."""
    from epuap.xmlsafe import XmlRejected, parse

    try:
        root = parse(data)
    except XmlRejected as exc:
        _refuse(exc.reason)
    try:
        element = W.find_waste_form(root)
    except W.FormNotRecognised as exc:
        _refuse(exc.reason)
    problems = W.schema_errors(element)
    if problems:
        _refuse(_("The DO-1 form does not match its schema: %(problems)s") % {"problems": " ".join(problems)}, problems)
    return W.map_waste_form(element)


def _address_parts(address) -> tuple[str, str, str, str]:
    locality = address.locality_name or (address.locality.name if address.locality_id else "")
    street = address.street_name or (address.street.name_1 if address.street_id else "")
    return tuple(W.normalised(x) for x in (locality, street, address.building_number, address.flat_number))


def property_at(address: dict) -> WasteProperty | None:
    """The waste fee property at the declared address (locality, street, number, flat), or None."""
    wanted = tuple(W.normalised(address.get(key, "")) for key in ("locality", "street", "number", "flat"))
    candidates = WasteProperty.objects.select_related("address__locality", "address__street").filter(
        address__building_number__iexact=address.get("number", "").strip()
    )
    found = [p for p in candidates.order_by("pk") if _address_parts(p.address) == wanted]
    return found[0] if len(found) == 1 else None


def waste_declaration_from_incoming(*, actor, entry, property=None) -> WasteDeclaration:
    """Record the DO-1 declaration carried by an EZD entry; ``property`` (optional) the clerk's choice when the
    address of the form matches none. The fee applies from the month of the event (ucpg art. 6m ust. 2)."""
    _require(actor)
    if WasteDeclaration.objects.filter(incoming_entry=entry).exclude(status=WasteDeclaration.Status.REJECTED).exists():
        raise ApplicationError(_("A waste fee declaration from this entry is already recorded."), code="duplicate")
    data = entry_form_xml(entry)
    if not data:
        _refuse(_("The entry has no document to read."))
    form = parse_waste_form_xml(data)
    if property is None:
        property = property_at(form.address)
    if property is None:
        where = ", ".join(x for x in (form.address["locality"], form.address["street"], form.address["number"]) if x)
        if form.address["flat"]:
            where += f"/{form.address['flat']}"
        message = _("No waste fee property (or more than one) is registered at %(address)s; create the property "
                    "first and record the declaration for it.") % {"address": where}  # fmt: skip
        raise ServiceValidationError(message, errors={"property": [message]})
    payer = _party_by_ids(form.payer) or entry.sender
    if payer is None:
        _refuse(_("The fee payer is not known: the form gives no known PESEL or NIP and the entry has no sender."))
    filed_on = timezone.localtime(entry.received_at).date()
    with transaction.atomic():
        declaration = waste_declaration_record(
            actor=actor, property=property, payer=payer, filed_on=filed_on,
            effective_from=form.event_date.replace(day=1), purpose=form.purpose, method=form.method,
            residents=form.residents, water_m3=form.water_m3, dwelling_m2=form.dwelling_m2,
            households=form.households, selective=form.selective, composts=form.composts,
            exemptions=form.exemptions, containers=form.containers, event_date=form.event_date, incoming_entry=entry,
        )  # fmt: skip
        # the case is opened only after the declaration passed every check (a refusal rolls both back)
        case = entry.case if entry.case_id else _open_case(actor=actor, entry=entry)
        declaration.case = case
        declaration.payload = {**declaration.payload, "form": "DO-1", "payer": form.payer, "address": form.address}
        declaration.save(update_fields=["case", "payload"])
    return declaration
