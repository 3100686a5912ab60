"""/api/v1/taxes/waste/stats/?year=&month= — the waste fee statistics as JSON (the same figures as the screen
/taxes/waste/stats/): residents declared vs registered per locality and composting on the 1st of the month, the fee
charged and paid per month of the year; amounts as strings (Decimal). Needs ``taxes.view_declaration``."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from taxes.selectors_waste_stats import waste_stats
from taxes.views.waste_stats import period

VIEW = "taxes.view_declaration"
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
MONEY = {"max_digits": 14, "decimal_places": 2}


class ResidentsRow(serializers.Serializer):
    locality = serializers.CharField()
    properties = serializers.IntegerField()
    declarations = serializers.IntegerField()
    declared = serializers.IntegerField()
    registered = serializers.IntegerField()
    difference = serializers.IntegerField()
    registered_total = serializers.IntegerField()


class FeesRow(serializers.Serializer):
    month = serializers.DateField(format="%Y-%m")
    charged = serializers.DecimalField(**MONEY)
    reduced = serializers.DecimalField(**MONEY)
    net = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)


class CompostingRow(serializers.Serializer):
    locality = serializers.CharField()
    residential = serializers.IntegerField()
    composting = serializers.IntegerField()
    share = serializers.DecimalField(max_digits=5, decimal_places=1)


class WasteStatsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.DateField(format="%Y-%m")
    residents = ResidentsRow(many=True)
    fees = FeesRow(many=True)
    composting = CompostingRow(many=True)
    composting_overall = CompostingRow()


class WasteStatsApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(
        parameters=[OpenApiParameter("year", int, required=False), OpenApiParameter("month", int, required=False)],
        responses={200: WasteStatsSerializer, **ERRORS},
    )
    def get(self, request):
        form, year, month = period(request.query_params)
        if not form.is_valid():
            raise serializers.ValidationError(form.errors)
        return Response(WasteStatsSerializer(waste_stats(year=year, month=month)).data)


urlpatterns = [path("waste/stats/", WasteStatsApi.as_view(), name="api-taxes-waste-stats")]
