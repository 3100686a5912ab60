"""/api/v1/population/: thin DRF views over the residents register's services and selectors.

Permissions are declared per view (population.* permissions: the population clerk and the administrator).
Reads of one resident go through ``access_resident_by_id`` (logged); the rules live in population.services.
"""

import datetime

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.models import Locality, Street
from core.selectors import access_party_by_id
from core.services.parties import AddressInput, PartyInput, party_create
from population.api import serializers as s
from population.models import Registration, Resident
from population.selectors import (
    AddressKey,
    access_resident_by_id,
    in_force_on,
    resident_count_at,
    resident_counts_by_address,
    resident_registrations,
    resident_search,
)
from population.services import (
    ResidentInput,
    registration_deregister,
    registration_extend,
    registration_register,
    resident_create,
)

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}
NOT_FOUND = {404: ErrorResponseSerializer}
ADDRESS_RELATED = ("address__locality", "address__street", "address__gmina")


# --- small input helpers (parameter parsing only; no rules) ----------------------------------------------------


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _locality_id(value: str, field: str = "locality") -> int | None:
    """A locality given by its TERYT SIMC identifier (7 digits) or its id; None when not given."""
    value = (value or "").strip()
    if not value:
        return None
    pk = None
    if value.isdigit():
        # a 7-digit value is first the SIMC identifier, then (an id that long) the id
        if len(value) == 7:
            pk = Locality.objects.filter(sym=value).values_list("pk", flat=True).first()
        if pk is None:
            pk = Locality.objects.filter(pk=int(value)).values_list("pk", flat=True).first()
    if pk is None:
        raise ValidationError(
            {
                field: [
                    _("Unknown locality %(value)s: give its TERYT SIMC identifier (7 digits) or id.") % {"value": value}
                ]
            }
        )
    return pk


def _street_id(value: str, locality_id: int | None, field: str = "street") -> int | None:
    """A street given by its id, or by its TERYT ULIC identifier (5 digits) within the given locality."""
    value = (value or "").strip()
    if not value:
        return None
    street = None
    if value.isdigit():
        # a 5-digit value within a locality is first the ULIC identifier, then (an id that long) the id
        if len(value) == 5 and locality_id:
            street = Street.objects.filter(locality_id=locality_id, sym_ul=value).first()
        if street is None:
            street = Street.objects.filter(pk=int(value)).first()
    if street is None or (locality_id and street.locality_id != locality_id):
        raise ValidationError(
            {
                field: [
                    _("Unknown street %(value)s in this locality: give its id or TERYT ULIC identifier.")
                    % {"value": value}
                ]
            }
        )
    return street.pk


def _renamed(exc: ServiceValidationError, *, prefix: str = "", rename: dict[str, str] | None = None):
    """The service's field errors under the names the API body uses (e.g. pesel → person.pesel)."""
    rename = rename or {}
    errors = {rename.get(k, f"{prefix}{k}"): v for k, v in exc.errors.items()}
    return ServiceValidationError(exc.message, errors=errors)


def _registration(pk: int) -> Registration:
    registration = (
        Registration.objects.select_related(*ADDRESS_RELATED, "locality", "registered_by", "ended_by")
        .filter(pk=pk)
        .first()
    )
    if registration is None:
        raise NotFoundOrForbidden("not found")
    return registration


def _today() -> datetime.date:
    return timezone.localdate()


# --- residents -------------------------------------------------------------------------------------------------


