"""Back-office views of the registry desk: the RPW, registering a letter, entry detail and files, e-mail quarantine.

Thin: a permission, a form, a service or a selector call, a template. Entries are read through
``entries_visible_to`` / ``access_entry`` (logged); files only of an entry the user may open.
"""

from __future__ import annotations

import datetime
from urllib.parse import quote

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.pdf import render_pdf
from core.selectors import party_search
from core.services.audit import audit_log
from core.views import BackOfficeView
from documents.forms_intake import DecisionForm, EntryFilterForm, PrintForm, RegisterMailForm
from documents.models import EmailIntake, IncomingEntry, StoredFile
from documents.selectors import access_entry, entries_visible_to
from documents.services.email_intake import email_intake_refuse, email_intake_release
from documents.services.intake import entry_register, sender_match_or_create

INLINE_TYPES = ("application/pdf", "image/png", "image/jpeg", "image/gif", "text/plain")


def filter_entries(qs, data: dict):
    """The RPW filtered by the cleaned filter form (year, channel, dates, text, unit)."""
    if data.get("year"):
        qs = qs.filter(year=data["year"])
    if data.get("channel"):
        qs = qs.filter(channel=data["channel"])
    tz = timezone.get_current_timezone()
    if data.get("date_from"):
        qs = qs.filter(received_at__gte=datetime.datetime.combine(data["date_from"], datetime.time.min, tz))
    if data.get("date_to"):
        end = data["date_to"] + datetime.timedelta(days=1)
        qs = qs.filter(received_at__lt=datetime.datetime.combine(end, datetime.time.min, tz))
    if data.get("unit"):
        qs = qs.filter(assigned_unit=data["unit"])
    query = (data.get("q") or "").strip()
    if query:
        from core.domain.text import fold

        number = query.upper().removeprefix("RPW/").split("/")[0]
        cond = Q()
        for word in fold(query).split():
            cond &= Q(search_text__contains=word)
        if number.isdigit():
            cond |= Q(number=int(number))
        qs = qs.filter(cond)
    return qs


class EntryListView(BackOfficeView):
    permission_required = "documents.register_mail"

    def get(self, request):
        form = EntryFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        qs = filter_entries(entries_visible_to(request.user), data).select_related(
            "sender", "assigned_unit", "assigned_to"
        )
        page = Paginator(qs.order_by("-received_at", "-number"), 25).get_page(request.GET.get("page"))
        template = "documents/intake/entry_table.html" if request.htmx else "documents/intake/entry_list.html"
        return render(request, template, {"form": form, "page": page})


class RegisterMailView(BackOfficeView):
    permission_required = "documents.register_mail"

    def get(self, request):
        form = RegisterMailForm(initial={"received_at": timezone.localtime().replace(second=0, microsecond=0)})
        return render(request, "documents/intake/register_form.html", {"form": form})

    def post(self, request):
        form = RegisterMailForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sender = data["sender"]
                if sender is None:
                    is_person = (data.get("sender_kind") or Party.Kind.PERSON) == Party.Kind.PERSON
                    sender, _created = sender_match_or_create(
                        actor=request.user,
                        pesel=data["sender_pesel"] if is_person else "",
                        nip=data["sender_nip"],
                        first_names=data["sender_first_names"] if is_person else "",
                        surname=data["sender_surname"] if is_person else "",
                        name="" if is_person else data["sender_name"],
                    )
                entry = entry_register(
                    actor=request.user,
                    channel=data["channel"],
                    received_at=data["received_at"],
                    sender=sender,
                    title=data["title"],
                    letter_date=data["letter_date"],
                    letter_reference=data["letter_reference"],
                    form_code=data["form_code"],
                    remarks=data["remarks"],
                    files=data["files"],
                )
            except ServiceValidationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Registered as %(number)s.") % {"number": entry.rpw_number})
                return redirect("documents:intake-entry-detail", pk=entry.pk)
        return render(request, "documents/intake/register_form.html", {"form": form}, status=400)


class PartySearchView(BackOfficeView):
    """HTMX: parties matching the query, to pick the sender on the register form."""

    permission_required = ("documents.register_mail", "core.view_party")

    def get(self, request):
        query = (request.GET.get("q") or "").strip()
        parties = party_search(user=request.user, query=query)[:10] if len(query) >= 3 else []
        return render(request, "documents/intake/party_options.html", {"parties": parties, "query": query})


def _entry_actions(user, entry: IncomingEntry) -> dict[str, bool]:
    """What the entry's page offers this user (the services check again on the server)."""
    from documents.selectors import can_supervise
    from documents.services.assignment import may_assign_to_clerk, may_assign_to_unit

    open_entry = entry.status not in (IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED)
    supervises = bool(entry.assigned_unit_id) and can_supervise(user, entry.assigned_unit_id)
    may_assign = may_assign_to_unit(user, entry) or may_assign_to_clerk(user, entry)
    may_open = user.has_perm("documents.handle_case") and (entry.assigned_to_id == user.pk or supervises)
    actions = {"assign": open_entry and may_assign, "open_case": open_entry and may_open, "case": bool(entry.case_id)}
    return actions if any(actions.values()) else {}


