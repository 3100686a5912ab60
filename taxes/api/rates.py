"""/api/v1/taxes/ — rates: resolutions (list per year, create), the rates of a resolution (list with the maximum,
set one) and the statutory maximum rates of a year. Thin views: ``taxes.view_resolution`` to read,
``taxes.manage_rates`` to write; the rules (maximum, minimum, tax of the category) are in ``taxes.services.rates``
and a refusal is a 400 in the project's error shape."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.permissions import require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from taxes.models import MaxRate, Rate, RateCategory, Resolution, Tax
from taxes.selectors import max_rates
from taxes.services.rates import rate_set, resolution_create

VIEW, MANAGE = ("taxes.view_resolution",), ("taxes.view_resolution", "taxes.manage_rates")
PERMS = require_perms_by_method({"GET": VIEW, "POST": MANAGE})
ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
YEAR = OpenApiParameter("year", int, description="tax year (default: the current year)")


def _year(request) -> int:
    try:
        year = int(request.query_params.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year


class ResolutionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Resolution
        fields = ["id", "year", "tax", "number", "adopted_on", "publication", "created_at"]
        read_only_fields = ["id", "created_at"]


class ResolutionCreateSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    tax = serializers.ChoiceField(choices=Tax.choices)
    number = serializers.CharField(max_length=100)
    adopted_on = serializers.DateField()
    publication = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class RateSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    unit = serializers.CharField(source="category.unit")
    maximum = serializers.SerializerMethodField()

    class Meta:
        model = Rate
        fields = ["id", "category", "name", "unit", "rate", "maximum"]

    def get_maximum(self, obj) -> str | None:
        limit = self.context.get("max", {}).get(obj.category.code)
        return None if limit is None else str(limit.maximum)


class RateSetSerializer(serializers.Serializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=RateCategory.objects.all())
    rate = serializers.DecimalField(max_digits=12, decimal_places=4, min_value=0)


class MaxRateSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    name = serializers.CharField(source="category.name")
    tax = serializers.CharField(source="category.tax")
    unit = serializers.CharField(source="category.unit")

    class Meta:
        model = MaxRate
        fields = ["year", "category", "name", "tax", "unit", "maximum", "minimum", "source"]


class ResolutionListApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(parameters=[YEAR], responses={200: ResolutionSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = Resolution.objects.filter(year=_year(request)).order_by("tax")
        return Response(ResolutionSerializer(qs, many=True).data)

    @extend_schema(request=ResolutionCreateSerializer, responses={201: ResolutionSerializer, **ERRORS})
    def post(self, request):
        data = ResolutionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        resolution = resolution_create(actor=request.user, **data.validated_data)
        return Response(ResolutionSerializer(resolution).data, status=status.HTTP_201_CREATED)


class ResolutionRatesApi(APIView):
    permission_classes = [PERMS]

    @extend_schema(responses={200: RateSerializer(many=True), 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        resolution = get_object_or_404(Resolution, pk=pk)
        rates = resolution.rates.select_related("category").order_by("category__order", "category__code")
        return Response(RateSerializer(rates, many=True, context={"max": max_rates(resolution.year)}).data)

    @extend_schema(request=RateSetSerializer, responses={200: RateSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def post(self, request, pk: int):
        resolution = get_object_or_404(Resolution, pk=pk)
        data = RateSetSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rate = rate_set(actor=request.user, resolution=resolution, **data.validated_data)
        return Response(RateSerializer(rate, context={"max": max_rates(resolution.year)}).data)


class MaxRateListApi(APIView):
    permission_classes = [require_perms_by_method({"GET": VIEW})]

    @extend_schema(parameters=[YEAR], responses={200: MaxRateSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = MaxRate.objects.filter(year=_year(request)).select_related("category")
        qs = qs.order_by("category__tax", "category__order", "category__code")
        return Response(MaxRateSerializer(qs, many=True).data)


urlpatterns = [
    path("resolutions/", ResolutionListApi.as_view(), name="api-taxes-resolutions"),
    path("resolutions/<int:pk>/rates/", ResolutionRatesApi.as_view(), name="api-taxes-resolution-rates"),
    path("max-rates/", MaxRateListApi.as_view(), name="api-taxes-max-rates"),
]
