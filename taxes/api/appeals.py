"""/api/v1/taxes/decisions/<id>/appeals/ (list, register) and /api/v1/taxes/appeals/<id>/forward/, /decide/ —
appeals against tax decisions (``taxes.services.appeals``). Permission ``taxes.assess_taxes``."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from documents.models import IncomingEntry
from taxes.models import Decision, DecisionAppeal
from taxes.services import appeals as svc

PERM = "taxes.assess_taxes"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer,
          404: ErrorResponseSerializer}  # fmt: skip


class TaxDecisionAppealSerializer(serializers.ModelSerializer):
    decision_status = serializers.CharField(source="decision.status", read_only=True)
    decision_final_on = serializers.DateField(source="decision.final_on", read_only=True)

    class Meta:
        model = DecisionAppeal
        fields = ["id", "decision", "party", "lodged_on", "late", "incoming_entry", "status", "forwarded_on",
                  "outcome", "ruling_delivered_on", "note", "decision_status", "decision_final_on"]  # fmt: skip
        read_only_fields = fields


class TaxAppealRegisterInput(serializers.Serializer):
    party = serializers.IntegerField(min_value=1)
    lodged_on = serializers.DateField()
    incoming_entry = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

    def validate_incoming_entry(self, value):
        if value is None:
            return None
        entry = IncomingEntry.objects.filter(pk=value).first()
        if entry is None:
            raise serializers.ValidationError(_("There is no EZD entry %(entry)s.") % {"entry": value})
        return entry


class TaxAppealForwardInput(serializers.Serializer):
    forwarded_on = serializers.DateField()


class TaxAppealDecideInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=DecisionAppeal.Outcome.choices)
    ruling_delivered_on = serializers.DateField()
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DecisionAppealsApi(APIView):
    permission_classes = [require_perms(PERM)]
    serializer_class = TaxDecisionAppealSerializer

    @extend_schema(operation_id="v1_taxes_decision_appeals_list",
                   responses={200: TaxDecisionAppealSerializer(many=True), **ERRORS})  # fmt: skip
    def get(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk)
        rows = decision.appeals.select_related("decision").order_by("lodged_on", "pk")
        return Response(TaxDecisionAppealSerializer(rows, many=True).data)

    @extend_schema(request=TaxAppealRegisterInput, responses={201: TaxDecisionAppealSerializer, **ERRORS})
    def post(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk)
        data = TaxAppealRegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        appeal = svc.appeal_register(
            actor=request.user, decision=decision, party_id=d["party"], lodged_on=d["lodged_on"],
            incoming_entry=d.get("incoming_entry"), note=d["note"],
        )  # fmt: skip
        appeal.refresh_from_db()
        return Response(TaxDecisionAppealSerializer(appeal).data, status=status.HTTP_201_CREATED)


class AppealForwardApi(APIView):
    permission_classes = [require_perms(PERM)]
    serializer_class = TaxAppealForwardInput

    @extend_schema(request=TaxAppealForwardInput, responses={200: TaxDecisionAppealSerializer, **ERRORS})
    def post(self, request, pk: int):
        appeal = get_object_or_404(DecisionAppeal, pk=pk)
        data = TaxAppealForwardInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = svc.appeal_forward(actor=request.user, appeal=appeal, forwarded_on=data.validated_data["forwarded_on"])
        return Response(TaxDecisionAppealSerializer(result.appeal).data)


class AppealDecideApi(APIView):
    permission_classes = [require_perms(PERM)]
    serializer_class = TaxAppealDecideInput

    @extend_schema(request=TaxAppealDecideInput, responses={200: TaxDecisionAppealSerializer, **ERRORS})
    def post(self, request, pk: int):
        appeal = get_object_or_404(DecisionAppeal, pk=pk)
        data = TaxAppealDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        appeal = svc.appeal_decide(actor=request.user, appeal=appeal, outcome=d["outcome"],
                                   ruling_delivered_on=d["ruling_delivered_on"], note=d["note"])  # fmt: skip
        appeal.refresh_from_db()
        return Response(TaxDecisionAppealSerializer(appeal).data)


urlpatterns = [
    path("decisions/<int:pk>/appeals/", DecisionAppealsApi.as_view(), name="api-taxes-decision-appeals"),
    path("appeals/<int:pk>/forward/", AppealForwardApi.as_view(), name="api-taxes-appeal-forward"),
    path("appeals/<int:pk>/decide/", AppealDecideApi.as_view(), name="api-taxes-appeal-decide"),
]