class EntryDetailView(BackOfficeView):
    permission_required = "documents.view_incomingentry"

    def get(self, request, pk: int):
        try:
            entry = access_entry(user=request.user, entry_id=pk, purpose="entry detail")
        except NotFoundOrForbidden as exc:
            raise Http404 from exc
        stored = list(entry.files.defer("content").order_by("id"))
        previews = {f.derived_from_id: f for f in stored if f.role == StoredFile.Role.PREVIEW}
        context = {
            "entry": entry,
            "actions": _entry_actions(request.user, entry),
            "files": [f for f in stored if f.role != StoredFile.Role.PREVIEW],
            "previews": previews,
            "assignments": entry.assignments.select_related("to_unit", "to_user", "by_user"),
        }
        return render(request, "documents/intake/entry_detail.html", context)


class FileDownloadView(BackOfficeView):
    """The byte-exact file (attachment), or a preview / PDF / image shown inline with ``?inline=1``."""

    permission_required = "documents.view_incomingentry"

    def get(self, request, pk: int, file_id: int):
        try:
            entry = access_entry(user=request.user, entry_id=pk, purpose="file download")
        except NotFoundOrForbidden as exc:
            raise Http404 from exc
        stored = StoredFile.objects.filter(pk=file_id, entry=entry).first()
        if stored is None:
            raise Http404
        audit_log(
            actor=request.user,
            action="documents.file.downloaded",
            obj=stored,
            details={"entry": entry.rpw_number, "role": stored.role, "sha256": stored.sha256},
        )
        return file_response(stored, inline=request.GET.get("inline") == "1")


def file_response(stored: StoredFile, *, inline: bool = False) -> HttpResponse:
    inline = inline and (stored.role == StoredFile.Role.PREVIEW or stored.mime_type in INLINE_TYPES)
    response = HttpResponse(bytes(stored.content), content_type=stored.mime_type or "application/octet-stream")
    disposition = "inline" if inline else "attachment"
    ascii_name = stored.file_name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    response["Content-Disposition"] = (
        f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(stored.file_name)}"
    )
    response["Content-Length"] = str(stored.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return response


class RegisterPrintView(BackOfficeView):
    """The RPW of a day range as a PDF (for signing off the day's register)."""

    permission_required = "documents.register_mail"

    def get(self, request):
        form = PrintForm(request.GET or None)
        if not form.is_valid():
            return render(
                request, "documents/intake/print_form.html", {"form": form}, status=400 if request.GET else 200
            )
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        entries = (
            filter_entries(entries_visible_to(request.user), {"date_from": start, "date_to": end})
            .select_related("sender", "assigned_unit")
            .order_by("received_at", "year", "number")
        )
        html = render_to_string(
            "documents/intake/rpw_print.html",
            {"entries": entries, "date_from": start, "date_to": end, "printed_at": timezone.localtime()},
            request=request,
        )
        pdf = render_pdf(html)
        audit_log(
            actor=request.user,
            action="documents.register.printed",
            object_type="documents.incomingentry",
            details={"from": start.isoformat(), "to": end.isoformat(), "entries": len(entries)},
        )
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="rpw-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
        return response


class EmailIntakeListView(BackOfficeView):
    permission_required = "documents.register_mail"

    def get(self, request):
        status = request.GET.get("status", EmailIntake.Status.QUARANTINED)
        qs = EmailIntake.objects.defer("raw").select_related("entry", "decided_by")
        if status in EmailIntake.Status.values:
            qs = qs.filter(status=status)
        page = Paginator(qs.order_by("-received_at", "-id"), 25).get_page(request.GET.get("page"))
        return render(
            request,
            "documents/intake/email_list.html",
            {"page": page, "status": status, "statuses": EmailIntake.Status.choices, "form": DecisionForm()},
        )


class EmailIntakeDecideView(BackOfficeView):
    permission_required = "documents.register_mail"

    def post(self, request, pk: int):
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose release or refuse."))
            return redirect("documents:intake-email-list")
        service = (
            email_intake_release
            if form.cleaned_data["decision"] == EmailIntake.Status.RELEASED
            else email_intake_refuse
        )
        try:
            intake = service(actor=request.user, intake_id=pk, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            if exc.code == "not_found":
                raise Http404 from exc
            messages.error(request, exc.message)
            return redirect("documents:intake-email-list")
        if intake.entry_id:
            messages.success(request, _("Released and registered as %(number)s.") % {"number": intake.entry.rpw_number})
        else:
            messages.success(request, _("The message was refused."))
        return redirect(reverse("documents:intake-email-list"))


urlpatterns = [
    path("rpw/", EntryListView.as_view(), name="intake-entry-list"),
    path("rpw/new/", RegisterMailView.as_view(), name="intake-register"),
    path("rpw/print/", RegisterPrintView.as_view(), name="intake-print"),
    path("rpw/parties/", PartySearchView.as_view(), name="intake-party-search"),
    path("rpw/email/", EmailIntakeListView.as_view(), name="intake-email-list"),
    path("rpw/email/<int:pk>/decide/", EmailIntakeDecideView.as_view(), name="intake-email-decide"),
    path("rpw/<int:pk>/", EntryDetailView.as_view(), name="intake-entry-detail"),
    path("rpw/<int:pk>/files/<int:file_id>/", FileDownloadView.as_view(), name="intake-file-download"),
]
