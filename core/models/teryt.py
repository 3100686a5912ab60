"""TERYT (GUS) registers: TERC (territorial units), SIMC (localities), ULIC (streets)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TercUnit(models.Model):
    """A TERC unit: voivodeship (code WW), powiat (WWPP) or gmina (WWPPGGR)."""

    class Level(models.TextChoices):
        VOIVODESHIP = "voivodeship", _("voivodeship")
        POWIAT = "powiat", _("powiat")
        GMINA = "gmina", _("gmina")

    class GminaKind(models.TextChoices):
        URBAN = "1", _("urban gmina")
        RURAL = "2", _("rural gmina")
        URBAN_RURAL = "3", _("urban-rural gmina")
        TOWN_IN_URBAN_RURAL = "4", _("town in an urban-rural gmina")
        RURAL_AREA_IN_URBAN_RURAL = "5", _("rural area of an urban-rural gmina")
        WARSAW_DISTRICT = "8", _("district of Warsaw")
        DELEGATION = "9", _("delegation")

    code = models.CharField(_("TERC code"), max_length=7, unique=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    kind = models.CharField(_("kind of gmina"), max_length=1, choices=GminaKind.choices, blank=True)
    name = models.CharField(_("name"), max_length=100)
    extra_name = models.CharField(_("additional name"), max_length=100, blank=True)
    state_date = models.DateField(_("state as of"))

    class Meta:
        ordering = ["code"]
        verbose_name = _("TERC unit")
        verbose_name_plural = _("TERC units")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Locality(models.Model):
    """A SIMC locality (miejscowość) with its 7-digit identifier SYM."""

    sym = models.CharField(_("SIMC identifier"), max_length=7, unique=True)
    name = models.CharField(_("name"), max_length=100, db_index=True)
    kind = models.CharField(_("kind (RM)"), max_length=2)
    has_customary_name = models.BooleanField(_("customary name (MZ)"), default=True)
    gmina = models.ForeignKey(TercUnit, verbose_name=_("gmina"), on_delete=models.PROTECT, related_name="localities")
    parent = models.ForeignKey(
        "self", verbose_name=_("parent locality"), null=True, blank=True, on_delete=models.PROTECT, related_name="parts"
    )
    state_date = models.DateField(_("state as of"))

    class Meta:
        ordering = ["name", "sym"]
        verbose_name = _("locality")
        verbose_name_plural = _("localities")

    def __str__(self) -> str:
        return self.name


class Street(models.Model):
    """A ULIC street of a locality; SYM_UL is unique within the locality."""

    locality = models.ForeignKey(Locality, verbose_name=_("locality"), on_delete=models.PROTECT, related_name="streets")
    sym_ul = models.CharField(_("ULIC identifier"), max_length=5)
    feature = models.CharField(_("feature (CECHA)"), max_length=10)
    name_1 = models.CharField(_("main name"), max_length=100)
    name_2 = models.CharField(_("name prefix"), max_length=100, blank=True)
    state_date = models.DateField(_("state as of"))

    class Meta:
        ordering = ["name_1", "name_2"]
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        constraints = [models.UniqueConstraint(fields=["locality", "sym_ul"], name="street_unique_per_locality")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        """CECHA + NAZWA_2 + NAZWA_1, e.g. 'ul. Jana Pawła II' or 'pl. Wolności'."""
        return " ".join(part for part in (self.feature, self.name_2, self.name_1) if part)
