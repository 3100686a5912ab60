"""Imports of the central PESEL register's export and the reconciliation report they produce."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class CentralImport(models.Model):
    """One uploaded export file. parsed → applied | discarded; a rejected file changes nothing."""

    class Status(models.TextChoices):
        PARSED = "parsed", _("report ready")
        APPLIED = "applied", _("applied")
        DISCARDED = "discarded", _("discarded")
        REJECTED = "rejected", _("rejected")

    file_name = models.CharField(_("file name"), max_length=255)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, db_index=True)
    export_date = models.DateField(_("export as of"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_quarantined = models.PositiveIntegerField(_("rows quarantined"), default=0)
    errors = models.JSONField(_("file errors"), default=list, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("central register import")
        verbose_name_plural = _("central register imports")

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class CentralImportRow(models.Model):
    """A row of the file that could not be used, kept with its line number and reason (quarantine)."""

    central_import = models.ForeignKey(CentralImport, on_delete=models.CASCADE, related_name="quarantined")
    line_no = models.PositiveIntegerField(_("line"))
    reason = models.TextField(_("reason"))
    raw = models.TextField(_("row as in the file"))

    class Meta:
        ordering = ["line_no"]

    def __str__(self) -> str:
        return f"{self.line_no}: {self.reason}"


class ReconciliationItem(models.Model):
    """One difference between the central export and the local mirror."""

    class Kind(models.TextChoices):
        NEW = "new", _("new (unknown locally)")
        CHANGED = "changed", _("changed")
        MISSING_LOCALLY = "missing_locally", _("missing locally")
        MISSING_CENTRALLY = "missing_centrally", _("missing centrally")

    central_import = models.ForeignKey(CentralImport, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    pesel = models.CharField(_("PESEL"), max_length=11)
    line_no = models.PositiveIntegerField(_("line"), null=True, blank=True)
    resident = models.ForeignKey(
        "population.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    central_data = models.JSONField(_("data in the central register"), default=dict, blank=True)
    changes = models.JSONField(_("field changes"), default=dict, blank=True, help_text="{field: [local, central]}")
    applied = models.BooleanField(_("applied"), default=False)

    class Meta:
        ordering = ["kind", "pesel"]
        verbose_name = _("reconciliation item")
        verbose_name_plural = _("reconciliation items")

    def __str__(self) -> str:
        return f"{self.kind} {self.pesel}"
