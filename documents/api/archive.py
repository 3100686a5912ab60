"""API: the office archive — hand-over lists, disposal lists, the archival package (``documents.manage_archive``)."""

from django.http import HttpResponse
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden
from documents.models import ArchiveTransfer, DisposalList
from documents.services.archival_package import archival_package
from documents.services.archive import (
    disposal_create,
    disposal_transition,
    transfer_create,
    transfer_rows,
    transfer_transition,
)

PERM = require_perms("documents.manage_archive")
ERRORS = {400: ErrorResponseSerializer, 403: ErrorResponseSerializer, 404: ErrorResponseSerializer}


class TransferRowSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    symbol = serializers.CharField()
    title = serializers.CharField()
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    category = serializers.CharField()
    case_count = serializers.IntegerField()
    remarks = serializers.CharField()


class TransferSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.symbol")
    jrwa = serializers.CharField(source="jrwa.symbol", default=None)
    cases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="mark")

    class Meta:
        model = ArchiveTransfer
        fields = [
            "id",
            "year",
            "number",
            "unit",
            "jrwa",
            "status",
            "cases",
            "created_at",
            "handed_over_at",
            "accepted_at",
        ]


class TransferCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    jrwa = serializers.IntegerField()
    case_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
    approval_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class DisposalSerializer(serializers.ModelSerializer):
    cases = serializers.SlugRelatedField(many=True, read_only=True, slug_field="mark")

    class Meta:
        model = DisposalList
        fields = [
            "id",
            "year",
            "number",
            "status",
            "cases",
            "approval_reference",
            "created_at",
            "decided_at",
            "disposed_at",
        ]


class DisposalCreateSerializer(serializers.Serializer):
    include_expert_evaluation = serializers.BooleanField(default=False)
    case_ids = serializers.ListField(child=serializers.IntegerField(), required=False)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class TransferListApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = TransferSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return ArchiveTransfer.objects.select_related("unit", "jrwa").prefetch_related("cases")

    @extend_schema(responses={200: TransferSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(TransferSerializer(page, many=True).data)

    @extend_schema(request=TransferCreateSerializer, responses={201: TransferSerializer, **ERRORS})
    def post(self, request):
        data = _valid(TransferCreateSerializer, request.data)
        transfer = transfer_create(
            user=request.user, unit=data["unit"], jrwa=data["jrwa"], case_ids=data.get("case_ids")
        )
        return Response(TransferSerializer(transfer).data, status=status.HTTP_201_CREATED)


class TransferDetailApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = TransferSerializer

    @extend_schema(responses={200: TransferSerializer, **ERRORS})
    def get(self, request, pk):
        transfer = ArchiveTransfer.objects.filter(pk=pk).first()
        if transfer is None:
            raise NotFoundOrForbidden("not found")
        body = TransferSerializer(transfer).data
        body["rows"] = TransferRowSerializer(transfer_rows(transfer), many=True).data
        return Response(body)


class TransferTransitionApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = TransitionSerializer
    target = ""

    @extend_schema(request=TransitionSerializer, responses={200: TransferSerializer, **ERRORS})
    def post(self, request, pk):
        data = _valid(TransitionSerializer, request.data)
        transfer = transfer_transition(user=request.user, transfer_id=pk, to=self.target, note=data["note"])
        return Response(TransferSerializer(transfer).data)


class DisposalListApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = DisposalSerializer
    pagination_class = Pagination

    def get_queryset(self):
        return DisposalList.objects.prefetch_related("cases")

    @extend_schema(responses={200: DisposalSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(DisposalSerializer(page, many=True).data)

    @extend_schema(request=DisposalCreateSerializer, responses={201: DisposalSerializer, **ERRORS})
    def post(self, request):
        data = _valid(DisposalCreateSerializer, request.data)
        disposal = disposal_create(
            user=request.user,
            include_expert_evaluation=data["include_expert_evaluation"],
            case_ids=data.get("case_ids"),
        )
        return Response(DisposalSerializer(disposal).data, status=status.HTTP_201_CREATED)


class DisposalDetailApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = DisposalSerializer

    @extend_schema(responses={200: DisposalSerializer, **ERRORS})
    def get(self, request, pk):
        disposal = DisposalList.objects.filter(pk=pk).first()
        if disposal is None:
            raise NotFoundOrForbidden("not found")
        return Response(DisposalSerializer(disposal).data)


class DisposalTransitionApi(GenericAPIView):
    permission_classes = [PERM]
    serializer_class = TransitionSerializer
    target = ""

    @extend_schema(request=TransitionSerializer, responses={200: DisposalSerializer, **ERRORS})
    def post(self, request, pk):
        data = _valid(TransitionSerializer, request.data)
        disposal = disposal_transition(
            user=request.user,
            disposal_id=pk,
            to=self.target,
            approval_reference=data["approval_reference"],
            reason=data["note"],
        )
        return Response(DisposalSerializer(disposal).data)


class PackageApi(GenericAPIView):
    permission_classes = [PERM]

    @extend_schema(
        parameters=[OpenApiParameter("case", int, many=True, required=True)],
        responses={(200, "application/zip"): bytes, **ERRORS},
    )
    def get(self, request):
        ids = [v for v in request.query_params.getlist("case") if v.isdigit()]
        data = archival_package(user=request.user, case_ids=ids)
        response = HttpResponse(data, content_type="application/zip")
        stamp = timezone.localdate().strftime("%Y%m%d")
        response["Content-Disposition"] = f'attachment; filename="paczka-archiwalna-{stamp}.zip"'
        return response


T, D = ArchiveTransfer.Status, DisposalList.Status
urlpatterns = [
    path("archive/transfers/", TransferListApi.as_view(), name="api-documents-archive-transfers"),
    path("archive/transfers/<int:pk>/", TransferDetailApi.as_view(), name="api-documents-archive-transfer"),
    *[
        path(
            f"archive/transfers/<int:pk>/{action}/",
            TransferTransitionApi.as_view(target=target),
            name=f"api-documents-archive-transfer-{action}",
        )
        for action, target in (("hand-over", T.HANDED_OVER), ("accept", T.ACCEPTED), ("return", T.DRAFT))
    ],
    path("archive/disposals/", DisposalListApi.as_view(), name="api-documents-archive-disposals"),
    path("archive/disposals/<int:pk>/", DisposalDetailApi.as_view(), name="api-documents-archive-disposal"),
    *[
        path(
            f"archive/disposals/<int:pk>/{action}/",
            DisposalTransitionApi.as_view(target=target),
            name=f"api-documents-archive-disposal-{action}",
        )
        for action, target in (
            ("submit", D.SUBMITTED),
            ("approve", D.APPROVED),
            ("refuse", D.REFUSED),
            ("dispose", D.DISPOSED),
        )
    ],
    path("archive/package/", PackageApi.as_view(), name="api-documents-archive-package"),
]
