"""API of the incoming register (RPW) under /api/v1/documents/: entries, their files, the e-mail intake.

Thin DRF views: parameters validated by serializers, entries read through ``entries_visible_to`` /
``access_entry`` (logged), registration through ``documents.services.intake``.
"""

from __future__ import annotations

import base64
import binascii

from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from core.api.pagination import Pagination
from core.api.permissions import require_perms, require_perms_by_method
from core.api.serializers import ErrorResponseSerializer
from core.exceptions import NotFoundOrForbidden
from core.models import OrgUnit, Party
from documents.models import Channel, EmailIntake, IncomingEntry, StoredFile
from documents.selectors import access_entry, entries_visible_to
from documents.services import files as file_service
from documents.services.intake import entry_register, sender_match_or_create
from documents.views.intake import file_response, filter_entries

ERRORS = {400: ErrorResponseSerializer, 401: ErrorResponseSerializer, 403: ErrorResponseSerializer}


# --- serializers ------------------------------------------------------------------------------------------


class EntryFilterSerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1990, max_value=2100)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False, allow_blank=True, default="")
    date_from = serializers.DateField(required=False, allow_null=True, default=None)
    date_to = serializers.DateField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    unit = serializers.SlugRelatedField(
        slug_field="symbol", queryset=OrgUnit.objects.all(), required=False, allow_null=True, default=None
    )


class StoredFileSerializer(serializers.ModelSerializer):
    class Meta:
        model = StoredFile
        fields = [
            "id",
            "role",
            "file_name",
            "mime_type",
            "size",
            "sha256",
            "derived_from",
            "signature_verdict",
            "signer",
            "created_at",
        ]


class EntrySerializer(serializers.ModelSerializer):
    rpw_number = serializers.CharField(read_only=True)
    sender_name = serializers.CharField(source="sender.display_name", read_only=True)
    assigned_unit = serializers.SlugRelatedField(slug_field="symbol", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = IncomingEntry
        fields = [
            "id",
            "rpw_number",
            "year",
            "number",
            "received_at",
            "channel",
            "sender",
            "sender_name",
            "sender_as_stated",
            "title",
            "letter_date",
            "letter_reference",
            "form_code",
            "status",
            "priority",
            "assigned_unit",
            "assigned_to",
            "due_date",
            "case",
        ]


class EntryDetailSerializer(EntrySerializer):
    files = StoredFileSerializer(many=True, read_only=True)

    class Meta(EntrySerializer.Meta):
        fields = [*EntrySerializer.Meta.fields, "remarks", "instruction", "inbound_document", "files"]


class Base64FileSerializer(serializers.Serializer):
    file_name = serializers.CharField(max_length=255)
    content_base64 = serializers.CharField()


class NewSenderSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices, default=Party.Kind.PERSON)
    first_names = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    surname = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    pesel = serializers.CharField(required=False, allow_blank=True, default="", max_length=11)
    nip = serializers.CharField(required=False, allow_blank=True, default="", max_length=13)
    regon = serializers.CharField(required=False, allow_blank=True, default="", max_length=14)
    email = serializers.EmailField(required=False, allow_blank=True, default="")

    def validate(self, attrs):
        if attrs["kind"] == Party.Kind.PERSON and not attrs["surname"]:
            raise ValidationError({"surname": [_("Surname is required.")]})
        if attrs["kind"] == Party.Kind.ORGANISATION and not attrs["name"]:
            raise ValidationError({"name": [_("Name is required.")]})
        return attrs


class EntryRegisterSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=[Channel.PAPER, Channel.IN_PERSON, Channel.EMAIL])
    received_at = serializers.DateTimeField()
    sender = serializers.PrimaryKeyRelatedField(queryset=Party.objects.all(), required=False, allow_null=True)
    new_sender = NewSenderSerializer(required=False, allow_null=True)
    title = serializers.CharField(max_length=500, allow_blank=True)
    letter_date = serializers.DateField(required=False, allow_null=True, default=None)
    letter_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    form_code = serializers.CharField(required=False, allow_blank=True, default="", max_length=100)
    remarks = serializers.CharField(required=False, allow_blank=True, default="")
    files = Base64FileSerializer(many=True, required=False, help_text=_l("JSON: files as base64"))

    def validate(self, attrs):
        if not attrs.get("sender") and not attrs.get("new_sender"):
            raise ValidationError({"sender": [_("Give the sender (a party id) or new_sender.")]})
        return attrs


class EmailIntakeSerializer(serializers.ModelSerializer):
    entry = serializers.CharField(source="entry.rpw_number", default=None, read_only=True)

    class Meta:
        model = EmailIntake
        fields = [
            "id",
            "mailbox",
            "uid",
            "message_id",
            "from_address",
            "subject",
            "size",
            "sha256",
            "status",
            "reasons",
            "entry",
            "received_at",
        ]


