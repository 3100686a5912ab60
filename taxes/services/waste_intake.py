"""The waste fee declaration DO-1 received from ePUAP / e-Doręczenia (issue 9 point 2): the form is read from the
EZD entry's original XML, recognised by its namespace (``urn:magistrat:odpady:DO-1:1``), validated against
taxes/data/forms/DO-1.xsd, its property matched by the address and recorded with
``taxes.services.waste_declarations.waste_declaration_record`` (RECEIVED: the clerk reviews and accepts it on the
property screen). The payer is matched by the PESEL/NIP of the form, else the entry's sender; the declaration links
to the entry and its case (a case under JRWA 3120 is opened when the entry has none). Any refusal: a precise message,
nothing recorded, no case opened."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from taxes.domain import waste_forms as W
from taxes.models import WasteDeclaration, WasteProperty
from taxes.services.declarations import case_open_for_entry, entry_form_xml, party_by_identifiers
from taxes.services.waste_declarations import _require, waste_declaration_record

MAX_SCAN_BYTES = 2 * 1024 * 1024


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


def _where(address: dict) -> str:
    where = ", ".join(x for x in (address.get("locality"), address.get("street"), address.get("number")) if x)
    if address.get("flat"):
        where += f"/{address['flat']}"
    return where


def entry_by_reference(text, *, user) -> object | None:
    """The EZD entry by its RPW number ``number/year`` or by its id among the entries ``user`` may see in EZD
    (``documents.selectors.entries_visible_to``); None when there is none (or it is not his to see)."""
    from documents.selectors import entries_visible_to

    text = str(text or "").strip()
    number, sep, year = text.partition("/")
    if sep and number.strip().isdigit() and year.strip().isdigit():
        return entries_visible_to(user).filter(number=int(number), year=int(year)).first()
    if text.isdigit():
        return entries_visible_to(user).filter(pk=int(text)).first()
    return None


def recent_waste_entries(*, user, days: int = 90, limit: int = 200) -> list:
    """The recent EZD entries (received in the last ``days``) whose document is a DO-1 (form code ``DO-1`` or the
    form's namespace in the original XML — a cheap byte check, no parsing) and from which no declaration is recorded
    yet (a rejected one does not count); newest first. Only XML originals (up to ``MAX_SCAN_BYTES``) and
    the ePUAP documents of entries without one are read; three queries. Only the entries ``user`` may see in EZD."""
    from documents.models import StoredFile
    from documents.selectors import entries_visible_to

    since = timezone.now() - datetime.timedelta(days=days)
    recorded = WasteDeclaration.objects.filter(incoming_entry__isnull=False).exclude(
        status=WasteDeclaration.Status.REJECTED
    )
    entries = list(
        entries_visible_to(user)
        .filter(received_at__gte=since)
        .exclude(pk__in=recorded.values("incoming_entry_id"))
        .select_related("sender")
        .order_by("-received_at", "-pk")[:limit]
    )
    marker = W.NAMESPACE.encode()
    xml = Q(mime_type__icontains="xml") | Q(file_name__iendswith=".xml")
    originals: dict[int, bytes] = {}
    for entry_id, content in (
        StoredFile.objects.filter(xml, entry__in=entries, role=StoredFile.Role.ORIGINAL, size__lte=MAX_SCAN_BYTES)
        .order_by("-pk")
        .values_list("entry_id", "content")
    ):
        originals[entry_id] = bytes(content)
    from epuap.models import InboundDocument

    without = [e.inbound_document_id for e in entries if e.pk not in originals and e.inbound_document_id]
    inbound = dict(InboundDocument.objects.filter(pk__in=without).values_list("pk", "content"))
    found = []
    for entry in entries:
        content = originals.get(entry.pk)
        if content is None and entry.inbound_document_id in inbound:
            content = bytes(inbound[entry.inbound_document_id])
        if entry.form_code == "DO-1" or (content is not None and marker in content):
            found.append(entry)
    return found


@dataclass
class IntakePreview:
    """What the clerk reviews before recording: the parsed form, the matched (or chosen) property and payer, and
    the problems that would refuse the recording."""

    entry: object
    form: W.WasteForm
    property: WasteProperty | None
    property_matched: bool
    payer: object | None
    payer_matched: bool
    problems: list[str] = field(default_factory=list)

    @property
    def address_text(self) -> str:
        return _where(self.form.address)


def waste_form_of_entry(entry) -> W.WasteForm:
    """The DO-1 form carried by an EZD entry; ServiceValidationError (``entry``) when there is none or it is not a
    valid DO-1."""
    data = entry_form_xml(entry)
    if not data:
        _refuse(_("The entry has no document to read."))
    return parse_waste_form_xml(data)


def waste_intake_preview(*, entry, property=None) -> IntakePreview:
    """Read the DO-1 of ``entry`` without recording anything: the form, the property at its address (or
    ``property``, the clerk's choice), the payer by PESEL/NIP (else the entry's sender) and the problems."""
    form = waste_form_of_entry(entry)
    matched = property_at(form.address)
    chosen = property or matched
    by_ids = party_by_identifiers(form.payer)
    payer = by_ids or entry.sender
    problems = []
    if WasteDeclaration.objects.filter(incoming_entry=entry).exclude(status=WasteDeclaration.Status.REJECTED).exists():
        problems.append(_("A waste fee declaration from this entry is already recorded."))
    if chosen is None:
        problems.append(_("No waste fee property (or more than one) is registered at %(address)s; create the property "
                          "first and record the declaration for it.") % {"address": _where(form.address)})  # fmt: skip
    if payer is None:
        problems.append(_("The fee payer is not known: the form gives no known PESEL or NIP and the entry has no "
                          "sender."))  # fmt: skip
    return IntakePreview(entry=entry, form=form, property=chosen, property_matched=matched is not None and
                         chosen == matched, payer=payer, payer_matched=by_ids is not None,
                         problems=problems)  # fmt: skip


def properties_matching(query: str, *, limit: int = 50):
    """Properties whose identifier, locality, street or building number contains ``query`` (the clerk's search
    when the declared address matches none), by identifier."""
    qs = WasteProperty.objects.select_related("address__locality", "address__street").order_by("identifier")
    for word in (query or "").split()[:5]:
        qs = qs.filter(
            Q(identifier__icontains=word) | Q(address__locality_name__icontains=word)
            | Q(address__locality__name__icontains=word) | Q(address__street_name__icontains=word)
            | Q(address__street__name_1__icontains=word) | Q(address__building_number__iexact=word)
        )  # fmt: skip
    return qs[:limit]


def _recorded_from(entry) -> bool:
    """A declaration (not rejected) is recorded from ``entry`` already."""
    recorded = WasteDeclaration.objects.filter(incoming_entry=entry)
    return recorded.exclude(status=WasteDeclaration.Status.REJECTED).exists()


def waste_declaration_from_incoming(*, actor, entry, property=None) -> WasteDeclaration:
    """Record the DO-1 declaration carried by an EZD entry; ``property`` (optional) the clerk's choice when the
    address of the form matches none. The fee applies from the month of the event (ucpg art. 6m ust. 2)."""
    _require(actor)
    if _recorded_from(entry):
        raise ApplicationError(_("A waste fee declaration from this entry is already recorded."), code="duplicate")
    form = waste_form_of_entry(entry)
    if property is None:
        property = property_at(form.address)
    if property is None:
        message = _("No waste fee property (or more than one) is registered at %(address)s; create the property "
                    "first and record the declaration for it.") % {"address": _where(form.address)}  # fmt: skip
        raise ServiceValidationError(message, errors={"property": [message]})
    payer = party_by_identifiers(form.payer) or entry.sender
    if payer is None:
        _refuse(_("The fee payer is not known: the form gives no known PESEL or NIP and the entry has no sender."))
    filed_on = timezone.localtime(entry.received_at).date()
    with transaction.atomic():
        # one recording per entry: the entry's row locked, then the check again (two clerks, a double submit)
        type(entry).objects.select_for_update().filter(pk=entry.pk).values_list("pk", flat=True).get()
        if _recorded_from(entry):
            raise ApplicationError(_("A waste fee declaration from this entry is already recorded."), code="duplicate")
        declaration = waste_declaration_record(
            actor=actor, property=property, payer=payer, filed_on=filed_on,
            effective_from=form.event_date.replace(day=1), purpose=form.purpose, method=form.method,
            residents=form.residents, water_m3=form.water_m3, dwelling_m2=form.dwelling_m2,
            households=form.households, selective=form.selective, composts=form.composts,
            exemptions=form.exemptions, containers=form.containers, event_date=form.event_date, incoming_entry=entry,
        )  # fmt: skip
        # the case is opened only after the declaration passed every check (a refusal rolls both back)
        case = entry.case if entry.case_id else case_open_for_entry(actor=actor, entry=entry)
        declaration.case = case
        declaration.payload = {**declaration.payload, "form": "DO-1", "payer": form.payer, "address": form.address}
        declaration.save(update_fields=["case", "payload"])
    return declaration
