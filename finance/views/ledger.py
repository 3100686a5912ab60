"""Back-office views: the ledger (trial balance, account turnover, receipts per classification, month closing —
``finance.manage_ledger``) and refunds of overpayments (orders, cancellation, Elixir-O export —
``finance.manage_refunds``). Thin: a form, a service or report call, a template or a CSV file."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.domain.money import format_pln
from core.exceptions import ApplicationError
from core.exports import csv_response
from core.services.audit import audit_log
from core.views import BackOfficeView
from finance.forms_ledger import PeriodCloseForm, PeriodForm, RefundOrderForm
from finance.models import AccountingPeriod, JournalEntry, LedgerAccount, ObligorAccount, RefundExport, RefundOrder
from finance.services.ledger import period_close
from finance.services.refunds import latest_payer_account, overpayment_of, refund_cancel, refund_order, refunds_export
from finance.services.reports import (
    account_turnover,
    classification_total,
    receipts_by_classification,
    trial_balance,
)

LEDGER = "finance.manage_ledger"
REFUNDS = "finance.manage_refunds"


def _error(request, exc: ApplicationError) -> None:
    details = [m for ms in exc.errors.values() for m in ms]
    messages.error(request, " ".join([exc.message, *details]))


def _period(request):
    form = PeriodForm.from_query(request.GET)
    if form.is_valid():
        return form, form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    return form, None, None


class TrialBalanceView(BackOfficeView):
    permission_required = LEDGER

    def get(self, request):
        form, start, end = _period(request)
        report = trial_balance(date_from=start, date_to=end) if start else None
        if report is not None and request.GET.get("format") == "csv":
            header = [
                _("Account"),
                _("Name"),
                _("Opening balance Wn"),
                _("Opening balance Ma"),
                _("Turnover Wn"),
                _("Turnover Ma"),
                _("Closing balance Wn"),
                _("Closing balance Ma"),
            ]
            rows = [[r.number, r.name, *r.values()] for r in [*report.rows, report.totals]]
            return csv_response(f"zestawienie-obrotow-i-sald-{start:%Y%m%d}-{end:%Y%m%d}.csv", header, rows)
        return render(request, "finance/ledger/trial_balance.html", {"form": form, "report": report})


class AccountTurnoverView(BackOfficeView):
    permission_required = LEDGER

    def get(self, request, number):
        form, start, end = _period(request)
        obligor = None
        if (request.GET.get("obligor_account") or "").isdigit():
            obligor = ObligorAccount.objects.filter(pk=int(request.GET["obligor_account"])).first()
        try:
            report = (
                account_turnover(number=number, date_from=start, date_to=end, obligor_account=obligor)
                if start
                else None
            )
        except LedgerAccount.DoesNotExist:
            raise Http404 from None
        if report is not None and report.account.analytic_by_obligor:
            audit_log(
                actor=request.user,
                action="finance.ledger.turnover_viewed",
                obj=report.account,
                details={"from": start, "to": end, "obligor_account": obligor.pk if obligor else None},
            )
        if report is not None and request.GET.get("format") == "csv":
            header = [_("Date"), _("Entry"), _("Description"), _("Obligor account"), _("Classification"), "Wn", "Ma"]
            rows = [
                [
                    line.entry.date.strftime("%d.%m.%Y"),
                    line.entry_id,
                    line.entry.description,
                    str(line.obligor_account or ""),
                    "/".join(x for x in (line.dzial, line.rozdzial, line.paragraf) if x),
                    line.debit,
                    line.credit,
                ]
                for line in report.lines.iterator()
            ]
            return csv_response(f"obroty-{number}-{start:%Y%m%d}-{end:%Y%m%d}.csv", header, rows)
        page = Paginator(report.lines, 200).get_page(request.GET.get("page")) if report else None
        context = {"form": form, "number": number, "report": report, "page": page}
        return render(request, "finance/ledger/turnover.html", context)


class ClassificationView(BackOfficeView):
    permission_required = LEDGER

    def get(self, request):
        form, start, end = _period(request)
        rows = receipts_by_classification(date_from=start, date_to=end) if start else []
        total = classification_total(rows)
        if start and request.GET.get("format") == "csv":
            header = [_("Section"), _("Chapter"), _("Paragraph"), _("Receipts"), _("Refunds"), _("Net")]
            data = [[r.dzial, r.rozdzial, r.paragraf, r.receipts, r.refunds, r.net] for r in [*rows, total]]
            return csv_response(f"wplywy-klasyfikacja-{start:%Y%m%d}-{end:%Y%m%d}.csv", header, data)
        return render(request, "finance/ledger/classification.html", {"form": form, "rows": rows, "total": total})


def open_months_with_entries() -> list[tuple[int, int]]:
    """Months that have journal entries and are not closed (newest first)."""
    closed = set(AccountingPeriod.objects.filter(closed_at__isnull=False).values_list("year", "month"))
    months = JournalEntry.objects.annotate(m=TruncMonth("date")).values_list("m", flat=True).distinct().order_by("-m")
    return [(m.year, m.month) for m in months if (m.year, m.month) not in closed]


class PeriodListView(BackOfficeView):
    permission_required = LEDGER

    def _render(self, request, form, status=200):
        context = {
            "form": form,
            "closed": AccountingPeriod.objects.filter(closed_at__isnull=False)
            .select_related("closed_by")
            .order_by("-year", "-month"),
            "open_months": open_months_with_entries(),
        }
        return render(request, "finance/ledger/periods.html", context, status=status)

    def get(self, request):
        today = timezone.localdate()
        previous = today.replace(day=1) - datetime.timedelta(days=1)
        return self._render(request, PeriodCloseForm(initial={"year": previous.year, "month": previous.month}))

    def post(self, request):
        form = PeriodCloseForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=422)
        year, month = form.cleaned_data["year"], form.cleaned_data["month"]
        try:
            period_close(actor=request.user, year=year, month=month)
        except ApplicationError as exc:
            _error(request, exc)
            return self._render(request, form, status=422)
        messages.success(request, _("The period %(month)02d.%(year)d is closed.") % {"month": month, "year": year})
        return HttpResponseRedirect(reverse("finance:ledger-periods"))


class RefundListView(BackOfficeView):
    permission_required = REFUNDS

    def get(self, request):
        status = request.GET.get("status", RefundOrder.Status.ORDERED)
        orders = RefundOrder.objects.select_related("account__receivable_type", "party", "export")
        if status in RefundOrder.Status.values:
            orders = orders.filter(status=status)
        context = {
            "orders": orders.order_by("-created_at")[:500],
            "status": status,
            "statuses": RefundOrder.Status.choices,
            "exports": RefundExport.objects.defer("content")[:20],
        }
        return render(request, "finance/ledger/refunds.html", context)


def _account(pk) -> ObligorAccount:
    account = ObligorAccount.objects.select_related("party", "receivable_type").filter(pk=pk).first()
    if account is None:
        raise Http404
    return account


class RefundCreateView(BackOfficeView):
    permission_required = REFUNDS

    def _render(self, request, account, form, status=200):
        context = {
            "account": account,
            "form": form,
            "overpayment": overpayment_of(account, as_of=timezone.localdate()),
            "payer_account": latest_payer_account(account),
        }
        return render(request, "finance/ledger/refund_form.html", context, status=status)

    def get(self, request, account_id):
        return self._render(request, _account(account_id), RefundOrderForm())

    def post(self, request, account_id):
        account = _account(account_id)
        form = RefundOrderForm(request.POST)
        if form.is_valid():
            try:
                order = refund_order(
                    actor=request.user,
                    account=account,
                    amount=form.cleaned_data["amount"],
                    target_account=form.cleaned_data["target_account"] or None,
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                for name, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
                if not exc.errors:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, _("Refund of %(amount)s ordered.") % {"amount": format_pln(order.amount)})
                return HttpResponseRedirect(reverse("finance:refunds"))
        return self._render(request, account, form, status=422)


class RefundCancelView(BackOfficeView):
    permission_required = REFUNDS

    def post(self, request, pk):
        order = RefundOrder.objects.filter(pk=pk).first()
        if order is None:
            raise Http404
        try:
            refund_cancel(actor=request.user, order=order, reason=request.POST.get("reason", "")[:200])
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The refund is cancelled."))
        return HttpResponseRedirect(reverse("finance:refunds"))


class RefundExportView(BackOfficeView):
    permission_required = REFUNDS

    def post(self, request):
        ids = [int(x) for x in request.POST.getlist("orders") if x.isdigit()]
        try:
            export = refunds_export(actor=request.user, orders=ids)
        except ApplicationError as exc:
            _error(request, exc)
            return HttpResponseRedirect(reverse("finance:refunds"))
        messages.success(request, _("Transfer file %(name)s created.") % {"name": export.file_name})
        return HttpResponseRedirect(reverse("finance:refunds") + "?status=exported")


class RefundExportDownloadView(BackOfficeView):
    permission_required = REFUNDS

    def get(self, request, pk):
        export = RefundExport.objects.filter(pk=pk).first()
        if export is None:
            raise Http404
        audit_log(actor=request.user, action="finance.refund.export_downloaded", obj=export)
        response = HttpResponse(bytes(export.content), content_type="text/plain; charset=windows-1250")
        response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
        return response


urlpatterns = [
    path("ledger/", TrialBalanceView.as_view(), name="ledger-trial-balance"),
    path("ledger/accounts/<str:number>/", AccountTurnoverView.as_view(), name="ledger-account-turnover"),
    path("ledger/classification/", ClassificationView.as_view(), name="ledger-classification"),
    path("ledger/periods/", PeriodListView.as_view(), name="ledger-periods"),
    path("refunds/", RefundListView.as_view(), name="refunds"),
    path("refunds/new/<int:account_id>/", RefundCreateView.as_view(), name="refund-create"),
    path("refunds/<int:pk>/cancel/", RefundCancelView.as_view(), name="refund-cancel"),
    path("refunds/export/", RefundExportView.as_view(), name="refunds-export"),
    path("refunds/exports/<int:pk>/", RefundExportDownloadView.as_view(), name="refund-export-download"),
]
