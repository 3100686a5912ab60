"""Back-office screens of the waste fee operations under /taxes/waste/: the water readings and collection contracts
imports (upload, list, an import with its rejected rows), the verification queue (open findings with the declared
value beside the evidence; dismiss with a reason, open a case, verify a month now) and the monthly charge run. Thin:
permission, form, service call (taxes.services.waste_verify, taxes.services.waste_charges), template."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.views import BackOfficeView
from taxes.models import VerificationFinding
from taxes.selectors_waste_ops import KINDS, QUEUE_STATUSES, findings_queue, parse_month
from taxes.services import waste_charges, waste_verify

VIEW, MANAGE, ASSESS = "taxes.view_declaration", "taxes.manage_register", "taxes.assess_taxes"
F = VerificationFinding


KIND_CHOICES = [("water", gettext_lazy("water readings")), ("contracts", gettext_lazy("collection contracts"))]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("file"), choices=KIND_CHOICES)
    file = forms.FileField(label=gettext_lazy("CSV file"))


class MonthForm(forms.Form):
    month = forms.CharField(label=gettext_lazy("month (YYYY-MM)"), max_length=7)

    def clean_month(self):
        month = parse_month(self.cleaned_data["month"])
        if month is None:
            raise forms.ValidationError(_("Give the month as YYYY-MM."))
        return month


class DismissForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for dismissing"), max_length=2000)


def _finding(pk: int) -> F:
    finding = F.objects.filter(pk=pk).first()
    if finding is None:
        raise Http404
    return finding


class WasteImportListView(BackOfficeView):
    permission_required = VIEW
    template = "taxes/waste/ops/imports.html"

    def _render(self, request, form, status=200):
        context = {"form": form, "can_manage": request.user.has_perm(MANAGE),
                   "groups": [(kind, model.objects.all()[:50]) for kind, (model, _s) in KINDS.items()]}  # fmt: skip
        return render(request, self.template, context, status=status)

    def get(self, request):
        return self._render(request, UploadForm())


class WasteImportUploadView(WasteImportListView):
    permission_required = (VIEW, MANAGE)

    def get(self, request):
        return HttpResponseRedirect(reverse("taxes:waste-imports"))

    def post(self, request):
        form = UploadForm(request.POST, request.FILES)
        if form.is_valid():
            kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
            limit = getattr(settings, "WASTE_IMPORT_MAX_BYTES", waste_verify.MAX_BYTES_DEFAULT)
            try:
                result = KINDS[kind][1](actor=request.user, content=upload.read(limit + 1), file_name=upload.name[:255])
            except ApplicationError as exc:
                for message in (getattr(exc, "errors", None) or {}).get("file", []) or [exc.message]:
                    form.add_error("file", message)
            else:
                messages.success(request, _("The file has been imported."))
                return HttpResponseRedirect(reverse("taxes:waste-import-detail", args=[kind, result.pk]))
        return self._render(request, form, status=422)


class WasteImportDetailView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, kind: str, pk: int):
        if kind not in KINDS:
            raise Http404
        obj = KINDS[kind][0].objects.filter(pk=pk).first()
        if obj is None:
            raise Http404
        return render(request, "taxes/waste/ops/import_detail.html", {"import": obj, "kind": kind})


class WasteFindingQueueView(BackOfficeView):
    permission_required = (VIEW, MANAGE)
    template = "taxes/waste/ops/findings.html"

    def _render(self, request, *, month_form=None, errors=None, status=200):
        kind = request.GET.get("kind") or ""
        state = request.GET.get("status") or ""
        state = state if state in QUEUE_STATUSES else F.Status.OPEN
        qs = findings_queue(kind=kind, month=parse_month(request.GET.get("month")), status=state)
        context = {"findings": qs[:200], "kinds": F.Kind.choices, "kind": kind, "month": request.GET.get("month", ""),
                   "status": state, "statuses": [(s, F.Status(s).label) for s in QUEUE_STATUSES],
                   "month_form": month_form or MonthForm(), "errors": errors or []}  # fmt: skip
        return render(request, self.template, context, status=status)

    def get(self, request):
        return self._render(request)


class WasteVerifyView(WasteFindingQueueView):
    def post(self, request):
        form = MonthForm(request.POST)
        if not form.is_valid():
            return self._render(request, month_form=form, status=422)
        result = waste_verify.waste_verify(month=form.cleaned_data["month"])
        messages.success(
            request, _("Verification of %(month)s: %(created)s new findings, %(updated)s updated.") % result
        )
        return HttpResponseRedirect(reverse("taxes:waste-findings"))


class WasteFindingDismissView(WasteFindingQueueView):
    def post(self, request, pk: int):
        finding = _finding(pk)
        form = DismissForm(request.POST)
        try:
            if not form.is_valid():
                raise ApplicationError(_("Give the reason for dismissing the finding."), code="invalid")
            waste_verify.finding_dismiss(actor=request.user, finding=finding, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            return self._render(request, errors=[exc.message], status=422)
        messages.success(request, _("The finding has been dismissed."))
        return HttpResponseRedirect(reverse("taxes:waste-findings"))


class WasteFindingCaseView(WasteFindingQueueView):
    def post(self, request, pk: int):
        try:
            waste_verify.finding_open_case(actor=request.user, finding=_finding(pk))
        except ApplicationError as exc:
            return self._render(request, errors=[exc.message], status=422)
        messages.success(request, _("A case has been opened for the finding."))
        return HttpResponseRedirect(reverse("taxes:waste-findings"))


class WasteChargesView(BackOfficeView):
    permission_required = (VIEW, ASSESS)
    template = "taxes/waste/ops/charges.html"

    def get(self, request):
        return render(request, self.template, {"form": MonthForm()})

    def post(self, request):
        form = MonthForm(request.POST)
        if not form.is_valid():
            return render(request, self.template, {"form": form}, status=422)
        try:
            counts = waste_charges.waste_charges_post(actor=request.user, month=form.cleaned_data["month"])
        except ApplicationError as exc:
            return render(request, self.template, {"form": form, "errors": [exc.message]}, status=422)
        return render(request, self.template, {"form": form, "counts": counts, "month": form.cleaned_data["month"]})


urlpatterns = [
    path("waste/imports/", WasteImportListView.as_view(), name="waste-imports"),
    path("waste/imports/upload/", WasteImportUploadView.as_view(), name="waste-import-upload"),
    path("waste/imports/<str:kind>/<int:pk>/", WasteImportDetailView.as_view(), name="waste-import-detail"),
    path("waste/findings/", WasteFindingQueueView.as_view(), name="waste-findings"),
    path("waste/findings/verify/", WasteVerifyView.as_view(), name="waste-verify"),
    path("waste/findings/<int:pk>/dismiss/", WasteFindingDismissView.as_view(), name="waste-finding-dismiss"),
    path("waste/findings/<int:pk>/open-case/", WasteFindingCaseView.as_view(), name="waste-finding-case"),
    path("waste/charges/", WasteChargesView.as_view(), name="waste-charges"),
]
