"""/api/v1/finance/ — the cash desk: desks, reports (open a report by POST; detail with its KP/KW; close), receipts
(POST: a tax payment with ``party``, or the stamp duty / other revenue; cancel), deposits (POST; confirm). Thin
views (``finance.operate_cash_desk``): rules in ``finance.services.cash`` (a refusal is a 400 with its code)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from finance.models import CashDeposit, CashDesk, CashReceipt, CashReport, Certificate, ReceivableType, StatementLine
from finance.services.cash import (
    cash_deposit,
    cash_deposit_confirm,
    cash_receipt_cancel,
    cash_receipt_other,
    cash_receipt_payment,
    cash_report_close,
    cash_report_open,
    cash_report_rows,
)

PERM = "finance.operate_cash_desk"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class DeskSerializer(serializers.ModelSerializer):
    class Meta:
        model = CashDesk
        fields = ["id", "code", "name", "active"]


class CashReportSerializer(serializers.ModelSerializer):
    desk = serializers.CharField(source="desk.code")

    class Meta:
        model = CashReport
        fields = [
            "id", "desk", "day", "number", "opening_balance", "receipts_total", "payouts_total", "closing_balance",
            "status", "closed_at",
        ]  # fmt: skip


class RowSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    time = serializers.DateTimeField()
    description = serializers.CharField()
    receipt = serializers.DecimalField(max_digits=14, decimal_places=2)
    payout = serializers.DecimalField(max_digits=14, decimal_places=2)
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    cancelled = serializers.BooleanField()


class ReportDetailSerializer(CashReportSerializer):
    rows = serializers.SerializerMethodField()

    class Meta(CashReportSerializer.Meta):
        fields = [*CashReportSerializer.Meta.fields, "rows"]

    def get_rows(self, report) -> list[dict]:
        return RowSerializer(cash_report_rows(report), many=True).data


class CashReceiptSerializer(serializers.ModelSerializer):
    desk = serializers.CharField(source="desk.code")
    report = serializers.IntegerField(source="report_id")
    party = serializers.IntegerField(source="party_id", allow_null=True)
    payment = serializers.IntegerField(source="payment_id", allow_null=True)
    certificate = serializers.IntegerField(source="certificate_id", allow_null=True)
    journal_entry = serializers.IntegerField(source="journal_entry_id", allow_null=True)

    class Meta:
        model = CashReceipt
        fields = [
            "id", "desk", "report", "number", "kind", "party", "payer_name", "amount", "title", "payment",
            "certificate", "dzial", "rozdzial", "paragraf", "journal_entry", "cancelled_at", "cancel_reason",
            "created_at",
        ]  # fmt: skip


class DepositSerializer(serializers.ModelSerializer):
    desk = serializers.CharField(source="desk.code")
    report = serializers.IntegerField(source="report_id")

    class Meta:
        model = CashDeposit
        fields = ["id", "desk", "report", "number", "amount", "status", "confirmed_on", "created_at"]


class DeskField(serializers.SlugRelatedField):
    def __init__(self, **kw):
        super().__init__(slug_field="code", queryset=CashDesk.objects.all(), **kw)


class ReportOpenSerializer(serializers.Serializer):
    desk = DeskField()
    day = serializers.DateField(required=False, allow_null=True, default=None)


class ReceiptCreateSerializer(serializers.Serializer):
    desk = DeskField()
    kind = serializers.ChoiceField(choices=CashReceipt.Kind.choices, default=CashReceipt.Kind.PAYMENT)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    party = serializers.IntegerField(required=False, allow_null=True, default=None)
    payer_name = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")
    indicated_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True, default=None
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    certificate = serializers.PrimaryKeyRelatedField(
        queryset=Certificate.objects.all(), required=False, allow_null=True, default=None
    )
    dzial = serializers.CharField(required=False, allow_blank=True, max_length=3, default="")
    rozdzial = serializers.CharField(required=False, allow_blank=True, max_length=5, default="")
    paragraf = serializers.CharField(required=False, allow_blank=True, max_length=4, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, max_length=300)


class DepositCreateSerializer(serializers.Serializer):
    desk = DeskField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ConfirmSerializer(serializers.Serializer):
    on = serializers.DateField()
    statement_line = serializers.IntegerField(required=False, allow_null=True, default=None)


class DeskListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: DeskSerializer(many=True), **ERRORS})
    def get(self, request):
        return Response(DeskSerializer(CashDesk.objects.all(), many=True).data)


class ReportListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: CashReportSerializer(many=True), **ERRORS})
    def get(self, request):
        queryset = CashReport.objects.select_related("desk").order_by("-day", "desk__code")
        if request.query_params.get("desk"):
            queryset = queryset.filter(desk__code=request.query_params["desk"])
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(CashReportSerializer(page, many=True).data)

    @extend_schema(request=ReportOpenSerializer, responses={201: CashReportSerializer, **ERRORS})
    def post(self, request):
        data = ReportOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = cash_report_open(actor=request.user, **data.validated_data)
        return Response(CashReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ReportDetailApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: ReportDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(ReportDetailSerializer(get_object_or_404(CashReport, pk=pk)).data)


class ReportCloseApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: ReportDetailSerializer, **ERRORS})
    def post(self, request, pk: int):
        report = cash_report_close(actor=request.user, report=get_object_or_404(CashReport, pk=pk))
        return Response(ReportDetailSerializer(report).data)


class ReceiptCreateApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=ReceiptCreateSerializer, responses={201: CashReceiptSerializer, **ERRORS})
    def post(self, request):
        data = ReceiptCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        if d["kind"] == CashReceipt.Kind.PAYMENT:
            receipt = cash_receipt_payment(
                actor=request.user, desk=d["desk"], party=d["party"], amount=d["amount"],
                indicated_type=d["indicated_type"], title=d["title"],
            )  # fmt: skip
        else:
            receipt = cash_receipt_other(
                actor=request.user, desk=d["desk"], payer_name=d["payer_name"], amount=d["amount"], kind=d["kind"],
                dzial=d["dzial"], rozdzial=d["rozdzial"], paragraf=d["paragraf"], title=d["title"],
                certificate=d["certificate"], party=d["party"],
            )  # fmt: skip
        return Response(CashReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class ReceiptCancelApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=ReasonSerializer, responses={200: CashReceiptSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = ReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        receipt = get_object_or_404(CashReceipt, pk=pk)
        done = cash_receipt_cancel(actor=request.user, receipt=receipt, reason=data.validated_data["reason"])
        return Response(CashReceiptSerializer(done).data)


class DepositCreateApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=DepositCreateSerializer, responses={201: DepositSerializer, **ERRORS})
    def post(self, request):
        data = DepositCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deposit = cash_deposit(actor=request.user, **data.validated_data)
        return Response(DepositSerializer(deposit).data, status=status.HTTP_201_CREATED)


class DepositConfirmApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=ConfirmSerializer, responses={200: DepositSerializer, **ERRORS})
    def post(self, request, pk: int):
        data = ConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deposit = get_object_or_404(CashDeposit, pk=pk)
        line_id = data.validated_data["statement_line"]
        line = get_object_or_404(StatementLine, pk=line_id) if line_id else None
        done = cash_deposit_confirm(
            actor=request.user, deposit=deposit, on=data.validated_data["on"], statement_line=line
        )
        return Response(DepositSerializer(done).data)


urlpatterns = [
    path("cash-desks/", DeskListApi.as_view(), name="api-finance-cash-desks"),
    path("cash-reports/", ReportListApi.as_view(), name="api-finance-cash-reports"),
    path("cash-reports/<int:pk>/", ReportDetailApi.as_view(), name="api-finance-cash-report"),
    path("cash-reports/<int:pk>/close/", ReportCloseApi.as_view(), name="api-finance-cash-report-close"),
    path("cash-receipts/", ReceiptCreateApi.as_view(), name="api-finance-cash-receipts"),
    path("cash-receipts/<int:pk>/cancel/", ReceiptCancelApi.as_view(), name="api-finance-cash-receipt-cancel"),
    path("cash-deposits/", DepositCreateApi.as_view(), name="api-finance-cash-deposits"),
    path("cash-deposits/<int:pk>/confirm/", DepositConfirmApi.as_view(), name="api-finance-cash-deposit-confirm"),
]
