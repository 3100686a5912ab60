"""A test person's e-Doręczenia mailbox (web UI under /sim/edoreczenia/skrzynka/) — TEST ENVIRONMENT ONLY.

There is no login: the chooser lists the non-public-body test mailboxes created by ``edoreczenia_setup`` and
choosing one stores its ADE in the simulator's own session entry :data:`SESSION_KEY` (never the office's Django
authentication). The person sees the messages addressed to that ADE and collects them ("Odbierz"), which calls
:func:`services.message_open` (status Doręczona + proof of receipt, art. 41 ust. 1 pkt 1 u.d.e.). Body text and
attachments are shown only after collecting. Another mailbox's message gives 404.
"""

from __future__ import annotations

import functools

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from epuap.edoreczenia import services
from epuap.edoreczenia.management.commands.edoreczenia_setup import TEST_MAILBOXES
from epuap.edoreczenia.models import Attachment, Mailbox, Message

SESSION_KEY = "edoreczenia_sim_mailbox"


def test_mailboxes():
    """The mailboxes one can open: the test parties of ``edoreczenia_setup`` that are not public bodies."""
    return Mailbox.objects.filter(address__in=[spec["address"] for spec in TEST_MAILBOXES], active=True).exclude(
        kind=Mailbox.Kind.PUBLIC_BODY
    )


test_mailboxes.__test__ = False  # type: ignore[attr-defined]


def current_mailbox(request: HttpRequest) -> Mailbox | None:
    address = request.session.get(SESSION_KEY)
    if not address:
        return None
    box = test_mailboxes().filter(address=address).first()
    if box is None:
        request.session.pop(SESSION_KEY, None)
    return box


def mailbox_required(view):
    """Only with a mailbox chosen in the simulator's session; otherwise back to the chooser."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        box = current_mailbox(request)
        if box is None:
            return redirect("edoreczenia:sim-mailbox-choose")
        request.edoreczenia_mailbox = box
        return view(request, *args, **kwargs)

    return wrapper


def _received(box: Mailbox):
    return (
        Message.objects.filter(recipient=box, received_at__isnull=False)
        .select_related("sender")
        .prefetch_related("attachments")
        .order_by("-received_at")
    )


def _message(request: HttpRequest, message_id) -> Message:
    return get_object_or_404(_received(request.edoreczenia_mailbox), pk=message_id)


# ---------------------------------------------------------------- choosing the mailbox


@require_http_methods(["GET", "POST"])
def choose(request: HttpRequest) -> HttpResponse:
    boxes = list(test_mailboxes())
    error = ""
    if request.method == "POST":
        chosen = next((b for b in boxes if b.address == request.POST.get("address", "")), None)
        if chosen is not None:
            request.session.cycle_key()
            request.session[SESSION_KEY] = chosen.address
            return redirect("edoreczenia:sim-inbox")
        error = _("Choose one of the test mailboxes.")
    return render(
        request,
        "epuap_edoreczenia/choose.html",
        {"boxes": boxes, "error": error, "current": current_mailbox(request)},
        status=400 if error else 200,
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    return redirect("edoreczenia:sim-mailbox-choose")


# ---------------------------------------------------------------- the mailbox


@mailbox_required
def inbox(request: HttpRequest) -> HttpResponse:
    box = request.edoreczenia_mailbox
    return render(request, "epuap_edoreczenia/inbox.html", {"box": box, "items": _received(box)})


@mailbox_required
def message_detail(request: HttpRequest, message_id) -> HttpResponse:
    message = _message(request, message_id)
    return render(
        request,
        "epuap_edoreczenia/message.html",
        {"box": request.edoreczenia_mailbox, "item": message, "evidences": message.evidences.all()},
    )


@mailbox_required
@require_POST
def message_open(request: HttpRequest, message_id) -> HttpResponse:
    message = _message(request, message_id)
    if message.opened_at is None:
        services.message_open(message)
        flash.success(request, _("The letter has been collected."))
    return redirect("edoreczenia:sim-message", message_id=message.pk)


@mailbox_required
def attachment(request: HttpRequest, message_id, attachment_id) -> HttpResponse:
    message = _message(request, message_id)
    if message.opened_at is None:
        raise Http404  # collect the letter first
    att = get_object_or_404(Attachment, message=message, attachment_id=attachment_id)
    response = HttpResponse(bytes(att.content), content_type="application/octet-stream")
    safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in att.filename) or "zalacznik"
    response["Content-Disposition"] = f'attachment; filename="{safe_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------- writing to a public body

COMPOSE_MAX_FILES = 5


def _public_bodies():
    return Mailbox.objects.filter(kind=Mailbox.Kind.PUBLIC_BODY, active=True).order_by("owner_name")


@mailbox_required
@require_http_methods(["GET", "POST"])
def compose(request: HttpRequest) -> HttpResponse:
    """The person writes to a public body (e.g. the gmina) from the mailbox: subject, text, attachments."""
    box = request.edoreczenia_mailbox
    bodies = list(_public_bodies())
    errors: list[str] = []
    values = {"to": "", "subject": "", "text": ""}
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        files = request.FILES.getlist("attachments")
        if values["to"] not in {b.address for b in bodies}:
            errors.append(_("Choose the addressee."))
        if not values["subject"]:
            errors.append(_("The subject is required."))
        if len(files) > COMPOSE_MAX_FILES:
            errors.append(_("At most %(n)d attachments.") % {"n": COMPOSE_MAX_FILES})
        limit = services.max_message_bytes()
        if sum(f.size for f in files) > limit:
            errors.append(_("The attachments are too large (the limit is %(limit)d bytes).") % {"limit": limit})
        if not errors:
            attachments = [
                services.AttachmentInput(
                    filename=f.name[:255],
                    content_type=(f.content_type or "application/octet-stream")[:127],
                    content=f.read(),
                )
                for f in files
            ]
            try:
                services.message_send(
                    client=None,
                    sender_mailbox=box,
                    recipients=[values["to"]],
                    subject=values["subject"],
                    text_body=values["text"],
                    attachments=attachments,
                )
            except services.EdoreczeniaError as exc:
                errors.append(str(exc))
            else:
                flash.success(request, _("The letter has been sent."))
                return redirect("edoreczenia:sim-inbox")
    return render(
        request,
        "epuap_edoreczenia/compose.html",
        {"box": box, "bodies": bodies, "errors": errors, "values": values},
        status=400 if errors else 200,
    )
