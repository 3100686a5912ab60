"""/api/v1/finance/ — bank: statements (list, upload = a synchronous import, detail with lines), payments (filters,
the unidentified queue, resolving), virtual accounts (by party; create). Thin views: permissions per method, rules
in ``finance.services.statements`` / ``virtual_accounts`` (a refusal is a 400 with its code and, for a rejected
file, the line)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import error_body
from core.api.pagination import Pagination
from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.models import Party
from finance.forms_bank import MAX_UPLOAD_BYTES
from finance.models import BankProfile, BankStatement, Payment, ReceivableType, StatementLine, VirtualAccount
from finance.services.statements import StatementRejected, payment_resolve, statement_import
from finance.services.unallocation import (
    payment_reverse_by_bank,
    payment_unallocate,
    reversal_candidates,
    unmatched_reversals,
)
from finance.services.virtual_accounts import virtual_account_for

PAYMENTS = "finance.manage_payments"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


def _rejected(exc: StatementRejected) -> Response:
    """The project's error shape (core.api.errors) plus the line of the file that was rejected."""
    return Response({**error_body(exc.message, exc.code, exc.errors), "line": exc.line}, status=400)


# --- serializers ------------------------------------------------------------------------------------------------


class StatementSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="profile.code")

    class Meta:
        model = BankStatement
        fields = [
            "id", "profile", "reference", "account", "sequence", "statement_date", "opening_balance",
            "closing_balance", "status", "lines_total", "lines_matched", "lines_unidentified", "file_name",
            "imported_at",
        ]  # fmt: skip


class PaymentSerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id", allow_null=True)
    indicated_type = serializers.CharField(source="indicated_type.code", default=None)
    statement_line = serializers.IntegerField(source="statement_line_id", allow_null=True)

    class Meta:
        model = Payment
        fields = [
            "id", "source", "status", "party", "indicated_type", "amount", "payment_date", "payment_date_reason",
            "received_on", "payer_account", "title", "statement_line", "indicated_ref",
        ]  # fmt: skip


class LineSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    value_date = serializers.DateField()
    entry_date = serializers.DateField(allow_null=True)
    is_credit = serializers.BooleanField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    currency = serializers.CharField()
    transaction_code = serializers.CharField()
    bank_reference = serializers.CharField()
    title = serializers.CharField()
    counterparty_name = serializers.CharField()
    counterparty_account = serializers.CharField()
    virtual_account = serializers.CharField()
    match = serializers.CharField()
    confidence = serializers.IntegerField()
    payment = serializers.SerializerMethodField()

    def get_payment(self, line) -> int | None:
        payment = getattr(line, "payment", None)
        return payment.pk if payment else None


class StatementDetailSerializer(StatementSerializer):
    lines = LineSerializer(many=True, source="ordered_lines")

    class Meta(StatementSerializer.Meta):
        fields = [*StatementSerializer.Meta.fields, "lines"]


class UploadSerializer(serializers.Serializer):
    profile = serializers.SlugRelatedField(slug_field="code", queryset=BankProfile.objects.filter(is_active=True))
    file = serializers.FileField()

    def validate_file(self, value):
        if value.size > MAX_UPLOAD_BYTES:
            raise serializers.ValidationError(_("The file is too large (at most 10 MB)."))
        return value


class SummarySerializer(serializers.Serializer):
    statements = serializers.ListField(child=serializers.IntegerField())
    duplicates = serializers.IntegerField()
    lines = serializers.IntegerField()
    matched = serializers.IntegerField()
    unidentified = serializers.IntegerField()
    debits = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=2)
    reversals = serializers.IntegerField()
    reversals_unmatched = serializers.IntegerField()
    warnings = serializers.ListField(child=serializers.CharField())


class PaymentFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Payment.Status.choices, required=False)
    party = serializers.IntegerField(required=False)
    statement = serializers.IntegerField(required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)


class ResolveSerializer(serializers.Serializer):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    receivable_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True, default=None
    )
    indicated_ref = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class UnallocateSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=500)


class ReverseByBankSerializer(serializers.Serializer):
    line = serializers.PrimaryKeyRelatedField(queryset=StatementLine.objects.all())


class ReversalLineSerializer(serializers.ModelSerializer):
    statement = serializers.IntegerField(source="statement_id")
    candidates = serializers.SerializerMethodField()

    class Meta:
        model = StatementLine
        fields = [
            "id", "statement", "index", "value_date", "amount", "bank_reference", "title", "counterparty_name",
            "counterparty_account", "virtual_account", "candidates",
        ]  # fmt: skip

    def get_candidates(self, line) -> list[int]:
        return [p.pk for p in reversal_candidates(line)]


class VirtualAccountSerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id")
    receivable_type = serializers.CharField(source="receivable_type.code", default=None)
    profile = serializers.CharField(source="profile.code")
    formatted = serializers.SerializerMethodField()

    class Meta:
        model = VirtualAccount
        fields = [
            "id", "nrb", "formatted", "party", "receivable_type", "source_ref", "profile", "identifier", "created_at",
        ]  # fmt: skip

    def get_formatted(self, obj) -> str:
        from finance.domain.nrb import format_nrb

        return format_nrb(obj.nrb)


class VirtualAccountCreateSerializer(serializers.Serializer):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    receivable_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True, default=None
    )
    profile = serializers.SlugRelatedField(
        slug_field="code", queryset=BankProfile.objects.filter(is_active=True), required=False, default=None
    )
    source_ref = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