class ResidentListApi(GenericAPIView):
    """Search residents (GET, population.view_resident) or enter a person into the register (POST, add_resident;
    a new person of the party register also needs core.add_party)."""

    queryset = Resident.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [
        require_perms_by_method(
            {
                "GET": ("population.view_resident",),
                "POST": ("population.view_resident", "population.add_resident"),
            }
        )
    ]
    serializer_class = s.ResidentListItemSerializer

    @extend_schema(
        parameters=[s.ResidentFilterSerializer], responses={200: s.ResidentListItemSerializer(many=True), **ERRORS}
    )
    def get(self, request):
        params = _query(s.ResidentFilterSerializer, request)
        on = params["on"] or _today()
        locality_id = _locality_id(params["locality"])
        qs = resident_search(
            user=request.user,
            query=params["q"],
            locality_id=locality_id,
            street_id=_street_id(params["street"], locality_id),
            building_number=params["building"],
            status=params["status"],
            citizenship=params["citizenship"],
            foreigners=params["foreigners"],
            on=on,
        ).prefetch_related(
            Prefetch(
                "registrations",
                queryset=Registration.objects.filter(in_force_on(on), kind=Registration.Kind.PERMANENT).select_related(
                    *ADDRESS_RELATED
                ),
                to_attr="permanent_in_force",
            )
        )
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(s.ResidentListItemSerializer(page, many=True).data)

    @extend_schema(request=s.ResidentInputSerializer, responses={201: s.ResidentOutputSerializer, **ERRORS})
    def post(self, request):
        serializer = s.ResidentInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        resident_data = ResidentInput(
            citizenship=data["citizenship"],
            family_name=data["family_name"],
            father_name=data["father_name"],
            mother_name=data["mother_name"],
            birth_place=data["birth_place"],
        )
        # A new person and their entry in the register are created together or not at all.
        with transaction.atomic():
            if data["person"] is not None:
                if not request.user.has_perm("core.add_party"):
                    raise PermissionDenied
                person = dict(data["person"])
                for key in ("address", "correspondence_address"):
                    person[key] = AddressInput(**person[key]) if person.get(key) else None
                try:
                    party = party_create(actor=request.user, data=PartyInput(**person))
                except ServiceValidationError as exc:
                    raise _renamed(exc, prefix="person.") from None
            else:
                try:
                    party = access_party_by_id(user=request.user, party_id=data["party_id"], purpose="resident entry")
                except NotFoundOrForbidden:
                    raise ValidationError({"party_id": [_("No such person in the party register.")]}) from None
            try:
                resident = resident_create(actor=request.user, party=party, data=resident_data)
            except ServiceValidationError as exc:
                party_field = "party_id" if data["person"] is None else "person"
                raise _renamed(exc, rename={"party": party_field}) from None
        return Response(
            s.ResidentOutputSerializer(resident, context={"registrations": []}).data, status=status.HTTP_201_CREATED
        )


class ResidentDetailApi(GenericAPIView):
    """A resident's full data and registration history. Every read is an audit event (resident.viewed)."""

    queryset = Resident.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.view_resident")]
    serializer_class = s.ResidentOutputSerializer

    @extend_schema(responses={200: s.ResidentOutputSerializer, **NOT_FOUND, **ERRORS})
    def get(self, request, pk: int):
        resident = access_resident_by_id(user=request.user, resident_id=pk, purpose="api")
        registrations = resident_registrations(resident=resident).select_related(*ADDRESS_RELATED)
        return Response(s.ResidentOutputSerializer(resident, context={"registrations": registrations}).data)


class ResidentRegistrationsApi(GenericAPIView):
    """Register a stay (zameldowanie) of the resident: permanent or temporary (with its planned end)."""

    queryset = Resident.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.view_resident", "population.add_registration")]
    serializer_class = s.RegistrationInputSerializer

    @extend_schema(
        request=s.RegistrationInputSerializer, responses={201: s.RegistrationOutputSerializer, **NOT_FOUND, **ERRORS}
    )
    def post(self, request, pk: int):
        resident = access_resident_by_id(user=request.user, resident_id=pk, purpose="registration")
        serializer = s.RegistrationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        registration = registration_register(
            actor=request.user,
            resident=resident,
            kind=data["kind"],
            address=AddressInput(**data["address"]),
            start_date=data["start_date"],
            planned_end_date=data["planned_end_date"],
            form=data["form"],
            legal_basis=data["legal_basis"],
        )
        return Response(
            s.RegistrationOutputSerializer(_registration(registration.pk)).data, status=status.HTTP_201_CREATED
        )


# --- registrations ---------------------------------------------------------------------------------------------


class RegistrationListApi(GenericAPIView):
    """Registrations of stay, newest first, filtered by resident, kind, locality and the day they are in force on."""

    queryset = Registration.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.view_registration")]
    serializer_class = s.RegistrationListItemSerializer

    @extend_schema(
        parameters=[s.RegistrationFilterSerializer],
        responses={200: s.RegistrationListItemSerializer(many=True), **ERRORS},
    )
    def get(self, request):
        params = _query(s.RegistrationFilterSerializer, request)
        qs = Registration.objects.select_related(
            "resident__party", *ADDRESS_RELATED, "locality", "registered_by", "ended_by"
        )
        if params["resident"]:
            qs = qs.filter(resident_id=params["resident"])
        if params["kind"]:
            qs = qs.filter(kind=params["kind"])
        if params["in_force_on"]:
            qs = qs.filter(in_force_on(params["in_force_on"]))
        if locality_id := _locality_id(params["locality"]):
            qs = qs.filter(locality_id=locality_id)
        page = self.paginate_queryset(qs.order_by("-start_date", "-pk"))
        return self.get_paginated_response(s.RegistrationListItemSerializer(page, many=True).data)


