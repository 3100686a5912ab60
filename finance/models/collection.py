"""Collection of what is not paid: information notices (działania informacyjne), reminders (upomnienia) and
enforcement titles (tytuły wykonawcze TW-1), prepared in runs (dry run → review → confirm).

A :class:`CollectionRun` is a state machine (``TRANSITIONS``; one transition service locks the row and logs). A
reminder and a title keep a snapshot of what they demand (items per installment) as of their issue date; the
accounts themselves are never changed by them, except the reminder cost charged when the reminder is delivered.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CollectionRun(models.Model):
    """A reminder run or an enforcement-title run for a receivable type (or all) and a cut-off date."""

    class Kind(models.TextChoices):
        REMINDERS = "reminders", _("reminders")
        TITLES = "titles", _("enforcement titles")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft (computing)")
        PROPOSED = "proposed", _("proposed (to review)")
        CONFIRMED = "confirmed", _("confirmed (issuing)")
        ISSUED = "issued", _("issued")
        CANCELLED = "cancelled", _("cancelled")
        FAILED = "failed", _("failed")

    TRANSITIONS = {
        Status.DRAFT: {Status.PROPOSED, Status.FAILED, Status.CANCELLED},
        Status.PROPOSED: {Status.CONFIRMED, Status.CANCELLED, Status.DRAFT},
        Status.CONFIRMED: {Status.ISSUED, Status.FAILED},
        Status.FAILED: {Status.DRAFT, Status.CONFIRMED, Status.CANCELLED},
        Status.ISSUED: set(),
        Status.CANCELLED: set(),
    }

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    receivable_type = models.ForeignKey(
        "finance.ReceivableType",
        verbose_name=_("receivable type (all when empty)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cutoff_date = models.DateField(_("arrears due on or before"))
    issue_date = models.DateField(_("issue date"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("collection run")
        verbose_name_plural = _("collection runs")
        permissions = [
            ("manage_collection", "Can run reminders and enforcement titles"),
            ("sign_titles", "Can sign enforcement titles"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.cutoff_date:%d.%m.%Y} ({self.get_status_display()})"


class InformationNotice(models.Model):
    """Działanie informacyjne: an e-mail or SMS telling a debtor about arrears before a reminder; it starts the
    21-day window in which the reminder must follow (regulation on creditors' duties)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    party = models.ForeignKey("core.Party", verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="+")
    receivable_type = models.ForeignKey(
        "finance.ReceivableType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address or phone number"), max_length=254)
    message = models.TextField(_("message"))
    amount = models.DecimalField(_("arrears with interest"), max_digits=14, decimal_places=2)
    sent_on = models.DateField(_("sent on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    backend = models.CharField(_("sender"), max_length=100, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("information notice")
        verbose_name_plural = _("information notices")

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.sent_on:%d.%m.%Y}"


class Reminder(models.Model):
    """Upomnienie: one debtor, one or more receivables (items), as of its issue date."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        EXCLUDED = "excluded", _("excluded in review")
        ISSUED = "issued", _("issued (in EZD)")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    class Reason(models.TextChoices):
        THRESHOLD = "threshold", _("above 10 × the reminder cost")
        LIMITATION = "limitation", _("limitation in less than 6 months")
        NOTICE = "notice", _("21 days after an information notice")
        MANUAL = "manual", _("added by a clerk")

    TRANSITIONS = {
        Status.PROPOSED: {Status.EXCLUDED, Status.ISSUED, Status.CANCELLED},
        Status.EXCLUDED: {Status.PROPOSED, Status.CANCELLED},
        Status.ISSUED: {Status.DELIVERED, Status.CANCELLED},
        Status.DELIVERED: set(),
        Status.CANCELLED: set(),
    }

    run = models.ForeignKey(
        CollectionRun, verbose_name=_("run"), null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    party = models.ForeignKey("core.Party", verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED, db_index=True
    )
    reason = models.CharField(_("why"), max_length=12, choices=Reason.choices)
    issue_date = models.DateField(_("issue date"))
    principal = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2)
    interest = models.DecimalField(_("interest to the issue date"), max_digits=14, decimal_places=2)
    costs = models.DecimalField(_("earlier costs"), max_digits=14, decimal_places=2, default=0)
    interest_rate = models.DecimalField(_("interest rate for further interest (%)"), max_digits=6, decimal_places=2)
    reminder_cost = models.DecimalField(_("cost of the reminder"), max_digits=8, decimal_places=2)
    limitation_date = models.DateField(_("earliest limitation date"), null=True, blank=True)
    notice = models.ForeignKey(
        InformationNotice, null=True, blank=True, on_delete=models.PROTECT, related_name="reminders"
    )
    document = models.ForeignKey(
        "documents.OutgoingDocument",
        verbose_name=_("document in EZD"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    cost_entry = models.OneToOneField(
        "finance.AccountEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="reminder"
    )
    excluded_reason = models.CharField(_("why excluded or cancelled"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="reminder_number_unique"),
            models.UniqueConstraint(fields=["run", "party"], name="reminder_one_per_debtor_in_run"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"

    @property
    def total(self):
        return self.principal + self.interest + self.costs


class ReminderItem(models.Model):
    """One installment (arrear) a reminder demands, with the interest to the issue date."""

    reminder = models.ForeignKey(Reminder, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey("finance.ObligorAccount", on_delete=models.PROTECT, related_name="+")
    installment = models.ForeignKey(
        "finance.Installment", null=True, blank=True, on_delete=models.PROTECT, related_name="reminder_items"
    )
    due_date = models.DateField(_("due date"))
    principal = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2)
    interest = models.DecimalField(_("interest"), max_digits=14, decimal_places=2)
    period = models.CharField(_("period"), max_length=100, blank=True)

    class Meta:
        ordering = ["reminder", "due_date", "id"]
        verbose_name = _("reminder item")
        verbose_name_plural = _("reminder items")

    def __str__(self) -> str:
        return f"{self.due_date:%d.%m.%Y}: {self.principal}"


class EnforcementTitle(models.Model):
    """Tytuł wykonawczy (TW-1) for arrears whose reminder was delivered at least 7 days earlier."""

    class Status(models.TextChoices):
        PREPARED = "prepared", _("prepared")
        SIGNED = "signed", _("signed")
        SENT = "sent", _("sent to the enforcement organ")
        ACCEPTED = "accepted", _("accepted by the enforcement organ")
        RETURNED = "returned", _("returned by the enforcement organ")
        PAID = "paid", _("paid")
        WITHDRAWN = "withdrawn", _("withdrawn")

    TRANSITIONS = {
        Status.PREPARED: {Status.SIGNED, Status.WITHDRAWN},
        Status.SIGNED: {Status.SENT, Status.WITHDRAWN},
        Status.SENT: {Status.ACCEPTED, Status.RETURNED, Status.PAID, Status.WITHDRAWN},
        Status.ACCEPTED: {Status.PAID, Status.RETURNED, Status.WITHDRAWN},
        Status.RETURNED: {Status.PREPARED, Status.WITHDRAWN},
        Status.PAID: set(),
        Status.WITHDRAWN: set(),
    }

    run = models.ForeignKey(
        CollectionRun, verbose_name=_("run"), null=True, blank=True, on_delete=models.PROTECT, related_name="titles"
    )
    number = models.CharField(_("number"), max_length=40, blank=True)
    party = models.ForeignKey("core.Party", verbose_name=_("debtor"), on_delete=models.PROTECT, related_name="+")
    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.PROTECT, related_name="titles")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREPARED, db_index=True
    )
    issue_date = models.DateField(_("issue date"))
    principal = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2)
    interest_from = models.DateField(_("interest runs from"))
    interest_kind = models.CharField(_("kind of interest"), max_length=100)
    interest_rate = models.DecimalField(_("interest rate (%)"), max_digits=6, decimal_places=2)
    costs = models.DecimalField(_("reminder costs"), max_digits=14, decimal_places=2, default=0)
    legal_basis = models.TextField(_("legal basis of the obligation"))
    debtor = models.JSONField(_("debtor data at issue"), default=dict)
    creditor = models.JSONField(_("creditor data at issue"), default=dict)
    enforcement_organ = models.CharField(_("enforcement organ"), max_length=300)
    schema_version = models.CharField(_("XML schema version"), max_length=40)
    xml = models.BinaryField(_("XML (eTW)"), blank=True, default=b"")
    pdf = models.BinaryField(_("PDF"), blank=True, default=b"")
    sha256 = models.CharField(max_length=64, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(null=True, blank=True)
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    external_reference = models.CharField(_("reference in eTW"), max_length=100, blank=True)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    status_reason = models.CharField(_("reason (return, withdrawal)"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        verbose_name = _("enforcement title")
        verbose_name_plural = _("enforcement titles")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="enforcement_title_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class EnforcementTitleItem(models.Model):
    title = models.ForeignKey(EnforcementTitle, on_delete=models.CASCADE, related_name="items")
    account = models.ForeignKey("finance.ObligorAccount", on_delete=models.PROTECT, related_name="+")
    installment = models.ForeignKey(
        "finance.Installment", null=True, blank=True, on_delete=models.PROTECT, related_name="title_items"
    )
    due_date = models.DateField(_("due date"))
    interest_from = models.DateField(_("interest runs from"))
    principal = models.DecimalField(_("arrears"), max_digits=14, decimal_places=2)
    period = models.CharField(_("period"), max_length=100, blank=True)

    class Meta:
        ordering = ["title", "due_date", "id"]
        verbose_name = _("enforcement title item")
        verbose_name_plural = _("enforcement title items")

    def __str__(self) -> str:
        return f"{self.due_date:%d.%m.%Y}: {self.principal}"


class EnforcementPaymentReport(models.Model):
    """Payments received after titles were sent, reported to the enforcement organ for a period (a list)."""

    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    enforcement_organ = models.CharField(_("enforcement organ"), max_length=300)
    rows = models.JSONField(_("rows"), default=list)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end", "-id"]
        verbose_name = _("report of payments on titles")
        verbose_name_plural = _("reports of payments on titles")

    def __str__(self) -> str:
        return f"{self.period_start:%d.%m.%Y}–{self.period_end:%d.%m.%Y}"
