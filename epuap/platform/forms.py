"""The forms a test resident can send from the simulated ePUAP, and the CRD documents built from them.

Pismo ogólne uses the CRD wzór 2017/10/24/4566 (``epuap.crd.build_pismo_ogolne``). IN-1, DO-1 and the certificate
request use the office's local form namespaces (``epuap.crd.NS_IN1`` / ``NS_DO1`` / ``NS_ZAS``): the same document
header (sender, addressee, dates) with the form's own fields in ``TrescDokumentu/DaneFormularza`` — a few
representative fields, not the full official forms.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from lxml import etree

from epuap import crd
from epuap.xmlsafe import parse as safe_parse

DEFAULT_PLACE = "Magistrowo"


class ResidentForm(forms.Form):
    """A form sent to the office; subclasses say which CRD form they are and which fields go into the XML."""

    slug = ""
    form_namespace = ""
    label = ""
    description = ""

    place = forms.CharField(label=_("Place"), max_length=100, initial=DEFAULT_PLACE)

    def document_title(self) -> str:
        return crd.KNOWN_FORMS[self.form_namespace]

    def form_fields(self) -> list[tuple[str, str]]:
        """(element name, value) of the form's own data, in document order."""
        raise NotImplementedError

    def build_document(self, *, sender: crd.Party, recipient_name: str, created: datetime.date | None = None) -> bytes:
        """The unsigned CRD document (UTF-8 XML) with the cleaned data."""
        doc = crd.CrdDocument(
            form_namespace=self.form_namespace,
            title=self.document_title(),
            sender=sender,
            recipient_name=recipient_name,
            place=self.cleaned_data["place"],
            created=created or timezone.localdate(),
        )
        base = crd.build_pismo_ogolne(doc)
        root = safe_parse(base)
        ns = self.form_namespace
        tresc = root.find(f"{{{ns}}}TrescDokumentu")
        for child in list(tresc):
            if etree.QName(child).localname not in ("MiejscowoscDokumentu", "Tytul"):
                tresc.remove(child)
        dane = etree.SubElement(tresc, f"{{{ns}}}DaneFormularza")
        for name, value in self.form_fields():
            etree.SubElement(dane, f"{{{ns}}}{name}").text = value
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class PismoOgolneForm(ResidentForm):
    slug = "pismo-ogolne"
    form_namespace = crd.NS_WNIO_4566
    label = _("General letter to a public body")
    description = _("Any matter: a request, a question, a complaint.")

    title = forms.CharField(label=_("Title"), max_length=200)
    text = forms.CharField(label=_("Content"), max_length=5000, widget=forms.Textarea(attrs={"rows": 8}))

    def document_title(self) -> str:
        return self.cleaned_data["title"]

    def form_fields(self) -> list[tuple[str, str]]:
        return []

    def build_document(self, *, sender: crd.Party, recipient_name: str, created: datetime.date | None = None) -> bytes:
        paragraphs = [p.strip() for p in self.cleaned_data["text"].split("\n\n") if p.strip()]
        doc = crd.CrdDocument(
            form_namespace=self.form_namespace,
            title=self.cleaned_data["title"],
            kind="wniosek",
            text_paragraphs=paragraphs,
            sender=sender,
            recipient_name=recipient_name,
            place=self.cleaned_data["place"],
            created=created or timezone.localdate(),
        )
        return crd.build_pismo_ogolne(doc)


def _area(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, max_digits=12, decimal_places=2, min_value=Decimal("0"), initial=Decimal("0"), required=True
    )


