"""Certificates of no arrears (zaświadczenia, OP art. 306a–306n), the cash desk (kasa) and the budget plan."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """Zaświadczenie o niezaleganiu / stwierdzające stan zaległości for a party as of a date, in a case in EZD,
    issued within 7 days, with the stamp duty (opłata skarbowa) or its exemption, and a verification code."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        ISSUED = "issued", _("issued")
        REFUSED = "refused", _("refused")
        CANCELLED = "cancelled", _("cancelled")

    class Outcome(models.TextChoices):
        NO_ARREARS = "no_arrears", _("no arrears")
        ARREARS = "arrears", _("arrears stated")

    TRANSITIONS = {
        Status.REQUESTED: {Status.ISSUED, Status.REFUSED, Status.CANCELLED},
        Status.ISSUED: set(),
        Status.REFUSED: set(),
        Status.CANCELLED: set(),
    }

    number = models.CharField(_("number"), max_length=40, blank=True)
    party = models.ForeignKey("core.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(_("requested on"))
    as_of = models.DateField(_("state as of"))
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    fee_amount = models.DecimalField(_("stamp duty"), max_digits=8, decimal_places=2)
    fee_exempt = models.BooleanField(_("exempt from stamp duty"), default=False)
    fee_exemption_basis = models.CharField(_("basis of the exemption"), max_length=300, blank=True)
    fee_paid_on = models.DateField(_("stamp duty paid on"), null=True, blank=True)
    fee_reference = models.CharField(_("proof of payment"), max_length=200, blank=True)
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    rows = models.JSONField(_("arrears per receivable"), default=list, blank=True)
    total_arrears = models.DecimalField(_("arrears with interest"), max_digits=14, decimal_places=2, default=0)
    verification_code = models.CharField(_("verification code"), max_length=32, blank=True)
    pdf = models.BinaryField(_("PDF"), blank=True, default=b"")
    sha256 = models.CharField(max_length=64, blank=True)
    document = models.ForeignKey(
        "documents.OutgoingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    refusal_reason = models.TextField(_("reason of the refusal"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on", "-id"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="certificate_number_unique"),
            models.UniqueConstraint(
                fields=["verification_code"], condition=~Q(verification_code=""), name="certificate_code_unique"
            ),
        ]
        permissions = [("issue_certificates", "Can issue certificates of no arrears")]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class CashDesk(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("cash desk")
        verbose_name_plural = _("cash desks")
        permissions = [("operate_cash_desk", "Can take cash and close the daily cash report")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class CashReport(models.Model):
    """Raport kasowy: one day of one desk — opening balance, receipts (KP), payouts to the bank (KW), closing."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        CLOSED = "closed", _("closed")

    desk = models.ForeignKey(CashDesk, on_delete=models.PROTECT, related_name="reports")
    day = models.DateField(_("day"))
    number = models.CharField(_("number"), max_length=40)
    opening_balance = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    receipts_total = models.DecimalField(_("receipts"), max_digits=14, decimal_places=2, default=0)
    payouts_total = models.DecimalField(_("payouts"), max_digits=14, decimal_places=2, default=0)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2, null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["desk", "-day"]
        verbose_name = _("cash report")
        verbose_name_plural = _("cash reports")
        constraints = [models.UniqueConstraint(fields=["desk", "day"], name="cash_report_one_per_day")]

    def __str__(self) -> str:
        return self.number


class CashReceipt(models.Model):
    """KP (kasa przyjmie): cash taken at the desk — a tax payment (allocated like a bank payment), the stamp duty
    or another revenue with its classification. Cancelled by storno, never edited."""

    class Kind(models.TextChoices):
        PAYMENT = "payment", _("payment of taxes and fees")
        STAMP_DUTY = "stamp_duty", _("stamp duty")
        OTHER = "other", _("other revenue")

    desk = models.ForeignKey(CashDesk, on_delete=models.PROTECT, related_name="receipts")
    report = models.ForeignKey(CashReport, on_delete=models.PROTECT, related_name="receipts")
    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    party = models.ForeignKey(
        "core.Party", verbose_name=_("payer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payer_name = models.CharField(_("payer's name"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    title = models.CharField(_("title"), max_length=500)
    payment = models.OneToOneField(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="cash_receipt"
    )
    certificate = models.ForeignKey(
        Certificate, null=True, blank=True, on_delete=models.PROTECT, related_name="fee_receipts"
    )
    dzial = models.CharField(max_length=3, blank=True)
    rozdzial = models.CharField(max_length=5, blank=True)
    paragraf = models.CharField(max_length=4, blank=True)
    journal_entry = models.ForeignKey(
        "finance.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    cashier = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("cash receipt (KP)")
        verbose_name_plural = _("cash receipts (KP)")

    def __str__(self) -> str:
        return self.number


class CashDeposit(models.Model):
    """KW: cash taken from the desk to the bank — 140/101 when handed over, 133/140 when the bank credits it."""

    class Status(models.TextChoices):
        HANDED_OVER = "handed_over", _("handed over (in transit)")
        CONFIRMED = "confirmed", _("credited by the bank")

    desk = models.ForeignKey(CashDesk, on_delete=models.PROTECT, related_name="deposits")
    report = models.ForeignKey(CashReport, on_delete=models.PROTECT, related_name="deposits")
    number = models.CharField(_("number"), max_length=40, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.HANDED_OVER)
    handed_over_journal = models.ForeignKey(
        "finance.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_on = models.DateField(_("credited on"), null=True, blank=True)
    statement_line = models.OneToOneField(
        "finance.StatementLine", null=True, blank=True, on_delete=models.PROTECT, related_name="cash_deposit"
    )
    confirmed_journal = models.ForeignKey(
        "finance.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("cash deposit (KW)")
        verbose_name_plural = _("cash deposits (KW)")

    def __str__(self) -> str:
        return self.number


class BudgetPlanLine(models.Model):
    """The revenue plan (plan dochodów) for a year and a classification line, as amended; changes are audited."""

    year = models.PositiveIntegerField(_("year"))
    dzial = models.CharField(_("dział"), max_length=3)
    rozdzial = models.CharField(_("rozdział"), max_length=5)
    paragraf = models.CharField(_("paragraf"), max_length=4)
    amount = models.DecimalField(_("plan"), max_digits=16, decimal_places=2)
    description = models.CharField(_("description"), max_length=300, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "dzial", "rozdzial", "paragraf"]
        verbose_name = _("budget plan line")
        verbose_name_plural = _("budget plan lines")
        constraints = [
            models.UniqueConstraint(fields=["year", "dzial", "rozdzial", "paragraf"], name="budget_plan_line_unique"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_plan_line_not_negative"),
        ]
        permissions = [("manage_budget", "Can enter the budget plan and produce budget reports")]

    def __str__(self) -> str:
        return f"{self.year} {self.dzial}/{self.rozdzial}/{self.paragraf}: {self.amount}"
