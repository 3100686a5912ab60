"""Thin DRF views over core services and selectors. One view per resource, permissions declared."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle

from core.api import serializers as s
from core.api.permissions import require_perms, require_perms_by_method
from core.models import AuditEvent, Locality, OrgUnit, Party, Street
from core.selectors import access_party_by_id, party_search
from core.services.parties import AddressInput, PartyInput, party_create, party_update

ERRORS = {400: s.ErrorResponseSerializer, 401: s.ErrorResponseSerializer, 403: s.ErrorResponseSerializer}


def _party_input(data: dict) -> PartyInput:
    data = dict(data)
    for key in ("address", "correspondence_address"):
        if data.get(key):
            data[key] = AddressInput(**data[key])
    return PartyInput(**data)


class TokenObtainApi(GenericAPIView):
    """Exchange a username and password for an API token."""

    permission_classes = [AllowAny]
    authentication_classes = []
    serializer_class = AuthTokenSerializer
    throttle_classes = [AnonRateThrottle]
    throttle_scope = "anon"

    @extend_schema(responses={200: {"type": "object", "properties": {"token": {"type": "string"}}}, **ERRORS})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})


class PartyListApi(GenericAPIView):
    """List/search parties (GET, core.view_party) or register a new one (POST, core.add_party)."""

    queryset = Party.objects.none()  # for the schema only; reads go through selectors

    permission_classes = [
        require_perms_by_method({"GET": ("core.view_party",), "POST": ("core.view_party", "core.add_party")})
    ]
    serializer_class = s.PartyListItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="PESEL, NIP, REGON or a name fragment"),
            OpenApiParameter("kind", str, enum=["person", "organisation"]),
        ],
        responses={200: s.PartyListItemSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = party_search(
            user=request.user, query=request.query_params.get("q", ""), kind=request.query_params.get("kind", "")
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.PartyListItemSerializer(page, many=True).data)

    @extend_schema(request=s.PartyInputSerializer, responses={201: s.PartyOutputSerializer, **ERRORS})
    def post(self, request):
        serializer = s.PartyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = party_create(actor=request.user, data=_party_input(serializer.validated_data))
        return Response(s.PartyOutputSerializer(party).data, status=status.HTTP_201_CREATED)


class PartyDetailApi(GenericAPIView):
    """A party's full details (every read is logged) and changes to them."""

    queryset = Party.objects.none()  # for the schema only; reads go through selectors

    permission_classes = [
        require_perms_by_method(
            {
                "GET": ("core.view_party",),
                "PUT": ("core.view_party", "core.change_party"),
            }
        )
    ]
    serializer_class = s.PartyOutputSerializer

    @extend_schema(responses={200: s.PartyOutputSerializer, 404: s.ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        party = access_party_by_id(user=request.user, party_id=pk, purpose="api")
        return Response(s.PartyOutputSerializer(party).data)

    @extend_schema(request=s.PartyInputSerializer, responses={200: s.PartyOutputSerializer, **ERRORS})
    def put(self, request, pk: int):
        party = access_party_by_id(user=request.user, party_id=pk, purpose="api update")
        serializer = s.PartyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = party_update(actor=request.user, party=party, data=_party_input(serializer.validated_data))
        return Response(s.PartyOutputSerializer(party).data)


class LocalityListApi(GenericAPIView):
    """TERYT localities (SIMC), filtered by gmina TERC code or name prefix."""

    queryset = Locality.objects.none()  # for the schema only; reads go through selectors

    permission_classes = [require_perms("core.access_backoffice")]
    serializer_class = s.LocalitySerializer

    @extend_schema(
        parameters=[OpenApiParameter("gmina", str), OpenApiParameter("q", str)],
        responses={200: s.LocalitySerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = Locality.objects.select_related("gmina").order_by("name", "sym")
        if gmina := request.query_params.get("gmina"):
            qs = qs.filter(gmina__code=gmina)
        if q := request.query_params.get("q"):
            qs = qs.filter(name__istartswith=q)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class StreetListApi(GenericAPIView):
    """TERYT streets (ULIC) of a locality."""

    queryset = Street.objects.none()  # for the schema only; reads go through selectors

    permission_classes = [require_perms("core.access_backoffice")]
    serializer_class = s.StreetSerializer

    @extend_schema(
        parameters=[OpenApiParameter("locality", int, required=True), OpenApiParameter("q", str)],
        responses={200: s.StreetSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        locality = request.query_params.get("locality", "")
        if not locality.isdigit():
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"locality": [_("Give the locality id.")]})
        qs = Street.objects.filter(locality_id=int(locality)).order_by("name_1", "name_2")
        if q := request.query_params.get("q"):
            qs = qs.filter(name_1__istartswith=q)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OrgUnitListApi(GenericAPIView):
    queryset = OrgUnit.objects.none()  # for the schema only; reads go through selectors
    permission_classes = [require_perms("core.view_orgunit")]
    serializer_class = s.OrgUnitSerializer

    @extend_schema(responses={200: s.OrgUnitSerializer(many=True), **ERRORS})
    def get(self, request):
        page = self.paginate_queryset(OrgUnit.objects.order_by("symbol"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class AuditEventListApi(GenericAPIView):
    """The audit log, newest first; filter by action prefix, object type and id."""

    queryset = AuditEvent.objects.none()  # for the schema only; reads go through selectors

    permission_classes = [require_perms("core.view_auditevent")]
    serializer_class = s.AuditEventSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("action", str),
            OpenApiParameter("object_type", str),
            OpenApiParameter("object_id", str),
        ],
        responses={200: s.AuditEventSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        qs = AuditEvent.objects.order_by("-seq")
        params = request.query_params
        if params.get("action"):
            qs = qs.filter(action__startswith=params["action"])
        if params.get("object_type"):
            qs = qs.filter(object_type=params["object_type"])
        if params.get("object_id"):
            qs = qs.filter(object_id=params["object_id"])
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
