"""HTTP API of the simulated e-Doręczenia (JSON). Not the office's back office: these views authenticate
with the platform's own bearer tokens (client-assertion login), not Django sessions, hence csrf_exempt.

Errors follow the API's ErrorInfo shape: ``{"error": code, "error_description": text}``, plus ``reason`` on the
authentication endpoints (a precise code such as ``jti_replayed``).
"""

import functools
import json
import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from epuap.edoreczenia import auth, services
from epuap.edoreczenia.models import Attachment, Evidence, Message


def _error(status: int, error: str, description: str, **extra) -> JsonResponse:
    return JsonResponse({"error": error, "error_description": description, **extra}, status=status)


def _auth_error(exc: auth.AuthError) -> JsonResponse:
    response = _error(exc.status, exc.error, exc.description, reason=exc.reason)
    if exc.status == 401:
        response["WWW-Authenticate"] = f'Bearer error="{exc.error}", error_description="{exc.reason}"'
    return response


def token_audience(request) -> str:
    return settings.EDORECZENIA_SIM_TOKEN_AUDIENCE or request.build_absolute_uri(reverse("edoreczenia:token"))


@csrf_exempt
@require_POST
def token(request):
    """OAuth 2.0 token endpoint, client_credentials grant with a JWT client assertion (RFC 7523)."""
    data = request.POST
    if data.get("grant_type") != "client_credentials":
        return _error(
            400, "unsupported_grant_type", "grant_type must be client_credentials.", reason="unsupported_grant_type"
        )
    if data.get("client_assertion_type") != auth.ASSERTION_TYPE:
        return _error(
            400,
            "invalid_request",
            f"client_assertion_type must be {auth.ASSERTION_TYPE}.",
            reason="wrong_assertion_type",
        )
    assertion = data.get("client_assertion", "")
    if not assertion:
        return _error(400, "invalid_request", "client_assertion is required.", reason="missing_assertion")
    try:
        issued = auth.issue_token(assertion=assertion, audience=token_audience(request))
    except auth.AuthError as exc:
        return _auth_error(exc)
    response = JsonResponse(
        {
            "access_token": issued.access_token,
            "token_type": "Bearer",
            "expires_in": issued.expires_in,
            "eDeliveryAddress": issued.client.mailbox.address,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def jwks(request):
    """The platform's public key(s) that verify evidence signatures."""
    return JsonResponse(auth.platform_jwks())


def bearer(view):
    """Require a valid bearer token; with ``ade`` in the URL, the token's mailbox must be that ADE."""

    @csrf_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            client = auth.client_for_bearer(request.headers.get("Authorization"))
        except auth.AuthError as exc:
            return _auth_error(exc)
        ade = kwargs.get("ade")
        if ade is not None and ade != client.mailbox.address:
            return _error(403, "forbidden", "The token does not grant access to this mailbox.")
        request.edor_client = client
        return view(request, *args, **kwargs)

    return wrapper


def _service_error(exc: services.EdoreczeniaError) -> JsonResponse:
    return _error(exc.status, exc.code, exc.message)


def _read_json(request, limit: int) -> dict:
    length = request.META.get("CONTENT_LENGTH") or "0"
    try:
        declared = int(length)
    except ValueError:
        declared = 0
    if declared > limit:
        raise services.EdoreczeniaError(f"The request exceeds {limit} bytes.", code="message_too_large", status=413)
    raw = request.read(limit + 1)
    if len(raw) > limit:
        raise services.EdoreczeniaError(f"The request exceeds {limit} bytes.", code="message_too_large", status=413)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise services.EdoreczeniaError("The body must be JSON (UTF-8).", code="invalid_json") from exc
    if not isinstance(data, dict):
        raise services.EdoreczeniaError("The body must be a JSON object.", code="invalid_json")
    return data


def _request_limit() -> int:
    # base64 inflates by 4/3; leave room for the JSON around it.
    return math.ceil(services.max_message_bytes() / 3) * 4 + 256 * 1024


@bearer
@require_http_methods(["GET", "POST"])
def messages(request, ade: str):
    if request.method == "POST":
        return _send(request)
    mailbox = request.edor_client.mailbox
    qs = services.mailbox_messages(mailbox)
    label = request.GET.get("label", "").upper()
    if label == "INBOX":
        qs = qs.filter(recipient=mailbox)
    elif label == "SENT":
        qs = qs.filter(sender=mailbox)
    if request.GET.get("opened") in ("true", "false"):
        qs = qs.filter(opened_at__isnull=request.GET["opened"] == "false")
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
        limit = min(100, max(1, int(request.GET.get("limit", 20))))
    except ValueError:
        return _error(400, "invalid_parameter", "offset and limit must be integers.")
    fmt = request.GET.get("format", "minimal")
    if fmt not in ("minimal", "metadata"):
        return _error(400, "invalid_parameter", "format must be minimal or metadata.")
    total = qs.count()
    page = qs.order_by("-created_at")[offset : offset + limit]
    return JsonResponse(
        {"messages": [services.message_data(m, mailbox=mailbox, fmt=fmt) for m in page], "total": total}
    )


def _send(request):
    try:
        data = _read_json(request, _request_limit())
        meta = data.get("messageMetadata") or {}
        if not isinstance(meta, dict):
            raise services.EdoreczeniaError("messageMetadata must be an object.", code="invalid_message")
        to = meta.get("to") or []
        if not isinstance(to, list):
            raise services.EdoreczeniaError("messageMetadata.to must be a list.", code="invalid_message")
        recipients = [(t.get("eDeliveryAddress") if isinstance(t, dict) else t) for t in to]
        items = data.get("attachments") or []
        if not isinstance(items, list):
            raise services.EdoreczeniaError("attachments must be a list.", code="invalid_attachment")
        attachments = [services.decode_attachment(item, i) for i, item in enumerate(items)]
        text_body = data.get("textBody") or ""
        if not isinstance(text_body, str):
            raise services.EdoreczeniaError("textBody must be a string.", code="invalid_message")
        sent = services.message_send(
            client=request.edor_client,
            recipients=recipients,
            subject=str(meta.get("subject") or ""),
            text_body=text_body,
            attachments=attachments,
            ref_to_message_id=str(meta.get("refToMessageId") or ""),
            case_id=str(meta.get("caseId") or ""),
        )
    except services.EdoreczeniaError as exc:
        return _service_error(exc)
    body = {
        "messages": [{"MessageId": str(m.id), "AddresseeAde": m.recipient_address, "Status": m.status} for m in sent]
    }
    return JsonResponse(body, status=201)


def _mailbox_message(request, message_id) -> Message:
    mailbox = request.edor_client.mailbox
    return get_object_or_404(services.mailbox_messages(mailbox), pk=message_id)


@bearer
@require_GET
def message(request, ade: str, message_id):
    """Get one message. The recipient fetching it in format full/fullExtended collects it (opens it)."""
    msg = _mailbox_message(request, message_id)
    mailbox = request.edor_client.mailbox
    fmt = request.GET.get("format", "full")
    if fmt not in ("minimal", "metadata", "full", "fullExtended"):
        return _error(400, "invalid_parameter", "format must be minimal, metadata, full or fullExtended.")
    if fmt in ("full", "fullExtended") and msg.recipient_id == mailbox.pk and msg.opened_at is None:
        services.message_open(msg, timezone.now())
        msg = _mailbox_message(request, message_id)
    # The API returns an array (messageId may list several ids); one id here.
    return JsonResponse([services.message_data(msg, mailbox=mailbox, fmt=fmt)], safe=False)


@bearer
@require_GET
def message_evidences(request, ade: str, message_id):
    msg = _mailbox_message(request, message_id)
    qs = msg.evidences.all()
    if request.GET.get("type"):
        qs = qs.filter(type_code=request.GET["type"])
    return JsonResponse({"evidences": [services.evidence_data(e) for e in qs]})


@bearer
@require_GET
def evidence(request, ade: str, evidence_id):
    """Download one evidence: JSON (default) or, with ?format=jws, the compact JWS itself."""
    mailbox = request.edor_client.mailbox
    ev = get_object_or_404(
        Evidence.objects.select_related("message"),
        pk=evidence_id,
        message__in=services.mailbox_messages(mailbox).values("pk"),
    )
    if not ev.downloaded:
        Evidence.objects.filter(pk=ev.pk).update(downloaded=True)
    if request.GET.get("format") == "jws":
        return HttpResponse(ev.jws, content_type="application/jose")
    return JsonResponse([services.evidence_data(ev)], safe=False)


@bearer
@require_GET
def attachment(request, ade: str, message_id, attachment_id):
    msg = _mailbox_message(request, message_id)
    att = get_object_or_404(Attachment, message=msg, attachment_id=attachment_id)
    response = HttpResponse(bytes(att.content), content_type=att.content_type)
    response["Content-Disposition"] = f'attachment; filename="{att.filename.replace(chr(34), "")}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _bae_response(boxes) -> JsonResponse:
    return JsonResponse(
        {
            "found": bool(boxes),
            "baeSearchData": [services.bae_entry(b) for b in boxes],
            "comment": "" if boxes else "Nie znaleziono adresu do doręczeń elektronicznych.",
        }
    )


@bearer
@require_GET
def bae_addresses(request):
    """Simple search: ?pesel= | ?nip= | ?regon= | ?name= (exact owner name) | ?ade=."""
    g = request.GET
    try:
        boxes = services.bae_search(
            pesel=g.get("pesel", ""),
            nip=g.get("nip", ""),
            regon=g.get("regon", ""),
            krs=g.get("krs", ""),
            name=g.get("name", ""),
            surname=g.get("surname", ""),
            ade=g.get("ade", ""),
        )
    except services.EdoreczeniaError as exc:
        return _service_error(exc)
    return _bae_response(boxes)


@bearer
@require_POST
def bae_search(request):
    """The Search Engine API's ``POST /search/bae_search`` with a BaeSearch body."""
    try:
        data = _read_json(request, 64 * 1024)
        ids = {}
        for item in data.get("officialIds") or []:
            if isinstance(item, dict) and item.get("id"):
                ids[str(item.get("referenceRegistry", "")).lower()] = str(item["id"])
        edas = data.get("recipientEdas") or []
        boxes = services.bae_search(
            pesel=ids.get("pesel", ""),
            nip=ids.get("nip", ""),
            regon=ids.get("regon", ""),
            krs=ids.get("krs", ""),
            name=str(data.get("name") or "") if data.get("surname") else "",
            surname=str(data.get("surname") or ""),
            entity_name=str(data.get("entityName") or ""),
            ade=str(edas[0]) if isinstance(edas, list) and edas else "",
        )
    except services.EdoreczeniaError as exc:
        return _error(exc.status, exc.code, exc.message)
    return _bae_response(boxes)
