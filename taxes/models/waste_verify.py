"""The evidence the waste fee declarations are checked against (ucpg art. 6o: the wójt verifies declared data) and the
findings of the nightly verification: monthly water readings imported from the water utility's CSV, the waste
collection contracts imported from the collector's CSV (containers of non-residential properties) and the
discrepancies found, which a clerk dismisses (with a reason) or turns into a case in EZD. Layouts of the files:
docs/integrations/waste-water-csv.md; the services: ``taxes.services.waste_verify``."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from taxes.models.waste import WasteDeclaration, WasteProperty


class ImportStatus(models.TextChoices):
    IMPORTED = "imported", _("imported")
    WITH_ERRORS = "with_errors", _("imported with rejected rows")


class _FileImport(models.Model):
    """What both imports record of a file (abstract): its name and SHA-256 (the same file is imported once), who
    imported it and when, the row counts, the status and the rejected rows (line, message)."""

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rows = models.PositiveIntegerField(_("rows in the file"), default=0)
    created = models.PositiveIntegerField(_("rows imported"), default=0)
    skipped = models.PositiveIntegerField(_("rows already imported"), default=0)
    unmatched = models.PositiveIntegerField(_("rows without a matching property"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.IMPORTED)
    errors = models.JSONField(_("rejected rows"), default=list, blank=True)

    class Meta:
        abstract = True
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.rows})"


class WaterImport(_FileImport):
    """One CSV file of water readings; the same file (by SHA-256) is imported once. ``errors``: the rows not imported
    because the meter point and month were imported earlier with another value (line, message)."""

    class Meta(_FileImport.Meta):
        verbose_name = _("water readings import")
        verbose_name_plural = _("water readings imports")


class WaterReading(models.Model):
    """The water consumed at a meter point in a month (m³), with the property its address was matched to."""

    meter_point = models.CharField(_("meter point"), max_length=60)
    address = models.CharField(_("address (as in the file)"), max_length=300)
    property = models.ForeignKey(
        WasteProperty, verbose_name=_("property"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="water_readings",
    )  # fmt: skip
    period = models.DateField(_("month"))
    m3 = models.DecimalField(_("water consumed (m³)"), max_digits=10, decimal_places=3)
    water_import = models.ForeignKey(WaterImport, on_delete=models.PROTECT, related_name="readings")

    class Meta:
        ordering = ["period", "meter_point"]
        verbose_name = _("water reading")
        verbose_name_plural = _("water readings")
        constraints = [
            models.UniqueConstraint(fields=["meter_point", "period"], name="waste_water_reading_unique"),
            models.CheckConstraint(condition=Q(period__day=1), name="waste_water_reading_first_of_month"),
            models.CheckConstraint(condition=Q(m3__gte=0), name="waste_water_reading_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.meter_point} {self.period:%m.%Y}: {self.m3}"


class ContractImport(_FileImport):
    """One CSV file of waste collection contracts; the same file (by SHA-256) is imported once."""

    class Meta(_FileImport.Meta):
        verbose_name = _("collection contracts import")
        verbose_name_plural = _("collection contracts imports")


class CollectionContract(models.Model):
    """A collector's contract for ``count`` containers of ``capacity_l`` litres emptied ``frequency`` times a month
    at an address, valid from–to (inclusive, open-ended when ``valid_to`` is empty)."""

    address = models.CharField(_("address (as in the file)"), max_length=300)
    property = models.ForeignKey(
        WasteProperty, verbose_name=_("property"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="collection_contracts",
    )  # fmt: skip
    capacity_l = models.PositiveIntegerField(_("container capacity (l)"))
    frequency = models.PositiveSmallIntegerField(_("collections per month"))
    count = models.PositiveSmallIntegerField(_("number of containers"))
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    contract_import = models.ForeignKey(ContractImport, on_delete=models.PROTECT, related_name="contracts")

    class Meta:
        ordering = ["address", "valid_from"]
        verbose_name = _("waste collection contract")
        verbose_name_plural = _("waste collection contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["address", "capacity_l", "frequency", "valid_from"], name="waste_contract_unique"
            ),
            models.CheckConstraint(condition=Q(capacity_l__gt=0, frequency__gt=0), name="waste_contract_positive"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="waste_contract_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address}: {self.count} × {self.capacity_l} l × {self.frequency}"


class VerificationFinding(models.Model):
    """A discrepancy between an accepted declaration and the evidence in a month: more residents registered than
    declared, more water consumed than the declared residents use, more container capacity contracted than
    declared. One per declaration, month and kind; a clerk dismisses it with a reason or opens a case in EZD."""

    class Kind(models.TextChoices):
        RESIDENTS = "residents", _("residents registered")
        WATER = "water", _("water consumption")
        CONTAINERS = "containers", _("contracted containers")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        DISMISSED = "dismissed", _("dismissed")
        CASE_OPENED = "case_opened", _("case opened")

    TRANSITIONS = {
        Status.OPEN: {Status.DISMISSED, Status.CASE_OPENED},
        Status.DISMISSED: set(),
        Status.CASE_OPENED: set(),
    }

    property = models.ForeignKey(
        WasteProperty, verbose_name=_("property"), on_delete=models.PROTECT, related_name="verification_findings"
    )
    declaration = models.ForeignKey(
        WasteDeclaration, verbose_name=_("declaration"), on_delete=models.PROTECT, related_name="verification_findings"
    )
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    declared_value = models.DecimalField(_("declared"), max_digits=12, decimal_places=3)
    evidence_value = models.DecimalField(_("evidence"), max_digits=12, decimal_places=3)
    details = models.JSONField(_("details"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True)
    reason = models.TextField(_("why dismissed"), blank=True)
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month", "property", "kind"]
        verbose_name = _("waste declaration verification finding")
        verbose_name_plural = _("waste declaration verification findings")
        constraints = [
            models.UniqueConstraint(fields=["declaration", "month", "kind"], name="waste_finding_unique"),
            models.CheckConstraint(condition=Q(month__day=1), name="waste_finding_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.property.identifier} {self.month:%m.%Y} {self.kind}"
