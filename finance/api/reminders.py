"""/api/v1/finance/ — reminders: runs (list, create = the dry run, detail with progress, confirm, cancel, retry
of a run whose issuing failed, sign and dispatch), reminders (filter by status / party, detail — a logged read,
exclude / include), information notices (list, send). Thin views with ``finance.manage_collection``; listing and
reading runs and dispatching admit ``finance.sign_titles`` too (the head of unit seals the drafts). The rules are in
``finance.services.reminders`` (a refusal is a 400 with its code through the project's exception handler)."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.models import Party
from finance.models import ReceivableType
from finance.models.collection import CollectionRun, InformationNotice, Reminder, ReminderItem
from finance.services import reminders as svc

PERM = "finance.manage_collection"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
RUNS = CollectionRun.objects.filter(kind=CollectionRun.Kind.REMINDERS)


class ViewOrDispatch(BasePermission):
    """An active user holding ``finance.manage_collection`` or ``finance.sign_titles`` (reading runs, dispatch);
    creating a run (POST on the list) needs ``finance.manage_collection``."""

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method == "POST" and not getattr(view, "dispatch_allowed", False):
            return user.has_perm(PERM)
        return any(user.has_perm(p) for p in svc.DISPATCH_PERMS)


class ReminderRunSerializer(serializers.ModelSerializer):
    receivable_type = serializers.SlugRelatedField(slug_field="code", read_only=True)
    case = serializers.CharField(source="case.mark", default=None, read_only=True)

    class Meta:
        model = CollectionRun
        fields = ["id", "kind", "receivable_type", "cutoff_date", "issue_date", "status", "progress_done",
                  "progress_total", "summary", "error", "case", "created_at", "confirmed_at",
                  "finished_at"]  # fmt: skip


class ReminderRunCreateSerializer(serializers.Serializer):
    receivable_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True
    )
    cutoff_date = serializers.DateField()
    issue_date = serializers.DateField()


class ReminderItemSerializer(serializers.ModelSerializer):
    receivable_type = serializers.CharField(source="account.receivable_type.code", read_only=True)

    class Meta:
        model = ReminderItem
        fields = ["account", "installment", "receivable_type", "due_date", "principal", "interest", "period"]


class ReminderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "run", "number", "party", "status", "reason", "issue_date", "principal", "interest",
                  "interest_rate", "reminder_cost", "limitation_date", "document", "delivered_on", "cost_entry",
                  "excluded_reason"]  # fmt: skip


class ReminderDetailSerializer(ReminderSerializer):
    items = ReminderItemSerializer(many=True, read_only=True)

    class Meta(ReminderSerializer.Meta):
        fields = [*ReminderSerializer.Meta.fields, "items"]


class ReminderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Reminder.Status.choices, required=False)
    party = serializers.IntegerField(required=False)
    run = serializers.IntegerField(required=False)


class ExcludeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True)


class NoticeSerializer(serializers.ModelSerializer):
    class Meta:
        model = InformationNotice
        fields = ["id", "party", "receivable_type", "channel", "address", "amount", "sent_on", "status", "error"]


class NoticeCreateSerializer(serializers.Serializer):
    party = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all())
    channel = serializers.ChoiceField(choices=InformationNotice.Channel.choices)
    receivable_type = serializers.SlugRelatedField(
        slug_field="code", queryset=ReceivableType.objects.all(), required=False, allow_null=True
    )


class RunListApi(APIView):
    permission_classes = [ViewOrDispatch]

    @extend_schema(responses={200: ReminderRunSerializer(many=True), **ERRORS})
    def get(self, request):
        paginator = Pagination()
        page = paginator.paginate_queryset(RUNS.select_related("receivable_type", "case"), request, view=self)
        return paginator.get_paginated_response(ReminderRunSerializer(page, many=True).data)

    @extend_schema(request=ReminderRunCreateSerializer, responses={201: ReminderRunSerializer, **ERRORS})
    def post(self, request):
        data = ReminderRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = svc.reminder_run_create(actor=request.user, **data.validated_data)
        return Response(ReminderRunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailApi(APIView):
    permission_classes = [ViewOrDispatch]

    @extend_schema(responses={200: ReminderRunSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        return Response(ReminderRunSerializer(get_object_or_404(RUNS, pk=pk)).data)


class RunConfirmApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: ReminderRunSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = svc.reminder_run_confirm(actor=request.user, run=get_object_or_404(RUNS, pk=pk))
        return Response(ReminderRunSerializer(run).data)


class RunDispatchApi(APIView):
    """Sign (office e-seal) and dispatch the issued reminders of a confirmed run; 200 with the run (progress in
    ``summary.dispatch``; ``state`` "queued" when a task does it)."""

    permission_classes = [ViewOrDispatch]
    dispatch_allowed = True

    @extend_schema(request=None, responses={200: ReminderRunSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = svc.reminder_run_dispatch(actor=request.user, run=get_object_or_404(RUNS, pk=pk))
        run.refresh_from_db()
        return Response(ReminderRunSerializer(run).data)


class RunCancelApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: ReminderRunSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = svc.reminder_run_cancel(actor=request.user, run=get_object_or_404(RUNS, pk=pk))
        return Response(ReminderRunSerializer(run).data)


class RunRetryApi(APIView):
    """Issue again a confirmed run whose issuing failed (FAILED → CONFIRMED → ISSUED); the reminders already in EZD
    are skipped."""

    permission_classes = [require_perms(PERM)]

    @extend_schema(request=None, responses={200: ReminderRunSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def post(self, request, pk: int):
        run = svc.reminder_run_retry(actor=request.user, run=get_object_or_404(RUNS, pk=pk))
        run.refresh_from_db()
        return Response(ReminderRunSerializer(run).data)


class ReminderListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(parameters=[ReminderFilterSerializer], responses={200: ReminderSerializer(many=True), **ERRORS})
    def get(self, request):
        filters = ReminderFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        queryset = Reminder.objects.order_by("-issue_date", "-id")
        if "status" in f:
            queryset = queryset.filter(status=f["status"])
        if "party" in f:
            queryset = queryset.filter(party_id=f["party"])
        if "run" in f:
            queryset = queryset.filter(run_id=f["run"])
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(ReminderSerializer(page, many=True).data)


class ReminderDetailApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: ReminderDetailSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        reminder = svc.access_reminder(user=request.user, reminder_id=pk)
        return Response(ReminderDetailSerializer(reminder).data)


class ReminderExcludeApi(APIView):
    permission_classes = [require_perms(PERM)]
    include = False

    @extend_schema(
        request=ExcludeSerializer, responses={200: ReminderSerializer, 404: ErrorResponseSerializer, **ERRORS}
    )
    def post(self, request, pk: int):
        reminder = get_object_or_404(Reminder, pk=pk)
        if self.include:
            reminder = svc.reminder_include(actor=request.user, reminder=reminder)
        else:
            data = ExcludeSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            reminder = svc.reminder_exclude(
                actor=request.user, reminder=reminder, reason=data.validated_data.get("reason", "")
            )
        return Response(ReminderSerializer(reminder).data)


class ReminderIncludeApi(ReminderExcludeApi):
    include = True


class NoticeListApi(APIView):
    permission_classes = [require_perms(PERM)]

    @extend_schema(responses={200: NoticeSerializer(many=True), **ERRORS})
    def get(self, request):
        queryset = InformationNotice.objects.all()
        party = request.query_params.get("party")
        if party and party.isdigit():
            queryset = queryset.filter(party_id=int(party))
        paginator = Pagination()
        page = paginator.paginate_queryset(queryset, request, view=self)
        return paginator.get_paginated_response(NoticeSerializer(page, many=True).data)

    @extend_schema(request=NoticeCreateSerializer, responses={201: NoticeSerializer, **ERRORS})
    def post(self, request):
        data = NoticeCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        notice = svc.information_notice_send(actor=request.user, **data.validated_data)
        return Response(NoticeSerializer(notice).data, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("reminder-runs/", RunListApi.as_view(), name="api-finance-reminder-runs"),
    path("reminder-runs/<int:pk>/", RunDetailApi.as_view(), name="api-finance-reminder-run"),
    path("reminder-runs/<int:pk>/confirm/", RunConfirmApi.as_view(), name="api-finance-reminder-run-confirm"),
    path("reminder-runs/<int:pk>/dispatch/", RunDispatchApi.as_view(), name="api-finance-reminder-run-dispatch"),
    path("reminder-runs/<int:pk>/cancel/", RunCancelApi.as_view(), name="api-finance-reminder-run-cancel"),
    path("reminder-runs/<int:pk>/retry/", RunRetryApi.as_view(), name="api-finance-reminder-run-retry"),
    path("reminders/", ReminderListApi.as_view(), name="api-finance-reminders"),
    path("reminders/<int:pk>/", ReminderDetailApi.as_view(), name="api-finance-reminder"),
    path("reminders/<int:pk>/exclude/", ReminderExcludeApi.as_view(), name="api-finance-reminder-exclude"),
    path("reminders/<int:pk>/include/", ReminderIncludeApi.as_view(), name="api-finance-reminder-include"),
    path("information-notices/", NoticeListApi.as_view(), name="api-finance-information-notices"),
]
