"""Obligor accounts (karta kontowa) and their immutable, typed entries.

An :class:`ObligorAccount` is one receivable type in one year for one obligor (several co-obligors for a joint
obligation: a payment by any of them reduces it for all). Everything that happens to it is an
:class:`AccountEntry`, never edited or deleted (a correction is a new entry; a reversal points at the entry it
cancels). Balances are computed from the entries as of any date (``finance.selectors.balance``).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ObligorAccount(models.Model):
    party = models.ForeignKey(
        "core.Party", verbose_name=_("obligor"), on_delete=models.PROTECT, related_name="obligor_accounts"
    )
    co_obligors = models.ManyToManyField(
        "core.Party", verbose_name=_("co-obligors (joint liability)"), blank=True, related_name="joint_obligor_accounts"
    )
    receivable_type = models.ForeignKey(
        "finance.ReceivableType", verbose_name=_("receivable type"), on_delete=models.PROTECT, related_name="accounts"
    )
    year = models.PositiveIntegerField(_("year"))
    source_app = models.CharField(_("kept for"), max_length=50, blank=True)
    source_ref = models.CharField(_("reference in that app"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["party", "receivable_type", "year"]
        verbose_name = _("obligor account")
        verbose_name_plural = _("obligor accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "receivable_type", "year", "source_ref"], name="obligor_account_unique"
            )
        ]
        permissions = [
            ("view_balances", "Can view obligors' accounts and balances"),
            ("post_entries", "Can post charges, reductions and corrections"),
            ("manage_payments", "Can import statements and resolve payments"),
            ("manage_refunds", "Can order and export refunds"),
            ("manage_ledger", "Can view the ledger and close periods"),
        ]

    def __str__(self) -> str:
        return f"{self.receivable_type} {self.year} — {self.party}"


class Installment(models.Model):
    """One installment of a charge: the statutory due date and the effective one (OP art. 12 §5 shift)."""

    charge = models.ForeignKey("finance.AccountEntry", on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField(_("installment"))
    due_date = models.DateField(_("due date"))
    effective_due_date = models.DateField(_("effective due date"), db_index=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["effective_due_date", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [
            models.UniqueConstraint(fields=["charge", "number"], name="installment_unique_number"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="installment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} do {self.effective_due_date:%d.%m.%Y}"


class AccountEntry(models.Model):
    class Kind(models.TextChoices):
        CHARGE = "charge", _("charge (przypis)")
        REDUCTION = "reduction", _("reduction (odpis)")
        PAYMENT = "payment", _("payment")
        ALLOCATION = "allocation", _("allocation")
        INTEREST = "interest", _("interest collected")
        REMINDER_COST = "reminder_cost", _("reminder costs")
        OVERPAYMENT = "overpayment", _("overpayment")
        OVERPAYMENT_CREDIT = "overpayment_credit", _("overpayment credit")
        REFUND = "refund", _("refund")
        TRANSFER = "transfer", _("transfer between accounts")
        REVERSAL = "reversal", _("reversal (storno)")

    class Component(models.TextChoices):
        PRINCIPAL = "principal", _("principal")
        INTEREST = "interest", _("interest")
        COSTS = "costs", _("reminder costs")
        OVERPAYMENT = "overpayment", _("overpayment")

    account = models.ForeignKey(ObligorAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    # Positive; the kind and component say which way it moves the balance.
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # The day it takes effect (payment date, delivery date of a decision, …) and the day it was booked.
    value_date = models.DateField(_("value date"), db_index=True)
    booked_on = models.DateField(_("booked on"))
    installment = models.ForeignKey(
        Installment, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    payment = models.ForeignKey(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    counter_account = models.ForeignKey(
        ObligorAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("the other account of a transfer or an overpayment credit"),
    )  # fmt: skip
    description = models.CharField(_("description"), max_length=500, blank=True)
    source_ref = models.CharField(_("reference"), max_length=200, blank=True)
    journal_entry = models.ForeignKey(
        "finance.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="account_entries"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["value_date", "id"]
        verbose_name = _("account entry")
        verbose_name_plural = _("account entries")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="account_entry_amount_positive")]
        indexes = [models.Index(fields=["account", "value_date"], name="account_entry_account_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} ({self.value_date:%d.%m.%Y})"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("Account entries are immutable: book a correction or a reversal instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Account entries are immutable: book a reversal instead.")


class InterestAdjustment(models.Model):
    """A period in which late-payment interest on an account (or one installment of it) runs at another rate than
    the standard one, or not at all: the reduced rate (OP art. 56a — a corrected declaration paid within 7 days),
    the increased rate (art. 56b) or no interest (art. 54 § 1: e.g. proceedings suspended ex officio, a decision not
    delivered within 3 months, an appeal organ's delay). Recorded by a clerk with its legal basis; cancelled, never
    edited. Interest fixed at a payment is history: an adjustment applies from the day after the last payment
    recorded before it, and a cancelled one still applies up to the last payment recorded before the cancellation
    (see docs/finance.md)."""

    class Kind(models.TextChoices):
        REDUCED = "reduced", _("reduced rate (50%)")
        INCREASED = "increased", _("increased rate (150%)")
        NONE = "none", _("no interest")

    account = models.ForeignKey(
        ObligorAccount, verbose_name=_("account"), on_delete=models.PROTECT, related_name="interest_adjustments"
    )
    installment = models.ForeignKey(
        Installment,
        verbose_name=_("installment (all when empty)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="interest_adjustments",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    date_from = models.DateField(_("from"))
    date_to = models.DateField(_("to (inclusive; open when empty)"), null=True, blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=200)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("why cancelled"), max_length=500, blank=True)

    class Meta:
        ordering = ["account", "date_from", "id"]
        verbose_name = _("interest adjustment")
        verbose_name_plural = _("interest adjustments")
        constraints = [
            models.CheckConstraint(
                condition=Q(date_to__isnull=True) | Q(date_to__gte=models.F("date_from")),
                name="interest_adjustment_dates",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.date_from:%d.%m.%Y}–{self.date_to or ''}"
