"""Tables of the simulated ePUAP platform — a separate system: only its own services and SOAP views touch them.

A podmiot (an ePUAP account: the office, a resident) owns boxes (skrytki) addressed ``/{podmiot}/{name}``; documents
sent to a box wait in its FIFO queue (WS-Pull) until the owner confirms them; a delivery order (WS-Doręczyciel) is a
letter from the office waiting in the addressee's box until it is opened or deemed delivered, which produces a UPD.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Podmiot(models.Model):
    """An ePUAP account: a public body (typOsoby P) or a person (F); its data become ``danePodmiotu``."""

    identifier = models.CharField(_("identifier"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=300)
    typ_osoby = models.CharField(_("person type"), max_length=2, default="P")
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    nip = models.CharField("NIP", max_length=10, blank=True)
    pesel = models.CharField("PESEL", max_length=11, blank=True)
    regon = models.CharField("REGON", max_length=14, blank=True)
    consent = models.BooleanField(_("consents to electronic delivery"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("ePUAP account (podmiot)")
        verbose_name_plural = _("ePUAP accounts (podmioty)")
        ordering = ["identifier"]

    def __str__(self) -> str:
        return self.identifier


class PodmiotCertificate(models.Model):
    """A system certificate registered by the podmiot's administrator; WS-Security signatures must use one of these."""

    podmiot = models.ForeignKey(Podmiot, on_delete=models.CASCADE, related_name="certificates")
    fingerprint = models.CharField(_("fingerprint"), max_length=128)
    pem = models.TextField(_("certificate (PEM)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registered certificate")
        verbose_name_plural = _("registered certificates")
        constraints = [models.UniqueConstraint(fields=["podmiot", "fingerprint"], name="epuap_platform_cert_unique")]

    def __str__(self) -> str:
        return f"{self.podmiot_id}: {self.fingerprint[:16]}"


class Box(models.Model):
    """A skrytka; in UPP mode the platform returns a signed UPP to whoever sends a document to it."""

    podmiot = models.ForeignKey(Podmiot, on_delete=models.CASCADE, related_name="boxes")
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=210, unique=True)
    upp_mode = models.BooleanField(_("issues UPP"), default=False)

    class Meta:
        verbose_name = _("box (skrytka)")
        verbose_name_plural = _("boxes (skrytki)")
        ordering = ["address"]
        constraints = [models.UniqueConstraint(fields=["podmiot", "name"], name="epuap_platform_box_unique")]

    def __str__(self) -> str:
        return self.address


class QueuedDocument(models.Model):
    """A document in a box's pull queue; FIFO by ``id``; removed from the queue (not deleted) when confirmed."""

    box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="queue")
    document_id = models.CharField(_("document identifier"), max_length=64, unique=True)
    content = models.BinaryField(_("content"))  # the exact bytes: signatures must stay verifiable
    file_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100, blank=True)
    # danePodmiotu: the podmiot on whose behalf the document was sent
    sender_identifier = models.CharField(_("sender identifier"), max_length=100)
    sender_typ_osoby = models.CharField(_("sender person type"), max_length=2, default="F")
    sender_first_name = models.CharField(_("sender first name"), max_length=100, blank=True)
    sender_name = models.CharField(_("sender surname or name"), max_length=300, blank=True)
    sender_nip = models.CharField("NIP", max_length=10, blank=True)
    sender_pesel = models.CharField("PESEL", max_length=11, blank=True)
    sender_regon = models.CharField("REGON", max_length=14, blank=True)
    sender_consent = models.BooleanField(_("consent to electronic delivery"), default=False)
    # daneNadawcy: the user (login) or system that sent it
    sender_user = models.CharField(_("sending user"), max_length=100, blank=True)
    sender_system = models.CharField(_("sending system"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"))
    reply_address = models.CharField(_("reply address"), max_length=210, blank=True)
    is_test = models.BooleanField(_("test document"), default=False)
    extra_data = models.BinaryField(_("additional data"), default=b"")
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("queued document")
        verbose_name_plural = _("queued documents")
        ordering = ["id"]
        indexes = [models.Index(fields=["box", "confirmed_at", "id"], name="epuap_platform_queue_idx")]

    def __str__(self) -> str:
        return f"{self.box_id}/{self.document_id}"


class Upp(models.Model):
    """An urzędowe poświadczenie przedłożenia issued (and signed) by the platform for a document sent to a UPP box."""

    identifier = models.CharField(_("identifier"), max_length=64, unique=True)
    document = models.OneToOneField(QueuedDocument, on_delete=models.PROTECT, related_name="upp")
    content = models.BinaryField(_("signed UPP"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = "UPP"
        verbose_name_plural = "UPP"

    def __str__(self) -> str:
        return self.identifier


class DeliveryOrder(models.Model):
    """A WS-Doręczyciel order: a signed letter waiting in the addressee's box (the resident's inbox) for opening."""

    class Status(models.TextChoices):
        AWAITING = "awaiting", _("awaiting collection")
        OPENED = "opened", _("opened")
        DEEMED_DELIVERED = "deemed_delivered", _("deemed delivered")

    order_id = models.CharField(_("order identifier"), max_length=64, unique=True)  # identyfikatorZlecenia
    document_id = models.CharField(_("document identifier"), max_length=64, unique=True)  # identyfikatorDokumentu
    sender = models.ForeignKey(Podmiot, on_delete=models.PROTECT, related_name="delivery_orders_sent")
    addressee_box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="deliveries")
    reply_box = models.ForeignKey(Box, on_delete=models.PROTECT, related_name="+")
    sender_document_id = models.CharField(_("sender's document identifier"), max_length=255, blank=True)
    case_id = models.CharField(_("case identifier"), max_length=255, blank=True)
    deadline = models.DateTimeField(_("delivery deadline"), null=True, blank=True)
    content = models.BinaryField(_("content"))
    file_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100, blank=True)
    extra_data = models.BinaryField(_("additional data"), default=b"")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.AWAITING)
    notified_at = models.DateTimeField(_("addressee notified at"))
    reminder_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    deemed_at = models.DateTimeField(_("deemed delivered at"), null=True, blank=True)
    upd_id = models.CharField(_("UPD identifier"), max_length=64, blank=True)
    upd = models.BinaryField(_("signed UPD"), null=True, blank=True)
    upd_document = models.OneToOneField(
        QueuedDocument, on_delete=models.PROTECT, null=True, blank=True, related_name="delivery_order"
    )

    class Meta:
        verbose_name = _("delivery order")
        verbose_name_plural = _("delivery orders")
        ordering = ["-notified_at", "-id"]
        indexes = [models.Index(fields=["status", "notified_at"], name="epuap_platform_delivery_idx")]

    def __str__(self) -> str:
        return self.order_id
