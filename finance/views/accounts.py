"""Back-office views of the accounts area: obligor accounts, the account card (karta kontowa) with the balance as
of a chosen date, a party's accounts, the cash payment form. Thin: permission, form, selector or service call."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.domain.money import format_pln
from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from core.views import BackOfficeView
from finance import selectors
from finance.models import AccountEntry, Installment, InterestAdjustment, ObligorAccount, ReceivableType
from finance.services.interest_adjustments import interest_adjustment_add, interest_adjustment_cancel
from finance.services.payments import payment_register_cash

VIEW = "finance.view_balances"


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=gettext_lazy("Balance as of"), required=False,
                            widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Obligor (name, PESEL, NIP)"), required=False, max_length=100)
    receivable_type = forms.ModelChoiceField(
        label=gettext_lazy("receivable type"), queryset=ReceivableType.objects.all(), required=False
    )
    year = forms.IntegerField(label=gettext_lazy("year"), required=False, min_value=2000, max_value=2100)


class CashPaymentForm(forms.Form):
    party = forms.IntegerField(label=gettext_lazy("Payer (party id)"), min_value=1)
    amount = forms.DecimalField(label=gettext_lazy("amount"), max_digits=14, decimal_places=2)
    payment_date = forms.DateField(label=gettext_lazy("payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    indicated_type = forms.ModelChoiceField(
        label=gettext_lazy("indicated receivable"), queryset=ReceivableType.objects.filter(is_active=True),
        required=False,
    )  # fmt: skip
    title = forms.CharField(label=gettext_lazy("title"), required=False, max_length=500)

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, field_messages in errors.items():
            for message in field_messages:
                self.add_error(field if field in self.fields else None, message)


class InterestAdjustmentForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=InterestAdjustment.Kind.choices)
    installment = forms.ModelChoiceField(
        label=gettext_lazy("installment (all when empty)"), queryset=Installment.objects.none(), required=False
    )
    date_from = forms.DateField(label=gettext_lazy("from"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=gettext_lazy("to (inclusive; open when empty)"), required=False,
                              widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    legal_basis = forms.CharField(label=gettext_lazy("legal basis"), max_length=200)
    reason = forms.CharField(label=gettext_lazy("reason"), max_length=500, required=False)

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        if account is not None:
            self.fields["installment"].queryset = Installment.objects.filter(charge__account=account).order_by(
                "effective_due_date", "number"
            )

    add_service_errors = CashPaymentForm.add_service_errors


class InterestAdjustmentCancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("why cancelled"), max_length=500)


def _as_of(request) -> tuple[AsOfForm, datetime.date]:
    form = AsOfForm(request.GET or None)
    if form.is_valid() and form.cleaned_data["as_of"]:
        return form, form.cleaned_data["as_of"]
    return form, timezone.localdate()


class AccountListView(BackOfficeView):
    permission_required = VIEW

    def get(self, request):
        form = AccountFilterForm(request.GET or None)
        qs = ObligorAccount.objects.select_related("party", "receivable_type").order_by("-year", "party_id", "id")
        if form.is_valid():
            data = form.cleaned_data
            if data["q"]:
                q = data["q"].strip()
                qs = qs.filter(
                    Q(party__surname__icontains=q) | Q(party__name__icontains=q) | Q(party__pesel=q) | Q(party__nip=q)
                )
            if data["receivable_type"]:
                qs = qs.filter(receivable_type=data["receivable_type"])
            if data["year"]:
                qs = qs.filter(year=data["year"])
            if data["q"]:
                audit_log(actor=request.user, action="finance.accounts.searched", object_type="finance.obligoraccount",
                          details={"query": data["q"]})  # fmt: skip
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        return render(request, "finance/accounts/account_list.html", {"form": form, "page": page})


class AccountDetailView(BackOfficeView):
    """The account card: entries in date order, installments with due dates and their state, the balance as of a
    chosen date (with interest as if paid that day)."""

    permission_required = VIEW

    def get(self, request, pk: int):
        try:
            account = selectors.access_account(user=request.user, account_id=pk, purpose="account card")
        except NotFoundOrForbidden:
            raise Http404 from None
        form, as_of = _as_of(request)
        state = selectors.account_state(account, as_of=as_of)
        entries = (
            AccountEntry.objects.filter(account=account)
            .select_related("installment", "reverses", "counter_account", "payment", "journal_entry")
            .order_by("value_date", "id")
        )
        context = {
            "account": account,
            "form": form,
            "as_of": as_of,
            "state": state,
            "balance": selectors.Balance(
                state.principal, state.interest, state.costs, state.overpayment, state.arrears
            ),
            "entries": entries,
            "co_obligors": account.co_obligors.order_by("id"),
            **_adjustments_context(request, account),
        }
        return render(request, "finance/accounts/account_detail.html", context)


def _adjustments_context(request, account, form=None) -> dict:
    can_edit = request.user.has_perm("finance.post_entries")
    return {
        "interest_adjustments": account.interest_adjustments.select_related("installment").order_by("date_from", "id"),
        "adjustment_form": (form or InterestAdjustmentForm(account=account)) if can_edit else None,
        "can_adjust_interest": can_edit,
    }


class InterestAdjustmentAddView(BackOfficeView):
    """Record a period of reduced / increased / no interest on the account card (POST only)."""

    permission_required = "finance.post_entries"

    def post(self, request, pk: int):
        try:
            account = selectors.access_account(user=request.user, account_id=pk, purpose="interest adjustment")
        except NotFoundOrForbidden:
            raise Http404 from None
        form = InterestAdjustmentForm(request.POST, account=account)
        if form.is_valid():
            data = form.cleaned_data
            try:
                interest_adjustment_add(
                    actor=request.user, account=account, installment=data["installment"], kind=data["kind"],
                    date_from=data["date_from"], date_to=data["date_to"], legal_basis=data["legal_basis"],
                    reason=data["reason"],
                )  # fmt: skip
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Interest adjustment recorded."))
                return HttpResponseRedirect(reverse("finance:account-detail", args=[account.pk]))
        state = selectors.account_state(account, as_of=timezone.localdate())
        context = {
            "account": account, "form": AsOfForm(), "as_of": state.as_of, "state": state,
            "balance": selectors.Balance(state.principal, state.interest, state.costs, state.overpayment,
                                         state.arrears),
            "entries": AccountEntry.objects.filter(account=account).order_by("value_date", "id"),
            "co_obligors": account.co_obligors.order_by("id"), **_adjustments_context(request, account, form),
        }  # fmt: skip
        return render(request, "finance/accounts/account_detail.html", context, status=422)


class InterestAdjustmentCancelView(BackOfficeView):
    """Cancel an interest adjustment with a reason (POST only)."""

    permission_required = "finance.post_entries"

    def post(self, request, pk: int, adjustment_id: int):
        try:
            account = selectors.access_account(user=request.user, account_id=pk, purpose="interest adjustment")
        except NotFoundOrForbidden:
            raise Http404 from None
        adjustment = get_object_or_404(InterestAdjustment, pk=adjustment_id, account=account)
        form = InterestAdjustmentCancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason of the cancellation."))
        else:
            try:
                interest_adjustment_cancel(
                    actor=request.user, adjustment=adjustment, reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Interest adjustment cancelled."))
        return HttpResponseRedirect(reverse("finance:account-detail", args=[account.pk]))


class PartyAccountsView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, party_id: int):
        party = get_object_or_404(Party, pk=party_id)
        form, as_of = _as_of(request)
        rows = selectors.party_balances(party, as_of=as_of)
        audit_log(actor=request.user, action="finance.party_accounts.viewed", obj=party,
                  details={"as_of": as_of.isoformat()})  # fmt: skip
        total = selectors.EMPTY
        for _a, b in rows:
            total = total + b
        return render(
            request,
            "finance/accounts/party_accounts.html",
            {"party": party, "rows": rows, "total": total, "form": form, "as_of": as_of},
        )


class CashPaymentView(BackOfficeView):
    permission_required = "finance.manage_payments"
    template = "finance/accounts/payment_cash.html"

    def get(self, request):
        initial = {"payment_date": timezone.localdate(), "party": request.GET.get("party") or None}
        return render(request, self.template, {"form": CashPaymentForm(initial=initial)})

    def post(self, request):
        form = CashPaymentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            party = Party.objects.filter(pk=data["party"]).first()
            if party is None:
                form.add_error("party", _("No such party."))
            else:
                try:
                    payment = payment_register_cash(
                        actor=request.user, party=party, amount=data["amount"], payment_date=data["payment_date"],
                        indicated_type=data["indicated_type"], title=data["title"],
                    )  # fmt: skip
                except ServiceValidationError as exc:
                    form.add_service_errors(exc.errors)
                except ApplicationError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Payment of %(amount)s registered and allocated.")
                                     % {"amount": format_pln(payment.amount)})  # fmt: skip
                    return HttpResponseRedirect(reverse("finance:party-accounts", args=[party.pk]))
        return render(request, self.template, {"form": form}, status=422)


urlpatterns = [
    path("accounts/", AccountListView.as_view(), name="account-list"),
    path("accounts/<int:pk>/", AccountDetailView.as_view(), name="account-detail"),
    path(
        "accounts/<int:pk>/interest-adjustments/add/",
        InterestAdjustmentAddView.as_view(),
        name="interest-adjustment-add",
    ),
    path(
        "accounts/<int:pk>/interest-adjustments/<int:adjustment_id>/cancel/",
        InterestAdjustmentCancelView.as_view(),
        name="interest-adjustment-cancel",
    ),
    path("parties/<int:party_id>/accounts/", PartyAccountsView.as_view(), name="party-accounts"),
    path("payments/cash/", CashPaymentView.as_view(), name="payment-cash"),
]
