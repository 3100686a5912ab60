"""/api/v1/portal/notifications/: the resident's consents (current and history) and the notifications sent
(IsResident; only the resident's own party). Changes: PUT the set of granted (channel, topic) pairs."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.serializers import ErrorResponseSerializer
from core.services.audit import audit_log
from portal.mixins import IsResident, resident_party
from portal.models import Channel, Notification, Topic
from portal.services_notifications import consent_history, consent_set, current_consents

ERRORS = {400: ErrorResponseSerializer, 403: ErrorResponseSerializer}


class PortalConsentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    channel = serializers.CharField()
    topic = serializers.CharField()
    granted = serializers.BooleanField()
    address = serializers.CharField()
    consent_text = serializers.CharField()
    granted_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class PortalNotificationSerializer(serializers.Serializer):
    channel = serializers.CharField()
    topic = serializers.CharField()
    subject = serializers.CharField()
    status = serializers.CharField()
    sent_at = serializers.DateTimeField(allow_null=True)


class PortalPreferencesSerializer(serializers.Serializer):
    current = PortalConsentSerializer(many=True)
    history = PortalConsentSerializer(many=True)
    notifications = PortalNotificationSerializer(many=True)


class PortalConsentPairSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    topic = serializers.ChoiceField(choices=Topic.choices)


class PortalPreferencesInputSerializer(serializers.Serializer):
    granted = PortalConsentPairSerializer(many=True)
    email = serializers.CharField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="")


def _data(party):
    current = [r for r in current_consents(party).values() if r.granted]
    sent = Notification.objects.filter(party=party).order_by("-created_at", "-id")[:100]
    return PortalPreferencesSerializer(
        {"current": current, "history": consent_history(party), "notifications": list(sent)}
    ).data


class PreferencesView(APIView):
    permission_classes = [IsResident]

    @extend_schema(operation_id="portal_notifications_retrieve", responses={200: PortalPreferencesSerializer, **ERRORS})
    def get(self, request):
        party = resident_party(request)
        audit_log(actor=request.user, action="portal.consents.viewed", obj=party, details={"api": 1})
        return Response(_data(party))

    @extend_schema(
        operation_id="portal_notifications_update",
        request=PortalPreferencesInputSerializer,
        responses={200: PortalPreferencesSerializer, **ERRORS},
    )
    def put(self, request):
        party = resident_party(request)
        data = PortalPreferencesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pairs = {(p["channel"], p["topic"]) for p in data.validated_data["granted"]}
        consent_set(  # ApplicationError → 400 by the API's exception handler
            actor=request.user,
            party=party,
            granted=pairs,
            email=data.validated_data["email"],
            phone=data.validated_data["phone"],
        )
        return Response(_data(party))


urlpatterns = [path("notifications/", PreferencesView.as_view(), name="portal-api-notifications")]
