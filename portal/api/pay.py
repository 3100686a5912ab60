"""/api/v1/portal/platnosci/: what the resident owes now, starting an online payment, and its status.

The resident's own party only (``resident_party``); an order of another resident answers 404 like a missing one.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.serializers import ErrorResponseSerializer
from finance.domain.rounding import ZERO
from finance.services import online_payments
from portal.mixins import IsResident, resident_party
from taxes.services.assessment import qr_payload

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class PayDueItemSerializer(serializers.Serializer):
    key = serializers.CharField()
    kind = serializers.CharField()
    receivable_type = serializers.CharField(source="type_code")
    receivable_name = serializers.CharField(source="type_name")
    year = serializers.IntegerField()
    installment = serializers.IntegerField(source="number", allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    principal = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    overdue = serializers.BooleanField()


class PayTransferSerializer(serializers.Serializer):
    receivable_name = serializers.CharField(source="type_name")
    year = serializers.IntegerField(allow_null=True)
    account = serializers.CharField(source="nrb")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    title = serializers.CharField()
    qr_payload = serializers.CharField()


class PayDueSerializer(serializers.Serializer):
    items = PayDueItemSerializer(many=True)
    total = serializers.DecimalField(max_digits=14, decimal_places=2)
    transfers = PayTransferSerializer(many=True)


class PayOrderInSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.CharField(max_length=40), allow_empty=True, max_length=200)


class PayOrderSerializer(serializers.Serializer):
    order = serializers.CharField(source="token")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    title = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    authorised_at = serializers.DateTimeField(allow_null=True)
    transaction_id = serializers.CharField()
    payment_date = serializers.DateField(source="payment.payment_date", allow_null=True, default=None)


class PayOrderCreatedSerializer(PayOrderSerializer):
    redirect_url = serializers.CharField()


class DueView(GenericAPIView):
    permission_classes = [IsResident]
    serializer_class = PayDueSerializer

    @extend_schema(operation_id="portal_pay_due", responses={200: PayDueSerializer, **ERRORS}, tags=["portal"])
    def get(self, request):
        party = resident_party(request)
        items = online_payments.due_items(party)
        transfers = [
            {**t.__dict__, "qr_payload": qr_payload(account=t.nrb, amount=t.amount, title=t.title)}
            for t in (online_payments.transfer_details(party, items) if items else [])
        ]
        data = {"items": items, "total": sum((i.amount for i in items), ZERO), "transfers": transfers}
        return Response(PayDueSerializer(data).data)


class OrderCreateView(GenericAPIView):
    permission_classes = [IsResident]
    serializer_class = PayOrderInSerializer

    @extend_schema(
        operation_id="portal_pay_order_create", request=PayOrderInSerializer,
        responses={201: PayOrderCreatedSerializer, **ERRORS}, tags=["portal"],
    )  # fmt: skip
    def post(self, request):
        data = PayOrderInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        party = resident_party(request)
        order = online_payments.payment_order_create(actor=request.user, party=party, keys=data.validated_data["items"])
        return_url = request.build_absolute_uri(reverse("portal:pay-result", kwargs={"token": order.token}))
        notify_url = request.build_absolute_uri(reverse("portal:pay-notify"))
        order.redirect_url = online_payments.gateway_redirect_url(order, return_url=return_url, notify_url=notify_url)
        return Response(PayOrderCreatedSerializer(order).data, status=status.HTTP_201_CREATED)


class OrderDetailView(GenericAPIView):
    permission_classes = [IsResident]
    serializer_class = PayOrderSerializer

    @extend_schema(
        operation_id="portal_pay_order", responses={200: PayOrderSerializer, 404: ErrorResponseSerializer, **ERRORS},
        tags=["portal"],
    )  # fmt: skip
    def get(self, request, token: str):
        order = online_payments.order_of_party(resident_party(request), token)
        if order is None:
            raise Http404
        return Response(PayOrderSerializer(order).data)


urlpatterns = [
    path("platnosci/", DueView.as_view(), name="portal-pay-due"),
    path("platnosci/zlecenia/", OrderCreateView.as_view(), name="portal-pay-order-create"),
    path("platnosci/zlecenia/<str:token>/", OrderDetailView.as_view(), name="portal-pay-order"),
]
