"""API: search over cases and the incoming register (``search/?q=…``), only what the caller may see."""

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from core.api.serializers import ErrorResponseSerializer
from core.services.audit import audit_log
from documents.services.search import search


class SearchPermission(BasePermission):
    """Cases or the register: ``view_case`` or ``view_incomingentry`` (the results are filtered by visibility)."""

    def has_permission(self, request, view):
        user = request.user
        return bool(
            user
            and user.is_authenticated
            and user.is_active
            and (user.has_perm("documents.view_case") or user.has_perm("documents.view_incomingentry"))
        )


class CaseHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mark = serializers.CharField()
    title = serializers.CharField()
    unit = serializers.CharField(source="unit.symbol")
    jrwa = serializers.CharField(source="jrwa.symbol")
    status = serializers.CharField()
    opened_on = serializers.DateField()
    closed_on = serializers.DateField()
    owner = serializers.CharField(source="owner.get_username")


class EntryHitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rpw_number = serializers.CharField()
    title = serializers.CharField()
    sender = serializers.CharField(source="sender.display_name")
    received_at = serializers.DateTimeField()
    status = serializers.CharField()
    case = serializers.CharField(source="case.mark", default=None)


class SearchResultSerializer(serializers.Serializer):
    cases = CaseHitSerializer(many=True)
    entries = EntryHitSerializer(many=True)
    fuzzy = serializers.BooleanField()


def _int_or_none(value):
    value = (value or "").strip()
    return int(value) if value.isdigit() else None


class SearchApi(GenericAPIView):
    permission_classes = [SearchPermission]
    serializer_class = SearchResultSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter(name, str, required=False)
            for name in ("q", "kind", "unit", "jrwa", "status", "date_from", "date_to", "limit")
        ],
        responses={200: SearchResultSerializer, 400: ErrorResponseSerializer, 403: ErrorResponseSerializer},
    )
    def get(self, request):
        params = request.query_params
        limit = params.get("limit", "50")
        result = search(
            user=request.user,
            query=params.get("q", "")[:300],
            unit=_int_or_none(params.get("unit")),
            jrwa=_int_or_none(params.get("jrwa")),
            status=params.get("status") or None,
            date_from=params.get("date_from") or None,
            date_to=params.get("date_to") or None,
            kind=params.get("kind", "cases"),
            limit=int(limit) if limit.isdigit() else -1,
        )
        audit_log(
            actor=request.user,
            action="documents.search.performed",
            object_type="documents.case",
            details={"query": params.get("q", "")[:300], "cases": len(result.cases), "entries": len(result.entries)},
        )
        return Response(SearchResultSerializer(result).data)


urlpatterns = [path("search/", SearchApi.as_view(), name="api-documents-search")]
