"""/api/v1/documents/: the outgoing register (shipments), dispatch, dispatch books, delivery receipts.

Thin DRF views: permission ``documents.dispatch_mail`` (shipments, dispatch, books) or
``documents.register_receipt`` (receipts); the rules live in documents.services.dispatch / postal_book / receipts.
"""

from __future__ import annotations

import base64
import binascii

from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.pagination import Pagination
from core.api.permissions import require_perms
from core.api.serializers import ErrorResponseSerializer
from documents.models import OutgoingDocument, PostalBook, Receipt, Shipment
from documents.services.dispatch import FORCED_CHANNELS, document_dispatch
from documents.services.postal_book import book_csv, book_pdf
from documents.services.receipts import ZPO_MANNERS, receipt_resolve, zpo_register

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
DISPATCH = require_perms("documents.dispatch_mail")
RECEIPTS = require_perms("documents.register_receipt")


class ShipmentSerializer(serializers.ModelSerializer):
    document_title = serializers.CharField(source="document.title", read_only=True)
    case_mark = serializers.CharField(source="document.case.mark", read_only=True)

    class Meta:
        model = Shipment
        fields = [
            "id",
            "number",
            "year",
            "document",
            "document_title",
            "case_mark",
            "party",
            "channel",
            "channel_reason",
            "status",
            "address_text",
            "book",
            "book_position",
            "registered_number",
            "fee",
            "sent_on",
            "delivered_on",
            "delivery_manner",
        ]


class BookSerializer(serializers.ModelSerializer):
    shipments = serializers.IntegerField(source="shipment_count", read_only=True)

    class Meta:
        model = PostalBook
        fields = ["id", "kind", "day", "closed_at", "shipments"]


class ReceiptSerializer(serializers.ModelSerializer):
    class Meta:
        model = Receipt
        fields = [
            "id",
            "kind",
            "status",
            "manner",
            "delivered_on",
            "first_notice_on",
            "second_notice_on",
            "reference",
            "quarantine_reason",
            "shipment",
            "created_at",
        ]


class DispatchInputSerializer(serializers.Serializer):
    channels = serializers.DictField(
        child=serializers.ChoiceField(choices=sorted(FORCED_CHANNELS)), required=False, default=dict
    )


class ZpoInputSerializer(serializers.Serializer):
    shipment = serializers.IntegerField(required=False, allow_null=True)
    registered_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    manner = serializers.ChoiceField(choices=sorted(ZPO_MANNERS))
    delivered_on = serializers.DateField(required=False, allow_null=True)
    first_notice_on = serializers.DateField(required=False, allow_null=True)
    second_notice_on = serializers.DateField(required=False, allow_null=True)
    scan_base64 = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_scan_base64(self, value):
        if not value:
            return None
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise serializers.ValidationError("not valid base64") from exc


