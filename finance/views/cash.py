"""Back-office screens of the cash desk (``finance.operate_cash_desk``): the desk screen (today's report, receipt
forms — a tax payment with party search, the stamp duty / another revenue —, a deposit to the bank, cancelling a
receipt, closing the report), the list of reports, a report with its KP/KW, prints (PDF) of the report and of a KP.
Thin: a form, a service call, a template."""

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

from core.domain.money import format_pln
from core.exceptions import ApplicationError
from core.forms import ServiceErrorsForm
from core.models import Party
from core.selectors import party_search
from core.views import BackOfficeView
from finance.models import CashDeposit, CashDesk, CashReceipt, CashReport, Certificate, ReceivableType
from finance.services.cash import (
    cash_deposit,
    cash_deposit_confirm,
    cash_on_hand,
    cash_receipt_cancel,
    cash_receipt_other,
    cash_receipt_payment,
    cash_receipt_pdf,
    cash_report_close,
    cash_report_open,
    cash_report_pdf,
    cash_report_rows,
    report_totals,
)

PERM = "finance.operate_cash_desk"


_ServiceForm = ServiceErrorsForm


class PaymentReceiptForm(_ServiceForm):
    party = forms.IntegerField(label=gettext_lazy("Payer (party id)"), min_value=1)
    amount = forms.DecimalField(label=gettext_lazy("amount"), max_digits=14, decimal_places=2)
    indicated_type = forms.ModelChoiceField(
        label=gettext_lazy("indicated receivable"), queryset=ReceivableType.objects.filter(is_active=True),
        required=False,
    )  # fmt: skip
    title = forms.CharField(label=gettext_lazy("title"), required=False, max_length=500)


class OtherReceiptForm(_ServiceForm):
    kind = forms.ChoiceField(
        label=gettext_lazy("kind"),
        choices=[(CashReceipt.Kind.STAMP_DUTY, CashReceipt.Kind.STAMP_DUTY.label),
                 (CashReceipt.Kind.OTHER, CashReceipt.Kind.OTHER.label)],
    )  # fmt: skip
    payer_name = forms.CharField(label=gettext_lazy("payer's name"), max_length=300)
    amount = forms.DecimalField(label=gettext_lazy("amount"), max_digits=14, decimal_places=2)
    title = forms.CharField(label=gettext_lazy("title"), required=False, max_length=500)
    certificate = forms.ModelChoiceField(
        label=gettext_lazy("certificate"), required=False,
        queryset=Certificate.objects.filter(status=Certificate.Status.REQUESTED, fee_exempt=False,
                                            fee_paid_on__isnull=True),
    )  # fmt: skip
    dzial = forms.CharField(label=gettext_lazy("dział"), required=False, max_length=3)
    rozdzial = forms.CharField(label=gettext_lazy("rozdział"), required=False, max_length=5)
    paragraf = forms.CharField(label=gettext_lazy("paragraf"), required=False, max_length=4)


class DepositForm(_ServiceForm):
    amount = forms.DecimalField(label=gettext_lazy("amount"), max_digits=14, decimal_places=2)


class CancelForm(_ServiceForm):
    receipt = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=300)


class ConfirmForm(_ServiceForm):
    deposit = forms.IntegerField(widget=forms.HiddenInput)
    on = forms.DateField(label=gettext_lazy("credited on"), widget=forms.DateInput(attrs={"type": "date"}))


def _desk(request) -> CashDesk | None:
    code = request.GET.get("desk") or request.POST.get("desk")
    desks = CashDesk.objects.filter(active=True)
    return (desks.filter(code=code).first() if code else None) or desks.first()


