"""/api/v1/finance/ — enforcement titles: runs (propose, confirm), titles (list by status, detail, transition,
XML, PDF), reports of payments after sending. Thin views: ``finance.manage_collection`` (signing: the service also
requires ``finance.sign_titles``); rules and refusals in ``finance.services.titles`` (400 with their code)."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from finance.models import CollectionRun, EnforcementPaymentReport, EnforcementTitle, ReceivableType, Reminder
from finance.services import titles as svc

MANAGE = "finance.manage_collection"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class TitleRunSerializer(serializers.ModelSerializer):
    receivable_type = serializers.CharField(source="receivable_type.code", default=None)

    class Meta:
        model = CollectionRun
        fields = ["id", "kind", "receivable_type", "cutoff_date", "issue_date", "status", "progress_done",
                  "progress_total", "summary", "created_at", "confirmed_at"]  # fmt: skip


class TitleRunCreateSerializer(serializers.Serializer):
    receivable_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True
    )
    cutoff_date = serializers.DateField()
    issue_date = serializers.DateField()


class TitleItemSerializer(serializers.Serializer):
    account = serializers.IntegerField(source="account_id")
    installment = serializers.IntegerField(source="installment_id", allow_null=True)
    due_date = serializers.DateField()
    interest_from = serializers.DateField()
    principal = serializers.DecimalField(max_digits=14, decimal_places=2)
    period = serializers.CharField()


class TitleSerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id")
    reminder = serializers.IntegerField(source="reminder_id")
    run = serializers.IntegerField(source="run_id", allow_null=True)

    class Meta:
        model = EnforcementTitle
        fields = ["id", "number", "status", "party", "reminder", "run", "issue_date", "principal", "interest_from",
                  "interest_kind", "interest_rate", "costs", "enforcement_organ", "schema_version", "sent_on",
                  "external_reference", "status_changed_on", "status_reason", "sha256"]  # fmt: skip


class TitleDetailSerializer(TitleSerializer):
    items = TitleItemSerializer(many=True, read_only=True)

    class Meta(TitleSerializer.Meta):
        fields = [*TitleSerializer.Meta.fields, "legal_basis", "debtor", "creditor", "items"]


class TitleTransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=EnforcementTitle.Status.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    on = serializers.DateField(required=False, allow_null=True, default=None)


class TitleCreateSerializer(serializers.Serializer):
    reminder = serializers.PrimaryKeyRelatedField(queryset=Reminder.objects.all())
    issue_date = serializers.DateField()


class EnforcementPaymentReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnforcementPaymentReport
        fields = ["id", "period_start", "period_end", "enforcement_organ", "rows", "total", "created_at"]


class EnforcementPaymentReportCreateSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()


class ManageOrSign(BasePermission):
    """The head of unit signs titles without preparing them: he reads the title and its XML / PDF he signs."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user and user.is_authenticated and user.is_active and (user.has_perm(MANAGE) or user.has_perm(svc.SIGN))
        )


def _runs():
    return CollectionRun.objects.filter(kind=CollectionRun.Kind.TITLES).select_related("receivable_type")


class TitleRunListApi(APIView):
    permission_classes = [require_perms(MANAGE)]

    @extend_schema(responses={200: TitleRunSerializer(many=True), **ERRORS})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(_runs(), request, view=self)
        return paginator.get_paginated_response(TitleRunSerializer(page, many=True).data)

    @extend_schema(request=TitleRunCreateSerializer, responses={201: TitleRunSerializer, **ERRORS})
    def post(self, request):
        data = TitleRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = svc.title_run_create(actor=request.user, **data.validated_data)
        return Response(TitleRunSerializer(run).data, status=status.HTTP_201_CREATED)


