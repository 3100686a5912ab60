"""API: the ledger (trial balance, account turnover, receipts per classification, periods —
``finance.manage_ledger``) and refunds (orders, cancellation, Elixir-O export and download —
``finance.manage_refunds``). Dates in the query as ``YYYY-MM-DD`` (or ``dd.mm.rrrr``); amounts as strings."""

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden
from core.services.audit import audit_log
from finance.models import AccountingPeriod, JournalLine, LedgerAccount, ObligorAccount, RefundExport, RefundOrder
from finance.services.ledger import period_close
from finance.services.refunds import refund_cancel, refund_order, refunds_export
from finance.services.reports import (
    account_turnover,
    classification_total,
    receipts_by_classification,
    trial_balance,
)

LEDGER = require_perms("finance.manage_ledger")
REFUNDS = require_perms("finance.manage_refunds")
ERRORS = {400: ErrorResponseSerializer, 403: ErrorResponseSerializer, 404: ErrorResponseSerializer}
DATE_FORMATS = ["iso-8601", "%d.%m.%Y"]
PERIOD_PARAMS = [
    OpenApiParameter("from", str, required=True, description="YYYY-MM-DD"),
    OpenApiParameter("to", str, required=True, description="YYYY-MM-DD"),
]


class PeriodQuerySerializer(serializers.Serializer):
    date_from = serializers.DateField(input_formats=DATE_FORMATS)
    date_to = serializers.DateField(input_formats=DATE_FORMATS)
    obligor_account = serializers.IntegerField(required=False, min_value=1)

    def validate(self, attrs):
        if attrs["date_from"] > attrs["date_to"]:
            raise serializers.ValidationError({"to": [_("The end of the period is before its start.")]})
        return attrs


def _period(request) -> dict:
    query = request.query_params
    data = {"date_from": query.get("from"), "date_to": query.get("to")}
    if query.get("obligor_account"):
        data["obligor_account"] = query.get("obligor_account")
    serializer = PeriodQuerySerializer(data=data)
    if not serializer.is_valid():
        rename = {"date_from": "from", "date_to": "to"}
        raise serializers.ValidationError({rename.get(k, k): v for k, v in serializer.errors.items()})
    return serializer.validated_data


def _money(value) -> str:
    return f"{value:.2f}"


class TrialBalanceRowSerializer(serializers.Serializer):
    account = serializers.CharField(source="number")
    name = serializers.CharField()
    opening_debit = serializers.DecimalField(max_digits=18, decimal_places=2)
    opening_credit = serializers.DecimalField(max_digits=18, decimal_places=2)
    turnover_debit = serializers.DecimalField(max_digits=18, decimal_places=2)
    turnover_credit = serializers.DecimalField(max_digits=18, decimal_places=2)
    closing_debit = serializers.DecimalField(max_digits=18, decimal_places=2)
    closing_credit = serializers.DecimalField(max_digits=18, decimal_places=2)


class TrialBalanceSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    rows = TrialBalanceRowSerializer(many=True)
    totals = TrialBalanceRowSerializer()
    balanced = serializers.BooleanField()


class TrialBalanceApi(GenericAPIView):
    queryset = JournalLine.objects.none()
    permission_classes = [LEDGER]
    serializer_class = TrialBalanceSerializer

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: TrialBalanceSerializer, **ERRORS})
    def get(self, request):
        period = _period(request)
        report = trial_balance(date_from=period["date_from"], date_to=period["date_to"])
        return Response(TrialBalanceSerializer(report).data)


class TurnoverLineSerializer(serializers.Serializer):
    date = serializers.DateField(source="entry.date")
    entry = serializers.IntegerField(source="entry_id")
    event = serializers.CharField(source="entry.event")
    description = serializers.CharField(source="entry.description")
    obligor_account = serializers.IntegerField(source="obligor_account_id", allow_null=True)
    dzial = serializers.CharField()
    rozdzial = serializers.CharField()
    paragraf = serializers.CharField()
    debit = serializers.DecimalField(max_digits=16, decimal_places=2)
    credit = serializers.DecimalField(max_digits=16, decimal_places=2)


