"""/api/v1/portal/cases/: the resident's cases and the letters sent to them (read-only; IsResident).

Only the resident's own party is read (never an id from the request alone): another resident's case or letter
is a 404, like one that does not exist. Opening a letter (which records its delivery) is done on the page."""

from django.http import Http404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ErrorResponseSerializer
from core.services.audit import audit_log
from documents import selectors_portal as docs
from portal.mixins import IsResident, resident_party

ERRORS = {403: ErrorResponseSerializer, 404: ErrorResponseSerializer}


class PortalCaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mark = serializers.CharField()
    title = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    unit_symbol = serializers.CharField()
    unit_name = serializers.CharField()
    opened_on = serializers.DateField()
    due_date = serializers.DateField(allow_null=True)
    closed_on = serializers.DateField(allow_null=True)


class PortalLetterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    case_id = serializers.IntegerField()
    case_mark = serializers.CharField()
    title = serializers.CharField()
    kind_label = serializers.CharField()
    sent_on = serializers.DateField(allow_null=True)
    channel = serializers.CharField()
    channel_label = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    delivered_on = serializers.DateField(allow_null=True)
    can_open = serializers.BooleanField()
    awaiting_collection = serializers.BooleanField()


class PortalCaseDetailSerializer(PortalCaseSerializer):
    letters = PortalLetterSerializer(many=True)


class CaseListView(APIView):
    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_cases_list", responses={200: PortalCaseSerializer(many=True), **ERRORS})
    def get(self, request):
        party = resident_party(request)
        cases = docs.party_cases(party)
        audit_log(actor=request.user, action="portal.cases.viewed", obj=party, details={"cases": len(cases), "api": 1})
        return Response(PortalCaseSerializer(cases, many=True).data)


class CaseDetailApiView(APIView):
    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_cases_retrieve", responses={200: PortalCaseDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        party = resident_party(request)
        case = docs.party_case(party, pk)
        if case is None:
            raise Http404
        audit_log(actor=request.user, action="portal.case.viewed", obj=party, details={"case": case.id, "api": 1})
        data = PortalCaseSerializer(case).data
        data["letters"] = PortalLetterSerializer(docs.party_letters(party, case_id=case.id), many=True).data
        return Response(data)


class LetterListView(APIView):
    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_letters_list", responses={200: PortalLetterSerializer(many=True), **ERRORS})
    def get(self, request):
        party = resident_party(request)
        letters = docs.party_letters(party)
        audit_log(actor=request.user, action="portal.letters.viewed", obj=party, details={"api": 1})
        return Response(PortalLetterSerializer(letters, many=True).data)


urlpatterns = [
    path("cases/", CaseListView.as_view(), name="portal-api-cases"),
    path("cases/<int:pk>/", CaseDetailApiView.as_view(), name="portal-api-case"),
    path("letters/", LetterListView.as_view(), name="portal-api-letters"),
]
