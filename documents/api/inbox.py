"""/api/v1/documents/: the clerk's inbox, the unit's queue, the deadline report, dekretacja, re-assigning, priorities.

Thin views: permission classes per view, visibility through documents.selectors, rules in the services
(a refusal by a service is a 400 with its code; an invisible object is a 404 — never a hint that it exists).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden
from core.models import OrgUnit
from documents.models import Priority
from documents.selectors import access_case, access_entry, entries_visible_to
from documents.services.assignment import (
    assign_to_clerk,
    assign_to_unit,
    case_reassign,
    case_set_priority,
    entry_set_priority,
)
from documents.services.reports import DEFAULT_HORIZON, MAX_HORIZON, clerk_inbox, deadline_report
from documents.services.supervision import unit_queue

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
SUPERVISE = "documents.supervise_unit"


# --- serializers ------------------------------------------------------------------------------------------------


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class EntryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(source="rpw_number")
    title = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    due_date = serializers.DateField(allow_null=True)
    unit = serializers.CharField(source="assigned_unit.symbol", default=None)
    assigned_to = UserRefSerializer(allow_null=True)
    instruction = serializers.CharField()


class CaseRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mark = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    priority = serializers.IntegerField()
    due_date = serializers.DateField(allow_null=True)
    unit = serializers.CharField(source="unit.symbol")
    owner = UserRefSerializer()


class InboxItemSerializer(serializers.Serializer):
    days_left = serializers.IntegerField(allow_null=True)
    state = serializers.CharField()

    def __init__(self, *args, row_serializer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_serializer = row_serializer

    def to_representation(self, item):
        data = self.row_serializer(item.obj).data
        data.update(days_left=item.days_left, state=item.state)
        return data


def _items(items, row_serializer) -> list[dict]:
    return [InboxItemSerializer(i, row_serializer=row_serializer).data for i in items]


class QueueQuerySerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)
    clerk = serializers.IntegerField(required=False, allow_null=True, default=None)


class ReportQuerySerializer(QueueQuerySerializer):
    day = serializers.DateField(required=False, allow_null=True, default=None)
    days = serializers.IntegerField(required=False, default=DEFAULT_HORIZON, min_value=0, max_value=MAX_HORIZON)


class AssignInputSerializer(serializers.Serializer):
    unit = serializers.IntegerField(required=False, allow_null=True, default=None)
    clerk = serializers.IntegerField(required=False, allow_null=True, default=None)
    instruction = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    deadline = serializers.DateField(required=False, allow_null=True, default=None)

    def validate(self, attrs):
        if bool(attrs["unit"]) == bool(attrs["clerk"]):
            raise serializers.ValidationError({"unit": [_("Give either a unit or a clerk.")]})
        return attrs


class AssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    level = serializers.IntegerField()
    at = serializers.DateTimeField()
    unit = serializers.CharField(source="to_unit.symbol", default=None)
    clerk = UserRefSerializer(source="to_user", allow_null=True)
    by = UserRefSerializer(source="by_user", allow_null=True)
    rule = serializers.CharField(source="rule.name", default=None)
    instruction = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)


class ReassignInputSerializer(serializers.Serializer):
    clerk = serializers.IntegerField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class PriorityInputSerializer(serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _user(pk: int, field: str):
    user = get_user_model().objects.filter(pk=pk).first()
    if user is None:
        raise serializers.ValidationError({field: [_("Unknown user.")]})
    return user


# --- views ------------------------------------------------------------------------------------------------------


class InboxApi(APIView):
    """My letters (assigned to me, not yet in a case) and my cases, by priority then due date."""

    permission_classes = [require_perms("documents.handle_case")]

    @extend_schema(responses={200: dict, **ERRORS})
    def get(self, request):
        inbox = clerk_inbox(clerk=request.user)
        return Response(
            {
                "day": inbox.day,
                "horizon": inbox.horizon,
                "counters": inbox.counters,
                "entries": _items(inbox.entries, EntryRowSerializer),
                "cases": _items(inbox.cases, CaseRowSerializer),
            }
        )


class QueueApi(APIView):
    """The queue of the supervised units (?unit=, ?clerk=)."""

    permission_classes = [require_perms(SUPERVISE)]

    @extend_schema(parameters=[QueueQuerySerializer], responses={200: dict, **ERRORS})
    def get(self, request):
        params = _valid(QueueQuerySerializer, request.query_params)
        queue = unit_queue(user=request.user, unit_id=params["unit"], clerk_id=params["clerk"])
        return Response(
            {
                "cases": CaseRowSerializer(queue.cases.select_related("owner"), many=True).data,
                "entries": EntryRowSerializer(queue.entries, many=True).data,
            }
        )


class DeadlineReportApi(APIView):
    """Overdue and due-soon cases per unit and per clerk (?day=, ?days= working days, ?unit=, ?clerk=)."""

    permission_classes = [require_perms_by_method({"GET": ("documents.handle_case",)})]

    @extend_schema(parameters=[ReportQuerySerializer], responses={200: dict, **ERRORS})
    def get(self, request):
        user = request.user
        if not (user.has_perm(SUPERVISE) or user.has_perm("documents.view_all_cases")):
            raise PermissionDenied
        params = _valid(ReportQuerySerializer, request.query_params)
        report = deadline_report(
            user=user, day=params["day"], horizon_days=params["days"], unit_id=params["unit"], clerk_id=params["clerk"]
        )

        def rows(items):
            return [
                {"id": r.key, "label": r.label, "overdue": r.overdue, "due_today": r.due_today, "due_soon": r.due_soon}
                for r in items
            ]

        return Response(
            {
                "day": report.day,
                "days": report.horizon_days,
                "horizon": report.horizon,
                "totals": report.totals,
                "by_unit": rows(report.by_unit),
                "by_clerk": rows(report.by_clerk),
                "cases": _items(report.cases, CaseRowSerializer),
            }
        )


class EntryAssignmentsApi(APIView):
    """GET the history of dekretacja of a letter; POST assign it: {"unit": id} or {"clerk": id}."""

    permission_classes = [
        require_perms_by_method({"GET": ("documents.view_incomingentry",), "POST": ("documents.view_incomingentry",)})
    ]

    @extend_schema(responses={200: AssignmentSerializer(many=True), **ERRORS, **NOT_FOUND})
    def get(self, request, pk: int):
        entry = entries_visible_to(request.user).filter(pk=pk).first()
        if entry is None:
            raise NotFoundOrForbidden("not found")
        assignments = entry.assignments.select_related("to_unit", "to_user", "by_user", "rule")
        return Response(AssignmentSerializer(assignments, many=True).data)

    @extend_schema(request=AssignInputSerializer, responses={201: AssignmentSerializer, **ERRORS, **NOT_FOUND})
    def post(self, request, pk: int):
        user = request.user
        if not any(
            user.has_perm(p) for p in ("documents.assign_entry", "documents.register_mail", "documents.view_all_cases")
        ):
            raise PermissionDenied
        data = _valid(AssignInputSerializer, request.data)
        entry = access_entry(user=user, entry_id=pk, purpose="dekretacja")
        if data["clerk"]:
            clerk = _user(data["clerk"], "clerk")
            assignment = assign_to_clerk(
                actor=user, entry=entry, clerk=clerk, instruction=data["instruction"], deadline=data["deadline"]
            )
        else:
            unit = OrgUnit.objects.filter(pk=data["unit"]).first()
            if unit is None:
                raise serializers.ValidationError({"unit": [_("Unknown unit.")]})
            assignment = assign_to_unit(
                actor=user, entry=entry, unit=unit, instruction=data["instruction"], deadline=data["deadline"]
            )
        return Response(AssignmentSerializer(assignment).data, status=status.HTTP_201_CREATED)


class CaseReassignApi(APIView):
    permission_classes = [require_perms(SUPERVISE)]

    @extend_schema(request=ReassignInputSerializer, responses={200: CaseRowSerializer, **ERRORS, **NOT_FOUND})
    def post(self, request, pk: int):
        data = _valid(ReassignInputSerializer, request.data)
        case = access_case(user=request.user, case_id=pk, purpose="re-assign")
        clerk = _user(data["clerk"], "clerk")
        case = case_reassign(actor=request.user, case=case, clerk=clerk, reason=data["reason"])
        return Response(CaseRowSerializer(case).data)


class CasePriorityApi(APIView):
    permission_classes = [require_perms(SUPERVISE)]

    @extend_schema(request=PriorityInputSerializer, responses={200: CaseRowSerializer, **ERRORS, **NOT_FOUND})
    def post(self, request, pk: int):
        data = _valid(PriorityInputSerializer, request.data)
        case = access_case(user=request.user, case_id=pk, purpose="priority")
        case = case_set_priority(actor=request.user, case=case, priority=data["priority"])
        return Response(CaseRowSerializer(case).data)


class EntryPriorityApi(APIView):
    permission_classes = [require_perms(SUPERVISE)]

    @extend_schema(request=PriorityInputSerializer, responses={200: EntryRowSerializer, **ERRORS, **NOT_FOUND})
    def post(self, request, pk: int):
        data = _valid(PriorityInputSerializer, request.data)
        entry = access_entry(user=request.user, entry_id=pk, purpose="priority")
        entry = entry_set_priority(actor=request.user, entry=entry, priority=data["priority"])
        return Response(EntryRowSerializer(entry).data)


urlpatterns = [
    path("inbox/", InboxApi.as_view(), name="api-documents-inbox"),
    path("queue/", QueueApi.as_view(), name="api-documents-queue"),
    path("reports/deadlines/", DeadlineReportApi.as_view(), name="api-documents-deadline-report"),
    path("entries/<int:pk>/assignments/", EntryAssignmentsApi.as_view(), name="api-documents-entry-assignments"),
    path("entries/<int:pk>/priority/", EntryPriorityApi.as_view(), name="api-documents-entry-priority"),
    path("cases/<int:pk>/reassign/", CaseReassignApi.as_view(), name="api-documents-case-reassign"),
    path("cases/<int:pk>/priority/", CasePriorityApi.as_view(), name="api-documents-case-priority"),
]