class CashDeskView(BackOfficeView):
    """The desk screen: today's report and the forms. POST ``action`` = open / payment / other / deposit / cancel /
    confirm / close."""

    permission_required = PERM
    template = "finance/cash/desk.html"
    FORMS = {"payment": PaymentReceiptForm, "other": OtherReceiptForm, "deposit": DepositForm,
             "cancel": CancelForm, "confirm": ConfirmForm}  # fmt: skip

    def _context(self, request, desk, bound=None):
        today = timezone.localdate()
        report = CashReport.objects.filter(desk=desk, day=today).first() if desk else None
        forms_ = {
            "payment_form": PaymentReceiptForm(initial={"party": request.GET.get("party")}),
            "other_form": OtherReceiptForm(initial={"kind": CashReceipt.Kind.STAMP_DUTY}),
            "deposit_form": DepositForm(),
        }
        if bound:
            forms_.update(bound)
        query = request.GET.get("q", "").strip()
        parties = []
        if query and request.user.has_perm("core.view_party"):
            parties = list(party_search(user=request.user, query=query)[:20])
        # a report left open on an earlier day blocks today's: the screen offers to close it
        earlier_open = (
            CashReport.objects.filter(desk=desk, day__lt=today, status=CashReport.Status.OPEN).order_by("day").first()
            if desk else None
        )  # fmt: skip
        return {
            "desk": desk, "desks": CashDesk.objects.filter(active=True), "report": report, "today": today,
            "earlier_open": earlier_open,
            "earlier_on_hand": cash_on_hand(earlier_open) if earlier_open else None,
            "rows": cash_report_rows(report) if report else [], "on_hand": cash_on_hand(report) if report else None,
            "pending_deposits": CashDeposit.objects.filter(desk=desk, status=CashDeposit.Status.HANDED_OVER)
            if desk else [],
            "query": query, "parties": parties, **forms_,
        }  # fmt: skip

    def get(self, request):
        return render(request, self.template, self._context(request, _desk(request)))

    def post(self, request):
        desk = _desk(request)
        if desk is None:
            messages.error(request, _("No active cash desk."))
            return HttpResponseRedirect(reverse("finance:cash-desk"))
        action = request.POST.get("action", "")
        user = request.user
        form = self.FORMS[action](request.POST) if action in self.FORMS else None
        if form is not None and not form.is_valid():
            return render(request, self.template, self._context(request, desk, {f"{action}_form": form}), status=422)
        data = form.cleaned_data if form is not None else {}
        try:
            if action == "open":
                cash_report_open(actor=user, desk=desk)
                messages.success(request, _("Today's cash report opened."))
            elif action == "payment":
                party = Party.objects.filter(pk=data["party"]).first()
                receipt = cash_receipt_payment(
                    actor=user, desk=desk, party=party if party is not None else data["party"], amount=data["amount"],
                    indicated_type=data["indicated_type"], title=data["title"],
                )  # fmt: skip
                messages.success(request, _("Receipt %(number)s: %(amount)s taken and allocated.") % {
                    "number": receipt.number, "amount": format_pln(receipt.amount)})  # fmt: skip
            elif action == "other":
                receipt = cash_receipt_other(actor=user, desk=desk, **data)
                messages.success(request, _("Receipt %(number)s: %(amount)s taken.") % {
                    "number": receipt.number, "amount": format_pln(receipt.amount)})  # fmt: skip
            elif action == "deposit":
                deposit = cash_deposit(actor=user, desk=desk, amount=data["amount"])
                messages.success(request, _("Deposit %(number)s handed over to the bank.") % {"number": deposit.number})
            elif action == "cancel":
                receipt = get_object_or_404(CashReceipt, pk=data["receipt"], desk=desk)
                cash_receipt_cancel(actor=user, receipt=receipt, reason=data["reason"])
                messages.success(request, _("Receipt %(number)s cancelled.") % {"number": receipt.number})
            elif action == "confirm":
                deposit = get_object_or_404(CashDeposit, pk=data["deposit"], desk=desk)
                cash_deposit_confirm(actor=user, deposit=deposit, on=data["on"])
                messages.success(request, _("Deposit %(number)s credited by the bank.") % {"number": deposit.number})
            elif action == "close":
                # today's report, or the one named (an earlier day's left open)
                report_id = request.POST.get("report", "")
                if report_id:
                    if not report_id.isdigit():
                        raise Http404
                    report = get_object_or_404(CashReport, pk=int(report_id), desk=desk)
                else:
                    report = get_object_or_404(CashReport, desk=desk, day=timezone.localdate())
                cash_report_close(actor=user, report=report)
                messages.success(request, _("Cash report %(number)s closed.") % {"number": report.number})
            else:
                messages.error(request, _("Unknown action."))
                return render(request, self.template, self._context(request, desk), status=400)
        except ApplicationError as exc:
            if form is not None:
                form.add_refusal(exc)
                bound = {f"{action}_form": form}
            else:
                messages.error(request, exc.message)
                bound = None
            return render(request, self.template, self._context(request, desk, bound), status=422)
        return HttpResponseRedirect(f"{reverse('finance:cash-desk')}?desk={desk.code}")


class CashReportListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        page = Paginator(CashReport.objects.select_related("desk"), 50).get_page(request.GET.get("page"))
        # open reports carry a "Close" action (posted to the desk screen with the report's id)
        return render(request, "finance/cash/reports.html", {"page": page, "target": "#main"})


class CashReportDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        report = get_object_or_404(CashReport.objects.select_related("desk", "closed_by"), pk=pk)
        totals = report_totals(report)
        return render(
            request, "finance/cash/report.html",
            {"report": report, "rows": cash_report_rows(report), "totals": totals,
             "closing": totals.closing(report.opening_balance)},
        )  # fmt: skip


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class CashReportPdfView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        report = get_object_or_404(CashReport.objects.select_related("desk", "closed_by"), pk=pk)
        return _pdf(cash_report_pdf(report), report.number.replace("/", "-"))


class CashReceiptPdfView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        receipt = get_object_or_404(CashReceipt.objects.select_related("desk", "report", "cashier", "payment"), pk=pk)
        return _pdf(cash_receipt_pdf(receipt), receipt.number.replace("/", "-"))


urlpatterns = [
    path("cash/", CashDeskView.as_view(), name="cash-desk"),
    path("cash/reports/", CashReportListView.as_view(), name="cash-reports"),
    path("cash/reports/<int:pk>/", CashReportDetailView.as_view(), name="cash-report"),
    path("cash/reports/<int:pk>/pdf/", CashReportPdfView.as_view(), name="cash-report-pdf"),
    path("cash/receipts/<int:pk>/pdf/", CashReceiptPdfView.as_view(), name="cash-receipt-pdf"),
]
