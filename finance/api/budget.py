"""API of the budget area under /api/v1/finance/: the revenue plan (list by year, set a line, CSV import), the
Rb-27S report (JSON, ``?format=csv`` or ``?format=xml``) — ``finance.manage_budget`` — and the dashboard
(``finance.manage_budget`` and ``finance.view_balances``). Amounts as strings with two decimals."""

import datetime

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.exports import csv_bytes
from finance.models import BudgetPlanLine
from finance.services import budget_reports
from finance.services.budget import budget_plan_import_csv, budget_plan_set, check_year, validate_plan_file_size

BUDGET = require_perms("finance.manage_budget")
DASHBOARD = require_perms("finance.manage_budget", "finance.view_balances")
ERRORS = {400: ErrorResponseSerializer, 403: ErrorResponseSerializer, 404: ErrorResponseSerializer}
MONEY = {"max_digits": 18, "decimal_places": 2}


class PlanLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = BudgetPlanLine
        fields = ["id", "year", "dzial", "rozdzial", "paragraf", "amount", "description", "updated_at"]


class PlanLineInputSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    dzial = serializers.CharField(max_length=3)
    rozdzial = serializers.CharField(max_length=5)
    paragraf = serializers.CharField(max_length=4)
    amount = serializers.CharField(max_length=20)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PlanImportSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    file = serializers.FileField(validators=[validate_plan_file_size])


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class Rb27sLineSerializer(serializers.Serializer):
    dzial = serializers.CharField()
    rozdzial = serializers.CharField()
    paragraf = serializers.CharField()
    plan = serializers.DecimalField(**MONEY)
    charges = serializers.DecimalField(**MONEY)
    receipts = serializers.DecimalField(**MONEY)
    arrears = serializers.DecimalField(**MONEY)
    overpayments = serializers.DecimalField(**MONEY)


class Rb27sSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    lines = Rb27sLineSerializer(many=True)
    totals = Rb27sLineSerializer()


class Rb27sQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    period_end = serializers.DateField(input_formats=["iso-8601", "%d.%m.%Y"])


class CollectionSerializer(serializers.Serializer):
    receivable_type = serializers.CharField()
    name = serializers.CharField()
    charges = serializers.DecimalField(**MONEY)
    receipts = serializers.DecimalField(**MONEY)
    rate = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)


class BucketSerializer(serializers.Serializer):
    bucket = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    count = serializers.IntegerField()


class AgeingSerializer(serializers.Serializer):
    receivable_type = serializers.CharField()
    name = serializers.CharField()
    buckets = BucketSerializer(many=True)


class MonthSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    receipts = serializers.DecimalField(**MONEY)


class DashboardSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    collection = CollectionSerializer(many=True)
    ageing = AgeingSerializer(many=True)
    receipts_per_month = MonthSerializer(many=True)


class BudgetPlanApi(APIView):
    permission_classes = [BUDGET]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    @extend_schema(parameters=[OpenApiParameter("year", int, required=True)],
                   responses={200: PlanLineSerializer(many=True), **ERRORS})  # fmt: skip
    def get(self, request):
        year = check_year(request.query_params.get("year"))
        return Response(PlanLineSerializer(BudgetPlanLine.objects.filter(year=year), many=True).data)

    @extend_schema(request=PlanLineInputSerializer, responses={200: PlanLineSerializer, **ERRORS})
    def post(self, request):
        data = PlanLineInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = budget_plan_set(actor=request.user, **data.validated_data)
        return Response(PlanLineSerializer(line).data)


class BudgetPlanImportApi(APIView):
    permission_classes = [BUDGET]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=PlanImportSerializer, responses={200: ImportResultSerializer, **ERRORS})
    def post(self, request):
        data = PlanImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        counts = budget_plan_import_csv(
            actor=request.user, year=data.validated_data["year"], data=data.validated_data["file"].read()
        )
        return Response(ImportResultSerializer(counts).data, status=status.HTTP_200_OK)


class Rb27sApi(APIView):
    permission_classes = [BUDGET]

    def perform_content_negotiation(self, request, force=False):
        # ``?format=csv|xml`` selects a file, not a DRF renderer: errors are still JSON.
        if request.query_params.get("format") in ("csv", "xml"):
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, required=True),
            OpenApiParameter("period_end", str, required=True, description="YYYY-MM-DD, a month end"),
            OpenApiParameter("format", str, enum=["json", "csv", "xml"]),
        ],
        responses={200: Rb27sSerializer, **ERRORS},
    )
    def get(self, request):
        query = Rb27sQuerySerializer(data={k: request.query_params.get(k) for k in ("year", "period_end")})
        query.is_valid(raise_exception=True)
        report = budget_reports.rb27s_report(**query.validated_data)
        name = f"rb-27s-{report.year}-{report.period_end:%Y%m%d}"
        fmt = request.query_params.get("format")
        if fmt == "csv":
            header, rows = budget_reports.rb27s_csv(report)
            response = HttpResponse(csv_bytes(header, rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if fmt == "xml":
            response = HttpResponse(budget_reports.rb27s_xml(report), content_type="application/xml; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.xml"'
            return response
        return Response(Rb27sSerializer(report).data)


class DashboardApi(APIView):
    permission_classes = [DASHBOARD]

    @extend_schema(parameters=[OpenApiParameter("year", int)], responses={200: DashboardSerializer, **ERRORS})
    def get(self, request):
        today = timezone.localdate()
        year = check_year(request.query_params.get("year") or today.year)
        as_of = min(today, datetime.date(year, 12, 31))
        return Response(DashboardSerializer(budget_reports.dashboard(year=year, as_of=as_of)).data)


urlpatterns = [
    path("budget-plan/", BudgetPlanApi.as_view(), name="api-finance-budget-plan"),
    path("budget-plan/import/", BudgetPlanImportApi.as_view(), name="api-finance-budget-plan-import"),
    path("reports/rb27s/", Rb27sApi.as_view(), name="api-finance-reports-rb27s"),
    path("dashboard/", DashboardApi.as_view(), name="api-finance-dashboard"),
]
