"""The template registry (data: ``DocumentTemplate`` rows) and the rendering of a document.

* The four shipped templates (``letter``, ``decision``, ``certificate``, ``reminder``) live in
  ``documents/data/templates/<code>.html`` and are inserted after ``migrate`` when no row with the code exists
  (:func:`templates_install`); an administrator's edit creates a new version (:func:`template_new_version`),
  older versions stay (documents keep pointing at the version they were drafted from).
* :func:`render_document` renders the body sandboxed — its own ``django.template.Engine`` with no loaders (no
  ``include``/``extends`` of files), no tag libraries beyond the built-ins, autoescape on, and a context of plain
  strings only — inside the fixed page layout (letterhead, place and date, case mark, addressees), then to PDF
  (WeasyPrint, no external resources) and to a CRD-style XML "Dokument" carrying the PDF as an attachment.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template import Context, Engine, TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from lxml import etree
from lxml import html as lxml_html

from core.domain.money import format_pln
from core.exceptions import ServiceValidationError
from core.pdf import render_pdf
from core.services.audit import audit_log
from documents.models import DocumentTemplate
from documents.models.outgoing import DocumentKind
from epuap import crd, xmlsafe

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "templates"

SHIPPED: dict[str, tuple[str, str]] = {
    # code → (name, kind); names are document content (Polish), like the bodies.
    "letter": ("Pismo ogólne", DocumentKind.LETTER),
    "decision": ("Decyzja administracyjna", DocumentKind.DECISION),
    "certificate": ("Zaświadczenie", DocumentKind.CERTIFICATE),
    "reminder": ("Upomnienie", DocumentKind.REMINDER),
}


@dataclass(frozen=True)
class TemplateField:
    name: str
    label: str
    required: bool = True
    multiline: bool = False
    money: bool = False


BODY_FIELD = TemplateField("body", gettext_lazy("Text of the letter"), required=True, multiline=True)

# The context a template expects besides the common values (title, mark, date, place, office, recipients).
TEMPLATE_FIELDS: dict[str, tuple[TemplateField, ...]] = {
    "letter": (BODY_FIELD,),
    "decision": (
        TemplateField("legal_basis", gettext_lazy("Legal basis")),
        TemplateField("ruling", gettext_lazy("Ruling"), multiline=True),
        TemplateField("justification", gettext_lazy("Justification"), multiline=True),
        TemplateField("appeal_body", gettext_lazy("Appeal body (e.g. “w Warszawie”)"), required=False),
        TemplateField("body", gettext_lazy("Additional text"), required=False, multiline=True),
    ),
    "certificate": (
        TemplateField("body", gettext_lazy("Certified facts"), multiline=True),
        TemplateField("purpose", gettext_lazy("Purpose of the certificate")),
    ),
    "reminder": (
        TemplateField("liability", gettext_lazy("Liability (e.g. property tax)")),
        TemplateField("period", gettext_lazy("Period")),
        TemplateField("amount", gettext_lazy("Amount due"), money=True),
        TemplateField("cost", gettext_lazy("Cost of the reminder"), required=False, money=True),
        TemplateField("body", gettext_lazy("Additional text"), required=False, multiline=True),
    ),
}
MAX_FIELD_CHARS = 20_000


def template_fields(template: DocumentTemplate) -> tuple[TemplateField, ...]:
    return TEMPLATE_FIELDS.get(template.code, (BODY_FIELD,))


def clean_context(*, template: DocumentTemplate, context: dict | None) -> dict[str, str]:
    """The template's fields from ``context`` as stripped strings (money as "1234.50"); missing required
    fields, over-long values and bad amounts raise ServiceValidationError naming the field."""
    context = context or {}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}
    for f in template_fields(template):
        value = context.get(f.name, "")
        value = "" if value is None else str(value).strip()
        if len(value) > MAX_FIELD_CHARS:
            errors.setdefault(f.name, []).append(_("The text is too long."))
            continue
        if f.required and not value:
            errors.setdefault(f.name, []).append(_("This field is required."))
            continue
        if f.money and value:
            try:
                amount = Decimal(value.replace(" ", "").replace("\xa0", "").replace(",", "."))
            except InvalidOperation:
                errors.setdefault(f.name, []).append(_("Enter an amount, e.g. 123,45."))
                continue
            if amount < 0 or amount != amount.quantize(Decimal("0.01")) or amount >= Decimal("1e12"):
                errors.setdefault(f.name, []).append(_("Enter an amount, e.g. 123,45."))
                continue
            value = f"{amount:.2f}"
        cleaned[f.name] = value
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)
    return cleaned


# --- the registry ------------------------------------------------------------------------------------------


def active_templates():
    """The newest active version of each template code."""
    newest = {}
    for t in DocumentTemplate.objects.filter(is_active=True).order_by("code", "-version"):
        newest.setdefault(t.code, t)
    return sorted(newest.values(), key=lambda t: t.name)


def templates_install(**_kwargs) -> list[str]:
    """Insert the shipped templates whose code has no row yet (post_migrate; idempotent). Returns the codes added."""
    added = []
    for code, (name, kind) in SHIPPED.items():
        if DocumentTemplate.objects.filter(code=code).exists():
            continue
        body = (DATA_DIR / f"{code}.html").read_text(encoding="utf-8")
        # Shipped reference data, like the other data loaded at migrate: no audit event (the log starts empty).
        DocumentTemplate.objects.create(code=code, version=1, name=name, kind=kind, body=body)
        added.append(code)
    return added


def _engine() -> Engine:
    # No loaders (include/extends find nothing), no libraries beyond the built-ins, autoescape on.
    return Engine(loaders=[("django.template.loaders.locmem.Loader", {})], libraries={}, autoescape=True, debug=False)


def template_check(body: str) -> None:
    """Refuse a body that does not compile in the sandbox."""
    try:
        _engine().from_string(body).render(Context({}, autoescape=True))
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"body": [_("The template is invalid: %(error)s") % {"error": exc}]}
        ) from None


def template_new_version(*, actor, template: DocumentTemplate, body: str, name: str | None = None) -> DocumentTemplate:
    """A new version of the template's code with ``body``; the previous versions are kept unchanged (inactive)."""
    template_check(body)
    with transaction.atomic():
        versions = DocumentTemplate.objects.select_for_update().filter(code=template.code).order_by("-version")
        latest = versions.first()
        new = DocumentTemplate.objects.create(
            code=latest.code,
            version=latest.version + 1,
            name=name or latest.name,
            kind=latest.kind,
            body=body,
            is_active=True,
        )
        versions.exclude(pk=new.pk).update(is_active=False)
        audit_log(
            actor=actor,
            action="documents.template.versioned",
            obj=new,
            details={"code": new.code, "version": new.version, "previous_version": latest.version},
        )
    return new


