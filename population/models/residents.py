"""Residents and their registrations of stay (zameldowanie)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Resident(models.Model):
    """A natural person of the party register kept in the residents register (local mirror of PESEL)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        DECEASED = "deceased", _("deceased")
        EMIGRATED = "emigrated", _("emigrated")

    party = models.OneToOneField(
        "core.Party", verbose_name=_("person"), on_delete=models.PROTECT, related_name="resident"
    )
    citizenship = models.CharField(
        _("citizenship (ISO country code)"),
        max_length=2,
        default="PL",
        db_index=True,
        help_text=_("PL for Polish citizens; XX for stateless persons."),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_date = models.DateField(_("status since"), null=True, blank=True)
    family_name = models.CharField(_("family (maiden) name"), max_length=150, blank=True)
    father_name = models.CharField(_("father's first name"), max_length=100, blank=True)
    mother_name = models.CharField(_("mother's first name"), max_length=100, blank=True)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        permissions = [
            ("view_statistics", _("Can view population statistics")),
            ("import_central", _("Can import exports of the central PESEL register")),
            ("apply_reconciliation", _("Can apply a reconciliation with the central register")),
        ]

    def __str__(self) -> str:
        return str(self.party)

    @property
    def is_foreigner(self) -> bool:
        return self.citizenship != "PL"


class Registration(models.Model):
    """One registration of stay. It is in force on day d when start_date <= d < end_date.

    ``end_date`` is the day the registration ended (de-registration, a new permanent registration, the end
    of a temporary stay, death, emigration): from that day the person is no longer registered there.
    """

    class Kind(models.TextChoices):
        PERMANENT = "permanent", _("permanent stay")
        TEMPORARY = "temporary", _("temporary stay")

    class Form(models.TextChoices):
        PAPER = "paper", _("paper form at the office")
        ELECTRONIC = "electronic", _("electronic form (gov.pl)")
        DECISION = "decision", _("administrative decision")
        CENTRAL = "central", _("from the central PESEL register")

    class EndReason(models.TextChoices):
        REPLACED = "replaced", _("replaced by a new registration")
        DEREGISTERED = "deregistered", _("de-registration")
        EXPIRED = "expired", _("end of the temporary stay")
        DEATH = "death", _("death")
        EMIGRATION = "emigration", _("departure abroad")
        DECISION = "decision", _("de-registration by decision")

    resident = models.ForeignKey(
        Resident, verbose_name=_("resident"), on_delete=models.PROTECT, related_name="registrations"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    address = models.ForeignKey("core.Address", verbose_name=_("address"), on_delete=models.PROTECT, related_name="+")
    # Copied from the address for counting residents at an address (indexed).
    locality = models.ForeignKey("core.Locality", on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey("core.Street", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    building_number = models.CharField(max_length=20)
    flat_number = models.CharField(max_length=20, blank=True)
    start_date = models.DateField(_("registered from"))
    planned_end_date = models.DateField(_("planned end of stay"), null=True, blank=True)
    end_date = models.DateField(_("ended on"), null=True, blank=True)
    end_reason = models.CharField(_("reason for the end"), max_length=14, choices=EndReason.choices, blank=True)
    form = models.CharField(_("form / basis"), max_length=12, choices=Form.choices, default=Form.PAPER)
    legal_basis = models.CharField(_("legal basis"), max_length=300, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "-pk"]
        verbose_name = _("registration of stay")
        verbose_name_plural = _("registrations of stay")
        indexes = [
            models.Index(fields=["locality", "street", "building_number"], name="registration_address_idx"),
            models.Index(fields=["start_date", "end_date"], name="registration_dates_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(kind="permanent", end_date__isnull=True),
                name="registration_one_open_permanent",
            ),
            models.UniqueConstraint(
                fields=["resident"],
                condition=Q(kind="temporary", end_date__isnull=True),
                name="registration_one_open_temporary",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="registration_end_not_before_start",
            ),
            models.CheckConstraint(
                condition=Q(kind="permanent") | Q(planned_end_date__isnull=False),
                name="registration_temporary_has_planned_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start_date:%d.%m.%Y} {self.address}"

    def in_force_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)