class In1Form(ResidentForm):
    slug = "in-1"
    form_namespace = crd.NS_IN1
    label = _("Information on real estate and buildings (IN-1)")
    description = _("Real estate tax: land and buildings owned by a natural person.")

    tax_year = forms.IntegerField(label=_("Tax year"), min_value=2000, max_value=2100)
    location = forms.CharField(label=_("Location of the real estate"), max_length=200)
    parcel = forms.CharField(label=_("Parcel number"), max_length=50, required=False)
    land_area = _area(_("Land area (m²)"))
    residential_area = _area(_("Usable area of residential buildings (m²)"))
    other_building_area = _area(_("Usable area of other buildings (m²)"))

    def clean_tax_year(self):
        year = self.cleaned_data["tax_year"]
        if year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("The tax year cannot be later than next year."))
        return year

    def clean(self):
        data = super().clean()
        areas = [data.get(name) for name in ("land_area", "residential_area", "other_building_area")]
        if all(a is not None for a in areas) and not any(areas):
            raise forms.ValidationError(_("Give the area of the land or of at least one building."))
        return data

    def build_document(self, *, sender: crd.Party, recipient_name: str, created: datetime.date | None = None) -> bytes:
        """The summary fields and, in ``DaneFormularza``, the same data as the taxes IN-1 (the layout of
        docs/integrations/tax-forms.md, ``epuap.crd.taxes_in1``) that the office's "from ePUAP" reads."""
        root = safe_parse(super().build_document(sender=sender, recipient_name=recipient_name, created=created))
        ns = self.form_namespace
        root.find(f"{{{ns}}}TrescDokumentu/{{{ns}}}DaneFormularza").append(self.taxes_in1(sender))
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

    def taxes_in1(self, sender: crd.Party):
        d = self.cleaned_data
        rows = [("Grunt", "land_other", d["land_area"]), ("Budynek", "building_residential", d["residential_area"]),
                ("Budynek", "building_other", d["other_building_area"])]  # fmt: skip
        objects = [(element, d["location"], d["parcel"], category, f"{area:.2f}") for element, category, area in rows
                   if area]  # fmt: skip
        return crd.taxes_in1(year=d["tax_year"], sender=sender, objects=objects)

    def form_fields(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [
            ("RokPodatkowy", str(d["tax_year"])),
            ("PolozenieNieruchomosci", d["location"]),
            ("NumerDzialki", d["parcel"]),
            ("PowierzchniaGruntu", f"{d['land_area']:.2f}"),
            ("PowierzchniaBudynkowMieszkalnych", f"{d['residential_area']:.2f}"),
            ("PowierzchniaBudynkowPozostalych", f"{d['other_building_area']:.2f}"),
        ]


class Do1Form(ResidentForm):
    slug = "do-1"
    form_namespace = crd.NS_DO1
    label = _("Declaration of the municipal waste fee (DO-1)")
    description = _("The number of residents of a property and how the waste is collected.")

    KIND_CHOICES = [
        ("pierwsza", _("first declaration")),
        ("zmiana", _("change of the declaration")),
    ]
    METHOD_CHOICES = [
        ("selektywny", _("separate collection")),
        ("selektywny-kompostownik", _("separate collection, bio-waste composted in a home composter")),
    ]

    declaration_kind = forms.ChoiceField(label=_("Kind of declaration"), choices=KIND_CHOICES)
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    address = forms.CharField(label=_("Address of the property"), max_length=200)
    residents = forms.IntegerField(label=_("Number of residents"), min_value=1, max_value=99)
    method = forms.ChoiceField(label=_("Method of waste collection"), choices=METHOD_CHOICES)

    def form_fields(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [
            ("RodzajDeklaracji", d["declaration_kind"]),
            ("DataObowiazywania", d["effective_from"].isoformat()),
            ("AdresNieruchomosci", d["address"]),
            ("LiczbaMieszkancow", str(d["residents"])),
            ("SposobZbieraniaOdpadow", d["method"]),
        ]


class ZasForm(ResidentForm):
    slug = "zaswiadczenie"
    form_namespace = crd.NS_ZAS
    label = _("Request for a registration certificate")
    description = _("A certificate of permanent or temporary registration of stay.")

    KIND_CHOICES = [
        ("zameldowanie-stale", _("registration for permanent stay")),
        ("zameldowanie-czasowe", _("registration for temporary stay")),
    ]

    certificate_kind = forms.ChoiceField(label=_("Certificate"), choices=KIND_CHOICES)
    purpose = forms.CharField(label=_("Purpose"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    copies = forms.IntegerField(label=_("Number of copies"), min_value=1, max_value=5, initial=1)

    def form_fields(self) -> list[tuple[str, str]]:
        d = self.cleaned_data
        return [
            ("RodzajZaswiadczenia", d["certificate_kind"]),
            ("CelWydania", d["purpose"]),
            ("LiczbaEgzemplarzy", str(d["copies"])),
        ]


FORMS: dict[str, type[ResidentForm]] = {f.slug: f for f in (PismoOgolneForm, In1Form, Do1Form, ZasForm)}


class IdentityChoiceForm(forms.Form):
    identifier = forms.CharField(max_length=100)
