"""The party register: every person and organisation the office deals with, kept once."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.domain.text import fold
from core.models.teryt import Locality, Street, TercUnit


class Address(models.Model):
    """A postal address. Polish addresses point at TERYT (gmina, SIMC locality, ULIC street)."""

    country = models.CharField(_("country (ISO code)"), max_length=2, default="PL")
    gmina = models.ForeignKey(TercUnit, verbose_name=_("gmina"), null=True, blank=True, on_delete=models.PROTECT)
    locality = models.ForeignKey(Locality, verbose_name=_("locality"), null=True, blank=True, on_delete=models.PROTECT)
    street = models.ForeignKey(Street, verbose_name=_("street"), null=True, blank=True, on_delete=models.PROTECT)
    locality_name = models.CharField(_("locality name"), max_length=100, blank=True)
    street_name = models.CharField(_("street name"), max_length=150, blank=True)
    building_number = models.CharField(_("building number"), max_length=20, blank=True)
    flat_number = models.CharField(_("flat number"), max_length=20, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=12, blank=True)
    post_town = models.CharField(_("post town"), max_length=100, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("address")
        verbose_name_plural = _("addresses")

    def __str__(self) -> str:
        return self.one_line

    @property
    def one_line(self) -> str:
        street = self.street.full_name if self.street_id else self.street_name
        number = self.building_number + (f"/{self.flat_number}" if self.flat_number else "")
        locality = self.locality.name if self.locality_id else self.locality_name
        first = f"{street} {number}".strip() if street else f"{locality} {number}".strip()
        town = self.post_town or locality
        tail = f"{self.postal_code} {town}".strip()
        # A village with streets and another post town: "ul. Główna 5, Stara Wieś, 05-991 Magistrowo".
        parts = [first, locality, tail] if street and locality and town != locality else [first, tail]
        if self.country != "PL":
            parts.append(self.country)
        return ", ".join(p for p in parts if p)


class Party(models.Model):
    """A natural person or an organisation (legal entity or other organisational unit)."""

    class Kind(models.TextChoices):
        PERSON = "person", _("natural person")
        ORGANISATION = "organisation", _("organisation")

    class Sex(models.TextChoices):
        FEMALE = "F", _("female")
        MALE = "M", _("male")

    class Status(models.TextChoices):
        ACTIVE = "active", _("active")
        PENDING_REVIEW = "pending_review", _("pending review")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    # Natural persons
    pesel = models.CharField(_("PESEL"), max_length=11, null=True, blank=True)
    first_names = models.CharField(_("first names"), max_length=150, blank=True)
    surname = models.CharField(_("surname"), max_length=150, blank=True, db_index=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    # Organisations
    name = models.CharField(_("name"), max_length=300, blank=True, db_index=True)
    legal_form = models.CharField(_("legal form"), max_length=100, blank=True)
    regon = models.CharField(_("REGON"), max_length=14, blank=True, db_index=True)
    krs = models.CharField(_("KRS"), max_length=10, blank=True)
    # Both: a person running a business has a NIP too
    nip = models.CharField(_("NIP"), max_length=10, null=True, blank=True)
    # Contact
    registered_address = models.ForeignKey(
        Address,
        verbose_name=_("address (residence or seat)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    correspondence_address = models.ForeignKey(
        Address,
        verbose_name=_("correspondence address"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    epuap_box = models.CharField(_("ePUAP box address"), max_length=200, blank=True)
    ade_address = models.CharField(_("e-Delivery address (ADE)"), max_length=64, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    email_consent = models.BooleanField(_("consent to contact by e-mail"), default=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    phone_consent = models.BooleanField(_("consent to contact by phone/SMS"), default=False)
    search_text = models.CharField(max_length=600, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at", "search_text"])

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["surname", "first_names", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["pesel"], condition=Q(pesel__isnull=False), name="party_unique_pesel"),
            models.UniqueConstraint(fields=["nip"], condition=Q(nip__isnull=False), name="party_unique_nip"),
            models.CheckConstraint(
                condition=Q(kind="organisation", pesel__isnull=True) | Q(kind="person"),
                name="party_pesel_only_for_persons",
            ),
            models.CheckConstraint(
                condition=Q(kind="person", surname__gt="") | Q(kind="organisation", name__gt=""),
                name="party_has_name",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        # A derived column kept with the row (bulk_create callers call refresh_search_text themselves).
        self.refresh_search_text()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_text"}
        super().save(*args, **kwargs)

    def refresh_search_text(self) -> None:
        self.search_text = fold(" ".join(p for p in (self.surname, self.first_names, self.name) if p))[:600]

    @property
    def display_name(self) -> str:
        if self.kind == self.Kind.PERSON:
            return f"{self.first_names} {self.surname}".strip()
        return self.name

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON
