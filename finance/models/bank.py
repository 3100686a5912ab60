"""Money in and out: virtual accounts, bank statements (MT940), payments, refunds."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BankProfile(models.Model):
    """How one bank writes its MT940 files and builds the office's virtual account numbers."""

    class VirtualAccountField(models.TextChoices):
        SUBFIELD_29 = "86_29", _(":86: sub-field 29")
        SUBFIELD_38 = "86_38", _(":86: sub-field 38 (IBAN)")
        TITLE = "title", _("in the payment title")
        REFERENCE_61 = "61_ref", _(":61: customer reference")

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    separator = models.CharField(_(":86: sub-field separator"), max_length=1, default="~")
    encoding = models.CharField(_("encoding"), max_length=20, default="cp852")
    virtual_account_field = models.CharField(
        _("where the virtual account appears"), max_length=10, choices=VirtualAccountField.choices
    )
    office_account = models.CharField(_("the office's collection account (NRB)"), max_length=26)
    sort_code = models.CharField(_("sort code (8 digits)"), max_length=8)
    client_prefix = models.CharField(_("client prefix"), max_length=10)
    id_length = models.PositiveSmallIntegerField(_("identifier length"))
    per_receivable_type = models.BooleanField(_("one virtual account per obligor and receivable type"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("bank profile")
        verbose_name_plural = _("bank profiles")

    def __str__(self) -> str:
        return self.name


class VirtualAccount(models.Model):
    """An individual bank account number (NRB, 26 digits) of an obligor (or of an obligor and a receivable type).

    ``source_ref`` scopes it to the obligor's accounts (``ObligorAccount.source_ref``) with that reference — e.g. one
    number per property for the waste fee (``waste-property:<id>``); empty: the obligor-level account. A scoped
    account always has a receivable type."""

    nrb = models.CharField(_("account number (NRB)"), max_length=26, unique=True)
    party = models.ForeignKey("core.Party", verbose_name=_("obligor"), on_delete=models.PROTECT, related_name="+")
    receivable_type = models.ForeignKey(
        "finance.ReceivableType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    profile = models.ForeignKey(BankProfile, on_delete=models.PROTECT, related_name="virtual_accounts")
    identifier = models.PositiveBigIntegerField(_("identifier"))
    source_ref = models.CharField(
        _("scope (reference of the obligor accounts)"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Empty: the obligor's account. Otherwise the account of the obligor accounts with this reference."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["nrb"]
        verbose_name = _("virtual account")
        verbose_name_plural = _("virtual accounts")
        constraints = [
            models.UniqueConstraint(fields=["profile", "identifier"], name="virtual_account_unique_identifier"),
            models.UniqueConstraint(
                fields=["party", "receivable_type", "profile"],
                condition=Q(source_ref=""),
                name="virtual_account_unique_owner",
            ),
            models.UniqueConstraint(
                fields=["party", "profile"],
                condition=Q(receivable_type__isnull=True),
                name="virtual_account_unique_owner_any_type",
            ),
            models.UniqueConstraint(
                fields=["party", "receivable_type", "profile", "source_ref"],
                condition=~Q(source_ref=""),
                name="virtual_account_unique_scope",
            ),
            models.CheckConstraint(
                condition=Q(source_ref="") | Q(receivable_type__isnull=False), name="virtual_account_scope_has_type"
            ),
        ]

    def __str__(self) -> str:
        return self.nrb


class BankStatement(models.Model):
    """One MT940 statement (one :20:/:25:/:28C: block), imported all-or-nothing, once."""

    class Status(models.TextChoices):
        IMPORTING = "importing", _("importing")
        IMPORTED = "imported", _("imported")
        REJECTED = "rejected", _("rejected")

    profile = models.ForeignKey(BankProfile, on_delete=models.PROTECT, related_name="statements")
    reference = models.CharField(_("statement reference (:20:)"), max_length=35)
    account = models.CharField(_("account (:25:)"), max_length=40)
    sequence = models.CharField(_("statement number (:28C:)"), max_length=20)
    content_sha256 = models.CharField(max_length=64)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    raw = models.BinaryField(_("statement as received"))
    opening_balance = models.DecimalField(_("opening balance"), max_digits=16, decimal_places=2)
    closing_balance = models.DecimalField(_("closing balance"), max_digits=16, decimal_places=2)
    statement_date = models.DateField(_("statement date"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IMPORTING)
    lines_total = models.PositiveIntegerField(default=0)
    lines_matched = models.PositiveIntegerField(default=0)
    lines_unidentified = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-statement_date", "-id"]
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        constraints = [
            models.UniqueConstraint(fields=["account", "reference", "sequence"], name="statement_unique_reference"),
            models.UniqueConstraint(fields=["content_sha256"], name="statement_unique_content"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.sequence} ({self.statement_date:%d.%m.%Y})"


class StatementLine(models.Model):
    """One :61: transaction with its :86: details, and how it was matched."""

    class Match(models.TextChoices):
        VIRTUAL_ACCOUNT = "virtual_account", _("virtual account")
        PESEL = "pesel", _("PESEL in the title")
        NIP = "nip", _("NIP in the title")
        REFERENCE = "reference", _("reference in the title")
        MANUAL = "manual", _("assigned by a clerk")
        NONE = "none", _("unidentified")
        DEBIT = "debit", _("debit (not a payment)")

    statement = models.ForeignKey(BankStatement, on_delete=models.PROTECT, related_name="lines")
    index = models.PositiveIntegerField(_("line"))
    value_date = models.DateField(_("value date"))
    entry_date = models.DateField(_("booking date"), null=True, blank=True)
    is_credit = models.BooleanField(_("credit"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="PLN")
    transaction_code = models.CharField(_("transaction code"), max_length=10, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    counterparty_name = models.CharField(_("payer"), max_length=300, blank=True)
    counterparty_account = models.CharField(_("payer's account"), max_length=34, blank=True)
    virtual_account = models.CharField(_("virtual account"), max_length=26, blank=True, db_index=True)
    match = models.CharField(_("matched by"), max_length=20, choices=Match.choices, default=Match.NONE)
    confidence = models.PositiveSmallIntegerField(_("confidence (%)"), default=0)
    is_reversal = models.BooleanField(
        _("reversal (RC/RD)"), default=False, help_text=_("The bank cancels an earlier credit (RC) or debit (RD).")
    )

    class Meta:
        ordering = ["statement", "index"]
        verbose_name = _("statement line")
        verbose_name_plural = _("statement lines")
        constraints = [models.UniqueConstraint(fields=["statement", "index"], name="statement_line_unique_index")]

    def __str__(self) -> str:
        return f"{self.statement} #{self.index}: {self.amount}"


class Payment(models.Model):
    """Money received for the office's receivables (a bank credit, or cash at the desk)."""

    class Status(models.TextChoices):
        UNIDENTIFIED = "unidentified", _("unidentified (account 240)")
        ALLOCATED = "allocated", _("allocated")
        RETURNED = "returned", _("returned to the payer")
        REVERSED = "reversed", _("reversed by the bank")
        CANCELLED = "cancelled", _("cancelled at the cash desk (storno of the receipt)")

    class Source(models.TextChoices):
        BANK = "bank", _("bank transfer")
        CASH = "cash", _("cash desk")

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    statement_line = models.OneToOneField(
        StatementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="payment"
    )
    party = models.ForeignKey(
        "core.Party", verbose_name=_("payer"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    indicated_type = models.ForeignKey(
        "finance.ReceivableType",
        verbose_name=_("indicated receivable"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    indicated_ref = models.CharField(
        _("indicated obligor accounts (reference)"),
        max_length=200,
        blank=True,
        default="",
        help_text=_("Paid to a virtual account scoped to the obligor accounts with this reference."),
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    payment_date = models.DateField(_("payment date"))
    payment_date_reason = models.CharField(
        _("why the payment date differs from the value date"), max_length=300, blank=True
    )
    received_on = models.DateField(_("received on (value date)"))
    payer_account = models.CharField(_("payer's account"), max_length=34, blank=True)
    title = models.CharField(_("title"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, db_index=True)
    reversed_by = models.OneToOneField(
        StatementLine,
        verbose_name=_("reversed by the bank in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_payment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-payment_date", "-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.payment_date:%d.%m.%Y})"


class RefundOrder(models.Model):
    """A refund of an overpayment (OP art. 77) to the account the money came from."""

    class Status(models.TextChoices):
        ORDERED = "ordered", _("ordered")
        EXPORTED = "exported", _("exported to the bank")
        CANCELLED = "cancelled", _("cancelled")

    # An overpayment refunded from an obligor account, or an unidentified payment returned to the payer (``payment``).
    account = models.ForeignKey(
        "finance.ObligorAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    party = models.ForeignKey("core.Party", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    payment = models.OneToOneField(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="return_order"
    )
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    target_account = models.CharField(_("refund to account (NRB)"), max_length=26)
    recipient_name = models.CharField(_("recipient"), max_length=300)
    title = models.CharField(_("title"), max_length=140)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.ORDERED)
    export = models.ForeignKey(
        "finance.RefundExport", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    entry = models.OneToOneField(
        "finance.AccountEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="refund_order"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund order")
        verbose_name_plural = _("refund orders")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=Q(account__isnull=False) | Q(payment__isnull=False), name="refund_from_account_or_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} → {self.target_account}"


class RefundExport(models.Model):
    """A file of transfer orders for the bank (Elixir-O), kept as sent."""

    file_name = models.CharField(_("file name"), max_length=100)
    format = models.CharField(_("format"), max_length=20, default="elixir-o")
    content = models.BinaryField(_("content"))
    total = models.DecimalField(_("total"), max_digits=16, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund export")
        verbose_name_plural = _("refund exports")

    def __str__(self) -> str:
        return self.file_name