def _decoded_files(request, data) -> list[tuple[str, bytes]]:
    limit = file_service.max_file_bytes()
    result = []
    for index, item in enumerate(data.get("files") or []):
        encoded = "".join(item["content_base64"].split())
        if len(encoded) * 3 // 4 > limit + 3:
            raise ValidationError(
                {
                    f"files.{index}": [
                        _("The file %(name)s is too large (%(size)s MB; the limit is %(limit)s MB).")
                        % {
                            "name": item["file_name"],
                            "size": file_service._mb(len(encoded) * 3 // 4),
                            "limit": file_service._mb(limit),
                        }
                    ]
                }
            )
        try:
            result.append((item["file_name"], base64.b64decode(encoded, validate=True)))
        except (binascii.Error, ValueError) as exc:
            raise ValidationError({f"files.{index}": [_("Invalid base64 content.")]}) from exc
    for upload in request.FILES.getlist("files"):
        if upload.size > limit:
            raise ValidationError(
                {
                    "files": [
                        _("The file %(name)s is too large (%(size)s MB; the limit is %(limit)s MB).")
                        % {"name": upload.name, "size": file_service._mb(upload.size), "limit": file_service._mb(limit)}
                    ]
                }
            )
        result.append((upload.name, upload.read()))
    return result


# --- views ------------------------------------------------------------------------------------------------


class EntryListApi(GenericAPIView):
    """The RPW (GET: entries the user may see, filtered) and registering a letter (POST, register_mail)."""

    queryset = IncomingEntry.objects.none()
    serializer_class = EntrySerializer
    pagination_class = Pagination
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    permission_classes = [
        require_perms_by_method({"GET": ("documents.view_incomingentry",), "POST": ("documents.register_mail",)})
    ]

    @extend_schema(parameters=[EntryFilterSerializer], responses={200: EntrySerializer(many=True), **ERRORS})
    def get(self, request):
        params = EntryFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        qs = filter_entries(entries_visible_to(request.user), params.validated_data)
        qs = qs.select_related("sender", "assigned_unit", "assigned_to").order_by("-received_at", "-number")
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EntrySerializer(page, many=True).data)

    @extend_schema(request=EntryRegisterSerializer, responses={201: EntryDetailSerializer, **ERRORS})
    def post(self, request):
        data = request.data
        if hasattr(data, "getlist"):  # multipart: plain fields, files in "files"
            data = {k: v for k, v in data.items() if k != "files"}
        body = EntryRegisterSerializer(data=data)
        body.is_valid(raise_exception=True)
        values = body.validated_data
        files = _decoded_files(request, values)
        sender = values.get("sender")
        if sender is None:
            new = values["new_sender"]
            is_person = new["kind"] == Party.Kind.PERSON
            sender, _created = sender_match_or_create(
                actor=request.user,
                pesel=new["pesel"] if is_person else "",
                nip=new["nip"],
                regon=new["regon"],
                email=new["email"],
                first_names=new["first_names"] if is_person else "",
                surname=new["surname"] if is_person else "",
                name="" if is_person else new["name"],
            )
        entry = entry_register(
            actor=request.user,
            channel=values["channel"],
            received_at=values["received_at"],
            sender=sender,
            title=values["title"],
            letter_date=values["letter_date"],
            letter_reference=values["letter_reference"],
            form_code=values["form_code"],
            remarks=values["remarks"],
            files=files,
        )
        entry = IncomingEntry.objects.select_related("sender", "assigned_unit", "assigned_to").get(pk=entry.pk)
        return Response(EntryDetailSerializer(entry).data, status=201)


class EntryDetailApi(GenericAPIView):
    queryset = IncomingEntry.objects.none()
    serializer_class = EntryDetailSerializer
    permission_classes = [require_perms("documents.view_incomingentry")]

    @extend_schema(responses={200: EntryDetailSerializer, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int):
        entry = access_entry(user=request.user, entry_id=pk, purpose="api entry detail")
        return Response(EntryDetailSerializer(entry).data)


class EntryFileApi(GenericAPIView):
    """The byte-exact file of an entry (Content-Disposition: attachment)."""

    queryset = StoredFile.objects.none()
    permission_classes = [require_perms("documents.view_incomingentry")]

    @extend_schema(responses={(200, "application/octet-stream"): bytes, 404: ErrorResponseSerializer, **ERRORS})
    def get(self, request, pk: int, file_id: int):
        from core.services.audit import audit_log

        entry = access_entry(user=request.user, entry_id=pk, purpose="api file download")
        stored = StoredFile.objects.filter(pk=file_id, entry=entry).first()
        if stored is None:
            raise NotFoundOrForbidden("not found")
        audit_log(
            actor=request.user,
            action="documents.file.downloaded",
            obj=stored,
            details={"entry": entry.rpw_number, "role": stored.role, "sha256": stored.sha256},
        )
        return file_response(stored)


class EmailIntakeListApi(GenericAPIView):
    queryset = EmailIntake.objects.none()
    serializer_class = EmailIntakeSerializer
    pagination_class = Pagination
    permission_classes = [require_perms("documents.register_mail")]

    @extend_schema(responses={200: EmailIntakeSerializer(many=True), **ERRORS})
    def get(self, request):
        qs = EmailIntake.objects.defer("raw").select_related("entry").order_by("-received_at", "-id")
        status = request.query_params.get("status", "")
        if status:
            if status not in EmailIntake.Status.values:
                raise ValidationError({"status": [_("Unknown status.")]})
            qs = qs.filter(status=status)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(EmailIntakeSerializer(page, many=True).data)


urlpatterns = [
    path("entries/", EntryListApi.as_view(), name="api-documents-entry-list"),
    path("entries/<int:pk>/", EntryDetailApi.as_view(), name="api-documents-entry-detail"),
    path("entries/<int:pk>/files/<int:file_id>/", EntryFileApi.as_view(), name="api-documents-entry-file"),
    path("email-intake/", EmailIntakeListApi.as_view(), name="api-documents-email-intake-list"),
]
