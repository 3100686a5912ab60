"""Back-office screens of enforcement titles (``finance.manage_collection``; signing ``finance.sign_titles``):
the titles list (filter by status), a run (proposal → review with exclusions → confirm), a title's detail with its
XML / PDF and the transition buttons, and the reports of payments after sending (screen + CSV)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, NotFoundOrForbidden
from core.exports import csv_response
from core.views import BackOfficeView
from finance.models import CollectionRun, EnforcementPaymentReport, EnforcementTitle, ReceivableType, Reminder
from finance.services import titles as svc

MANAGE = "finance.manage_collection"
S = EnforcementTitle.Status


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, " ".join([exc.message, *[m for ms in exc.errors.values() for m in ms]]))


class RunForm(forms.Form):
    receivable_type = forms.ModelChoiceField(
        ReceivableType.objects.all(), required=False, label=gettext_lazy("receivable type (all when empty)")
    )
    cutoff_date = forms.DateField(label=gettext_lazy("arrears due on or before"))
    issue_date = forms.DateField(label=gettext_lazy("issue date"))


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=S.choices)
    reason = forms.CharField(required=False, max_length=500)
    reference = forms.CharField(required=False, max_length=100)
    on = forms.DateField(required=False)


class ReminderTitleForm(forms.Form):
    reminder = forms.CharField(label=gettext_lazy("reminder number"), max_length=40)
    issue_date = forms.DateField(label=gettext_lazy("issue date"))

    def clean_reminder(self):
        number = self.cleaned_data["reminder"].strip()
        reminder = Reminder.objects.filter(number=number).exclude(number="").first()
        if reminder is None:
            raise forms.ValidationError(_("No reminder with this number."))
        return reminder


class ReportForm(forms.Form):
    period_start = forms.DateField(label=gettext_lazy("from"))
    period_end = forms.DateField(label=gettext_lazy("to"))


class _ManageOrSign:
    """The head of unit signs titles without preparing them: the list and the detail admit either permission."""

    def has_permission(self):
        user = self.request.user
        return user.has_perm(MANAGE) or user.has_perm(svc.SIGN)


class TitleListView(_ManageOrSign, BackOfficeView):
    permission_required = MANAGE

    def get(self, request):
        queryset = EnforcementTitle.objects.exclude(number="").select_related("party")
        current = request.GET.get("status", "")
        if current:
            queryset = queryset.filter(status=current)
        page = Paginator(queryset, 50).get_page(request.GET.get("page"))
        context = {"page": page, "statuses": S.choices, "current": current, "target": "#main"}
        return render(request, "finance/titles/list.html", context)


class TitleRunView(BackOfficeView):
    permission_required = MANAGE

    def _render(self, request, form, status=200, single=None):
        runs = CollectionRun.objects.filter(kind=CollectionRun.Kind.TITLES)[:20]
        single = single or ReminderTitleForm(initial={"issue_date": timezone.localdate()})
        context = {"form": form, "runs": runs, "single": single}
        return render(request, "finance/titles/runs.html", context, status=status)

    def get(self, request):
        return self._render(request, RunForm(initial={"issue_date": timezone.localdate()}))

    def post(self, request):
        form = RunForm(request.POST)
        if form.is_valid():
            try:
                run = svc.title_run_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _error(request, exc)
            else:
                return HttpResponseRedirect(reverse("finance:title-run-detail", args=[run.pk]))
        return self._render(request, form, status=400)


class TitleForReminderView(TitleRunView):
    """A title for one delivered reminder, outside a run (``title_create_for_reminder``)."""

    def get(self, request):
        return HttpResponseRedirect(reverse("finance:title-runs"))

    def post(self, request):
        form = ReminderTitleForm(request.POST)
        if form.is_valid():
            try:
                title = svc.title_create_for_reminder(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _error(request, exc)
            else:
                return HttpResponseRedirect(reverse("finance:title-detail", args=[title.pk]))
        return self._render(request, RunForm(initial={"issue_date": timezone.localdate()}), status=400, single=form)


class TitleRunDetailView(BackOfficeView):
    permission_required = MANAGE

    def _run(self, pk):
        return get_object_or_404(CollectionRun, pk=pk, kind=CollectionRun.Kind.TITLES)

    def get(self, request, pk: int):
        run = self._run(pk)
        titles = run.titles.select_related("party", "reminder").order_by("party__surname", "id")
        return render(request, "finance/titles/run_detail.html", {"run": run, "titles": titles})

    def post(self, request, pk: int):
        run = self._run(pk)
        action = request.POST.get("action")
        try:
            if action == "confirm":
                svc.title_run_confirm(actor=request.user, run=run)
                messages.success(request, _("The titles have been issued."))
            elif action == "cancel":
                svc.title_run_cancel(actor=request.user, run=run, reason=request.POST.get("reason", ""))
            elif action == "exclude":
                title = get_object_or_404(EnforcementTitle, pk=request.POST.get("title"), run=run)
                svc.title_run_exclude(actor=request.user, title=title, reason=request.POST.get("reason", ""))
            else:
                raise Http404
        except ApplicationError as exc:
            _error(request, exc)
        return HttpResponseRedirect(reverse("finance:title-run-detail", args=[run.pk]))


def _access(request, pk: int, purpose: str, issued_only: bool = False) -> EnforcementTitle:
    try:
        return svc.access_title(user=request.user, title_id=pk, purpose=purpose, issued_only=issued_only)
    except NotFoundOrForbidden:
        raise Http404 from None


class TitleDetailView(_ManageOrSign, BackOfficeView):
    permission_required = MANAGE

    def get(self, request, pk: int):
        title = _access(request, pk, "detail")  # the debtor's data on the screen: the read is logged
        allowed = [(s, S(s).label) for s in EnforcementTitle.TRANSITIONS[S(title.status)]]
        context = {"title": title, "items": title.items.select_related("account__receivable_type"), "allowed": allowed}
        return render(request, "finance/titles/detail.html", context)

    def post(self, request, pk: int):
        title = get_object_or_404(EnforcementTitle, pk=pk)
        form = TransitionForm(request.POST)
        if form.is_valid():
            try:
                svc.title_transition(actor=request.user, title=title, **form.cleaned_data)
            except ApplicationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The status of the title has been changed."))
        return HttpResponseRedirect(reverse("finance:title-detail", args=[title.pk]))


class TitleFileView(_ManageOrSign, BackOfficeView):
    permission_required = MANAGE
    kind = "xml"

    def get(self, request, pk: int):
        title = _access(request, pk, self.kind, issued_only=True)
        content_type = "application/xml" if self.kind == "xml" else "application/pdf"
        response = HttpResponse(bytes(getattr(title, self.kind)), content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{title.number.replace("/", "-")}.{self.kind}"'
        return response


class PaymentReportView(BackOfficeView):
    permission_required = MANAGE

    def _render(self, request, form, status=200):
        reports = EnforcementPaymentReport.objects.all()[:30]
        return render(request, "finance/titles/reports.html", {"form": form, "reports": reports}, status=status)

    def get(self, request):
        return self._render(request, ReportForm())

    def post(self, request):
        form = ReportForm(request.POST)
        if form.is_valid():
            try:
                report = svc.enforcement_payment_report(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                _error(request, exc)
            else:
                return HttpResponseRedirect(reverse("finance:title-payment-report", args=[report.pk]))
        return self._render(request, form, status=400)


class PaymentReportDetailView(BackOfficeView):
    permission_required = MANAGE

    def get(self, request, pk: int):
        report = get_object_or_404(EnforcementPaymentReport, pk=pk)
        if request.GET.get("format") == "csv":
            header = [_("Title"), _("Debtor"), _("Payment date"), _("Amount"), _("What it paid")]
            rows = [(r["title"], r["debtor"], r["payment_date"], r["amount"], r["paid"]) for r in report.rows]
            return csv_response(f"wplaty-tw-{report.period_start}-{report.period_end}.csv", header, rows)
        return render(request, "finance/titles/report_detail.html", {"report": report})


urlpatterns = [
    path("titles/", TitleListView.as_view(), name="titles"),
    path("titles/runs/", TitleRunView.as_view(), name="title-runs"),
    path("titles/runs/<int:pk>/", TitleRunDetailView.as_view(), name="title-run-detail"),
    path("titles/new/", TitleForReminderView.as_view(), name="title-for-reminder"),
    path("titles/<int:pk>/", TitleDetailView.as_view(), name="title-detail"),
    path("titles/<int:pk>/xml/", TitleFileView.as_view(kind="xml"), name="title-xml"),
    path("titles/<int:pk>/pdf/", TitleFileView.as_view(kind="pdf"), name="title-pdf"),
    path("titles/payments/", PaymentReportView.as_view(), name="title-payment-reports"),
    path("titles/payments/<int:pk>/", PaymentReportDetailView.as_view(), name="title-payment-report"),
]
