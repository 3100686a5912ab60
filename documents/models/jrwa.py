"""JRWA (jednolity rzeczowy wykaz akt) as versioned data, and the dated rules for handling deadlines."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ARCHIVAL_CATEGORY_RE = r"^(A|B[0-9]{1,2}|BE[0-9]{1,2}|Bc)$"


class JrwaVersion(models.Model):
    """One version of the office's JRWA (e.g. the 2011 annex, or a later amendment). One is current."""

    code = models.CharField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=300)
    valid_from = models.DateField(_("valid from"))
    is_current = models.BooleanField(_("current"), default=False)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("JRWA version")
        verbose_name_plural = _("JRWA versions")
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=models.Q(is_current=True), name="jrwa_one_current_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class JrwaClass(models.Model):
    """A class of the JRWA. Cases are registered only in leaf classes (``is_leaf``), which carry a category."""

    version = models.ForeignKey(
        JrwaVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="classes"
    )
    symbol = models.CharField(
        _("symbol"), max_length=4, validators=[RegexValidator(r"^[0-9]{1,4}$", _("1 to 4 digits."))]
    )
    title = models.CharField(_("title"), max_length=500)
    archival_category = models.CharField(
        _("archival category"),
        max_length=4,
        blank=True,
        validators=[RegexValidator(ARCHIVAL_CATEGORY_RE, _("A, B<years>, BE<years> or Bc."))],
    )
    handling_days = models.PositiveIntegerField(_("default handling days"), null=True, blank=True)
    procedure = models.CharField(
        _("procedure (deadline rule code)"), max_length=50, blank=True, help_text=_("e.g. kpa, public_information")
    )
    is_leaf = models.BooleanField(_("leaf class"), default=False)

    class Meta:
        ordering = ["version", "symbol"]
        verbose_name = _("JRWA class")
        verbose_name_plural = _("JRWA classes")
        constraints = [models.UniqueConstraint(fields=["version", "symbol"], name="jrwa_class_unique_symbol")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.title}"


class DeadlineRule(models.Model):
    """How long a procedure may take (KPA art. 35, 217, 237; UDIP art. 13), dated: a new row when the law changes."""

    code = models.CharField(_("code"), max_length=50, db_index=True)
    name = models.CharField(_("name"), max_length=200)
    days = models.PositiveIntegerField(_("days"), default=0)
    months = models.PositiveIntegerField(_("months"), default=0)
    valid_from = models.DateField(_("valid from"))
    legal_basis = models.CharField(_("legal basis"), max_length=300)

    class Meta:
        ordering = ["code", "-valid_from"]
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        constraints = [
            models.UniqueConstraint(fields=["code", "valid_from"], name="deadline_rule_unique_code_date"),
            models.CheckConstraint(
                condition=(models.Q(days__gt=0, months=0) | models.Q(days=0, months__gt=0)),
                name="deadline_rule_days_xor_months",
            ),
        ]

    def __str__(self) -> str:
        return self.name