class RegistrationDeregisterApi(GenericAPIView):
    """De-registration (wymeldowanie): the registration ends on end_date (no longer in force from that day)."""

    queryset = Registration.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.change_registration")]
    serializer_class = s.DeregisterInputSerializer

    @extend_schema(
        request=s.DeregisterInputSerializer, responses={200: s.RegistrationOutputSerializer, **NOT_FOUND, **ERRORS}
    )
    def post(self, request, pk: int):
        registration = _registration(pk)
        serializer = s.DeregisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration_deregister(
            actor=request.user,
            registration=registration,
            end_date=serializer.validated_data["end_date"],
            reason=serializer.validated_data["reason"],
        )
        return Response(s.RegistrationOutputSerializer(_registration(pk)).data)


class RegistrationExtendApi(GenericAPIView):
    """Extend a temporary stay that is still in force (a later planned end)."""

    queryset = Registration.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.change_registration")]
    serializer_class = s.ExtendInputSerializer

    @extend_schema(
        request=s.ExtendInputSerializer, responses={200: s.RegistrationOutputSerializer, **NOT_FOUND, **ERRORS}
    )
    def post(self, request, pk: int):
        registration = _registration(pk)
        serializer = s.ExtendInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration_extend(
            actor=request.user,
            registration=registration,
            planned_end_date=serializer.validated_data["planned_end_date"],
        )
        return Response(s.RegistrationOutputSerializer(_registration(pk)).data)


# --- counts ----------------------------------------------------------------------------------------------------


class ResidentCountsApi(GenericAPIView):
    """Number of residents registered (permanent or temporary) per flat, or building without flats, on a date."""

    queryset = Registration.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.view_resident")]
    serializer_class = s.AddressCountSerializer

    @extend_schema(
        parameters=[s.CountsFilterSerializer], responses={200: s.AddressCountSerializer(many=True), **ERRORS}
    )
    def get(self, request):
        params = _query(s.CountsFilterSerializer, request)
        rows = resident_counts_by_address(on=params["on"] or _today(), locality_id=_locality_id(params["locality"]))
        page = self.paginate_queryset(rows)
        localities = Locality.objects.in_bulk({r.locality_id for r in page})
        streets = Street.objects.in_bulk({r.street_id for r in page if r.street_id})
        items = [
            {
                "locality_id": r.locality_id,
                "locality_sym": localities[r.locality_id].sym,
                "locality_name": localities[r.locality_id].name,
                "street_id": r.street_id,
                "street_name": streets[r.street_id].full_name if r.street_id else "",
                "building_number": r.building_number,
                "flat_number": r.flat_number,
                "residents": r.residents,
            }
            for r in page
        ]
        return self.get_paginated_response(s.AddressCountSerializer(items, many=True).data)


class ResidentCountAtAddressApi(GenericAPIView):
    """Number of residents registered at one flat (or a whole building when flat is left out) on a date."""

    queryset = Registration.objects.none()  # for the schema only: the data come from the selectors
    permission_classes = [require_perms("population.view_resident")]
    serializer_class = s.AddressCountOutputSerializer

    @extend_schema(
        parameters=[s.AddressCountFilterSerializer], responses={200: s.AddressCountOutputSerializer, **ERRORS}
    )
    def get(self, request):
        params = _query(s.AddressCountFilterSerializer, request)
        on = params["on"] or _today()
        locality_id = _locality_id(params["locality"])
        street_id = _street_id(params["street"], locality_id)
        if street_id is None and Street.objects.filter(locality_id=locality_id).exists():
            raise ValidationError({"street": [_("Choose a street: this locality has streets in TERYT.")]})
        flat = params["flat"]
        key = AddressKey(
            locality_id=locality_id,
            street_id=street_id,
            building_number=params["building"].strip().upper(),
            flat_number=None if flat is None else flat.strip().upper(),
        )
        body = {
            "locality_id": key.locality_id,
            "street_id": key.street_id,
            "building_number": key.building_number,
            "flat_number": key.flat_number,
            "on": on,
            "count": resident_count_at(key, on=on),
        }
        return Response(s.AddressCountOutputSerializer(body).data)
