"""/api/v1/taxes/ — the register: objects (search, create), object detail with versions and liabilities, a new
version, the end of an object, a new liability, and the taxpayer card (logged). Thin views: permissions per method,
rules in ``taxes.services.register`` (a refusal is a 400 in the project's error shape)."""

from __future__ import annotations

from django.http import Http404
from django.urls import path
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.permissions import require_perms, require_perms_by_method
from core.exceptions import NotFoundOrForbidden
from core.models import Party
from core.services.audit import audit_log
from taxes import selectors_register as sel
from taxes.models import Liability, ObjectVersion, TaxObject
from taxes.services import register as svc

VIEW = "taxes.view_taxobject"
MANAGE = "taxes.manage_register"


class VersionSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code")
    exemption = serializers.CharField(source="exemption.code", default=None)

    class Meta:
        model = ObjectVersion
        fields = [
            "id", "valid_from", "valid_to", "category", "area", "area_low", "value", "land_type", "land_class",
            "reserve", "vehicle_mass_kg", "vehicle_axles", "vehicle_air_suspension", "vehicle_seats", "vehicle_year",
            "exemption",
        ]  # fmt: skip


class LiabilitySerializer(serializers.ModelSerializer):
    party = serializers.IntegerField(source="party_id")
    party_name = serializers.CharField(source="party.__str__")

    class Meta:
        model = Liability
        fields = ["id", "party", "party_name", "role", "share_numerator", "share_denominator", "valid_from",
                  "valid_to"]  # fmt: skip


class ObjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = TaxObject
        fields = ["id", "kind", "precinct", "parcel", "identifier", "description"]


class VersionInput(serializers.Serializer):
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)
    category = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="empty for a vehicle: the transport tax class follows from its data",
    )
    vehicle_kind = serializers.ChoiceField(
        choices=["truck", "tractor", "trailer", "bus"],
        required=False,
        allow_blank=True,
        help_text="the kind of a vehicle entered without a class",
    )
    area = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    area_low = serializers.DecimalField(max_digits=14, decimal_places=4, required=False)
    value = serializers.DecimalField(max_digits=16, decimal_places=2, required=False)
    land_type = serializers.CharField(max_length=20, required=False, allow_blank=True)
    land_class = serializers.CharField(max_length=5, required=False, allow_blank=True)
    reserve = serializers.BooleanField(required=False)
    vehicle_mass_kg = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    vehicle_axles = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    vehicle_air_suspension = serializers.BooleanField(required=False)
    vehicle_seats = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    vehicle_year = serializers.IntegerField(required=False, allow_null=True, min_value=1900)
    exemption = serializers.CharField(max_length=40, required=False, allow_blank=True)


class LiabilityInput(serializers.Serializer):
    party = serializers.IntegerField(min_value=1)
    role = serializers.ChoiceField(choices=Liability.Role.choices)
    share_numerator = serializers.IntegerField(min_value=1, default=1)
    share_denominator = serializers.IntegerField(min_value=1, default=1)
    valid_from = serializers.DateField()
    valid_to = serializers.DateField(required=False, allow_null=True)


class ObjectInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=TaxObject.Kind.choices)
    precinct = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    parcel = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    identifier = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    version = VersionInput()
    liabilities = LiabilityInput(many=True)


class EndInput(serializers.Serializer):
    valid_to = serializers.DateField()


def _object(request, pk: int) -> TaxObject:
    try:
        return sel.access_object(user=request.user, object_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _detail(obj: TaxObject) -> dict:
    return {
        **ObjectSerializer(obj).data,
        "versions": VersionSerializer(sel.object_versions(obj), many=True).data,
        "liabilities": LiabilitySerializer(sel.object_liabilities(obj), many=True).data,
    }


def _parties(rows: list[dict]) -> list[dict]:
    found = Party.objects.in_bulk([r["party"] for r in rows])
    return [{**r, "party": found.get(r["party"])} for r in rows]


class TaxObjectDetailSerializer(ObjectSerializer):
    """For the schema: an object with its versions and liabilities (built by ``_detail``)."""

    versions = VersionSerializer(many=True, read_only=True)
    liabilities = LiabilitySerializer(many=True, read_only=True)

    class Meta(ObjectSerializer.Meta):
        fields = [*ObjectSerializer.Meta.fields, "versions", "liabilities"]


class ObjectListApi(APIView):
    permission_classes = [require_perms_by_method({"GET": (VIEW,), "POST": (MANAGE,)})]

    @extend_schema(operation_id="v1_taxes_objects_list", responses={200: ObjectSerializer(many=True)})
    def get(self, request):
        query, kind = request.query_params.get("q", ""), request.query_params.get("kind", "")
        qs = sel.search_objects(query=query, kind=kind)
        if query:
            audit_log(actor=request.user, action="taxes.register.searched", object_type="taxes.taxobject",
                      details={"query": query})  # fmt: skip
        paginator = Pagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(ObjectSerializer(page, many=True).data)

    @extend_schema(request=ObjectInput, responses={201: TaxObjectDetailSerializer})
    def post(self, request):
        data = ObjectInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        obj = svc.object_create(
            actor=request.user, kind=d["kind"], precinct=d["precinct"], parcel=d["parcel"],
            identifier=d["identifier"], description=d["description"], version=dict(d["version"]),
            liabilities=_parties([dict(r) for r in d["liabilities"]]),
        )  # fmt: skip
        return Response(_detail(obj), status=status.HTTP_201_CREATED)


class ObjectDetailApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(responses={200: TaxObjectDetailSerializer})
    def get(self, request, pk: int):
        return Response(_detail(_object(request, pk)))


class ObjectVersionApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=VersionInput, responses={201: VersionSerializer})
    def post(self, request, pk: int):
        obj = _object(request, pk)
        data = VersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        v = svc.object_version_add(actor=request.user, object=obj, valid_from=fields.pop("valid_from"), **fields)
        return Response(VersionSerializer(v).data, status=status.HTTP_201_CREATED)


class ObjectEndApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=EndInput, responses={200: TaxObjectDetailSerializer})
    def post(self, request, pk: int):
        obj = _object(request, pk)
        data = EndInput(data=request.data)
        data.is_valid(raise_exception=True)
        svc.object_end(actor=request.user, object=obj, valid_to=data.validated_data["valid_to"])
        return Response(_detail(obj))


class ObjectLiabilityApi(APIView):
    permission_classes = [require_perms(VIEW, MANAGE)]

    @extend_schema(request=LiabilityInput, responses={201: LiabilitySerializer})
    def post(self, request, pk: int):
        obj = _object(request, pk)
        data = LiabilityInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = _parties([dict(data.validated_data)])[0]
        li = svc.liability_add(actor=request.user, object=obj, **row)
        return Response(LiabilitySerializer(li).data, status=status.HTTP_201_CREATED)


def _held(h: sel.HeldObject) -> dict:
    return {
        "object": ObjectSerializer(h.object).data,
        "liability": LiabilitySerializer(h.liability).data,
        "version": VersionSerializer(h.version).data if h.version is not None else None,
    }


def _balance(b) -> dict:
    return {k: str(getattr(b, k)) for k in ("principal", "arrears", "interest", "costs", "overpayment", "total_due")}


class TaxpayerCardApi(APIView):
    permission_classes = [require_perms(VIEW)]

    @extend_schema(
        responses={200: OpenApiResponse(description="The taxpayer card: objects, declarations, decisions, finance")}
    )
    def get(self, request, party_id: int):
        try:
            party = sel.access_taxpayer(user=request.user, party_id=party_id, purpose="taxpayer card (API)")
        except NotFoundOrForbidden:
            raise Http404 from None
        card = sel.taxpayer_card(user=request.user, party=party, as_of=timezone.localdate())
        body = {
            "party": {"id": party.pk, "name": str(party), "kind": party.kind},
            "as_of": card.as_of,
            "current_objects": [_held(h) for h in card.current],
            "historical_objects": [_held(h) for h in card.historical],
            "declarations": [
                {"id": d.pk, "form": d.form, "purpose": d.purpose, "year": d.year, "filed_on": d.filed_on,
                 "late": d.late, "status": d.status}
                for d in card.declarations
            ],
            "decisions": [
                {"id": d.pk, "number": d.number, "kind": d.kind, "year": d.year, "total": str(d.total),
                 "status": d.status, "delivered_on": d.delivered_on, "final_on": d.final_on}
                for d in card.decisions
            ],
            "finance": None,
        }  # fmt: skip
        if card.finance_visible:
            body["finance"] = {
                "total": _balance(card.total),
                "accounts": [
                    {"id": r.account.pk, "receivable_type": r.account.receivable_type.code, "year": r.account.year,
                     "balance": _balance(r.balance),
                     "installments": [{"number": i.number, "due_date": i.effective_due_date, "amount": str(i.amount),
                                       "principal": str(i.state.principal), "interest": str(i.state.interest)}
                                      for i in r.installments]}
                    for r in card.accounts
                ],
                "payments": [{"id": p.pk, "payment_date": p.payment_date, "amount": str(p.amount), "title": p.title}
                             for p in card.payments],
            }  # fmt: skip
        return Response(body)


urlpatterns = [
    path("objects/", ObjectListApi.as_view(), name="api-taxes-objects"),
    path("objects/<int:pk>/", ObjectDetailApi.as_view(), name="api-taxes-object"),
    path("objects/<int:pk>/versions/", ObjectVersionApi.as_view(), name="api-taxes-object-versions"),
    path("objects/<int:pk>/end/", ObjectEndApi.as_view(), name="api-taxes-object-end"),
    path("objects/<int:pk>/liabilities/", ObjectLiabilityApi.as_view(), name="api-taxes-object-liabilities"),
    path("taxpayers/<int:party_id>/", TaxpayerCardApi.as_view(), name="api-taxes-taxpayer"),
]
