"""/api/v1/portal/forms/: the resident's own e-form submissions and their UPPs (read only; forms are filed
through the pages, which show the document before it is signed)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.eforms import submissions
from portal.mixins import IsResident, resident_party


class SubmissionSerializer(serializers.Serializer):
    document_id = serializers.CharField()
    kind = serializers.CharField(help_text="in1, do1, certificate, letter (empty: another document)")
    label = serializers.CharField()
    file_name = serializers.CharField()
    sent_at = serializers.DateTimeField()
    upp_identifier = serializers.CharField()
    upp_created_at = serializers.DateTimeField(allow_null=True)


class SubmissionDetailSerializer(SubmissionSerializer):
    size = serializers.IntegerField()
    upp_url = serializers.SerializerMethodField()

    def get_upp_url(self, obj) -> str:
        request = self.context["request"]
        if not obj.upp_identifier:
            return ""
        return request.build_absolute_uri(request.path.rstrip("/") + "/upp/")


class SubmissionListView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses=SubmissionSerializer(many=True), summary="The resident's e-form submissions")
    def get(self, request):
        rows = submissions.submissions_for(resident_party(request))
        return Response(SubmissionSerializer(rows, many=True).data)


def _own(request, document_id):
    row = submissions.submission_for(resident_party(request), str(document_id))
    if row is None:
        raise Http404
    return row


class SubmissionDetailView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses=SubmissionDetailSerializer, summary="One of the resident's submissions with its UPP")
    def get(self, request, document_id):
        return Response(SubmissionDetailSerializer(_own(request, document_id), context={"request": request}).data)


class SubmissionUppView(APIView):
    permission_classes = [IsResident]

    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY}, summary="The signed UPP (XML)")
    def get(self, request, document_id):
        row = _own(request, document_id)
        if not row.upp_content:
            raise Http404
        response = HttpResponse(row.upp_content, content_type="application/xml")
        response["Content-Disposition"] = f'attachment; filename="UPP-{row.upp_identifier}.xml"'
        return response


urlpatterns = [
    path("forms/", SubmissionListView.as_view(), name="portal-api-forms"),
    path("forms/<uuid:document_id>/", SubmissionDetailView.as_view(), name="portal-api-forms-detail"),
    path("forms/<uuid:document_id>/upp/", SubmissionUppView.as_view(), name="portal-api-forms-upp"),
]
