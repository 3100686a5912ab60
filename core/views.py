"""Back-office views of core. Thin: permissions, forms, a service or selector call, a template."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpResponseRedirect, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from core.api.errors import json_error_response
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.forms import PartyForm, PartySearchForm
from core.models import AuditEvent, Heartbeat, Party, Street
from core.roles import ROLE_LABELS
from core.selectors import access_party_by_id, party_search
from core.services.audit import audit_log
from core.services.parties import party_create, party_update

logger = logging.getLogger(__name__)


class BackOfficeView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Anonymous users are sent to the login page; logged-in users without the permission get 403."""

    permission_required: str | tuple[str, ...] = "core.access_backoffice"


class DashboardView(LoginRequiredMixin, View):
    def get(self, request):
        user = request.user
        if not user.has_perm("core.access_backoffice"):
            if user.has_perm("core.use_portal"):
                return redirect("portal:home")
            return render(request, "403.html", status=403)
        roles = [ROLE_LABELS.get(g.name, g.name) for g in user.groups.all()]
        context = {
            "roles": roles,
            "party_count": Party.objects.count() if user.has_perm("core.view_party") else None,
            "pending_review": Party.objects.filter(status=Party.Status.PENDING_REVIEW).count()
            if user.has_perm("core.view_party")
            else None,
            "my_events": AuditEvent.objects.filter(actor=user).order_by("-seq")[:10],
            "recent_events": AuditEvent.objects.order_by("-seq")[:10]
            if user.has_perm("core.view_auditevent")
            else None,
            "heartbeats": Heartbeat.objects.order_by("source")
            if user.is_superuser or user.has_perm("core.verify_audit_chain")
            else None,
        }
        return render(request, "core/dashboard.html", context)


class PartyListView(BackOfficeView):
    permission_required = "core.view_party"

    def get(self, request):
        form = PartySearchForm(request.GET or None)
        query = kind = ""
        if form.is_valid():
            query, kind = form.cleaned_data["q"], form.cleaned_data["kind"]
        qs = party_search(user=request.user, query=query, kind=kind)
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        if query:
            audit_log(
                actor=request.user,
                action="party.searched",
                object_type="core.party",
                details={"query": query, "kind": kind, "results": page.paginator.count},
            )
        template = "core/party_list_results.html" if _fragment(request) else "core/party_list.html"
        response = render(request, template, {"form": form, "page": page, "query": query})
        patch_vary_headers(response, ("HX-Request",))
        return response


class PartyDetailView(BackOfficeView):
    permission_required = "core.view_party"

    def get(self, request, pk: int):
        try:
            party = access_party_by_id(user=request.user, party_id=pk, purpose="back office view")
        except NotFoundOrForbidden:
            raise Http404 from None
        history = party.history.select_related("history_user").order_by("-history_date")[:20]
        return render(request, "core/party_detail.html", {"party": party, "history": history})


class PartyCreateView(BackOfficeView):
    permission_required = ("core.view_party", "core.add_party")

    def get(self, request):
        return render(request, "core/party_form.html", {"form": PartyForm(initial={"kind": Party.Kind.PERSON})})

    def post(self, request):
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                party = party_create(actor=request.user, data=form.to_input())
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, _("Party %(name)s registered.") % {"name": party.display_name})
                return HttpResponseRedirect(reverse("core:party-detail", args=[party.pk]))
        return render(request, "core/party_form.html", {"form": form}, status=422)


class PartyUpdateView(BackOfficeView):
    permission_required = ("core.view_party", "core.change_party")

    def _party(self, request, pk):
        try:
            return access_party_by_id(user=request.user, party_id=pk, purpose="edit")
        except NotFoundOrForbidden:
            raise Http404 from None

    def get(self, request, pk: int):
        party = self._party(request, pk)
        form = PartyForm(initial=PartyForm.initial_from(party))
        return render(request, "core/party_form.html", {"form": form, "party": party})

    def post(self, request, pk: int):
        party = self._party(request, pk)
        form = PartyForm(request.POST)
        if form.is_valid():
            try:
                party = party_update(actor=request.user, party=party, data=form.to_input())
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, _("Changes saved."))
                return HttpResponseRedirect(reverse("core:party-detail", args=[party.pk]))
        return render(request, "core/party_form.html", {"form": form, "party": party}, status=422)


class StreetOptionsView(BackOfficeView):
    """HTMX: the <option>s of the street select for a chosen locality."""

    permission_required = "core.access_backoffice"

    def get(self, request):
        locality = request.GET.get("locality") or ""
        streets = Street.objects.filter(locality_id=locality) if locality.isdigit() else Street.objects.none()
        return render(request, "core/_street_options.html", {"streets": streets})


class AuditListView(BackOfficeView):
    permission_required = "core.view_auditevent"

    def get(self, request):
        qs = AuditEvent.objects.select_related("actor").order_by("-seq")
        action = request.GET.get("action", "").strip()
        object_id = request.GET.get("object_id", "").strip()
        actor = request.GET.get("actor", "").strip()
        if action:
            qs = qs.filter(action__startswith=action)
        if object_id:
            qs = qs.filter(object_id=object_id)
        if actor:
            qs = qs.filter(actor_label=actor)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        template = "core/audit_list_results.html" if _fragment(request) else "core/audit_list.html"
        response = render(
            request, template, {"page": page, "filters": {"action": action, "object_id": object_id, "actor": actor}}
        )
        patch_vary_headers(response, ("HX-Request",))
        return response


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        logger.warning("healthz.database_down", extra={"error": str(exc)})
        return "down"
    return "ok"


def _check_broker() -> str:
    try:
        with Connection(
            settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            if conn.transport_cls == "filesystem" or settings.CELERY_BROKER_URL.startswith("filesystem://"):
                _check_filesystem_broker()
    except Exception as exc:
        logger.warning("healthz.broker_down", extra={"error": str(exc)})
        return "down"
    return "ok"


def _check_filesystem_broker() -> None:
    import os

    folder = settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_out"]
    os.makedirs(folder, exist_ok=True)
    if not os.access(folder, os.W_OK):
        raise OSError(f"broker folder {folder} is not writable")


@never_cache
@require_GET
def healthz(request):
    """Public liveness/readiness probe: 200 when database and broker answer, 503 otherwise."""
    checks = {"database": _check_database(), "broker": _check_broker()}
    ok = all(v == "ok" for v in checks.values())
    return JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def handler404(request, exception=None):
    if _is_api(request):
        return json_error_response(404, _("Not found."), "not_found")
    return render(request, "404.html", status=404)


def handler403(request, exception=None):
    if _is_api(request):
        return json_error_response(403, _("You do not have permission to perform this action."), "permission_denied")
    return render(request, "403.html", status=403)


def handler500(request):
    if _is_api(request):
        return json_error_response(500, _("Internal server error."), "server_error")
    # No request context: the error page must render even when the database is down.
    return HttpResponseServerError(loader.get_template("500.html").render())


def _fragment(request) -> bool:
    """An HTMX request for a partial (not a history restore, which needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request
