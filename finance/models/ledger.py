"""The general ledger: balanced journal entries (dekrety) with the budget classification, and accounting periods.

Every line belongs to a :class:`JournalEntry` whose debits equal its credits — checked by
``finance.services.ledger.journal_post`` and, on PostgreSQL, by a DEFERRED constraint trigger at commit
(migration ``finance/0003_journal_balance_trigger``). Lines are append-only (a correction is a reversing entry).
A closed :class:`AccountingPeriod` takes no more entries.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AccountingPeriod(models.Model):
    year = models.PositiveIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["year", "month"]
        verbose_name = _("accounting period")
        verbose_name_plural = _("accounting periods")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="accounting_period_unique"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="accounting_period_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:02d}.{self.year}"


class JournalEntry(models.Model):
    date = models.DateField(_("date"), db_index=True)
    description = models.CharField(_("description"), max_length=300)
    event = models.CharField(_("event"), max_length=40)
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reversed_by")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")

    def __str__(self) -> str:
        return f"{self.date:%d.%m.%Y} {self.description}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey("finance.LedgerAccount", on_delete=models.PROTECT, related_name="lines")
    obligor_account = models.ForeignKey(
        "finance.ObligorAccount", null=True, blank=True, on_delete=models.PROTECT, related_name="journal_lines"
    )
    debit = models.DecimalField(_("debit (Wn)"), max_digits=16, decimal_places=2, default=0)
    credit = models.DecimalField(_("credit (Ma)"), max_digits=16, decimal_places=2, default=0)
    dzial = models.CharField(_("dział"), max_length=3, blank=True)
    rozdzial = models.CharField(_("rozdział"), max_length=5, blank=True)
    paragraf = models.CharField(_("paragraf"), max_length=4, blank=True)

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            models.CheckConstraint(
                condition=(Q(debit__gt=0, credit=0) | Q(debit=0, credit__gt=0)), name="journal_line_one_side"
            )
        ]
        indexes = [models.Index(fields=["account", "entry"], name="journal_line_account")]

    def __str__(self) -> str:
        return f"{self.account.number} Wn {self.debit} Ma {self.credit}"
