"""Cases (sprawy): one matter, one mark ``<unit>.<JRWA>.<number>.<year>``, one spis spraw row."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from documents.models.registry import Priority


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("open")
        SUSPENDED = "suspended", _("suspended")
        CLOSED = "closed", _("closed")
        REOPENED = "reopened", _("re-opened")

    class ClosingManner(models.TextChoices):
        DECISION = "decision", _("decision")
        LETTER = "letter", _("reply letter")
        CERTIFICATE = "certificate", _("certificate issued")
        REFERRED = "referred", _("referred to the competent authority")
        WITHDRAWN = "withdrawn", _("withdrawn by the party")
        LEFT_UNCONSIDERED = "left_unconsidered", _("left without consideration")
        OTHER = "other", _("other")

    class ArchiveStatus(models.TextChoices):
        ACTIVE = "active", _("in the unit")
        IN_ARCHIVE = "in_archive", _("in the office archive")
        TRANSFERRED = "transferred", _("transferred to the state archive")
        DISPOSED = "disposed", _("disposed of")

    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="cases")
    jrwa = models.ForeignKey(
        "documents.JrwaClass", verbose_name=_("JRWA class"), on_delete=models.PROTECT, related_name="cases"
    )
    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    mark = models.CharField(_("case mark"), max_length=100, unique=True)
    previous_marks = models.JSONField(_("previous marks"), default=list, blank=True)
    title = models.CharField(_("title"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    parties = models.ManyToManyField("core.Party", verbose_name=_("parties"), blank=True, related_name="cases")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by (prowadzący)"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("opened by"), on_delete=models.PROTECT, related_name="+"
    )
    origin_entry = models.ForeignKey(
        "documents.IncomingEntry",
        verbose_name=_("initiating letter"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN, db_index=True)
    priority = models.IntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    opened_on = models.DateField(_("opened on"))
    due_date = models.DateField(_("due date"), null=True, blank=True, db_index=True)
    due_basis = models.CharField(_("due date basis"), max_length=300, blank=True)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_manner = models.CharField(_("manner of closing"), max_length=30, choices=ClosingManner.choices, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    archive_status = models.CharField(
        _("archive status"), max_length=20, choices=ArchiveStatus.choices, default=ArchiveStatus.ACTIVE, db_index=True
    )
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    search_text = models.TextField(blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year", "unit", "jrwa", "-number"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        constraints = [
            # The mark is unique; so is its source, whatever the mark's text became after a re-classification.
            models.UniqueConstraint(fields=["unit", "jrwa", "year", "number"], name="case_unique_number"),
        ]
        indexes = [models.Index(fields=["unit", "status", "due_date"], name="case_unit_status_due")]
        permissions = [
            ("handle_case", "Can open and handle cases"),
            ("supervise_unit", "Can supervise the cases of own unit"),
            ("view_all_cases", "Can view every case of the office"),
            ("manage_archive", "Can manage the office archive"),
        ]

    def __str__(self) -> str:
        return self.mark
