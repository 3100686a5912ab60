"""The resident's side of the simulated ePUAP (web UI under /sim/epuap/) — TEST ENVIRONMENT ONLY.

A test resident logs in by the simulated profil zaufany (:mod:`epuap.platform.resident_auth`), sends forms to the
office's box (signed XAdES-BES, with a UPP in return) and opens the letters the office delivered with WS-Doręczyciel
(which files the UPD in the office's reply box). Every page but the identity page needs the platform's own session;
a resident reaches only their own box, documents and UPPs (others' identifiers give 404).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from epuap import crd, pki, upo, xades
from epuap.platform import resident_auth, services
from epuap.platform.forms import FORMS, IdentityChoiceForm
from epuap.platform.models import Box, DeliveryOrder, QueuedDocument
from epuap.platform.resident_auth import resident_required

_SAFE_MIME = {"text/xml", "application/xml", "application/pdf"}


def _attachment(content: bytes, file_name: str, mime: str) -> HttpResponse:
    """A download (always as an attachment; unknown types as octet-stream)."""
    response = HttpResponse(bytes(content), content_type=mime if mime in _SAFE_MIME else "application/octet-stream")
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in file_name) or "dokument"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    return response


# ---------------------------------------------------------------- simulated profil zaufany


@require_http_methods(["GET", "POST"])
def identity(request: HttpRequest) -> HttpResponse:
    """List the test identities; choosing one logs into the platform (not into the office)."""
    identities = resident_auth.test_identities()
    error = ""
    if request.method == "POST":
        form = IdentityChoiceForm(request.POST)
        chosen = resident_auth.identity_for(form.cleaned_data["identifier"]) if form.is_valid() else None
        if chosen is not None:
            resident_auth.resident_login(request, chosen)
            return redirect("epuap_platform:resident-home")
        error = _("Choose one of the test identities.")
    current = resident_auth.current_resident(request)
    return render(
        request,
        "epuap_platform/identity.html",
        {"identities": identities, "error": error, "current": current},
        status=400 if error else 200,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    resident_auth.resident_logout(request)
    return redirect("epuap_platform:resident-identity")


# ---------------------------------------------------------------- the resident's account


def _context(request: HttpRequest, **extra) -> dict:
    resident = request.epuap_resident
    return {"resident": resident, "identity": resident_auth.identity_for(resident.identifier), **extra}


def _box(request: HttpRequest) -> Box:
    try:
        return services.resident_box(request.epuap_resident)
    except Box.DoesNotExist:
        raise Http404 from None


@resident_required
def home(request: HttpRequest) -> HttpResponse:
    box = _box(request)
    deliveries = services.deliveries_for_box(box)
    return render(
        request,
        "epuap_platform/home.html",
        _context(
            request,
            box=box,
            forms=[(slug, cls.label, cls.description) for slug, cls in FORMS.items()],
            awaiting=deliveries.filter(status=DeliveryOrder.Status.AWAITING).count(),
            sent_count=services.resident_sent_documents(request.epuap_resident).count(),
        ),
    )


@resident_required
@require_http_methods(["GET", "POST"])
def form_send(request: HttpRequest, kind: str) -> HttpResponse:
    form_class = FORMS.get(kind)
    if form_class is None:
        raise Http404
    resident = request.epuap_resident
    identity = resident_auth.identity_for(resident.identifier)
    if identity is None:
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        office = Box.objects.select_related("podmiot").filter(address=services.office_box_address()).first()
        if office is None:
            form.add_error(None, _("The office's box does not exist on the platform (run epuap_platform_setup)."))
        else:
            sender = crd.Party(first_name=identity.first_name, surname=identity.surname, pesel=identity.pesel)
            document = form.build_document(sender=sender, recipient_name=office.podmiot.name)
            try:
                result = services.resident_document_send(
                    resident=resident,
                    document=document,
                    file_name=f"{form_class.slug}.xml",
                    first_name=identity.first_name,
                    surname=identity.surname,
                    pesel=identity.pesel,
                )
            except services.PlatformError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The document has been sent to the office."))
                return redirect("epuap_platform:resident-sent-detail", document_id=result.document_id)
    return render(
        request,
        "epuap_platform/form_send.html",
        _context(request, form=form, form_label=form_class.label, kind=kind),
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- sent documents and their UPPs


def _sent(request: HttpRequest, document_id: str) -> QueuedDocument:
    return get_object_or_404(services.resident_sent_documents(request.epuap_resident), document_id=document_id)


@resident_required
def sent_list(request: HttpRequest) -> HttpResponse:
    documents = services.resident_sent_documents(request.epuap_resident)[:200]
    return render(request, "epuap_platform/sent_list.html", _context(request, documents=documents))


def _upp_of(document: QueuedDocument):
    try:
        return document.upp
    except QueuedDocument.upp.RelatedObjectDoesNotExist:
        return None


@resident_required
def sent_detail(request: HttpRequest, document_id: str) -> HttpResponse:
    document = _sent(request, document_id)
    upp = _upp_of(document)
    upp_data = upo.parse_upo(bytes(upp.content)) if upp is not None else None
    parsed = _parse_crd(bytes(document.content))
    return render(
        request,
        "epuap_platform/sent_detail.html",
        _context(request, document=document, upp=upp, upp_data=upp_data, parsed=parsed),
    )


@resident_required
def sent_download(request: HttpRequest, document_id: str) -> HttpResponse:
    document = _sent(request, document_id)
    return _attachment(document.content, document.file_name, document.mime_type)


@resident_required
def upp_download(request: HttpRequest, document_id: str) -> HttpResponse:
    upp = _upp_of(_sent(request, document_id))
    if upp is None:
        raise Http404
    return _attachment(upp.content, f"UPP-{upp.identifier}.xml", "text/xml")


# ---------------------------------------------------------------- inbox (WS-Doręczyciel letters)


def _delivery(request: HttpRequest, order_id: str) -> DeliveryOrder:
    return get_object_or_404(services.deliveries_for_box(_box(request)), order_id=order_id)


def _parse_crd(content: bytes) -> crd.CrdDocument | None:
    try:
        return crd.parse_document(content)
    except Exception:  # a letter need not be a CRD document
        return None


def _signature(content: bytes) -> dict:
    try:
        result = xades.verify(content, ca=pki.ca_certificate(services.pki_dir()))
    except xades.SignatureInvalid as exc:
        return {"valid": False, "reason": exc.reason}
    except FileNotFoundError as exc:
        return {"valid": False, "reason": str(exc)}
    return {"valid": True, "signer": result.signer.subject.rfc4514_string(), "time": result.signing_time}


@resident_required
def inbox(request: HttpRequest) -> HttpResponse:
    deliveries = services.deliveries_for_box(_box(request))[:200]
    return render(request, "epuap_platform/inbox.html", _context(request, deliveries=deliveries))


@resident_required
def delivery_detail(request: HttpRequest, order_id: str) -> HttpResponse:
    order = _delivery(request, order_id)
    opened = order.opened_at is not None
    content = bytes(order.content)
    return render(
        request,
        "epuap_platform/delivery_detail.html",
        _context(
            request,
            order=order,
            opened=opened,
            parsed=_parse_crd(content) if opened else None,
            signature=_signature(content) if opened else None,
        ),
    )


@resident_required
@require_POST
def delivery_open(request: HttpRequest, order_id: str) -> HttpResponse:
    """ "Odbierz": the resident collects the letter; the platform files the UPD in the office's reply box."""
    order = _delivery(request, order_id)
    services.delivery_open(order)
    messages.success(request, _("The letter has been collected; the office receives the delivery confirmation."))
    return redirect("epuap_platform:resident-delivery", order_id=order.order_id)


@resident_required
def delivery_download(request: HttpRequest, order_id: str) -> HttpResponse:
    order = _delivery(request, order_id)
    if order.opened_at is None:  # the content is given only after collecting (which issues the UPD)
        return redirect("epuap_platform:resident-delivery", order_id=order.order_id)
    return _attachment(order.content, order.file_name, order.mime_type)