class AccountTurnoverApi(GenericAPIView):
    queryset = JournalLine.objects.none()
    permission_classes = [LEDGER]
    serializer_class = TurnoverLineSerializer
    pagination_class = Pagination

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str, OpenApiParameter.PATH),
            *PERIOD_PARAMS,
            OpenApiParameter("obligor_account", int),
        ],
        responses={200: TurnoverLineSerializer(many=True), **ERRORS},
    )
    def get(self, request, number):
        period = _period(request)
        obligor = None
        if period.get("obligor_account"):
            obligor = ObligorAccount.objects.filter(pk=period["obligor_account"]).first()
            if obligor is None:
                raise NotFoundOrForbidden("not found")
        try:
            report = account_turnover(
                number=number, date_from=period["date_from"], date_to=period["date_to"], obligor_account=obligor
            )
        except LedgerAccount.DoesNotExist:
            raise NotFoundOrForbidden("not found") from None
        if report.account.analytic_by_obligor:
            audit_log(
                actor=request.user,
                action="finance.ledger.turnover_viewed",
                obj=report.account,
                details={
                    "from": period["date_from"],
                    "to": period["date_to"],
                    "obligor_account": obligor and obligor.pk,
                },
            )
        page = self.paginate_queryset(report.lines)
        response = self.get_paginated_response(TurnoverLineSerializer(page, many=True).data)
        opening, closing = report.opening, report.closing
        response.data["account"] = report.account.number
        response.data["opening_balance"] = _money(opening)
        response.data["turnover_debit"] = _money(report.turnover_debit)
        response.data["turnover_credit"] = _money(report.turnover_credit)
        response.data["closing_balance"] = _money(closing)
        return response


class ClassificationRowSerializer(serializers.Serializer):
    dzial = serializers.CharField()
    rozdzial = serializers.CharField()
    paragraf = serializers.CharField()
    receipts = serializers.DecimalField(max_digits=18, decimal_places=2)
    refunds = serializers.DecimalField(max_digits=18, decimal_places=2)
    net = serializers.DecimalField(max_digits=18, decimal_places=2)


class ClassificationApi(GenericAPIView):
    queryset = JournalLine.objects.none()
    permission_classes = [LEDGER]
    serializer_class = ClassificationRowSerializer

    @extend_schema(parameters=PERIOD_PARAMS, responses={200: ClassificationRowSerializer(many=True), **ERRORS})
    def get(self, request):
        period = _period(request)
        rows = receipts_by_classification(date_from=period["date_from"], date_to=period["date_to"])
        total = classification_total(rows)
        return Response(
            {
                "rows": ClassificationRowSerializer(rows, many=True).data,
                "total": ClassificationRowSerializer(total).data,
            }
        )


class PeriodSerializer(serializers.ModelSerializer):
    closed_by = serializers.CharField(source="closed_by.username", default=None)

    class Meta:
        model = AccountingPeriod
        fields = ["year", "month", "closed_at", "closed_by"]


class PeriodCloseSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    month = serializers.IntegerField(min_value=1, max_value=12)


class PeriodListApi(GenericAPIView):
    queryset = AccountingPeriod.objects.none()
    permission_classes = [LEDGER]
    serializer_class = PeriodSerializer

    @extend_schema(responses={200: PeriodSerializer(many=True), **ERRORS})
    def get(self, request):
        periods = AccountingPeriod.objects.select_related("closed_by").order_by("-year", "-month")
        return Response(PeriodSerializer(periods, many=True).data)

    @extend_schema(request=PeriodCloseSerializer, responses={201: PeriodSerializer, **ERRORS})
    def post(self, request):
        serializer = PeriodCloseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        period = period_close(actor=request.user, **serializer.validated_data)
        return Response(PeriodSerializer(period).data, status=status.HTTP_201_CREATED)


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = RefundOrder
        fields = [
            "id",
            "account",
            "party",
            "amount",
            "target_account",
            "recipient_name",
            "title",
            "status",
            "export",
            "entry",
            "created_at",
        ]


