"""Outgoing documents: templates, drafts with versions, approval (akceptacja), signing, dispatch, receipts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    LETTER = "letter", _("letter")
    DECISION = "decision", _("decision")
    CERTIFICATE = "certificate", _("certificate")
    REMINDER = "reminder", _("reminder (upomnienie)")
    OTHER = "other", _("other")


class DocumentTemplate(models.Model):
    """A template of the registry (data, edited by an administrator): a Django template rendered to PDF
    (WeasyPrint) and, for electronic channels, wrapped into a CRD-style XML document."""

    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    body = models.TextField(_("body (Django template, HTML)"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        verbose_name = _("document template")
        verbose_name_plural = _("document templates")
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="template_unique_code_version")]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"


class OutgoingDocument(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_APPROVAL = "in_approval", _("in approval")
        RETURNED = "returned", _("returned for correction")
        APPROVED = "approved", _("approved")
        SIGNED = "signed", _("signed")
        DISPATCHED = "dispatched", _("dispatched")
        CANCELLED = "cancelled", _("cancelled")

    class SignatureKind(models.TextChoices):
        NONE = "", _("not signed")
        XADES = "xades", _("electronic seal / signature (XAdES)")
        PAPER = "paper", _("signed on paper")

    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="outgoing_documents"
    )
    title = models.CharField(_("title"), max_length=500)
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    template = models.ForeignKey(
        DocumentTemplate, verbose_name=_("template"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    signature_kind = models.CharField(
        _("signature"), max_length=10, choices=SignatureKind.choices, blank=True, default=""
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_xml = models.BinaryField(_("signed XML"), null=True, blank=True)
    recipients = models.ManyToManyField("core.Party", verbose_name=_("recipients"), blank=True, related_name="+")
    source_app = models.CharField(
        _("handed over by"),
        max_length=50,
        blank=True,
        help_text=_("app that handed the document over (receipts go back to it)"),
    )
    source_ref = models.CharField(_("reference in that app"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing document")
        verbose_name_plural = _("outgoing documents")
        permissions = [
            ("approve_document", "Can approve outgoing documents"),
            ("sign_document", "Can sign outgoing documents for the office"),
            ("dispatch_mail", "Can dispatch mail and keep the postal dispatch book"),
            ("register_receipt", "Can register delivery receipts"),
            ("manage_templates", "Can manage document templates"),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One version of a draft: rendered PDF and XML are kept; a newer version never replaces an older one."""

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    context = models.JSONField(_("data"), default=dict, blank=True)
    body_html = models.TextField(_("content (HTML)"), blank=True)
    pdf = models.BinaryField(_("PDF"))
    xml = models.BinaryField(_("XML"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_unique")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"


class ApprovalStep(models.Model):
    """One approver on the document's path (in ``order``); a return sends the draft back to the author."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("waiting")
        PENDING = "pending", _("for decision")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned for correction")
        SUPERSEDED = "superseded", _("superseded")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.CASCADE, related_name="approval_steps")
    round = models.PositiveIntegerField(_("round"), default=1)
    order = models.PositiveIntegerField(_("order"))
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approver"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    version = models.ForeignKey(DocumentVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["document", "round", "order"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        constraints = [
            models.UniqueConstraint(fields=["document", "round", "order"], name="approval_step_unique_order")
        ]

    def __str__(self) -> str:
        return f"{self.document} #{self.order} {self.approver}"


class PostalBook(models.Model):
    """A książka nadawcza (post) or a courier / messenger list for one day."""

    class Kind(models.TextChoices):
        POST = "post", _("postal dispatch book (Poczta Polska)")
        COURIER = "courier", _("courier list")
        MESSENGER = "messenger", _("office messenger list")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    day = models.DateField(_("day"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-day", "kind"]
        verbose_name = _("dispatch book")
        verbose_name_plural = _("dispatch books")
        constraints = [models.UniqueConstraint(fields=["kind", "day"], name="postal_book_unique_day")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.day:%d.%m.%Y}"


class Shipment(models.Model):
    """One recipient of one outgoing document: an entry of the rejestr przesyłek wychodzących."""

    class Channel(models.TextChoices):
        EDORECZENIA = "edoreczenia", _("e-Doręczenia")
        EPUAP = "epuap", _("ePUAP")
        POST_REGISTERED = "post_registered", _("registered letter with ZPO")
        POST_ORDINARY = "post_ordinary", _("ordinary letter")
        COURIER = "courier", _("courier")
        MESSENGER = "messenger", _("office messenger")
        IN_PERSON = "in_person", _("handed over in person")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for dispatch")
        SENT = "sent", _("sent")
        DELIVERED = "delivered", _("delivered")
        DEEMED_DELIVERED = "deemed_delivered", _("deemed delivered")
        RETURNED = "returned", _("returned undelivered")
        FAILED = "failed", _("failed")

    document = models.ForeignKey(OutgoingDocument, on_delete=models.PROTECT, related_name="shipments")
    party = models.ForeignKey("core.Party", verbose_name=_("recipient"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    channel_reason = models.TextField(_("why this channel"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    address_text = models.TextField(_("address"), blank=True)
    electronic_dispatch = models.OneToOneField(
        "epuap.Dispatch", null=True, blank=True, on_delete=models.PROTECT, related_name="shipment"
    )
    book = models.ForeignKey(PostalBook, null=True, blank=True, on_delete=models.PROTECT, related_name="shipments")
    book_position = models.PositiveIntegerField(_("position in the book"), null=True, blank=True)
    registered_number = models.CharField(_("registered number"), max_length=40, blank=True)
    fee = models.DecimalField(_("fee"), max_digits=10, decimal_places=2, null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_manner = models.CharField(_("manner of delivery"), max_length=40, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("shipment")
        verbose_name_plural = _("outgoing mail register")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="shipment_unique_number"),
            models.UniqueConstraint(fields=["book", "book_position"], name="shipment_unique_book_position"),
            models.UniqueConstraint(
                fields=["registered_number"], condition=~models.Q(registered_number=""), name="shipment_unique_rnumber"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}/{self.year} → {self.party}"


class Receipt(models.Model):
    """A delivery receipt: UPD / e-Doręczenia evidence (electronic) or a ZPO (paper, scanned).

    A receipt whose shipment cannot be found is ``quarantined`` for the registry clerk, never dropped.
    """

    class Kind(models.TextChoices):
        UPD = "upd", _("UPD (ePUAP)")
        EVIDENCE = "evidence", _("e-Doręczenia evidence")
        ZPO = "zpo", _("ZPO (paper return receipt)")

    class Manner(models.TextChoices):
        ADDRESSEE = "addressee", _("to the addressee")
        ADULT_HOUSEHOLD = "adult_household", _("to an adult household member")
        JANITOR = "janitor", _("to the building administrator / janitor")
        DEEMED = "deemed", _("deemed delivered (awizo)")
        REFUSED = "refused", _("refused by the addressee (deemed delivered)")
        ELECTRONIC = "electronic", _("electronic receipt")
        RETURNED = "returned", _("returned undelivered")

    class Status(models.TextChoices):
        ATTACHED = "attached", _("attached")
        QUARANTINED = "quarantined", _("quarantined")
        DISCARDED = "discarded", _("discarded")

    shipment = models.ForeignKey(Shipment, null=True, blank=True, on_delete=models.PROTECT, related_name="receipts")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    manner = models.CharField(_("manner"), max_length=20, choices=Manner.choices, blank=True)
    delivered_on = models.DateField(_("delivery date"), null=True, blank=True)
    first_notice_on = models.DateField(_("first notice (awizo)"), null=True, blank=True)
    second_notice_on = models.DateField(_("second notice"), null=True, blank=True)
    reference = models.CharField(
        _("reference"), max_length=200, blank=True, help_text=_("registered number or platform identifier")
    )
    quarantine_reason = models.TextField(_("quarantine reason"), blank=True)
    electronic_event = models.OneToOneField(
        "epuap.DeliveryEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="receipt"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery receipt")
        verbose_name_plural = _("delivery receipts")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class ReceiptEvent(models.Model):
    """Outbox: a delivery of a document that another app handed over, for that app's handler.

    Written in the transaction that records the receipt; delivered by ``documents.events.deliver_receipt_events``.
    """

    shipment = models.OneToOneField(Shipment, on_delete=models.PROTECT, related_name="receipt_event")
    source_app = models.CharField(max_length=50, db_index=True)
    source_ref = models.CharField(max_length=200)
    delivered_on = models.DateField()
    manner = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("receipt event")
        verbose_name_plural = _("receipt events")

    def __str__(self) -> str:
        return f"{self.source_app}:{self.source_ref} {self.delivered_on}"
