"""Input and output serializers of the residents register API. No business rules here: the services check."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import (
    AddressInputSerializer,
    AddressOutputSerializer,
    PartyInputSerializer,
    PartyOutputSerializer,
)
from core.models import Party
from population.models import Registration, Resident

# --- query parameters (validated like a body: a bad value is a 400 with the parameter's name) ----------------


class ResidentFilterSerializer(serializers.Serializer):
    q = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("PESEL (or its beginning) or names")
    )
    locality = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("TERYT SIMC identifier (7 digits) or locality id")
    )
    street = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=_("Street id, or the TERYT ULIC identifier (5 digits) together with locality"),
    )
    building = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    status = serializers.ChoiceField(choices=Resident.Status.choices, required=False, allow_blank=True, default="")
    citizenship = serializers.RegexField(r"^[A-Za-z]{2}$", required=False, allow_blank=True, default="")
    foreigners = serializers.BooleanField(required=False, default=False)
    on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("Address filters and addresses as of (default today)"),
    )


class RegistrationFilterSerializer(serializers.Serializer):
    resident = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1)
    kind = serializers.ChoiceField(choices=Registration.Kind.choices, required=False, allow_blank=True, default="")
    in_force_on = serializers.DateField(required=False, allow_null=True, default=None)
    locality = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("TERYT SIMC identifier (7 digits) or locality id")
    )


class CountsFilterSerializer(serializers.Serializer):
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Default: today"))
    locality = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("TERYT SIMC identifier (7 digits) or locality id")
    )


class AddressCountFilterSerializer(serializers.Serializer):
    locality = serializers.CharField(help_text=_("TERYT SIMC identifier (7 digits) or locality id"))
    street = serializers.CharField(
        required=False, allow_blank=True, default="", help_text=_("Street id or TERYT ULIC identifier (5 digits)")
    )
    building = serializers.CharField(max_length=20)
    flat = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        allow_blank=True,
        max_length=20,
        help_text=_("Flat number; leave out to count the whole building"),
    )
    on = serializers.DateField(required=False, allow_null=True, default=None, help_text=_("Default: today"))


# --- bodies ----------------------------------------------------------------------------------------------------


class PersonInputSerializer(PartyInputSerializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices, default=Party.Kind.PERSON)

    def validate_kind(self, value):
        if value != Party.Kind.PERSON:
            raise serializers.ValidationError(_("Only a natural person can be a resident."))
        return value


class ResidentInputSerializer(serializers.Serializer):
    party_id = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text=_("A person already in the party register")
    )
    person = PersonInputSerializer(
        required=False, allow_null=True, default=None, help_text=_("A new person for the party register")
    )
    citizenship = serializers.CharField(max_length=2, default="PL")
    family_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    father_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    mother_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    birth_place = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if (attrs.get("party_id") is None) == (attrs.get("person") is None):
            raise serializers.ValidationError(
                {"party_id": [_("Give either party_id (a person in the party register) or person (a new one).")]}
            )
        return attrs


class RegistrationInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Registration.Kind.choices)
    address = AddressInputSerializer()
    start_date = serializers.DateField()
    planned_end_date = serializers.DateField(required=False, allow_null=True, default=None)
    form = serializers.ChoiceField(choices=Registration.Form.choices, default=Registration.Form.PAPER)
    legal_basis = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class DeregisterInputSerializer(serializers.Serializer):
    end_date = serializers.DateField()
    reason = serializers.ChoiceField(
        choices=[
            (Registration.EndReason.DEREGISTERED, Registration.EndReason.DEREGISTERED.label),
            (Registration.EndReason.DECISION, Registration.EndReason.DECISION.label),
        ],
        default=Registration.EndReason.DEREGISTERED,
    )


class ExtendInputSerializer(serializers.Serializer):
    planned_end_date = serializers.DateField()


# --- output ----------------------------------------------------------------------------------------------------


class RegistrationOutputSerializer(serializers.ModelSerializer):
    address = AddressOutputSerializer(read_only=True)
    locality_sym = serializers.CharField(source="locality.sym", read_only=True)
    registered_by = serializers.CharField(source="registered_by.username", default=None, read_only=True)
    ended_by = serializers.CharField(source="ended_by.username", default=None, read_only=True)

    class Meta:
        model = Registration
        fields = [
            "id",
            "resident_id",
            "kind",
            "address",
            "locality_id",
            "locality_sym",
            "street_id",
            "building_number",
            "flat_number",
            "start_date",
            "planned_end_date",
            "end_date",
            "end_reason",
            "form",
            "legal_basis",
            "registered_by",
            "ended_by",
            "created_at",
        ]


class RegistrationListItemSerializer(RegistrationOutputSerializer):
    resident_name = serializers.CharField(source="resident.party.display_name", read_only=True)

    class Meta(RegistrationOutputSerializer.Meta):
        fields = [
            *RegistrationOutputSerializer.Meta.fields[:2],
            "resident_name",
            *RegistrationOutputSerializer.Meta.fields[2:],
        ]


class ResidentListItemSerializer(serializers.ModelSerializer):
    pesel = serializers.CharField(source="party.pesel", allow_null=True, read_only=True)
    first_names = serializers.CharField(source="party.first_names", read_only=True)
    surname = serializers.CharField(source="party.surname", read_only=True)
    birth_date = serializers.DateField(source="party.birth_date", read_only=True)
    sex = serializers.CharField(source="party.sex", read_only=True)
    permanent_address = serializers.SerializerMethodField(
        help_text=_("Address of the permanent registration in force on the date asked (default today)")
    )

    class Meta:
        model = Resident
        fields = [
            "id",
            "party_id",
            "pesel",
            "first_names",
            "surname",
            "birth_date",
            "sex",
            "status",
            "citizenship",
            "permanent_address",
        ]

    @extend_schema_field(AddressOutputSerializer(allow_null=True))
    def get_permanent_address(self, resident):
        # Filled by the view's prefetch (to_attr "permanent_in_force"): no query per row.
        registrations = getattr(resident, "permanent_in_force", [])
        return AddressOutputSerializer(registrations[0].address).data if registrations else None


class ResidentOutputSerializer(serializers.ModelSerializer):
    party = PartyOutputSerializer(read_only=True)
    is_foreigner = serializers.BooleanField(read_only=True)
    registrations = serializers.SerializerMethodField(help_text=_("Registration history, newest first"))

    class Meta:
        model = Resident
        fields = [
            "id",
            "party",
            "citizenship",
            "is_foreigner",
            "status",
            "status_date",
            "family_name",
            "father_name",
            "mother_name",
            "birth_place",
            "created_at",
            "registrations",
        ]

    @extend_schema_field(RegistrationOutputSerializer(many=True))
    def get_registrations(self, resident):
        return RegistrationOutputSerializer(self.context.get("registrations", []), many=True).data


class AddressCountSerializer(serializers.Serializer):
    locality_id = serializers.IntegerField()
    locality_sym = serializers.CharField()
    locality_name = serializers.CharField()
    street_id = serializers.IntegerField(allow_null=True)
    street_name = serializers.CharField(allow_blank=True)
    building_number = serializers.CharField()
    flat_number = serializers.CharField(allow_blank=True)
    residents = serializers.IntegerField()


class AddressCountOutputSerializer(serializers.Serializer):
    locality_id = serializers.IntegerField()
    street_id = serializers.IntegerField(allow_null=True)
    building_number = serializers.CharField()
    flat_number = serializers.CharField(allow_null=True, help_text=_("null: the whole building"))
    on = serializers.DateField()
    count = serializers.IntegerField()