class ResolveInputSerializer(serializers.Serializer):
    shipment = serializers.IntegerField(required=False, allow_null=True)
    discard_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ShipmentListApi(GenericAPIView):
    queryset = Shipment.objects.none()  # for the schema (path parameter types)
    permission_classes = [DISPATCH]
    serializer_class = ShipmentSerializer
    pagination_class = Pagination

    @extend_schema(responses={200: ShipmentSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = Shipment.objects.select_related("document__case").order_by("-year", "-number")
        for field in ("status", "channel", "year", "document", "registered_number"):
            value = request.query_params.get(field)
            if value:
                qs = qs.filter(**{field: value})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ShipmentSerializer(page, many=True).data)


class DocumentDispatchApi(GenericAPIView):
    queryset = OutgoingDocument.objects.none()  # for the schema (path parameter types)
    permission_classes = [DISPATCH]
    serializer_class = DispatchInputSerializer

    @extend_schema(request=DispatchInputSerializer, responses={200: ShipmentSerializer(many=True), **ERRORS})
    def post(self, request, pk: int):
        document = get_object_or_404(OutgoingDocument, pk=pk)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        shipments = document_dispatch(actor=request.user, document=document, channels=data.validated_data["channels"])
        return Response(ShipmentSerializer(shipments, many=True).data)


class BookListApi(GenericAPIView):
    queryset = PostalBook.objects.none()  # for the schema (path parameter types)
    permission_classes = [DISPATCH]
    serializer_class = BookSerializer
    pagination_class = Pagination

    @extend_schema(responses={200: BookSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = PostalBook.objects.annotate(shipment_count=Count("shipments")).order_by("-day", "kind")
        for field in ("kind", "day"):
            value = request.query_params.get(field)
            if value:
                qs = qs.filter(**{field: value})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(BookSerializer(page, many=True).data)


class BookFileApi(GenericAPIView):
    queryset = PostalBook.objects.none()  # for the schema (path parameter types)
    permission_classes = [DISPATCH]

    @extend_schema(responses={(200, "application/octet-stream"): bytes, **ERRORS})
    def get(self, request, pk: int, fmt: str):
        book = get_object_or_404(PostalBook, pk=pk)
        if fmt == "pdf":
            response = HttpResponse(book_pdf(book), content_type="application/pdf")
        else:
            response = HttpResponse(book_csv(book), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{book.kind}-{book.day:%Y-%m-%d}.{fmt}"'
        return response


class ReceiptListApi(GenericAPIView):
    queryset = Receipt.objects.none()  # for the schema (path parameter types)
    permission_classes = [RECEIPTS]
    serializer_class = ReceiptSerializer
    pagination_class = Pagination

    @extend_schema(responses={200: ReceiptSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = Receipt.objects.order_by("-created_at", "-pk")
        for field in ("status", "kind", "shipment"):
            value = request.query_params.get(field)
            if value:
                qs = qs.filter(**{field: value})
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(ReceiptSerializer(page, many=True).data)

    @extend_schema(request=ZpoInputSerializer, responses={201: ReceiptSerializer, **ERRORS})
    def post(self, request):
        data = ZpoInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        shipment = get_object_or_404(Shipment, pk=v["shipment"]) if v.get("shipment") else None
        receipt = zpo_register(
            actor=request.user,
            shipment=shipment,
            registered_number=v["registered_number"],
            manner=v["manner"],
            delivered_on=v.get("delivered_on"),
            first_notice_on=v.get("first_notice_on"),
            second_notice_on=v.get("second_notice_on"),
            scan=v.get("scan_base64"),
        )
        return Response(ReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class ReceiptResolveApi(GenericAPIView):
    queryset = Receipt.objects.none()  # for the schema (path parameter types)
    permission_classes = [RECEIPTS]
    serializer_class = ResolveInputSerializer

    @extend_schema(request=ResolveInputSerializer, responses={200: ReceiptSerializer, **ERRORS})
    def post(self, request, pk: int):
        receipt = get_object_or_404(Receipt, pk=pk)
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        shipment = get_object_or_404(Shipment, pk=v["shipment"]) if v.get("shipment") else None
        result = receipt_resolve(
            actor=request.user, receipt=receipt, shipment=shipment, discard_reason=v["discard_reason"]
        )
        return Response(ReceiptSerializer(result).data)


urlpatterns = [
    path("shipments/", ShipmentListApi.as_view(), name="api-documents-shipments"),
    path("documents/<int:pk>/dispatch/", DocumentDispatchApi.as_view(), name="api-documents-dispatch"),
    path("postal-books/", BookListApi.as_view(), name="api-documents-postal-books"),
    path("postal-books/<int:pk>/pdf", BookFileApi.as_view(), {"fmt": "pdf"}, name="api-documents-postal-book-pdf"),
    path("postal-books/<int:pk>/csv", BookFileApi.as_view(), {"fmt": "csv"}, name="api-documents-postal-book-csv"),
    path("receipts/", ReceiptListApi.as_view(), name="api-documents-receipts"),
    path("receipts/<int:pk>/resolve/", ReceiptResolveApi.as_view(), name="api-documents-receipt-resolve"),
]
