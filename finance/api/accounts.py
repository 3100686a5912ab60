"""/api/v1/finance/: obligor accounts, their entries, balances as of a date (with interest), cash payments.

Thin views: permissions declared per view; one account is read through ``access_account`` (checked and logged).
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from finance import selectors
from finance.models import AccountEntry, Installment, InterestAdjustment, ObligorAccount, ReceivableType
from finance.services.interest_adjustments import interest_adjustment_add, interest_adjustment_cancel
from finance.services.payments import payment_register_cash

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
VIEW = ("finance.view_balances",)
AS_OF = OpenApiParameter("as_of", datetime.date, description="Balance as of this date (default: today).")


def _invalid(field: str, message: str) -> ServiceValidationError:
    return ServiceValidationError(gettext("The data contain errors."), errors={field: [message]})


def _as_of(request) -> datetime.date:
    raw = request.query_params.get("as_of", "")
    if not raw:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(raw)
    except ValueError:
        raise _invalid("as_of", gettext("Give a date as YYYY-MM-DD.")) from None


class AccountBalanceSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    principal = serializers.DecimalField(max_digits=14, decimal_places=2)
    arrears = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2)
    costs = serializers.DecimalField(max_digits=14, decimal_places=2)
    overpayment = serializers.DecimalField(max_digits=14, decimal_places=2)
    total_due = serializers.DecimalField(max_digits=14, decimal_places=2)


def _balance(b: selectors.Balance, as_of: datetime.date) -> dict:
    return AccountBalanceSerializer(
        {"as_of": as_of, "principal": b.principal, "arrears": b.arrears, "interest": b.interest, "costs": b.costs,
         "overpayment": b.overpayment, "total_due": b.total_due}
    ).data  # fmt: skip


class ObligorAccountSerializer(serializers.ModelSerializer):
    receivable_type = serializers.CharField(source="receivable_type.code", read_only=True)
    party_name = serializers.CharField(source="party.display_name", read_only=True)
    co_obligors = serializers.SerializerMethodField()

    class Meta:
        model = ObligorAccount
        fields = ["id", "party", "party_name", "co_obligors", "receivable_type", "year", "source_app", "source_ref"]
        read_only_fields = fields

    def get_co_obligors(self, obj) -> list[int]:
        return sorted(p.pk for p in obj.co_obligors.all())


class AccountEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = AccountEntry
        fields = ["id", "kind", "component", "amount", "value_date", "booked_on", "installment", "payment",
                  "reverses", "counter_account", "description", "source_ref", "journal_entry"]  # fmt: skip
        read_only_fields = fields


class AccountInstallmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    effective_due_date = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    principal = serializers.DecimalField(max_digits=14, decimal_places=2, source="state.principal")
    interest = serializers.DecimalField(max_digits=14, decimal_places=2, source="state.interest")


class CashPaymentInputSerializer(serializers.Serializer):
    party = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_date = serializers.DateField()
    indicated_type = serializers.SlugField(required=False, allow_blank=True, default="")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class CashPaymentResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    payment_date = serializers.DateField()
    entries = AccountEntrySerializer(many=True)


class AccountListApi(GenericAPIView):
    """Obligor accounts (filters: ``party`` — as obligor or co-obligor, ``receivable_type`` code, ``year``)."""

    queryset = ObligorAccount.objects.none()
    permission_classes = [require_perms(*VIEW)]
    serializer_class = ObligorAccountSerializer

    @extend_schema(
        operation_id="finance_account_list",
        parameters=[
            OpenApiParameter("party", int),
            OpenApiParameter("receivable_type", str),
            OpenApiParameter("year", int),
        ],
        responses={200: ObligorAccountSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = ObligorAccount.objects.select_related("party", "receivable_type").prefetch_related("co_obligors")
        params = request.query_params
        for name in ("party", "year"):
            if params.get(name) and not params[name].isdigit():
                raise _invalid(name, gettext("Give a number."))
        if params.get("party"):
            qs = qs.filter(Q(party_id=int(params["party"])) | Q(co_obligors=int(params["party"]))).distinct()
        if params.get("year"):
            qs = qs.filter(year=int(params["year"]))
        if params.get("receivable_type"):
            qs = qs.filter(receivable_type__code=params["receivable_type"])
        page = self.paginate_queryset(qs.order_by("id"))
        return self.get_paginated_response(ObligorAccountSerializer(page, many=True).data)


class AccountDetailApi(GenericAPIView):
    """One account with its installments and its balance as of ``as_of`` (interest as if paid that day)."""

    permission_classes = [require_perms(*VIEW)]
    serializer_class = ObligorAccountSerializer

    @extend_schema(operation_id="finance_account_retrieve", parameters=[AS_OF],
                   responses={200: ObligorAccountSerializer, **NOT_FOUND, **ERRORS})  # fmt: skip
    def get(self, request, pk: int):
        as_of = _as_of(request)
        account = selectors.access_account(user=request.user, account_id=pk, purpose="api")
        state = selectors.account_state(account, as_of=as_of)
        data = ObligorAccountSerializer(account).data
        data["balance"] = _balance(
            selectors.Balance(state.principal, state.interest, state.costs, state.overpayment, state.arrears), as_of
        )
        data["installments"] = AccountInstallmentSerializer(state.installments, many=True).data
        return Response(data)


class AccountEntriesApi(GenericAPIView):
    """The entries of one account in date order (the account card's timeline)."""

    queryset = AccountEntry.objects.none()
    permission_classes = [require_perms(*VIEW)]
    serializer_class = AccountEntrySerializer

    @extend_schema(
        operation_id="finance_account_entries", responses={200: AccountEntrySerializer(many=True), **NOT_FOUND}
    )
    def get(self, request, pk: int):
        account = selectors.access_account(user=request.user, account_id=pk, purpose="api entries")
        page = self.paginate_queryset(AccountEntry.objects.filter(account=account).order_by("value_date", "id"))
        return self.get_paginated_response(AccountEntrySerializer(page, many=True).data)


class PartyBalanceApi(GenericAPIView):
    """The balance of everything a party owes (as obligor or co-obligor) as of a date, with one row per account."""

    permission_classes = [require_perms(*VIEW)]
    serializer_class = AccountBalanceSerializer

    @extend_schema(operation_id="finance_party_balance", parameters=[AS_OF],
                   responses={200: AccountBalanceSerializer, **NOT_FOUND, **ERRORS})  # fmt: skip
    def get(self, request, pk: int):
        as_of = _as_of(request)
        party = Party.objects.filter(pk=pk).first()
        if party is None:
            raise NotFoundOrForbidden("not found")
        audit_log(actor=request.user, action="finance.party_balance.viewed", obj=party,
                  details={"as_of": as_of.isoformat(), "via": "api"})  # fmt: skip
        rows, total = [], selectors.EMPTY
        for account, b in selectors.party_balances(party, as_of=as_of):
            total = total + b
            rows.append({"account": account.pk, "receivable_type": account.receivable_type.code,
                         "year": account.year, **_balance(b, as_of)})  # fmt: skip
        return Response({"party": party.pk, **_balance(total, as_of), "accounts": rows})


class CashPaymentApi(GenericAPIView):
    """Register a payment at the cash desk; it is allocated at once (art. 62) and returned with its entries."""

    permission_classes = [require_perms("finance.manage_payments")]
    serializer_class = CashPaymentInputSerializer

    @extend_schema(operation_id="finance_payment_cash", request=CashPaymentInputSerializer,
                   responses={201: CashPaymentResultSerializer, **ERRORS})  # fmt: skip
    def post(self, request):
        serializer = CashPaymentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        party = Party.objects.filter(pk=data["party"]).first()
        if party is None:
            raise _invalid("party", gettext("No such party."))
        indicated = None
        if data["indicated_type"]:
            indicated = ReceivableType.objects.filter(code=data["indicated_type"]).first()
            if indicated is None:
                raise _invalid("indicated_type", gettext("Unknown receivable type."))
        payment = payment_register_cash(
            actor=request.user, party=party, amount=data["amount"], payment_date=data["payment_date"],
            indicated_type=indicated, title=data["title"],
        )  # fmt: skip
        out = {"id": payment.pk, "status": payment.status, "amount": payment.amount,
               "payment_date": payment.payment_date, "entries": payment.entries.order_by("id")}  # fmt: skip
        return Response(CashPaymentResultSerializer(out).data, status=status.HTTP_201_CREATED)


class InterestAdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InterestAdjustment
        fields = ["id", "account", "installment", "kind", "date_from", "date_to", "legal_basis", "reason",
                  "created_by", "created_at", "cancelled_at", "cancelled_by", "cancel_reason"]  # fmt: skip
        read_only_fields = fields


class InterestAdjustmentInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=InterestAdjustment.Kind.choices)
    installment = serializers.IntegerField(required=False, allow_null=True, default=None)
    date_from = serializers.DateField()
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    legal_basis = serializers.CharField(max_length=200, allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class InterestAdjustmentCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, allow_blank=True)


