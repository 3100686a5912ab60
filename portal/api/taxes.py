"""/api/v1/portal/taxes/ — the resident's own taxes and fees: the summary by year and the detail of one year, with
the same figures as the pages ``portal:taxes`` / ``portal:taxes-year`` (``portal.views_taxes.summary_data`` /
``year_data``). Amounts are decimal strings ("181.75"), dates ISO. ``IsResident``; the party is always the
resident's own (``resident_party``, the read logged)."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ErrorResponseSerializer
from portal.mixins import IsResident, resident_party
from portal.views_taxes import check_year, summary_data, today, year_data

ERRORS = {401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


def money(**kwargs):
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


class PortalTaxStatementSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    as_of = serializers.DateField()
    assessed = money()
    corrections = money()
    arrears_previous = money()
    interest = money()
    costs = money()
    paid = money()
    overpayment = money()
    principal = money()
    arrears = money()
    balance = money()
    total_due = money()


class PortalTaxInstallmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    effective_due_date = serializers.DateField()
    amount = money()
    paid = money()
    unpaid = money()
    interest = money()
    status = serializers.ChoiceField(choices=["paid", "overdue", "due", "reduced"])
    description = serializers.CharField()


class PortalTaxPaymentSerializer(serializers.Serializer):
    date = serializers.DateField()
    amount = money()
    to_account = money()
    principal = money()
    interest = money()
    costs = money()
    overpayment = money()
    source = serializers.CharField()


class PortalTaxChargeSerializer(serializers.Serializer):
    date = serializers.DateField()
    kind = serializers.ChoiceField(choices=["charge", "reduction"])
    amount = money()
    description = serializers.CharField()


class PortalTaxAccountSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    receivable_code = serializers.CharField()
    receivable_name = serializers.CharField()
    year = serializers.IntegerField()
    role = serializers.CharField(help_text="obligor | co_obligor")
    assessed = money()
    corrections = money()
    paid = money()
    principal = money()
    arrears = money()
    interest = money()
    costs = money()
    overpayment = money()
    balance = money()


class PortalTaxAccountDetailSerializer(PortalTaxAccountSummarySerializer):
    installments = PortalTaxInstallmentSerializer(many=True)
    payments = PortalTaxPaymentSerializer(many=True)
    charges = PortalTaxChargeSerializer(many=True)


class PortalTaxAccountEntrySerializer(serializers.Serializer):
    account = PortalTaxAccountSummarySerializer()
    nrb = serializers.CharField()


class PortalTaxYearSummarySerializer(serializers.Serializer):
    year = serializers.IntegerField()
    statement = PortalTaxStatementSerializer()
    accounts = PortalTaxAccountEntrySerializer(many=True)


class PortalTaxSummarySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    total_due = money()
    overpayment = money()
    bank_account = serializers.CharField()
    qr_payload = serializers.CharField()
    years = PortalTaxYearSummarySerializer(many=True)


class PortalTaxAccountYearSerializer(serializers.Serializer):
    account = PortalTaxAccountDetailSerializer()
    nrb = serializers.CharField()
    due = money()
    qr_payload = serializers.CharField()


class PortalTaxItemSerializer(serializers.Serializer):
    tax = serializers.CharField()
    object = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    unit = serializers.CharField()
    base = serializers.DecimalField(max_digits=16, decimal_places=4)
    rate = serializers.DecimalField(max_digits=12, decimal_places=4)
    months = serializers.IntegerField()
    share = serializers.CharField()
    amount = serializers.DecimalField(max_digits=16, decimal_places=4)


class PortalTaxTaxLineSerializer(serializers.Serializer):
    tax = serializers.CharField()
    exact = serializers.DecimalField(max_digits=16, decimal_places=4)
    amount = money()


class PortalTaxDecisionInstallmentSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    effective_due_date = serializers.DateField(allow_null=True)
    amount = money()


class PortalTaxDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    number = serializers.CharField()
    year = serializers.IntegerField()
    issue_date = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    delivered_on = serializers.DateField(allow_null=True)
    final_on = serializers.DateField(allow_null=True)
    total = money()
    role = serializers.CharField(help_text="addressee | co_obligor")
    has_pdf = serializers.BooleanField()
    pdf_url = serializers.SerializerMethodField()
    taxes = PortalTaxTaxLineSerializer(many=True)
    items = PortalTaxItemSerializer(many=True)
    installments = PortalTaxDecisionInstallmentSerializer(many=True)

    def get_pdf_url(self, obj) -> str:
        from django.urls import reverse

        return reverse("portal:taxes-decision-pdf", args=[obj.id]) if obj.has_pdf else ""


class PortalTaxWasteDecisionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField()
    property_identifier = serializers.CharField()
    property_address = serializers.CharField()
    effective_from = serializers.DateField()
    monthly_fee = money()
    status = serializers.CharField()
    issue_date = serializers.DateField(allow_null=True)
    delivered_on = serializers.DateField(allow_null=True)
    has_pdf = serializers.BooleanField()


class PortalTaxDeclarationSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["tax", "waste"])
    form = serializers.CharField()
    number = serializers.CharField()
    filed_on = serializers.DateField()
    effective_from = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    property = serializers.CharField()
    pdf_url = serializers.SerializerMethodField(
        help_text="the declaration as a PDF: the file it came with in EZD, else a visualisation of the data stored"
    )

    def get_pdf_url(self, obj) -> str:
        from django.urls import reverse

        name = "portal:taxes-waste-declaration-pdf" if obj.kind == "waste" else "portal:taxes-declaration-pdf"
        return reverse(name, args=[obj.pk])


class PortalTaxFeeLineSerializer(serializers.Serializer):
    label = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=14, decimal_places=4)
    rate = serializers.DecimalField(max_digits=14, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=4)


class PortalTaxWasteComputationSerializer(serializers.Serializer):
    declaration_number = serializers.CharField()
    property_identifier = serializers.CharField()
    month = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    method_label = serializers.CharField()
    residents = serializers.IntegerField(allow_null=True)
    lines = PortalTaxFeeLineSerializer(many=True)
    monthly = money()
    annual = money()
    error = serializers.CharField()


class PortalTaxTaxYearSerializer(serializers.Serializer):
    decisions = PortalTaxDecisionSerializer(many=True)
    waste_decisions = PortalTaxWasteDecisionSerializer(many=True)
    declarations = PortalTaxDeclarationSerializer(many=True)
    waste_computations = PortalTaxWasteComputationSerializer(many=True)


class PortalTaxYearDetailSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    year = serializers.IntegerField()
    statement = PortalTaxStatementSerializer()
    accounts = PortalTaxAccountYearSerializer(many=True)
    taxes = PortalTaxTaxYearSerializer()


class TaxesSummaryApi(APIView):
    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_taxes_summary", responses={200: PortalTaxSummarySerializer, **ERRORS})
    def get(self, request):
        data = summary_data(resident_party(request), as_of=today())
        return Response(PortalTaxSummarySerializer(data).data)


class TaxesYearApi(APIView):
    permission_classes = [IsResident]

    @extend_schema(
        operation_id="portal_taxes_year",
        responses={200: PortalTaxYearDetailSerializer, 404: ErrorResponseSerializer, **ERRORS},
    )
    def get(self, request, year: int):
        data = year_data(resident_party(request), year=check_year(year), as_of=today())
        return Response(PortalTaxYearDetailSerializer(data).data)


urlpatterns = [
    path("taxes/", TaxesSummaryApi.as_view(), name="portal-taxes"),
    path("taxes/<int:year>/", TaxesYearApi.as_view(), name="portal-taxes-year"),
]
