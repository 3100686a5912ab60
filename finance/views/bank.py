"""Back-office views of the bank area (``finance.manage_payments``): bank statements (list, upload with a progress
bar polled by HTMX and a result summary, detail with the matching of every line), the queue of unidentified
payments (resolve to a party and receivable; payment date override). Thin: a form, a service call, a template."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.views import BackOfficeView
from finance import tasks
from finance.forms_bank import PaymentDateForm, PaymentResolveForm, StatementUploadForm
from finance.models import BankStatement, Payment
from finance.services.statements import payment_date_override, payment_resolve
from finance.services.unallocation import (
    payment_reverse_by_bank,
    payment_unallocate,
    reversal_candidates,
    unmatched_reversals,
)

PAYMENTS = "finance.manage_payments"


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, " ".join([exc.message, *[m for ms in exc.errors.values() for m in ms]]))


def upload_dir() -> Path:
    folder = Path(settings.MEDIA_ROOT) / "finance-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


class StatementListView(BackOfficeView):
    permission_required = PAYMENTS

    def get(self, request):
        page = Paginator(BankStatement.objects.select_related("profile"), 50).get_page(request.GET.get("page"))
        return render(
            request, "finance/bank/statements.html", {"page": page, "form": StatementUploadForm(), "target": "#main"}
        )

    def post(self, request):
        form = StatementUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            page = Paginator(BankStatement.objects.select_related("profile"), 50).get_page(1)
            return render(request, "finance/bank/statements.html", {"page": page, "form": form}, status=400)
        job_id = uuid.uuid4().hex
        upload = form.cleaned_data["file"]
        target = upload_dir() / f"{job_id}.sta"
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        tasks.job_set(job_id, state="queued", done=0, total=0, file_name=upload.name[:255], user=request.user.pk)
        args = (job_id, str(target), form.cleaned_data["profile"].pk, request.user.pk, upload.name[:255])
        transaction.on_commit(lambda: tasks.import_statement_upload.delay(*args))
        return HttpResponseRedirect(reverse("finance:statement-job", args=[job_id]))


class StatementJobView(BackOfficeView):
    """The progress of an uploaded file; the fragment (HTMX) polls itself until the job is finished."""

    permission_required = PAYMENTS

    def get(self, request, job_id: str):
        state = tasks.job_state(job_id)
        if state is None or state.get("user") != request.user.pk:
            raise Http404
        total = state.get("total") or 0
        percent = int(100 * (state.get("done") or 0) / total) if total else (100 if state["state"] == "done" else 0)
        context = {"job_id": job_id, "job": state, "percent": percent}
        if request.headers.get("HX-Request"):
            return render(request, "finance/bank/_job.html", context)
        return render(request, "finance/bank/job.html", context)


class StatementDetailView(BackOfficeView):
    permission_required = PAYMENTS

    def get(self, request, pk: int):
        statement = get_object_or_404(BankStatement.objects.select_related("profile", "imported_by"), pk=pk)
        lines = statement.lines.select_related("payment", "payment__party", "reversed_payment").order_by("index")
        return render(request, "finance/bank/statement.html", {"statement": statement, "lines": lines})


class UnidentifiedListView(BackOfficeView):
    permission_required = PAYMENTS

    def get(self, request):
        queryset = Payment.objects.filter(status=Payment.Status.UNIDENTIFIED).select_related("statement_line")
        page = Paginator(queryset.order_by("payment_date", "id"), 50).get_page(request.GET.get("page"))
        return render(request, "finance/bank/unidentified.html", {"page": page, "target": "#main"})


class PaymentResolveView(BackOfficeView):
    permission_required = PAYMENTS

    def _payment(self, pk):
        return get_object_or_404(Payment.objects.select_related("statement_line"), pk=pk)

    def _render(self, request, payment, form, date_form, status=200):
        context = {"payment": payment, "form": form, "date_form": date_form}
        return render(request, "finance/bank/resolve.html", context, status=status)

    def get(self, request, pk: int):
        payment = self._payment(pk)
        date_form = PaymentDateForm(initial={"payment_date": payment.payment_date})
        return self._render(request, payment, PaymentResolveForm(), date_form)

    def post(self, request, pk: int):
        payment = self._payment(pk)
        if request.POST.get("action") == "date":
            date_form = PaymentDateForm(request.POST)
            if date_form.is_valid():
                try:
                    payment_date_override(actor=request.user, payment=payment, **date_form.cleaned_data)
                except ApplicationError as exc:
                    _error(request, exc)
                else:
                    messages.success(request, _("The payment date has been changed."))
                    return HttpResponseRedirect(reverse("finance:payment-resolve", args=[payment.pk]))
            return self._render(request, payment, PaymentResolveForm(), date_form, status=400)
        if request.POST.get("action") == "return":
            from finance.services.returns import payment_return

            try:
                payment_return(
                    actor=request.user,
                    payment=payment,
                    reason=request.POST.get("reason", ""),
                    target_account=request.POST.get("target_account", ""),
                )
            except ApplicationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The payment will be returned to the payer."))
                return HttpResponseRedirect(reverse("finance:payment-unidentified-list"))
            date_form = PaymentDateForm(initial={"payment_date": payment.payment_date})
            return self._render(request, payment, PaymentResolveForm(), date_form, status=400)
        form = PaymentResolveForm(request.POST)
        if form.is_valid():
            try:
                payment_resolve(actor=request.user, payment=payment, **form.cleaned_data)
            except ApplicationError as exc:
                _error(request, exc)
            else:
                messages.success(request, _("The payment has been assigned and allocated."))
                return HttpResponseRedirect(reverse("finance:payment-unidentified-list"))
        date_form = PaymentDateForm(initial={"payment_date": payment.payment_date})
        return self._render(request, payment, form, date_form, status=400)


class PaymentUnallocateView(BackOfficeView):
    """Confirmation and the un-allocation of an allocated bank payment (back to the unidentified queue)."""

    permission_required = PAYMENTS

    def _render(self, request, payment, status=200):
        entries = (
            payment.entries.exclude(kind="reversal")
            .filter(reversed_by__isnull=True)
            .select_related("account", "account__receivable_type")
        )
        context = {"payment": payment, "entries": entries.order_by("id"), "reason": request.POST.get("reason", "")}
        return render(request, "finance/bank/unallocate.html", context, status=status)

    def get(self, request, pk: int):
        payment = get_object_or_404(Payment.objects.select_related("statement_line", "party"), pk=pk)
        return self._render(request, payment)

    def post(self, request, pk: int):
        payment = get_object_or_404(Payment.objects.select_related("statement_line", "party"), pk=pk)
        try:
            payment_unallocate(actor=request.user, payment=payment, reason=request.POST.get("reason", ""))
        except ApplicationError as exc:
            _error(request, exc)
            return self._render(request, payment, status=400)
        messages.success(request, _("The allocation has been reversed; the payment is back among the unidentified."))
        return HttpResponseRedirect(reverse("finance:payment-resolve", args=[payment.pk]))


class UnmatchedReversalListView(BackOfficeView):
    """RC lines (the bank took a credit back) not matched to a payment: the clerk picks the payment."""

    permission_required = PAYMENTS

    def _render(self, request, status=200):
        lines = [(line, reversal_candidates(line)) for line in unmatched_reversals()[:200]]
        return render(request, "finance/bank/reversals.html", {"lines": lines}, status=status)

    def get(self, request):
        return self._render(request)

    def post(self, request):
        line_id, payment_id = request.POST.get("line", ""), request.POST.get("payment", "")
        if not (line_id.isdigit() and payment_id.isdigit()):
            messages.error(request, _("Choose the payment the bank took back."))
            return self._render(request, status=400)
        line = get_object_or_404(unmatched_reversals(), pk=int(line_id))
        payment = get_object_or_404(Payment, pk=int(payment_id))
        try:
            payment_reverse_by_bank(payment=payment, line=line, actor=request.user)
        except ApplicationError as exc:
            _error(request, exc)
            return self._render(request, status=400)
        messages.success(request, _("The payment has been cancelled as reversed by the bank."))
        return HttpResponseRedirect(reverse("finance:statement-reversals"))


urlpatterns = [
    path("statements/", StatementListView.as_view(), name="statement-list"),
    path("statements/jobs/<str:job_id>/", StatementJobView.as_view(), name="statement-job"),
    path("statements/<int:pk>/", StatementDetailView.as_view(), name="statement-detail"),
    path("payments/unidentified/", UnidentifiedListView.as_view(), name="payment-unidentified-list"),
    path("payments/<int:pk>/resolve/", PaymentResolveView.as_view(), name="payment-resolve"),
    path("payments/<int:pk>/unallocate/", PaymentUnallocateView.as_view(), name="payment-unallocate"),
    path("statements/reversals/", UnmatchedReversalListView.as_view(), name="statement-reversals"),
]
