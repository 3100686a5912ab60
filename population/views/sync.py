"""Back-office screens of the sync with the central PESEL register: imports, upload, report, apply, discard.

Thin: a permission, a form, one service or selector call, a template. Viewing a report is a logged read
(it shows personal data); applying and discarding are POSTs behind a confirmation page.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.views import BackOfficeView
from population.models import CentralImport, ReconciliationItem
from population.sync import central_import_apply, central_import_discard, central_import_upload, max_upload_bytes
from population.sync.selectors import (
    APPLY_PERMISSION,
    VIEW_PERMISSION,
    access_central_import,
    central_import_items,
    central_import_list,
    central_import_quarantine,
    central_import_to_apply,
    describe_changes,
)
from population.sync.services import too_large_message

PAGE_SIZE = 50
QUARANTINE = "quarantine"
KINDS = [
    (ReconciliationItem.Kind.NEW, gettext_lazy("New")),
    (ReconciliationItem.Kind.CHANGED, gettext_lazy("Changed")),
    (ReconciliationItem.Kind.MISSING_LOCALLY, gettext_lazy("Missing locally")),
    (ReconciliationItem.Kind.MISSING_CENTRALLY, gettext_lazy("Missing centrally")),
]


def _fragment(request) -> bool:
    return bool(request.htmx) and not request.htmx.history_restore_request


class CentralImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Export file (CSV, UTF-8)"),
        help_text=gettext_lazy("The layout is described in docs/formats/pesel-export.md."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > max_upload_bytes():
            raise forms.ValidationError(too_large_message(upload.size))
        return upload


def _import(request, pk: int, purpose: str) -> CentralImport:
    try:
        return access_central_import(user=request.user, import_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


def _report(central_import: CentralImport) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("population:import-detail", args=[central_import.pk]))


class ImportListView(BackOfficeView):
    permission_required = VIEW_PERMISSION

    def get(self, request):
        page = Paginator(central_import_list(user=request.user), 25).get_page(request.GET.get("page"))
        template = (
            "population/sync_import_list_results.html" if _fragment(request) else "population/sync_import_list.html"
        )
        response = render(request, template, {"page": page})
        patch_vary_headers(response, ("HX-Request",))
        return response


class ImportUploadView(BackOfficeView):
    permission_required = VIEW_PERMISSION

    def get(self, request):
        return render(
            request,
            "population/sync_import_upload.html",
            {"form": CentralImportUploadForm(), "limit": max_upload_bytes()},
        )

    def post(self, request):
        form = CentralImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                central_import = central_import_upload(actor=request.user, file_name=upload.name, content=upload.read())
            except ServiceValidationError as exc:
                for messages_ in exc.errors.values():
                    for message in messages_:
                        form.add_error("file", message)
            else:
                if central_import.status == CentralImport.Status.REJECTED:
                    messages.error(request, _("The file was rejected; nothing was imported. See the errors below."))
                else:
                    messages.success(request, _("The file was read. Check the report before applying it."))
                return _report(central_import)
        return render(
            request, "population/sync_import_upload.html", {"form": form, "limit": max_upload_bytes()}, status=422
        )


class ImportDetailView(BackOfficeView):
    permission_required = VIEW_PERMISSION

    def get(self, request, pk: int):
        central_import = _import(request, pk, "report")
        show = request.GET.get("show", "")
        if show not in {k for k, _label in KINDS} | {QUARANTINE}:
            show = ""
        if show == QUARANTINE:
            page = Paginator(central_import_quarantine(central_import=central_import), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            rows = list(page.object_list)
        else:
            page = Paginator(central_import_items(central_import=central_import, kind=show), PAGE_SIZE).get_page(
                request.GET.get("page")
            )
            rows = [{"item": item, "changes": describe_changes(item.changes)} for item in page.object_list]
        summary = central_import.summary or {}
        context = {
            "imp": central_import,
            "page": page,
            "rows": rows,
            "show": show,
            "tabs": [(kind, label, summary.get(kind, 0)) for kind, label in KINDS],
            "quarantine_count": central_import.rows_quarantined,
            "can_decide": central_import.status == CentralImport.Status.PARSED
            and request.user.has_perm(APPLY_PERMISSION),
        }
        template = "population/sync_import_results.html" if _fragment(request) else "population/sync_import_detail.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


class _DecisionView(BackOfficeView):
    permission_required = (VIEW_PERMISSION, APPLY_PERMISSION)
    action = ""

    def get(self, request, pk: int):
        central_import = _import(request, pk, f"confirm {self.action}")
        if central_import.status != CentralImport.Status.PARSED:
            return _report(central_import)
        context = {
            "imp": central_import,
            "action": self.action,
            "to_apply": central_import_to_apply(central_import=central_import),
        }
        return render(request, "population/sync_import_confirm.html", context)

    def post(self, request, pk: int):
        central_import = _import(request, pk, self.action)
        try:
            self.decide(request.user, central_import)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, self.done_message())
        return _report(central_import)


class ImportApplyView(_DecisionView):
    action = "apply"

    def decide(self, user, central_import):
        central_import_apply(actor=user, central_import=central_import)

    def done_message(self) -> str:
        return _("The report was applied to the register.")


class ImportDiscardView(_DecisionView):
    action = "discard"

    def decide(self, user, central_import):
        central_import_discard(actor=user, central_import=central_import)

    def done_message(self) -> str:
        return _("The report was discarded; the register was not changed.")