class TitleRunConfirmApi(APIView):
    permission_classes = [require_perms(MANAGE)]

    @extend_schema(request=None, responses={200: TitleRunSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = svc.title_run_confirm(actor=request.user, run=get_object_or_404(_runs(), pk=pk))
        return Response(TitleRunSerializer(run).data)


class TitleListApi(APIView):
    permission_classes = [require_perms(MANAGE)]

    @extend_schema(responses={200: TitleSerializer(many=True), **ERRORS})
    def get(self, request):
        queryset = EnforcementTitle.objects.all()
        if request.query_params.get("status"):
            queryset = queryset.filter(status=request.query_params["status"])
        if request.query_params.get("run"):
            queryset = queryset.filter(run_id=request.query_params["run"])
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(TitleSerializer(page, many=True).data)

    @extend_schema(request=TitleCreateSerializer, responses={201: TitleDetailSerializer, **ERRORS})
    def post(self, request):
        """A title for one delivered reminder, outside a run (refused before the 8th day after the delivery)."""
        data = TitleCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        title = svc.title_create_for_reminder(actor=request.user, **data.validated_data)
        return Response(TitleDetailSerializer(title).data, status=status.HTTP_201_CREATED)


class TitleDetailApi(APIView):
    permission_classes = [ManageOrSign]

    @extend_schema(responses={200: TitleDetailSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        title = svc.access_title(user=request.user, title_id=pk, purpose="detail")  # the read is logged
        return Response(TitleDetailSerializer(title).data)


class TitleTransitionApi(APIView):
    # signing needs finance.sign_titles (the head of unit) — checked by the service; the rest manage_collection
    permission_classes = [IsAuthenticated]

    @extend_schema(request=TitleTransitionSerializer, responses={200: TitleSerializer, **ERRORS})
    def post(self, request, pk: int):
        if not (request.user.has_perm(MANAGE) or request.user.has_perm(svc.SIGN)):
            return Response({"detail": "Not found.", "code": "not_found", "errors": {}}, status=404)
        data = TitleTransitionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        title = get_object_or_404(EnforcementTitle, pk=pk)
        title = svc.title_transition(actor=request.user, title=title, **data.validated_data)
        return Response(TitleSerializer(title).data)


class TitleFileApi(APIView):
    permission_classes = [ManageOrSign]
    kind = "xml"

    @extend_schema(responses={200: bytes, 404: ErrorResponseSerializer})
    def get(self, request, pk: int):
        title = svc.access_title(user=request.user, title_id=pk, purpose=self.kind, issued_only=True)
        name = title.number.replace("/", "-")
        if self.kind == "xml":
            response = HttpResponse(bytes(title.xml), content_type="application/xml")
        else:
            response = HttpResponse(bytes(title.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.{self.kind}"'
        return response


class PaymentReportListApi(APIView):
    permission_classes = [require_perms(MANAGE)]

    @extend_schema(responses={200: EnforcementPaymentReportSerializer(many=True), **ERRORS})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(EnforcementPaymentReport.objects.all(), request, view=self)
        return paginator.get_paginated_response(EnforcementPaymentReportSerializer(page, many=True).data)

    @extend_schema(
        request=EnforcementPaymentReportCreateSerializer, responses={201: EnforcementPaymentReportSerializer, **ERRORS}
    )
    def post(self, request):
        data = EnforcementPaymentReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = svc.enforcement_payment_report(actor=request.user, **data.validated_data)
        return Response(EnforcementPaymentReportSerializer(report).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("title-runs/", TitleRunListApi.as_view(), name="api-finance-title-runs"),
    path("title-runs/<int:pk>/confirm/", TitleRunConfirmApi.as_view(), name="api-finance-title-run-confirm"),
    path("titles/", TitleListApi.as_view(), name="api-finance-titles"),
    path("titles/<int:pk>/", TitleDetailApi.as_view(), name="api-finance-title"),
    path("titles/<int:pk>/transition/", TitleTransitionApi.as_view(), name="api-finance-title-transition"),
    path("titles/<int:pk>/xml/", TitleFileApi.as_view(kind="xml"), name="api-finance-title-xml"),
    path("titles/<int:pk>/pdf/", TitleFileApi.as_view(kind="pdf"), name="api-finance-title-pdf"),
    path(
        "enforcement-payment-reports/", PaymentReportListApi.as_view(), name="api-finance-enforcement-payment-reports"
    ),
]
