"""The waste fee (opłata za gospodarowanie odpadami komunalnymi, ucpg ch. 3a): the GUS income figures the statutory
caps derive from, the council's waste resolutions with their rates and exemptions, the properties and the payers'
declarations (deklaracja o wysokości opłaty), recorded by a clerk or taken from an ePUAP / e-Doręczenia document
registered in EZD. A correction or change never rewrites an accepted declaration: it is a new row linked to the
previous one, which is marked as superseded."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class WasteMethod(models.TextChoices):
    """The methods for residential properties (ucpg art. 6j ust. 1–2)."""

    PER_RESIDENT = "per_resident", _("per resident")
    PER_M3 = "per_m3", _("per m³ of water consumed")
    PER_M2 = "per_m2", _("per m² of dwelling area")
    PER_HOUSEHOLD = "per_household", _("per household")


class WasteIncome(models.Model):
    """The GUS average monthly disposable income per person of a year (obwieszczenie Prezesa GUS, published at the
    end of March of the next year): the statutory caps of the waste rates apply from its publication. ``derived``
    marks a row whose figure or publication date was not read from the obwieszczenie itself."""

    year = models.PositiveIntegerField(_("income year"), unique=True)
    amount = models.DecimalField(
        _("average monthly disposable income per person (zł)"), max_digits=10, decimal_places=2
    )
    applies_from = models.DateField(_("caps apply from (publication of the obwieszczenie)"), unique=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    derived = models.BooleanField(_("derived (not verified in the obwieszczenie)"), default=False)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("GUS disposable income (waste fee caps)")
        verbose_name_plural = _("GUS disposable incomes (waste fee caps)")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="waste_income_positive")]

    def __str__(self) -> str:
        return f"{self.year}: {self.amount}"


class WasteResolution(models.Model):
    """Uchwała rady gminy on the waste fee for a period: the methods allowed for residential properties, the payment
    frequency and due day, the non-selective multiplier, the composting discount. Rates and exemptions are rows."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("monthly")
        QUARTERLY = "quarterly", _("quarterly")

    class DiscountBasis(models.TextChoices):
        PER_PERSON = "per_person", _("per person")
        PER_HOUSEHOLD = "per_household", _("per household")

    number = models.CharField(_("number"), max_length=100)
    adopted_on = models.DateField(_("adopted on"))
    publication = models.CharField(_("publication (Dz. Urz. Woj.)"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    methods = models.JSONField(_("methods for residential properties"), default=list, blank=True)
    payment_frequency = models.CharField(
        _("payment frequency"), max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY
    )
    due_day = models.PositiveSmallIntegerField(_("due day of the month"), default=15)
    quarter_due_month = models.PositiveSmallIntegerField(
        _("month of the quarter the quarterly payment is due in (1–3)"), default=3
    )
    cottage_due_month = models.PositiveSmallIntegerField(_("holiday cottages: month the annual fee is due"), default=6)
    cottage_due_day = models.PositiveSmallIntegerField(_("holiday cottages: day the annual fee is due"), default=15)
    non_selective_multiplier = models.DecimalField(
        _("multiplier for non-selective collection"), max_digits=4, decimal_places=2, default=2
    )
    composting_discount = models.DecimalField(
        _("composting discount (zł per month)"), max_digits=10, decimal_places=2, default=0
    )
    composting_basis = models.CharField(
        _("composting discount per"), max_length=15, choices=DiscountBasis.choices, default=DiscountBasis.PER_PERSON
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-valid_from"]
        verbose_name = _("waste fee resolution")
        verbose_name_plural = _("waste fee resolutions")
        constraints = [
            models.UniqueConstraint(fields=["valid_from"], name="waste_resolution_valid_from_unique"),
            models.CheckConstraint(
                condition=Q(non_selective_multiplier__gte=2, non_selective_multiplier__lte=4),
                name="waste_resolution_multiplier_2_4",
            ),
            models.CheckConstraint(condition=Q(due_day__gte=1, due_day__lte=31), name="waste_resolution_due_day"),
            models.CheckConstraint(
                condition=Q(quarter_due_month__gte=1, quarter_due_month__lte=3), name="waste_resolution_quarter_month"
            ),
            models.CheckConstraint(
                condition=Q(
                    cottage_due_month__gte=1, cottage_due_month__lte=12, cottage_due_day__gte=1, cottage_due_day__lte=31
                ),
                name="waste_resolution_cottage_due",
            ),
            models.CheckConstraint(condition=Q(composting_discount__gte=0), name="waste_resolution_discount"),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="waste_resolution_period",
            ),
        ]
        permissions = [("manage_waste_rates", "Can enter waste fee resolutions and rates")]

    def __str__(self) -> str:
        return f"{self.number} ({self.valid_from:%d.%m.%Y})"


class WasteRate(models.Model):
    """A rate of a waste resolution, in zł: per resident / m³ / m² / household per month, per container of a
    capacity emptied ``frequency`` times a month (the monthly fee of one such container), per holiday cottage per
    year. Refused above the statutory cap (``taxes.services.waste_rates``)."""

    class Kind(models.TextChoices):
        PER_RESIDENT = "per_resident", _("per resident per month")
        PER_M3 = "per_m3", _("per m³ of water per month")
        PER_M2 = "per_m2", _("per m² of dwelling per month")
        PER_HOUSEHOLD = "per_household", _("per household per month")
        CONTAINER = "container", _("per container per month")
        COTTAGE = "cottage", _("per holiday cottage per year")

    resolution = models.ForeignKey(WasteResolution, on_delete=models.CASCADE, related_name="rates")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    capacity_l = models.PositiveIntegerField(_("container capacity (l)"), null=True, blank=True)
    frequency = models.PositiveSmallIntegerField(_("collections per month"), null=True, blank=True)
    rate = models.DecimalField(_("rate (zł)"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["resolution", "kind", "capacity_l", "frequency"]
        verbose_name = _("waste fee rate")
        verbose_name_plural = _("waste fee rates")
        constraints = [
            models.CheckConstraint(condition=Q(rate__gte=0), name="waste_rate_not_negative"),
            models.CheckConstraint(
                condition=(
                    Q(kind="container", capacity_l__gt=0, frequency__gt=0)
                    | (~Q(kind="container") & Q(capacity_l__isnull=True, frequency__isnull=True))
                ),
                name="waste_rate_container_fields",
            ),
            models.UniqueConstraint(
                fields=["resolution", "kind"], condition=~Q(kind="container"), name="waste_rate_unique"
            ),
            models.UniqueConstraint(
                fields=["resolution", "capacity_l", "frequency"],
                condition=Q(kind="container"),
                name="waste_rate_container_unique",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.CONTAINER:
            return f"{self.capacity_l} l × {self.frequency}: {self.rate}"
        return f"{self.kind}: {self.rate}"


class WasteExemption(models.Model):
    """An optional exemption of a resolution (ucpg art. 6k ust. 4, e.g. large families): a percentage of the fee or
    an amount per month per person or per household (``basis``)."""

    resolution = models.ForeignKey(WasteResolution, on_delete=models.CASCADE, related_name="exemptions")
    code = models.CharField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=300)
    percent = models.DecimalField(_("percent of the fee"), max_digits=5, decimal_places=2, null=True, blank=True)
    amount = models.DecimalField(_("amount (zł per month)"), max_digits=10, decimal_places=2, null=True, blank=True)
    basis = models.CharField(
        _("amount per"), max_length=15, choices=WasteResolution.DiscountBasis.choices,
        default=WasteResolution.DiscountBasis.PER_HOUSEHOLD,
    )  # fmt: skip

    class Meta:
        ordering = ["resolution", "code"]
        verbose_name = _("waste fee exemption")
        verbose_name_plural = _("waste fee exemptions")
        constraints = [
            models.UniqueConstraint(fields=["resolution", "code"], name="waste_exemption_unique"),
            models.CheckConstraint(
                condition=(
                    Q(percent__isnull=False, amount__isnull=True, percent__gt=0, percent__lte=100)
                    | Q(percent__isnull=True, amount__isnull=False, amount__gt=0)
                ),
                name="waste_exemption_percent_or_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"


class WasteProperty(models.Model):
    """A property the waste fee is declared for, at a TERYT address."""

    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("residential")
        NON_RESIDENTIAL = "non_residential", _("non-residential")
        MIXED = "mixed", _("mixed (residential and non-residential)")
        COTTAGE = "cottage", _("holiday cottage")

    identifier = models.CharField(_("identifier"), max_length=40, unique=True)
    address = models.ForeignKey("core.Address", verbose_name=_("address"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices, default=Kind.RESIDENTIAL)
    dwelling_m2 = models.DecimalField(_("dwelling area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["identifier"]
        verbose_name = _("waste fee property")
        verbose_name_plural = _("waste fee properties")
        constraints = [
            models.CheckConstraint(
                condition=Q(dwelling_m2__isnull=True) | Q(dwelling_m2__gte=0), name="waste_property_area"
            )
        ]

    def __str__(self) -> str:
        return f"{self.identifier} {self.address}"


class WasteDeclaration(models.Model):
    """Deklaracja o wysokości opłaty (ucpg art. 6m): a first declaration, a change (from the month of the change) or
    a correction. Accepted declarations are never edited; a later one points at its ``previous`` and the earlier one
    gets ``superseded_by``."""

    class Purpose(models.TextChoices):
        FIRST = "first", _("first declaration")
        CHANGE = "change", _("change of data")
        CORRECTION = "correction", _("correction")
        DECISION = "decision", _("determined by a decision (art. 6o)")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received (to review)")
        ACCEPTED = "accepted", _("accepted")
        REJECTED = "rejected", _("rejected by the clerk")

    TRANSITIONS = {
        Status.RECEIVED: {Status.ACCEPTED, Status.REJECTED},
        Status.ACCEPTED: set(),
        Status.REJECTED: {Status.RECEIVED},
    }

    property = models.ForeignKey(
        WasteProperty, verbose_name=_("property"), on_delete=models.PROTECT, related_name="declarations"
    )
    payer = models.ForeignKey("core.Party", verbose_name=_("fee payer"), on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40, blank=True)
    filed_on = models.DateField(_("filed on"))
    effective_from = models.DateField(_("fee from (month)"))
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.FIRST)
    method = models.CharField(_("method"), max_length=15, choices=WasteMethod.choices, blank=True)
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    water_m3 = models.DecimalField(_("water consumed (m³ per month)"), max_digits=10, decimal_places=2, null=True,
                                   blank=True)  # fmt: skip
    dwelling_m2 = models.DecimalField(_("dwelling area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    households = models.PositiveSmallIntegerField(_("households"), null=True, blank=True)
    selective = models.BooleanField(_("waste collected selectively"), default=True)
    composts = models.BooleanField(_("bio-waste composted at home"), default=False)
    exemption_codes = models.JSONField(_("exemptions claimed"), default=list, blank=True)
    containers = models.JSONField(_("containers (capacity l, collections per month, count)"), default=list, blank=True)
    deadline = models.DateField(_("filing deadline"), null=True, blank=True)
    late = models.BooleanField(_("filed late"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    incoming_entry = models.ForeignKey(
        "documents.IncomingEntry", verbose_name=_("entry in the RPW"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey(
        "self", verbose_name=_("previous declaration"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="later_declarations",
    )  # fmt: skip
    superseded_by = models.ForeignKey(
        "self", verbose_name=_("superseded by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(_("form content"), default=dict, blank=True)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    decision_reason = models.TextField(_("why rejected"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-effective_from", "-filed_on", "-id"]
        verbose_name = _("waste fee declaration")
        verbose_name_plural = _("waste fee declarations")
        constraints = [
            models.CheckConstraint(condition=Q(effective_from__day=1), name="waste_declaration_from_first_of_month"),
            models.CheckConstraint(
                condition=Q(water_m3__isnull=True) | Q(water_m3__gte=0), name="waste_declaration_water"
            ),
            models.CheckConstraint(
                condition=Q(dwelling_m2__isnull=True) | Q(dwelling_m2__gte=0), name="waste_declaration_area"
            ),
            models.CheckConstraint(
                condition=Q(previous__isnull=True) | ~Q(previous=models.F("id")), name="waste_declaration_not_own"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or self.pk} {self.property.identifier} {self.effective_from:%m.%Y}"
