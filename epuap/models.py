"""Tables of the office's ePUAP adapter (client side).

The simulated platform (``epuap.platform``) and e-Doręczenia (``epuap.edoreczenia``) have their own tables;
these are the office's: documents received from the office's boxes and the polling state of each box.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundDocument(models.Model):
    """One document fetched from a box with WS-Pull, stored byte-exact with its verdicts.

    Idempotency key: (box_address, skrot, platform_document_id) — the platform returns the head of the
    queue until it is confirmed, so a poll that crashed after storing finds the row and only confirms.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted")
        QUARANTINED = "quarantined", _("Quarantined")
        REJECTED = "rejected", _("Rejected")
        RELEASED = "released", _("Released from quarantine")

    class SignatureVerdict(models.TextChoices):
        VALID = "valid", _("Valid signature")
        INVALID = "invalid", _("Invalid signature")
        UNSIGNED = "unsigned", _("Unsigned")
        NOT_CHECKED = "not_checked", _("Not checked")

    class ValidationVerdict(models.TextChoices):
        VALID = "valid", _("Valid")
        INVALID = "invalid", _("Invalid")

    class NoticeChannel(models.TextChoices):
        NONE = "", _("None")
        EPUAP = "epuap", _("ePUAP (skrytka)")
        PAPER = "paper", _("Paper letter needed")

    class Channel(models.TextChoices):
        EPUAP = "epuap", _("ePUAP")
        EDORECZENIA = "edoreczenia", _("e-Doręczenia")

    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.EPUAP)
    box_address = models.CharField(_("box address"), max_length=200)
    platform_document_id = models.CharField(_("platform document id"), max_length=200, blank=True)
    skrot = models.CharField(_("digest (skrót)"), max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    mime_type = models.CharField(_("file type"), max_length=100, blank=True)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField(default=0)

    # danePodmiotu / daneNadawcy
    sender_identifier = models.CharField(_("sender identifier"), max_length=200, blank=True)
    sender_person_type = models.CharField(max_length=10, blank=True)
    sender_first_name = models.CharField(max_length=200, blank=True)
    sender_name = models.CharField(_("sender name"), max_length=300, blank=True)
    sender_nip = models.CharField(max_length=20, blank=True)
    sender_pesel = models.CharField(max_length=20, blank=True)
    sender_regon = models.CharField(max_length=20, blank=True)
    sender_consent = models.BooleanField(default=False)
    sender_user = models.CharField(max_length=200, blank=True)
    sender_system = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reply_address = models.CharField(_("reply address"), max_length=200, blank=True)
    is_test = models.BooleanField(default=False)
    extra_data = models.BinaryField(blank=True, default=b"")
    upp_reference = models.CharField(_("UPP reference"), max_length=200, blank=True)
    text_body = models.TextField(_("message text"), blank=True)
    receipt_evidence = models.TextField(
        _("receipt evidence (JWS)"), blank=True, help_text=_("e-Doręczenia: the platform's signed proof of receipt")
    )

    form_namespace = models.CharField(_("form namespace"), max_length=300, blank=True)
    form_code = models.CharField(_("form"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)

    signature_verdict = models.CharField(max_length=20, choices=SignatureVerdict.choices)
    signer_subject = models.CharField(max_length=500, blank=True)
    signing_time = models.DateTimeField(null=True, blank=True)
    signature_reason = models.TextField(blank=True)
    validation_verdict = models.CharField(max_length=20, choices=ValidationVerdict.choices)
    validation_reason = models.TextField(blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    quarantine_codes = models.JSONField(default=list, blank=True)
    quarantine_reason = models.TextField(_("quarantine reason"), blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    # The message telling the sender why the document was rejected.
    notice_channel = models.CharField(max_length=10, choices=NoticeChannel.choices, blank=True, default="")
    notice_reference = models.CharField(max_length=200, blank=True)
    notice_upp_reference = models.CharField(max_length=200, blank=True)
    notice_sent_at = models.DateTimeField(null=True, blank=True)
    notice_error = models.TextField(blank=True)

    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound document")
        verbose_name_plural = _("inbound documents")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["box_address", "skrot", "platform_document_id"], name="epuap_inbound_unique_pull"
            )
        ]
        permissions = [
            ("decide_quarantine", "Can release or reject quarantined documents"),
            ("view_adapter_status", "Can view the ePUAP adapter status"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name or self.skrot} ({self.box_address})"


class InboundAttachment(models.Model):
    """A further file of an inbound message (e-Doręczenia messages carry several), kept byte-exact."""

    document = models.ForeignKey(InboundDocument, on_delete=models.CASCADE, related_name="attachments")
    order = models.PositiveIntegerField()
    file_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()

    class Meta:
        ordering = ["document", "order"]
        verbose_name = _("inbound attachment")
        verbose_name_plural = _("inbound attachments")
        constraints = [models.UniqueConstraint(fields=["document", "order"], name="epuap_inbound_attachment_order")]

    def __str__(self) -> str:
        return self.file_name


class PollState(models.Model):
    """Polling state of one box: the lease that serialises workers, the backoff after platform errors."""

    box_address = models.CharField(_("box address"), max_length=200, unique=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    locked_by = models.CharField(max_length=100, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    queue_depth = models.IntegerField(null=True, blank=True)
    documents_received = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("box poll state")
        verbose_name_plural = _("box poll states")
        ordering = ["box_address"]

    def __str__(self) -> str:
        return self.box_address


class Dispatch(models.Model):
    """One outgoing letter to a party, with the channel chosen (art. 144 §1a O.p.) and its delivery tracking.

    State changes go only through :func:`epuap.dispatch.dispatch_transition` (``ALLOWED_TRANSITIONS``).
    ``delivered_at`` / ``delivered_on`` are the LEGAL delivery moment and date (UPD DataOdbioru, the e-Doręczenia
    evidence's eventDate — receipt or deemed), never the moment the office learned of it.
    """

    class Channel(models.TextChoices):
        EDORECZENIA = "edoreczenia", _("e-Doręczenia")
        EPUAP = "epuap", _("ePUAP (delivery against UPD)")
        PAPER = "paper", _("Paper (post)")

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        DEEMED_DELIVERED = "deemed_delivered", _("Deemed delivered")
        FAILED = "failed", _("Failed")
        AWAITING_PAPER = "awaiting_paper", _("Awaiting paper dispatch")
        SENT_PAPER = "sent_paper", _("Sent by post")

    party = models.ForeignKey("core.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, db_index=True)
    channel_reason = models.TextField(_("why this channel"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CREATED, db_index=True)
    recipient_address = models.CharField(_("recipient address"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=500)
    file_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100)
    content = models.BinaryField(_("content"))  # exactly what was sent (signed, for ePUAP)
    sha256 = models.CharField(max_length=64)
    case_id = models.CharField(_("case"), max_length=200, blank=True, db_index=True)
    document_id = models.CharField(_("document"), max_length=200, blank=True, db_index=True)
    sender_reference = models.CharField(_("our reference"), max_length=200, blank=True)
    # e-Doręczenia MessageId, or the ePUAP identyfikatorDokumentu returned by dorecz (matched by the UPD).
    external_id = models.CharField(_("platform identifier"), max_length=200, blank=True, db_index=True)
    order_id = models.CharField(_("delivery order (identyfikatorZlecenia)"), max_length=200, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submission_evidence = models.TextField(_("submission evidence (JWS)"), blank=True)
    delivered_at = models.DateTimeField(_("legal delivery moment"), null=True, blank=True)
    delivered_on = models.DateField(_("legal delivery date"), null=True, blank=True)
    delivery_evidence = models.TextField(_("delivery evidence (JWS)"), blank=True)
    upd = models.ForeignKey(
        InboundDocument, verbose_name=_("UPD"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    error = models.TextField(_("error"), blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("outgoing dispatch")
        verbose_name_plural = _("outgoing dispatches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["channel", "status"], name="epuap_dispatch_track_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_channel_display()})"


class DispatchTransition(models.Model):
    """One state change of a dispatch: the timeline shown in the back office."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    at = models.DateTimeField(_("event time"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.CharField(_("actor"), max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("dispatch transition")
        verbose_name_plural = _("dispatch transitions")
        ordering = ["recorded_at", "id"]

    def __str__(self) -> str:
        return f"{self.dispatch_id}: {self.from_status} → {self.to_status}"


class DeliveryEvent(models.Model):
    """Outbox: a dispatch was delivered (or deemed delivered). Written in the transaction of the transition;
    :func:`epuap.events.deliver_events` hands it to the registered handlers and marks it processed."""

    dispatch = models.OneToOneField(Dispatch, on_delete=models.PROTECT, related_name="delivery_event")
    channel = models.CharField(max_length=20)
    delivered_on = models.DateField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    deemed = models.BooleanField(default=False)
    case_id = models.CharField(max_length=200, blank=True)
    document_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("delivery event")
        verbose_name_plural = _("delivery events")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"dispatch {self.dispatch_id} delivered {self.delivered_on}"
