"""Reference data of finance, dated and extendable by an administrator: receivable types with their budget
classification, interest rates, parameters (minimum interest, reminder cost), the chart of accounts and the posting
rules (which accounts each event debits and credits)."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReceivableType(models.Model):
    """A kind of receivable (podatek od nieruchomości — osoby fizyczne, opłata śmieciowa, …) and where its money goes
    in the budget classification (dział / rozdział / paragraf), with the paragraphs for its interest and costs."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=200)
    dzial = models.CharField(_("section (dział)"), max_length=3, validators=[RegexValidator(r"^[0-9]{3}$")])
    rozdzial = models.CharField(_("chapter (rozdział)"), max_length=5, validators=[RegexValidator(r"^[0-9]{5}$")])
    paragraf = models.CharField(_("paragraph"), max_length=4, validators=[RegexValidator(r"^[0-9]{4}$")])
    interest_paragraf = models.CharField(_("paragraph of interest"), max_length=4, default="0910")
    costs_paragraf = models.CharField(_("paragraph of reminder costs"), max_length=4, default="0640")
    interest_applies = models.BooleanField(_("late-payment interest (Ordynacja podatkowa)"), default=True)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("receivable type")
        verbose_name_plural = _("receivable types")

    def __str__(self) -> str:
        return self.name


class InterestRate(models.Model):
    """The annual rate of late-payment interest (OP art. 56, 56a, 56b) in force from ``valid_from``."""

    class Kind(models.TextChoices):
        STANDARD = "standard", _("standard")
        REDUCED = "reduced", _("reduced (50%)")
        INCREASED = "increased", _("increased (150%)")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    rate = models.DecimalField(_("annual rate (%)"), max_digits=6, decimal_places=3)
    valid_from = models.DateField(_("valid from"))
    legal_basis = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "valid_from"]
        verbose_name = _("interest rate")
        verbose_name_plural = _("interest rates")
        constraints = [models.UniqueConstraint(fields=["kind", "valid_from"], name="interest_rate_unique_kind_date")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.rate}% od {self.valid_from:%d.%m.%Y}"


class FinanceParameter(models.Model):
    """A dated amount: ``interest_minimum`` (OP art. 54 §1 pkt 5, 8.70 zł), ``reminder_cost`` (16.00 zł), …"""

    code = models.SlugField(_("code"), max_length=50)
    name = models.CharField(_("name"), max_length=200)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    valid_from = models.DateField(_("valid from"))
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)

    class Meta:
        ordering = ["code", "valid_from"]
        verbose_name = _("finance parameter")
        verbose_name_plural = _("finance parameters")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="finance_parameter_unique_code_date")
        ]

    def __str__(self) -> str:
        return f"{self.code} = {self.value} od {self.valid_from:%d.%m.%Y}"


class LedgerAccount(models.Model):
    """An account of the chart of accounts of the tax organ (101, 133, 221, 240, 720, …)."""

    class Kind(models.TextChoices):
        ASSET = "asset", _("asset / receivable")
        LIABILITY = "liability", _("liability / settlement")
        REVENUE = "revenue", _("revenue")
        OFF_BALANCE = "off_balance", _("off-balance")

    number = models.CharField(_("number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    analytic_by_obligor = models.BooleanField(_("analytic per obligor account"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("ledger account")
        verbose_name_plural = _("chart of accounts")

    def __str__(self) -> str:
        return f"{self.number} {self.name}"


class PostingRule(models.Model):
    """Which account is debited and which credited for an event (data, not code): e.g. charge → 221 / 720."""

    class Component(models.TextChoices):
        PRINCIPAL = "principal", _("principal")
        INTEREST = "interest", _("interest")
        COSTS = "costs", _("reminder costs")
        ANY = "any", _("any")

    event = models.CharField(_("event"), max_length=40)
    component = models.CharField(_("component"), max_length=20, choices=Component.choices, default=Component.ANY)
    debit = models.ForeignKey(LedgerAccount, verbose_name=_("debit (Wn)"), on_delete=models.PROTECT, related_name="+")
    credit = models.ForeignKey(LedgerAccount, verbose_name=_("credit (Ma)"), on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=200, blank=True)

    class Meta:
        ordering = ["event", "component"]
        verbose_name = _("posting rule")
        verbose_name_plural = _("posting rules")
        constraints = [models.UniqueConstraint(fields=["event", "component"], name="posting_rule_unique_event")]

    def __str__(self) -> str:
        return f"{self.event}/{self.component}: Wn {self.debit.number} Ma {self.credit.number}"