# --- rendering ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str = ""
    pesel: str = ""
    nip: str = ""
    first_name: str = ""
    surname: str = ""
    email: str = ""
    is_person: bool = True


def recipient_of(party) -> Recipient:
    address = party.correspondence_address or party.registered_address
    return Recipient(
        name=party.display_name,
        address=address.one_line if address else "",
        pesel=party.pesel or "",
        nip=party.nip or "",
        first_name=party.first_names.split(" ")[0] if party.first_names else "",
        surname=party.surname or "",
        email=party.email or "",
        is_person=party.is_person,
    )


def office_place() -> str:
    place = getattr(settings, "MAGISTRAT_OFFICE_PLACE", "")
    if place:
        return place
    address = getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", "")
    match = re.search(r"\d{2}-\d{3}\s+(.+)$", address)
    return match.group(1).strip() if match else address.split(",")[-1].strip()


def office_name() -> str:
    return getattr(settings, "EPUAP_OFFICE_NAME", "") or getattr(settings, "MAGISTRAT_OFFICE_NAME", "")


def _fmt_date(day: datetime.date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Rendered:
    html: str  # the body (rendered template) alone
    page_html: str  # the whole page (layout + body), what the PDF shows
    pdf: bytes
    xml: bytes

    def __iter__(self):
        """``html, pdf, xml = render_document(...)``."""
        return iter((self.html, self.pdf, self.xml))


def _paragraphs(body_html: str) -> list[str]:
    """Text paragraphs of the rendered body (headings, paragraphs, list items), whitespace-normalised."""
    if not body_html.strip():
        return []
    root = lxml_html.fragment_fromstring(body_html, create_parent="div")
    result = []
    for el in root.iter("h1", "h2", "h3", "h4", "p", "li"):
        text = " ".join("".join(el.itertext()).split())
        if text:
            result.append(text)
    return result


def _crd_with_mark(xml: bytes, mark: str) -> bytes:
    """Add the case mark to the document's description (meta:Identyfikator, type "znak sprawy")."""
    root = xmlsafe.parse(xml)
    opis = root.find(f"{{{etree.QName(root).namespace}}}OpisDokumentu")
    ident = etree.SubElement(opis, f"{{{crd.NS_META}}}Identyfikator")
    etree.SubElement(ident, f"{{{crd.NS_META}}}TypIdentyfikatora").text = "znak sprawy"
    etree.SubElement(ident, f"{{{crd.NS_META}}}WartoscIdentyfikatora").text = mark
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def build_xml(
    *,
    title: str,
    mark: str,
    paragraphs: list[str],
    recipients: list[Recipient],
    pdf: bytes,
    day: datetime.date,
    extra_attachments: Sequence[tuple[str, str, bytes]] = (),
) -> bytes:
    """The CRD-style XML of a document: title, text, office as sender, first addressee, case mark, PDF attached (and
    ``extra_attachments``: (file name, MIME type, content), e.g. a decision's machine-readable XML)."""
    first = recipients[0] if recipients else None
    recipient = None
    if first is not None:
        recipient = (
            crd.Party(first_name=first.first_name, surname=first.surname, pesel=first.pesel, email=first.email)
            if first.is_person
            else crd.Party(institution_name=first.name, nip=first.nip, email=first.email)
        )
    with translation.override("pl"):
        texts = [_("Case mark: %(mark)s") % {"mark": mark}, *paragraphs]
        if len(recipients) > 1:
            texts.append(_("Recipients: %(names)s") % {"names": "; ".join(r.name for r in recipients)})
    doc = crd.CrdDocument(
        form_namespace=crd.NS_WNIO_4566,
        title=title,
        kind="inne pismo",
        kind_other="pismo urzędu",
        document_name=title,
        text_paragraphs=texts,
        sender=crd.Party(institution_name=office_name()),
        recipient=recipient,
        place=office_place(),
        created=day,
        attachments=[
            crd.Attachment(
                file_name=f"{slugify(mark) or 'pismo'}.pdf", mime="application/pdf", content=pdf, description=title
            ),
            *(crd.Attachment(file_name=n, mime=m, content=c, description=n) for n, m, c in extra_attachments),
        ],
    )
    return _crd_with_mark(crd.build_pismo_ogolne(doc), mark)


def render_layout(*, title: str, mark: str, body_html: str, recipients: list[Recipient], day: datetime.date) -> str:
    context = {
        "office_name": office_name(),
        "office_address": getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", ""),
        "place": office_place(),
        "date": _fmt_date(day),
        "mark": mark,
        "title": title,
        "recipients": recipients,
        "body": mark_safe(body_html),  # noqa: S308 — the output of the sandboxed, autoescaping engine
    }
    with translation.override("pl"):
        return render_to_string("documents/outgoing/pdf/layout.html", context)


def render_document(
    *,
    template: DocumentTemplate,
    context: dict,
    title: str = "",
    mark: str = "",
    recipients: list[Recipient] | None = None,
    day: datetime.date | None = None,
) -> Rendered:
    """Render ``template`` with ``context`` (the template's fields, see :func:`clean_context`) into the body HTML,
    the page HTML, the PDF and the CRD XML. Amount fields are shown as ``1 234,56 zł``."""
    day = day or timezone.localdate()
    recipients = list(recipients or [])
    values = {k: str(v) for k, v in (context or {}).items()}
    for f in template_fields(template):
        if f.money and values.get(f.name):
            values[f.name] = format_pln(Decimal(values[f.name]))
    values.update(
        {
            "title": title,
            "mark": mark,
            "date": _fmt_date(day),
            "place": office_place(),
            "office": office_name(),
            "recipients": [r.name for r in recipients],
        }
    )
    try:
        body_html = _engine().from_string(template.body).render(Context(values, autoescape=True))
    except (TemplateSyntaxError, TemplateDoesNotExist) as exc:
        raise ServiceValidationError(
            _("The data contain errors."),
            errors={"template": [_("The template is invalid: %(error)s") % {"error": exc}]},
        ) from None
    page_html = render_layout(title=title, mark=mark, body_html=body_html, recipients=recipients, day=day)
    pdf = render_pdf(page_html)
    xml = build_xml(title=title, mark=mark, paragraphs=_paragraphs(body_html), recipients=recipients, pdf=pdf, day=day)
    return Rendered(html=body_html, page_html=page_html, pdf=pdf, xml=xml)
