"""The incoming register (RPW), its files, dekretacja, and the e-mail intake."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Counter(models.Model):
    """A named sequence (RPW number per year, case number per unit/class/year, …).

    Taken only through :func:`documents.services.numbering.next_number`, which locks the row: two transactions
    asking for the same key are serialised and never get the same number.
    """

    key = models.CharField(max_length=200, unique=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.key} = {self.value}"


class Priority(models.IntegerChoices):
    LOW = 0, _("low")
    NORMAL = 1, _("normal")
    HIGH = 2, _("high")
    URGENT = 3, _("urgent")


class Channel(models.TextChoices):
    EPUAP = "epuap", _("ePUAP")
    EDORECZENIA = "edoreczenia", _("e-Doręczenia")
    PAPER = "paper", _("paper (post)")
    IN_PERSON = "in_person", _("in person")
    EMAIL = "email", _("e-mail")


class SignatureVerdict(models.TextChoices):
    VALID = "valid", _("valid signature")
    INVALID = "invalid", _("invalid signature")
    UNSIGNED = "unsigned", _("unsigned")
    NOT_CHECKED = "not_checked", _("not checked")


class IncomingEntry(models.Model):
    """One entry of the rejestr przesyłek wpływających: every letter in is registered here once."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        ASSIGNED_UNIT = "assigned_unit", _("assigned to a unit")
        ASSIGNED_CLERK = "assigned_clerk", _("assigned to a clerk")
        IN_CASE = "in_case", _("attached to a case")
        CLOSED = "closed", _("closed without a case")

    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    received_at = models.DateTimeField(_("received at"), db_index=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    sender = models.ForeignKey(
        "core.Party", verbose_name=_("sender"), on_delete=models.PROTECT, related_name="incoming_entries"
    )
    sender_as_stated = models.CharField(_("sender as stated"), max_length=500, blank=True)
    title = models.CharField(_("title"), max_length=500)
    letter_date = models.DateField(_("date on the letter"), null=True, blank=True)
    letter_reference = models.CharField(_("reference on the letter"), max_length=200, blank=True)
    form_code = models.CharField(_("form"), max_length=100, blank=True, db_index=True)
    remarks = models.TextField(_("remarks"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED)
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    assigned_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_entries",
    )
    instruction = models.TextField(_("instruction"), blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    case = models.ForeignKey(
        "documents.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    inbound_document = models.OneToOneField(
        "epuap.InboundDocument",
        verbose_name=_("ePUAP document"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incoming_entry",
    )
    external_id = models.CharField(
        _("external identifier"), max_length=300, blank=True, help_text=_("e-Doręczenia message id, e-mail Message-ID")
    )
    search_text = models.TextField(blank=True, editable=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("incoming mail entry")
        verbose_name_plural = _("incoming mail register (RPW)")
        constraints = [
            models.UniqueConstraint(fields=["year", "number"], name="rpw_unique_number"),
            models.UniqueConstraint(
                fields=["channel", "external_id"], condition=~models.Q(external_id=""), name="rpw_unique_external_id"
            ),
        ]
        permissions = [
            ("register_mail", "Can register incoming mail"),
            ("assign_entry", "Can assign (dekretacja) incoming mail"),
            ("view_register", "Can view the whole incoming and outgoing registers"),
        ]

    def __str__(self) -> str:
        return f"{self.rpw_number} {self.title}"

    @property
    def rpw_number(self) -> str:
        return f"RPW/{self.number}/{self.year}"


class StoredFile(models.Model):
    """A file kept byte-exact (an original, a scan, an attachment, a receipt). Never modified after creation.

    A preview (e.g. a PDF rendering of an XML document) is another StoredFile with ``derived_from`` set.
    """

    class Role(models.TextChoices):
        ORIGINAL = "original", _("original")
        SCAN = "scan", _("scan")
        ATTACHMENT = "attachment", _("attachment")
        PREVIEW = "preview", _("preview (derived copy)")
        RECEIPT = "receipt", _("delivery receipt")
        EVIDENCE = "evidence", _("evidence / UPP")

    entry = models.ForeignKey(
        IncomingEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="files", verbose_name=_("entry")
    )
    receipt = models.ForeignKey(
        "documents.Receipt", null=True, blank=True, on_delete=models.PROTECT, related_name="files"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    file_name = models.CharField(_("file name"), max_length=255)
    mime_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, db_index=True)
    content = models.BinaryField(_("content"))
    derived_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="derivatives"
    )
    signature_verdict = models.CharField(
        _("signature"), max_length=20, choices=SignatureVerdict.choices, default=SignatureVerdict.NOT_CHECKED
    )
    signer = models.CharField(_("signed by"), max_length=500, blank=True)
    signature_detail = models.TextField(blank=True)
    extracted_text = models.TextField(_("extracted text"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return self.file_name


class AssignmentRule(models.Model):
    """A standing rule for dekretacja zastępcza: entries matching it go to ``unit`` when registered."""

    name = models.CharField(_("name"), max_length=200)
    form_code = models.CharField(_("form"), max_length=100, blank=True, help_text=_("e.g. IN-1; empty: any"))
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    title_contains = models.CharField(_("title contains"), max_length=200, blank=True)
    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    instruction = models.CharField(_("instruction"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """One step of dekretacja: to a unit (level 1, by a head or a rule) or to a clerk (level 2+)."""

    entry = models.ForeignKey(
        IncomingEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    case = models.ForeignKey(
        "documents.Case", null=True, blank=True, on_delete=models.CASCADE, related_name="assignments"
    )
    level = models.PositiveSmallIntegerField(_("level"))
    to_unit = models.ForeignKey(
        "core.OrgUnit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("clerk"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    rule = models.ForeignKey(AssignmentRule, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    instruction = models.TextField(_("instruction"), blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("assignment (dekretacja)")
        verbose_name_plural = _("assignments (dekretacja)")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(entry__isnull=False) | models.Q(case__isnull=False), name="assignment_has_target"
            ),
            models.CheckConstraint(
                condition=models.Q(to_unit__isnull=False) | models.Q(to_user__isnull=False), name="assignment_has_to"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.to_unit or ''} {self.to_user or ''}".strip()


class EmailIntake(models.Model):
    """A message read from the office's IMAP mailbox: registered, or quarantined / refused with the reason."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        QUARANTINED = "quarantined", _("quarantined")
        REFUSED = "refused", _("refused")
        RELEASED = "released", _("released from quarantine")

    mailbox = models.CharField(_("mailbox"), max_length=200)
    uidvalidity = models.BigIntegerField()
    uid = models.BigIntegerField()
    message_id = models.CharField(_("Message-ID"), max_length=500, blank=True, db_index=True)
    from_address = models.CharField(_("from"), max_length=500, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    size = models.PositiveIntegerField(_("size"))
    raw = models.BinaryField(_("raw message"))
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    entry = models.OneToOneField(
        IncomingEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="email_intake"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("e-mail intake")
        verbose_name_plural = _("e-mail intake")
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="email_intake_unique_uid")
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.subject}"


class MailboxState(models.Model):
    """Where the IMAP poll of one mailbox stands (a lease against two workers polling at once)."""

    mailbox = models.CharField(max_length=200, unique=True)
    uidvalidity = models.BigIntegerField(null=True, blank=True)
    last_uid = models.BigIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)
    last_poll_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("mailbox state")
        verbose_name_plural = _("mailbox states")

    def __str__(self) -> str:
        return self.mailbox
