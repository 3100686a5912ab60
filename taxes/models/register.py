"""The tax register (kartoteka): objects with their history by month, and who is liable for them.

A :class:`TaxObject` is a parcel, a building (or part), a structure (budowla), agricultural land, a forest or a
vehicle. What is taxed changes over time, so its taxable description is an :class:`ObjectVersion` valid from the
first day of a month to the last day of a month (open when ``valid_to`` is empty); a correction is a new version,
never an edit of an assessed one. Liability (owner, co-owner with a share, possessor, spouse) is a
:class:`Liability` with its own validity. Exemptions are coded reasons (statutory or by resolution).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from taxes.models.reference import RateCategory, Tax


class ExemptionReason(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    tax = models.CharField(_("tax"), max_length=15, choices=Tax.choices)
    name = models.CharField(_("name"), max_length=300)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    by_resolution = models.BooleanField(_("by the council's resolution"), default=False)

    class Meta:
        ordering = ["tax", "code"]
        verbose_name = _("exemption reason")
        verbose_name_plural = _("exemption reasons")

    def __str__(self) -> str:
        return f"{self.code} — {self.name}"


class TaxObject(models.Model):
    class Kind(models.TextChoices):
        LAND = "land", _("land")
        BUILDING = "building", _("building or part")
        STRUCTURE = "structure", _("structure (budowla)")
        AGRICULTURAL = "agricultural", _("agricultural land")
        FOREST = "forest", _("forest")
        VEHICLE = "vehicle", _("vehicle")

    TAX_OF_KIND = {
        Kind.LAND: Tax.PROPERTY,
        Kind.BUILDING: Tax.PROPERTY,
        Kind.STRUCTURE: Tax.PROPERTY,
        Kind.AGRICULTURAL: Tax.AGRICULTURAL,
        Kind.FOREST: Tax.FOREST,
        Kind.VEHICLE: Tax.TRANSPORT,
    }

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    precinct = models.CharField(_("precinct (obręb)"), max_length=100, blank=True)
    parcel = models.CharField(_("parcel number"), max_length=50, blank=True)
    identifier = models.CharField(_("identifier (building id, registration number)"), max_length=100, blank=True)
    address = models.ForeignKey(
        "core.Address", verbose_name=_("address"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "precinct", "parcel", "identifier", "id"]
        verbose_name = _("tax object")
        verbose_name_plural = _("tax objects")
        indexes = [models.Index(fields=["precinct", "parcel"], name="tax_object_parcel")]
        permissions = [
            ("manage_register", "Can maintain the tax register"),
            ("assess_taxes", "Can run assessments and issue decisions"),
        ]

    def __str__(self) -> str:
        where = f"{self.precinct} {self.parcel}".strip() or self.identifier
        return f"{self.get_kind_display()} {where}".strip()

    @property
    def tax(self) -> str:
        return self.TAX_OF_KIND[self.kind]


class ObjectVersion(models.Model):
    """What is taxed, from the first day of a month (``valid_from``) to the last day of a month (``valid_to``)."""

    object = models.ForeignKey(TaxObject, on_delete=models.PROTECT, related_name="versions")
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (open when empty)"), null=True, blank=True)
    category = models.ForeignKey(RateCategory, verbose_name=_("rate category"), on_delete=models.PROTECT)
    area = models.DecimalField(_("area (m² or ha)"), max_digits=14, decimal_places=4, default=0)
    area_low = models.DecimalField(
        _("of which height 1.40–2.20 m (counted 50%)"), max_digits=14, decimal_places=4, default=0
    )
    value = models.DecimalField(_("value (structures)"), max_digits=16, decimal_places=2, default=0)
    land_type = models.CharField(_("land type (arable, meadow, orchard, …)"), max_length=20, blank=True)
    land_class = models.CharField(_("land class (EGiB)"), max_length=5, blank=True)
    reserve = models.BooleanField(_("nature reserve or national park (forest −50%)"), default=False)
    vehicle_mass_kg = models.PositiveIntegerField(_("permissible mass (kg)"), null=True, blank=True)
    vehicle_axles = models.PositiveSmallIntegerField(_("axles"), null=True, blank=True)
    vehicle_air_suspension = models.BooleanField(_("air suspension"), default=False)
    vehicle_seats = models.PositiveSmallIntegerField(_("seats"), null=True, blank=True)
    vehicle_year = models.PositiveSmallIntegerField(_("year of manufacture"), null=True, blank=True)
    exemption = models.ForeignKey(
        ExemptionReason, verbose_name=_("exemption"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    declaration = models.ForeignKey(
        "taxes.Declaration", verbose_name=_("from the declaration"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="object_versions",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object", "valid_from", "id"]
        verbose_name = _("object version")
        verbose_name_plural = _("object versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="object_version_dates"
            ),
            models.CheckConstraint(
                condition=Q(area__gte=0) & Q(area_low__gte=0) & Q(value__gte=0), name="object_version_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.object} {self.valid_from:%m.%Y}–{self.valid_to or ''}"


class Liability(models.Model):
    """Who is liable for an object and from when: owner, co-owner (share), perpetual user, possessor, spouse."""

    class Role(models.TextChoices):
        OWNER = "owner", _("owner")
        CO_OWNER = "co_owner", _("co-owner")
        PERPETUAL_USER = "perpetual", _("perpetual user")
        POSSESSOR = "possessor", _("possessor")
        SPOUSE = "spouse", _("spouse (joint property)")

    object = models.ForeignKey(TaxObject, on_delete=models.PROTECT, related_name="liabilities")
    party = models.ForeignKey("core.Party", verbose_name=_("taxpayer"), on_delete=models.PROTECT, related_name="+")
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    share_numerator = models.PositiveIntegerField(_("share (numerator)"), default=1)
    share_denominator = models.PositiveIntegerField(_("share (denominator)"), default=1)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to (open when empty)"), null=True, blank=True)
    declaration = models.ForeignKey(
        "taxes.Declaration", null=True, blank=True, on_delete=models.PROTECT, related_name="liabilities"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["object", "valid_from", "id"]
        verbose_name = _("liability")
        verbose_name_plural = _("liabilities")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name="liability_dates"
            ),
            models.CheckConstraint(
                condition=Q(share_numerator__gte=1) & Q(share_denominator__gte=F("share_numerator")),
                name="liability_share",
            ),
        ]
        indexes = [models.Index(fields=["party", "valid_from"], name="liability_party")]

    def __str__(self) -> str:
        return f"{self.party} — {self.object} ({self.share_numerator}/{self.share_denominator})"
