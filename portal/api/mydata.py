"""/api/v1/portal/my-data/: everything the office holds about the logged-in resident (RODO art. 15).

``GET my-data/`` — the sections of the export as JSON (the same data as the ZIP's JSON files, without the PDFs);
``GET my-data.zip`` — the ZIP with the JSON files and the PDFs. Only the resident's own party; both reads are
logged (``portal.mydata.exported`` for the ZIP, ``party.viewed`` for the party read).
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.services.audit import audit_log
from portal import export
from portal.mixins import IsResident, resident_party


class MyDataApi(APIView):
    """The resident's data as JSON: party, residency, tax_objects, declarations, decisions, accounts, cases,
    consents, access_log (amounts as strings, dates ISO 8601)."""

    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_mydata", responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request):
        party = resident_party(request)
        data = export.collect(party)
        with transaction.atomic():
            audit_log(actor=request.user, action="portal.mydata.viewed", obj=party, details={"format": "json"})
        body = {"generated_at": data.generated_at.isoformat(), **data.sections}
        return Response(json.loads(json.dumps(body, cls=DjangoJSONEncoder)))


class MyDataZipApi(APIView):
    """The ZIP of the export (JSON files and the PDFs of decisions and letters)."""

    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_mydata_zip", responses={200: OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request):
        party = resident_party(request)
        response = HttpResponse(export.build_zip(actor=request.user, party=party), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.zip_name(party)}"'
        response["Cache-Control"] = "private, no-store"
        return response


urlpatterns = [
    path("my-data/", MyDataApi.as_view(), name="portal-mydata"),
    path("my-data.zip", MyDataZipApi.as_view(), name="portal-mydata-zip"),
]
