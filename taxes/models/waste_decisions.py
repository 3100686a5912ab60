"""Decisions determining the waste fee (decyzja określająca wysokość opłaty, ucpg art. 6o): when a property has no
declaration, or the clerk has justified doubts about it (typically a verification finding), the wójt / burmistrz
determines the fee from the evidence (residents registered, water consumed, containers contracted) or a justified
estimate. The decision goes through EZD like a tax decision (an outgoing document in the case, signed, dispatched,
its receipt recorded). On delivery it enters the fee register as a ``WasteDeclaration`` of purpose ``decision``
(``basis``), so that the charge run, the corrections and the verification treat it like an accepted declaration;
it applies until a later declaration reports a change of data (art. 6o ust. 2)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from taxes.models.waste import WasteDeclaration, WasteMethod, WasteProperty
from taxes.models.waste_verify import VerificationFinding


class WasteDecision(models.Model):
    """One decision under art. 6o for a property and its payer, from ``effective_from`` (the 1st of a month). The
    data fields have the names of ``WasteDeclaration``'s, so that ``taxes.selectors_waste.declared_of`` reads both."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued (handed over to EZD)")
        DELIVERED = "delivered", _("delivered")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.ISSUED, Status.CANCELLED},
        Status.ISSUED: {Status.DELIVERED},
        Status.DELIVERED: set(),
        Status.CANCELLED: set(),
    }

    number = models.CharField(_("number"), max_length=40, unique=True)
    property = models.ForeignKey(
        WasteProperty, verbose_name=_("property"), on_delete=models.PROTECT, related_name="decisions"
    )
    payer = models.ForeignKey("core.Party", verbose_name=_("fee payer"), on_delete=models.PROTECT, related_name="+")
    finding = models.ForeignKey(
        VerificationFinding, verbose_name=_("verification finding"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decisions",
    )  # fmt: skip
    declaration = models.ForeignKey(
        WasteDeclaration, verbose_name=_("declaration in doubt"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="doubting_decisions",
    )  # fmt: skip
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    effective_from = models.DateField(_("fee from (month)"))
    method = models.CharField(_("method"), max_length=15, choices=WasteMethod.choices, blank=True)
    residents = models.PositiveIntegerField(_("residents"), null=True, blank=True)
    water_m3 = models.DecimalField(_("water consumed (m³ per month)"), max_digits=10, decimal_places=2, null=True,
                                   blank=True)  # fmt: skip
    dwelling_m2 = models.DecimalField(_("dwelling area (m²)"), max_digits=10, decimal_places=2, null=True, blank=True)
    households = models.PositiveSmallIntegerField(_("households"), null=True, blank=True)
    selective = models.BooleanField(_("waste collected selectively"), default=True)
    composts = models.BooleanField(_("bio-waste composted at home"), default=False)
    exemption_codes = models.JSONField(_("exemptions"), default=list, blank=True)
    containers = models.JSONField(_("containers (capacity l, collections per month, count)"), default=list, blank=True)
    estimated = models.BooleanField(_("determined by a justified estimate"), default=False)
    justification = models.TextField(_("justification (evidence or estimate)"))
    monthly_fee = models.DecimalField(_("monthly fee (zł)"), max_digits=12, decimal_places=2)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    document = models.OneToOneField(
        "documents.OutgoingDocument", verbose_name=_("outgoing document"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    basis = models.OneToOneField(
        WasteDeclaration, verbose_name=_("entry in the fee register"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="decision",
    )  # fmt: skip
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("waste fee decision (art. 6o)")
        verbose_name_plural = _("waste fee decisions (art. 6o)")
        constraints = [
            models.CheckConstraint(condition=Q(effective_from__day=1), name="waste_decision_from_first_of_month"),
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="waste_decision_fee"),
            models.CheckConstraint(
                condition=Q(water_m3__isnull=True) | Q(water_m3__gte=0), name="waste_decision_water"
            ),
            models.CheckConstraint(
                condition=Q(dwelling_m2__isnull=True) | Q(dwelling_m2__gte=0), name="waste_decision_area"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_on__isnull=False, basis__isnull=False),
                name="waste_decision_delivered_has_basis",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.property.identifier} {self.effective_from:%m.%Y}"