class RefundCreateSerializer(serializers.Serializer):
    account = serializers.IntegerField(min_value=1)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    target_account = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class RefundListApi(GenericAPIView):
    queryset = RefundOrder.objects.none()
    permission_classes = [REFUNDS]
    serializer_class = RefundSerializer
    pagination_class = Pagination

    @extend_schema(
        parameters=[OpenApiParameter("status", str, enum=RefundOrder.Status.values)],
        responses={200: RefundSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        orders = RefundOrder.objects.order_by("-created_at", "-id")
        if request.query_params.get("status"):
            orders = orders.filter(status=request.query_params["status"])
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(RefundSerializer(page, many=True).data)

    @extend_schema(request=RefundCreateSerializer, responses={201: RefundSerializer, **ERRORS})
    def post(self, request):
        serializer = RefundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        account = ObligorAccount.objects.filter(pk=data["account"]).first()
        if account is None:
            raise NotFoundOrForbidden("not found")
        order = refund_order(
            actor=request.user,
            account=account,
            amount=data["amount"],
            target_account=data["target_account"] or None,
            reason=data["reason"],
        )
        return Response(RefundSerializer(order).data, status=status.HTTP_201_CREATED)


class RefundCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RefundCancelApi(GenericAPIView):
    queryset = RefundOrder.objects.none()
    permission_classes = [REFUNDS]
    serializer_class = RefundCancelSerializer

    @extend_schema(request=RefundCancelSerializer, responses={200: RefundSerializer, **ERRORS})
    def post(self, request, pk):
        serializer = RefundCancelSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = RefundOrder.objects.filter(pk=pk).first()
        if order is None:
            raise NotFoundOrForbidden("not found")
        order = refund_cancel(actor=request.user, order=order, reason=serializer.validated_data["reason"])
        return Response(RefundSerializer(order).data)


class RefundExportSerializer(serializers.Serializer):
    orders = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1, max_length=10000)
    execution_date = serializers.DateField(required=False, input_formats=DATE_FORMATS)


def _file(export: RefundExport, status_code: int = 200) -> HttpResponse:
    response = HttpResponse(bytes(export.content), content_type="text/plain; charset=windows-1250", status=status_code)
    response["Content-Disposition"] = f'attachment; filename="{export.file_name}"'
    response["Location"] = reverse("api-finance-refund-export-download", args=[export.pk])
    response["X-Export-Id"] = str(export.pk)
    return response


class RefundExportApi(GenericAPIView):
    queryset = RefundOrder.objects.none()
    permission_classes = [REFUNDS]
    serializer_class = RefundExportSerializer

    @extend_schema(request=RefundExportSerializer, responses={(201, "text/plain"): bytes, **ERRORS})
    def post(self, request):
        serializer = RefundExportSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        export = refunds_export(actor=request.user, orders=data["orders"], execution_date=data.get("execution_date"))
        return _file(export, status.HTTP_201_CREATED)


class RefundExportDownloadApi(GenericAPIView):
    queryset = RefundExport.objects.none()
    permission_classes = [REFUNDS]

    @extend_schema(responses={(200, "text/plain"): bytes, **ERRORS})
    def get(self, request, pk):
        export = RefundExport.objects.filter(pk=pk).first()
        if export is None:
            raise NotFoundOrForbidden("not found")
        audit_log(actor=request.user, action="finance.refund.export_downloaded", obj=export)
        return _file(export)


urlpatterns = [
    path("ledger/trial-balance/", TrialBalanceApi.as_view(), name="api-finance-ledger-trial-balance"),
    path(
        "ledger/accounts/<str:number>/turnover/",
        AccountTurnoverApi.as_view(),
        name="api-finance-ledger-account-turnover",
    ),
    path("ledger/classification/", ClassificationApi.as_view(), name="api-finance-ledger-classification"),
    path("ledger/periods/", PeriodListApi.as_view(), name="api-finance-ledger-periods"),
    path("refunds/", RefundListApi.as_view(), name="api-finance-refunds"),
    path("refunds/<int:pk>/cancel/", RefundCancelApi.as_view(), name="api-finance-refund-cancel"),
    path("refunds/export/", RefundExportApi.as_view(), name="api-finance-refunds-export"),
    path("refunds/exports/<int:pk>/", RefundExportDownloadApi.as_view(), name="api-finance-refund-export-download"),
]
