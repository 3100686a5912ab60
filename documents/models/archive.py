"""The office archive (składnica akt / archiwum zakładowe): hand-over lists and disposal lists."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArchiveTransfer(models.Model):
    """A spis zdawczo-odbiorczy: closed cases of one unit and class (and year) handed over to the archive."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        HANDED_OVER = "handed_over", _("handed over")
        ACCEPTED = "accepted", _("accepted by the archive")

    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    unit = models.ForeignKey("core.OrgUnit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    jrwa = models.ForeignKey(
        "documents.JrwaClass",
        verbose_name=_("JRWA class"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cases = models.ManyToManyField("documents.Case", verbose_name=_("cases"), related_name="archive_transfers")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("hand-over list (spis zdawczo-odbiorczy)")
        verbose_name_plural = _("hand-over lists")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="archive_transfer_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"


class DisposalList(models.Model):
    """A spis dokumentacji niearchiwalnej: B-category files past their period, destroyed only after approval."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for approval")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        DISPOSED = "disposed", _("disposed of")

    year = models.PositiveIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    cases = models.ManyToManyField("documents.Case", verbose_name=_("cases"), related_name="disposal_lists")
    approval_reference = models.CharField(_("approval (state archive's consent)"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    disposed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-number"]
        verbose_name = _("disposal list")
        verbose_name_plural = _("disposal lists")
        constraints = [models.UniqueConstraint(fields=["year", "number"], name="disposal_list_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}/{self.year}"
