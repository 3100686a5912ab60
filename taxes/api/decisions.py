"""/api/v1/taxes/decisions/<id>/pdf/ and /xml/ — the decision's documents (the read is logged). Lists and details
of decisions belong to the assessment area's API."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.views import APIView

from core.api.permissions import require_perms
from taxes.models import Decision
from taxes.services.decisions import decision_document_read

PERM = "taxes.assess_taxes"


class DecisionFileApi(APIView):
    permission_classes = [require_perms(PERM)]
    fmt = "pdf"

    @extend_schema(responses={200: OpenApiResponse(description="the decision as PDF or XML")})
    def get(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk)
        content = decision_document_read(actor=request.user, decision=decision, fmt=self.fmt)
        mime = "application/pdf" if self.fmt == "pdf" else "application/xml"
        name = (decision.number or str(decision.pk)).replace("/", "-")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{name}.{self.fmt}"'
        return response


urlpatterns = [
    path("decisions/<int:pk>/pdf/", DecisionFileApi.as_view(fmt="pdf"), name="api-taxes-decision-pdf"),
    path("decisions/<int:pk>/xml/", DecisionFileApi.as_view(fmt="xml"), name="api-taxes-decision-xml"),
]