class InterestAdjustmentListApi(GenericAPIView):
    """The interest adjustments of one account (GET: ``finance.view_balances``) and recording a new one (POST:
    ``finance.post_entries``): a period of reduced / increased / no interest (OP art. 54 §1, 56a, 56b)."""

    queryset = InterestAdjustment.objects.none()
    serializer_class = InterestAdjustmentInputSerializer

    permission_classes = [require_perms_by_method({"GET": VIEW, "POST": (*VIEW, "finance.post_entries")})]

    @extend_schema(operation_id="finance_interest_adjustment_list",
                   responses={200: InterestAdjustmentSerializer(many=True), **NOT_FOUND, **ERRORS})  # fmt: skip
    def get(self, request, pk: int):
        account = selectors.access_account(user=request.user, account_id=pk, purpose="api interest adjustments")
        rows = account.interest_adjustments.order_by("date_from", "id")
        return Response(InterestAdjustmentSerializer(rows, many=True).data)

    @extend_schema(operation_id="finance_interest_adjustment_create", request=InterestAdjustmentInputSerializer,
                   responses={201: InterestAdjustmentSerializer, **NOT_FOUND, **ERRORS})  # fmt: skip
    def post(self, request, pk: int):
        account = selectors.access_account(user=request.user, account_id=pk, purpose="api interest adjustments")
        serializer = InterestAdjustmentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        installment = None
        if data["installment"] is not None:
            installment = Installment.objects.filter(pk=data["installment"], charge__account=account).first()
            if installment is None:
                raise _invalid("installment", gettext("The installment is not on this account."))
        adjustment = interest_adjustment_add(
            actor=request.user, account=account, installment=installment, kind=data["kind"],
            date_from=data["date_from"], date_to=data["date_to"], legal_basis=data["legal_basis"],
            reason=data["reason"],
        )  # fmt: skip
        return Response(InterestAdjustmentSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class InterestAdjustmentCancelApi(GenericAPIView):
    """Cancel an interest adjustment with a reason (``finance.post_entries``)."""

    queryset = InterestAdjustment.objects.none()
    permission_classes = [require_perms(*VIEW, "finance.post_entries")]
    serializer_class = InterestAdjustmentCancelSerializer

    @extend_schema(operation_id="finance_interest_adjustment_cancel", request=InterestAdjustmentCancelSerializer,
                   responses={200: InterestAdjustmentSerializer, **NOT_FOUND, **ERRORS})  # fmt: skip
    def post(self, request, pk: int, adjustment_id: int):
        account = selectors.access_account(user=request.user, account_id=pk, purpose="api interest adjustments")
        adjustment = InterestAdjustment.objects.filter(pk=adjustment_id, account=account).first()
        if adjustment is None:
            raise NotFoundOrForbidden("not found")
        serializer = InterestAdjustmentCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        adjustment = interest_adjustment_cancel(
            actor=request.user, adjustment=adjustment, reason=serializer.validated_data["reason"]
        )
        return Response(InterestAdjustmentSerializer(adjustment).data)


urlpatterns = [
    path("accounts/", AccountListApi.as_view(), name="api-finance-accounts"),
    path("accounts/<int:pk>/", AccountDetailApi.as_view(), name="api-finance-account"),
    path("accounts/<int:pk>/entries/", AccountEntriesApi.as_view(), name="api-finance-account-entries"),
    path(
        "accounts/<int:pk>/interest-adjustments/",
        InterestAdjustmentListApi.as_view(),
        name="api-finance-account-interest-adjustments",
    ),
    path(
        "accounts/<int:pk>/interest-adjustments/<int:adjustment_id>/cancel/",
        InterestAdjustmentCancelApi.as_view(),
        name="api-finance-account-interest-adjustment-cancel",
    ),
    path("parties/<int:pk>/balance/", PartyBalanceApi.as_view(), name="api-finance-party-balance"),
    path("payments/cash/", CashPaymentApi.as_view(), name="api-finance-payment-cash"),
]
