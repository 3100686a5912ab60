"""Tables of the simulated e-Doręczenia (a separate system: reached by the office only over HTTP).

Status and evidence vocabulary follow the User Agent API (OpenAPI 1.0.16): ``MessageControlData.status`` and
``Evidence.type``. See docs/integrations/e-doreczenia.md for the simplifications.
"""

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# AE:PL-XXXXX-XXXXX-YYYYY-ZZ: two groups of five digits, five capital letters, two digits. The last two digits
# look like a check number; its algorithm is not public (not verified here, see the doc).
ADE_RE = re.compile(r"^AE:PL-\d{5}-\d{5}-[A-Z]{5}-\d{2}$")


def validate_ade(value: str) -> None:
    if not isinstance(value, str) or not ADE_RE.match(value):
        raise ValidationError(
            _("%(value)s is not an electronic delivery address (AE:PL-XXXXX-XXXXX-YYYYY-ZZ)."),
            code="invalid_ade",
            params={"value": value},
        )


class Mailbox(models.Model):
    """An ADE mailbox (adres do doręczeń elektronicznych) and its entry in the address base (BAE)."""

    class Kind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("public body")
        PERSON = "person", _("natural person")
        COMPANY = "company", _("company")

    address = models.CharField(_("electronic delivery address"), max_length=32, unique=True, validators=[validate_ade])
    owner_name = models.CharField(_("owner name"), max_length=200)
    # For persons: given name and surname separately (BAE returns them so).
    first_name = models.CharField(_("first name"), max_length=64, blank=True)
    last_name = models.CharField(_("last name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    pesel = models.CharField("PESEL", max_length=11, blank=True, db_index=True)
    nip = models.CharField("NIP", max_length=10, blank=True, db_index=True)
    regon = models.CharField("REGON", max_length=14, blank=True, db_index=True)
    krs = models.CharField("KRS", max_length=10, blank=True)
    searchable = models.BooleanField(_("listed in BAE"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ADE mailbox")
        verbose_name_plural = _("ADE mailboxes")
        ordering = ["address"]

    def __str__(self) -> str:
        return f"{self.address} ({self.owner_name})"


class Client(models.Model):
    """A system registered to use a mailbox through the API (client-assertion login, RFC 7523)."""

    client_id = models.CharField(_("client id"), max_length=200, unique=True)
    mailbox = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="clients", verbose_name=_("mailbox"))
    public_key_pem = models.TextField(_("public key (PEM)"))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.client_id


class UsedAssertion(models.Model):
    """The jti of every accepted client assertion, kept until it expires: a replayed assertion is refused."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=200)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="edor_assertion_jti_unique")]

    def __str__(self) -> str:
        return self.jti


class AccessToken(models.Model):
    """An issued bearer token; only its SHA-256 is stored."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.client_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class Message(models.Model):
    """One message for one recipient (a send to several addressees creates one row each)."""

    class Status(models.TextChoices):
        # Exactly the enum of MessageControlData.status in the User Agent API.
        VERIFYING = "W weryfikacji", _("under verification")
        FORWARDED = "Przekazana do wysyłki", _("forwarded for sending")
        REJECTED = "Odrzucona", _("message rejected")
        SUBMITTED = "Nadana", _("submitted")
        SENT = "Wysłana", _("sent")
        AWAITING = "Czeka na doręczenie", _("awaiting delivery")
        DELIVERED = "Doręczona", _("delivered")
        DEEMED = "Uznana za doręczoną", _("deemed delivered")
        UNDELIVERED = "Niedoręczona", _("undelivered")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sender = models.ForeignKey(Mailbox, on_delete=models.PROTECT, related_name="sent_messages")
    recipient_address = models.CharField(_("recipient ADE"), max_length=32, validators=[validate_ade])
    recipient = models.ForeignKey(
        Mailbox, on_delete=models.PROTECT, related_name="received_messages", null=True, blank=True
    )
    subject = models.CharField(_("subject"), max_length=500)
    text_body = models.TextField(_("text"), blank=True)
    ref_to_message_id = models.CharField(max_length=64, blank=True)
    case_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=32, choices=Status.choices, default=Status.VERIFYING)
    status_description = models.CharField(max_length=500, blank=True)
    # [{"status": "...", "at": ISO 8601}] in order.
    status_history = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(_("created"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    received_at = models.DateTimeField(_("arrived in the recipient's mailbox"), null=True, blank=True)
    # When the deemed delivery (art. 41 ust. 1 pkt 3 u.d.e.) falls, if the message is not opened before.
    deemed_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    deemed_at = models.DateTimeField(_("deemed delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-Delivery message")
        verbose_name_plural = _("e-Delivery messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "deemed_due_at"], name="edor_msg_deem_idx")]

    def __str__(self) -> str:
        return f"{self.id} → {self.recipient_address}"


class Attachment(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    attachment_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.PositiveIntegerField()
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=127)
    size = models.PositiveBigIntegerField()
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    # The API names SHA-3 as the only hash algorithm for files (FileMetadata.alg): SHA3-256 hex.
    sha3_256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["message", "order"], name="edor_attachment_order_unique")]

    def __str__(self) -> str:
        return self.filename


class Evidence(models.Model):
    """A dowód: signed JSON (JWS, RS256) by the platform's key published at /.well-known/jwks.json."""

    class Kind(models.TextChoices):
        SUBMISSION = "submission", _("proof of submission")
        RECEIPT = "receipt", _("proof of receipt")
        DEEMED = "deemed", _("proof of deemed receipt")

    # Evidence.type codes (ETSI EN 319 522 events) chosen for each kind; see the doc.
    TYPE_CODES = {Kind.SUBMISSION: "A.1", Kind.RECEIPT: "E.1", Kind.DEEMED: "E.1"}

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="evidences")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    type_code = models.CharField(max_length=8)
    event_at = models.DateTimeField()
    created_at = models.DateTimeField()
    content = models.JSONField()
    jws = models.TextField()
    downloaded = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidences")
        ordering = ["event_at", "created_at"]
        constraints = [models.UniqueConstraint(fields=["message", "kind"], name="edor_evidence_one_per_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.message_id}"
