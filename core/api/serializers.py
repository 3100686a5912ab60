from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.models import Address, AuditEvent, Locality, OrgUnit, Party, Street


class AddressInputSerializer(serializers.Serializer):
    country = serializers.CharField(max_length=2, default="PL")
    locality_id = serializers.IntegerField(required=False, allow_null=True)
    street_id = serializers.IntegerField(required=False, allow_null=True)
    locality_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    street_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    building_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    flat_number = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    postal_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    post_town = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class PartyInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    pesel = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    first_names = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    surname = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    birth_date = serializers.DateField(required=False, allow_null=True, default=None)
    sex = serializers.ChoiceField(choices=Party.Sex.choices, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    legal_form = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    nip = serializers.CharField(max_length=13, required=False, allow_blank=True, default="")
    regon = serializers.CharField(max_length=14, required=False, allow_blank=True, default="")
    krs = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")
    epuap_box = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    ade_address = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    email_consent = serializers.BooleanField(required=False, default=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    phone_consent = serializers.BooleanField(required=False, default=False)
    address = AddressInputSerializer(required=False, allow_null=True, default=None)
    correspondence_address = AddressInputSerializer(required=False, allow_null=True, default=None)


class AddressOutputSerializer(serializers.ModelSerializer):
    one_line = serializers.CharField(read_only=True)
    locality_sym = serializers.CharField(source="locality.sym", default=None, read_only=True)
    street_sym_ul = serializers.CharField(source="street.sym_ul", default=None, read_only=True)
    gmina_code = serializers.CharField(source="gmina.code", default=None, read_only=True)

    class Meta:
        model = Address
        fields = [
            "id",
            "country",
            "gmina_code",
            "locality_id",
            "locality_sym",
            "locality_name",
            "street_id",
            "street_sym_ul",
            "street_name",
            "building_number",
            "flat_number",
            "postal_code",
            "post_town",
            "one_line",
        ]


class PartyListItemSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    address = serializers.CharField(source="registered_address.one_line", default="", read_only=True)

    class Meta:
        model = Party
        fields = ["id", "kind", "status", "display_name", "pesel", "nip", "regon", "address"]


class PartyOutputSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    address = AddressOutputSerializer(source="registered_address", read_only=True)
    correspondence_address = AddressOutputSerializer(read_only=True)

    class Meta:
        model = Party
        fields = [
            "id",
            "kind",
            "status",
            "display_name",
            "pesel",
            "first_names",
            "surname",
            "birth_date",
            "sex",
            "name",
            "legal_form",
            "nip",
            "regon",
            "krs",
            "epuap_box",
            "ade_address",
            "email",
            "email_consent",
            "phone",
            "phone_consent",
            "address",
            "correspondence_address",
            "created_at",
            "updated_at",
        ]


class LocalitySerializer(serializers.ModelSerializer):
    gmina_code = serializers.CharField(source="gmina.code", read_only=True)

    class Meta:
        model = Locality
        fields = ["id", "sym", "name", "kind", "gmina_code", "parent_id"]


class StreetSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(read_only=True)

    class Meta:
        model = Street
        fields = ["id", "locality_id", "sym_ul", "feature", "name_1", "name_2", "full_name"]


class OrgUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrgUnit
        fields = ["id", "symbol", "name", "parent_id", "is_active"]


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "seq",
            "occurred_at",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "request_id",
            "task_id",
            "ip",
            "details",
            "hash",
        ]


class ErrorResponseSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("Human-readable message (Polish)."))
    code = serializers.CharField(help_text="Machine-readable code: invalid, not_found, permission_denied, ...")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
