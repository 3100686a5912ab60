"""Models of the portal: the resident's notification consents (history kept), the delivery log of notifications,
and what the daily run last saw of the resident's cases (to detect a change of status)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")
    BOX = "box", _("ePUAP / e-Delivery box")


class Topic(models.TextChoices):
    DUE_DATES = "due_dates", _("payment due dates (7 days before and on the day)")
    LETTERS = "letters", _("new letters from the office")
    CASE_STATUS = "case_status", _("changes of the status of my cases")


class NotificationConsent(models.Model):
    """One change of the resident's consent for (channel, topic): a new row per change, never edited.

    The current consent is the latest row of the pair; ``granted`` False is a withdrawal (``withdrawn_at``)."""

    party = models.ForeignKey(
        "core.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="notification_consents"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    granted = models.BooleanField(_("consent granted"))
    address = models.CharField(_("e-mail address or phone number"), max_length=254, blank=True)
    consent_text = models.TextField(_("text of the consent shown"))
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    recorded_by = models.CharField(_("recorded by"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification consent")
        verbose_name_plural = _("notification consents")
        indexes = [models.Index(fields=["party", "channel", "topic", "-id"], name="portal_consent_current")]

    def __str__(self) -> str:
        return f"{self.party_id} {self.channel}/{self.topic} {'+' if self.granted else '-'}"


class Notification(models.Model):
    """One notification to one resident by one channel; ``key`` makes it idempotent (sent once per channel)."""

    class Status(models.TextChoices):
        SENT = "sent", _("sent successfully")
        FAILED = "failed", _("failed (retried on the next run)")

    party = models.ForeignKey("core.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    key = models.CharField(_("key"), max_length=200)
    address = models.CharField(_("address"), max_length=254, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("text"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["party", "channel", "key"], name="portal_notification_once"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id} {self.channel} {self.key} {self.status}"


class CaseStatusSeen(models.Model):
    """The status of a case of the resident as the notification run last saw it (``version`` + 1 per change)."""

    party = models.ForeignKey("core.Party", on_delete=models.CASCADE, related_name="+")
    case_id = models.PositiveIntegerField()
    status = models.CharField(max_length=20)
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["party", "case_id"], name="portal_case_status_seen_once")]

    def __str__(self) -> str:
        return f"{self.party_id} case {self.case_id}: {self.status} v{self.version}"
