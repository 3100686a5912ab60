"""Reference data of local taxes, dated per tax year and extendable by an administrator: the statutory maximum
rates (górne granice stawek), the gmina council's resolutions (uchwały) with their rates — never above the maximum —,
the rye and wood prices, the hectare przeliczeniowy multipliers and the per-year settings of the assessment
(conventions the law leaves open)."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tax(models.TextChoices):
    PROPERTY = "property", _("property tax")
    AGRICULTURAL = "agricultural", _("agricultural tax")
    FOREST = "forest", _("forest tax")
    TRANSPORT = "transport", _("transport tax")


class RateCategory(models.Model):
    """A rate line of a tax (e.g. ``land_business`` per m², ``building_residential`` per m², ``structure`` % of
    value, ``truck_3_5_5_5`` per vehicle). The unit says what the base is."""

    class Unit(models.TextChoices):
        M2 = "m2", _("per m²")
        HA = "ha", _("per ha")
        PERCENT = "percent", _("percent of value")
        VEHICLE = "vehicle", _("per vehicle")
        HA_CONVERTED = "ha_conv", _("per hectare przeliczeniowy")

    code = models.CharField(_("code"), max_length=40, unique=True)
    tax = models.CharField(_("tax"), max_length=15, choices=Tax.choices)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["tax", "order", "code"]
        verbose_name = _("rate category")
        verbose_name_plural = _("rate categories")

    def __str__(self) -> str:
        return self.name


class MaxRate(models.Model):
    """The statutory maximum (and, for heavy vehicles, minimum) of a rate in a tax year (obwieszczenie MF)."""

    year = models.PositiveIntegerField(_("year"))
    category = models.ForeignKey(RateCategory, on_delete=models.PROTECT, related_name="max_rates")
    maximum = models.DecimalField(_("maximum"), max_digits=12, decimal_places=4)
    minimum = models.DecimalField(_("minimum"), max_digits=12, decimal_places=4, default=Decimal("0"))
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["year", "category"]
        verbose_name = _("maximum rate")
        verbose_name_plural = _("maximum rates")
        constraints = [models.UniqueConstraint(fields=["year", "category"], name="max_rate_unique")]

    def __str__(self) -> str:
        return f"{self.year} {self.category.code}: {self.maximum}"


class Resolution(models.Model):
    """Uchwała rady gminy setting the rates of one tax for a year."""

    year = models.PositiveIntegerField(_("year"))
    tax = models.CharField(_("tax"), max_length=15, choices=Tax.choices)
    number = models.CharField(_("number"), max_length=100)
    adopted_on = models.DateField(_("adopted on"))
    publication = models.CharField(_("publication (Dz. Urz. Woj.)"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "tax"]
        verbose_name = _("resolution")
        verbose_name_plural = _("resolutions")
        constraints = [models.UniqueConstraint(fields=["year", "tax"], name="resolution_one_per_tax_year")]
        permissions = [("manage_rates", "Can enter resolutions and rates")]

    def __str__(self) -> str:
        return f"{self.number} ({self.year})"


class Rate(models.Model):
    """A rate of a resolution — refused above the year's maximum (``taxes.services.rates``)."""

    resolution = models.ForeignKey(Resolution, on_delete=models.CASCADE, related_name="rates")
    category = models.ForeignKey(RateCategory, on_delete=models.PROTECT, related_name="rates")
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4)

    class Meta:
        ordering = ["resolution", "category"]
        verbose_name = _("rate")
        verbose_name_plural = _("rates")
        constraints = [
            models.UniqueConstraint(fields=["resolution", "category"], name="rate_unique"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.category.code}: {self.rate}"


class CommodityPrice(models.Model):
    """The rye price (agricultural tax, zł/dt; the council may lower it) and the wood price (forest tax, zł/m³)."""

    class Kind(models.TextChoices):
        RYE = "rye", _("rye price (zł/dt)")
        WOOD = "wood", _("wood price (zł/m³)")

    kind = models.CharField(_("kind"), max_length=5, choices=Kind.choices)
    year = models.PositiveIntegerField(_("year"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "year"]
        verbose_name = _("price for the tax")
        verbose_name_plural = _("prices for the taxes")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="commodity_price_unique")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.price}"


class HectareMultiplier(models.Model):
    """Przelicznik (upr art. 4 ust. 5): land type × EGiB class × tax district → hectares przeliczeniowe per ha."""

    land_type = models.CharField(_("land type"), max_length=20)  # arable, meadow (łąki i pastwiska)
    land_class = models.CharField(_("class"), max_length=5)  # I, II, IIIa, III, IIIb, IVa, IV, IVb, V, VI
    district = models.PositiveSmallIntegerField(_("tax district"))  # 1–4
    multiplier = models.DecimalField(_("multiplier"), max_digits=5, decimal_places=2)
    valid_from = models.DateField(_("valid from"))

    class Meta:
        ordering = ["land_type", "land_class", "district"]
        verbose_name = _("hectare multiplier")
        verbose_name_plural = _("hectare multipliers")
        constraints = [
            models.UniqueConstraint(
                fields=["land_type", "land_class", "district", "valid_from"], name="hectare_multiplier_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.land_type} {self.land_class} / {self.district}: {self.multiplier}"


class YearSettings(models.Model):
    """The gmina's conventions for a tax year where the law is silent (domain reference §1.6, §2.3, §4)."""

    class InstallmentRounding(models.TextChoices):
        GROSZE = "grosze", _("grosze allowed (equal installments)")
        ZLOTY_FIRST = "zloty_first", _("whole złoty, the remainder in the first installment")

    class Proration(models.TextChoices):
        ITEMS = "items", _("prorate the unrounded items, round once")
        ROUNDED = "rounded", _("prorate the rounded annual tax")

    year = models.PositiveIntegerField(_("year"), unique=True)
    tax_district = models.PositiveSmallIntegerField(_("agricultural tax district (I–IV)"), default=2)
    installment_rounding = models.CharField(
        _("installments"), max_length=12, choices=InstallmentRounding.choices, default=InstallmentRounding.GROSZE
    )
    proration = models.CharField(_("part of a year"), max_length=8, choices=Proration.choices, default=Proration.ITEMS)
    joint_round_each_tax = models.BooleanField(_("joint decision: round each tax separately"), default=True)
    single_payment_threshold = models.DecimalField(
        _("paid at once up to (zł)"), max_digits=8, decimal_places=2, default=Decimal("100.00")
    )
    no_decision_threshold = models.DecimalField(
        _("no decision up to (zł; registered letter with return receipt)"), max_digits=8, decimal_places=2,
        default=Decimal("6.10"),
    )  # fmt: skip
    anomaly_percent = models.DecimalField(_("flag changes above (%)"), max_digits=6, decimal_places=2, default=20)
    anomaly_amount = models.DecimalField(_("flag changes above (zł)"), max_digits=10, decimal_places=2, default=500)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("tax year settings")
        verbose_name_plural = _("tax year settings")

    def __str__(self) -> str:
        return str(self.year)