# --- views ------------------------------------------------------------------------------------------------------


class StatementListApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses={200: StatementSerializer(many=True), **ERRORS})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(BankStatement.objects.select_related("profile"), request, view=self)
        return paginator.get_paginated_response(StatementSerializer(page, many=True).data)

    @extend_schema(request=UploadSerializer, responses={201: SummarySerializer, **ERRORS})
    def post(self, request):
        data = UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        try:
            summary = statement_import(
                actor=request.user, profile=data.validated_data["profile"], data=upload.read(), file_name=upload.name
            )
        except StatementRejected as exc:
            return _rejected(exc)
        code = status.HTTP_201_CREATED if summary.statements else status.HTTP_200_OK
        return Response(SummarySerializer(summary.as_dict()).data, status=code)


class StatementDetailApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]

    @extend_schema(responses={200: StatementDetailSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        statement = get_object_or_404(BankStatement.objects.select_related("profile"), pk=pk)
        statement.ordered_lines = list(statement.lines.select_related("payment").order_by("index"))
        return Response(StatementDetailSerializer(statement).data)


class PaymentListApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]
    only_status: str | None = None

    @extend_schema(parameters=[PaymentFilterSerializer], responses={200: PaymentSerializer(many=True), **ERRORS})
    def get(self, request):
        filters = PaymentFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        queryset = Payment.objects.select_related("indicated_type").order_by("-payment_date", "-id")
        if self.only_status or f.get("status"):
            queryset = queryset.filter(status=self.only_status or f["status"])
        if "party" in f:
            queryset = queryset.filter(party_id=f["party"])
        if "statement" in f:
            queryset = queryset.filter(statement_line__statement_id=f["statement"])
        if "date_from" in f:
            queryset = queryset.filter(payment_date__gte=f["date_from"])
        if "date_to" in f:
            queryset = queryset.filter(payment_date__lte=f["date_to"])
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(PaymentSerializer(page, many=True).data)


class UnidentifiedPaymentListApi(PaymentListApi):
    only_status = Payment.Status.UNIDENTIFIED


class PaymentResolveApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]

    @extend_schema(
        request=ResolveSerializer, responses={200: PaymentSerializer, 404: ErrorResponseSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        payment = get_object_or_404(Payment, pk=pk)
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resolved = payment_resolve(actor=request.user, payment=payment, **data.validated_data)
        return Response(PaymentSerializer(resolved).data)


class PaymentUnallocateApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]

    @extend_schema(
        request=UnallocateSerializer, responses={200: PaymentSerializer, 404: ErrorResponseSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        payment = get_object_or_404(Payment, pk=pk)
        data = UnallocateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = payment_unallocate(actor=request.user, payment=payment, reason=data.validated_data["reason"])
        return Response(PaymentSerializer(done).data)


class PaymentReverseByBankApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]

    @extend_schema(
        request=ReverseByBankSerializer, responses={200: PaymentSerializer, 404: ErrorResponseSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        payment = get_object_or_404(Payment, pk=pk)
        data = ReverseByBankSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        done = payment_reverse_by_bank(payment=payment, line=data.validated_data["line"], actor=request.user)
        return Response(PaymentSerializer(done).data)


class UnmatchedReversalListApi(APIView):
    permission_classes = [require_perms(PAYMENTS)]

    @extend_schema(responses={200: ReversalLineSerializer(many=True), **ERRORS})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(unmatched_reversals(), request, view=self)
        return paginator.get_paginated_response(ReversalLineSerializer(page, many=True).data)


class VirtualAccountApi(APIView):
    permission_classes = [require_perms_by_method({"GET": ("finance.view_balances",), "POST": (PAYMENTS,)})]

    @extend_schema(responses={200: VirtualAccountSerializer(many=True), **ERRORS})
    def get(self, request):
        party = request.query_params.get("party", "")
        if not party.isdigit():
            return Response(error_body(_("Give the party (?party=id)."), "invalid"), status=status.HTTP_400_BAD_REQUEST)
        accounts = VirtualAccount.objects.filter(party_id=int(party)).select_related("receivable_type", "profile")
        return Response(VirtualAccountSerializer(accounts, many=True).data)

    @extend_schema(request=VirtualAccountCreateSerializer, responses={201: VirtualAccountSerializer, **ERRORS})
    def post(self, request):
        data = VirtualAccountCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        account = virtual_account_for(actor=request.user, **data.validated_data)
        return Response(VirtualAccountSerializer(account).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("statements/", StatementListApi.as_view(), name="api-finance-statements"),
    path("statements/<int:pk>/", StatementDetailApi.as_view(), name="api-finance-statement"),
    path("payments/", PaymentListApi.as_view(), name="api-finance-payments"),
    path("payments/unidentified/", UnidentifiedPaymentListApi.as_view(), name="api-finance-payments-unidentified"),
    path("payments/<int:pk>/resolve/", PaymentResolveApi.as_view(), name="api-finance-payment-resolve"),
    path("payments/<int:pk>/unallocate/", PaymentUnallocateApi.as_view(), name="api-finance-payment-unallocate"),
    path("payments/<int:pk>/reverse-by-bank/", PaymentReverseByBankApi.as_view(), name="api-finance-payment-reverse"),
    path(
        "statement-lines/reversals/unmatched/",
        UnmatchedReversalListApi.as_view(),
        name="api-finance-reversals-unmatched",
    ),
    path("virtual-accounts/", VirtualAccountApi.as_view(), name="api-finance-virtual-accounts"),
]
