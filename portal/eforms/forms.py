"""The portal's e-forms as server-side validated Django forms. The resident's identity (name, PESEL) is never a
field: it comes from the logged-in resident's party (:func:`portal.eforms.sending.sender_of`)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from fractions import Fraction

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from epuap import crd
from portal.eforms import documents as D

MAX_OBJECTS = 10
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
#: the type of an attachment is decided by its first bytes (never by its name or the browser's content type)
MAGIC = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
)
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def attachments_total_limit() -> int:
    """The most the attachments may weigh together: base64 (4/3) must fit the platform's document limit with room
    for the letter itself."""
    return min(MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES, (settings.EPUAP_MAX_DOCUMENT_BYTES - 64 * 1024) * 3 // 4)


def sniff(head: bytes) -> str | None:
    """The MIME type of a PDF, JPEG or PNG by its magic bytes; None for anything else."""
    for magic, mime, _ext in MAGIC:
        if head.startswith(magic):
            return mime
    return None


# --- IN-1 -------------------------------------------------------------------------------------------------------

PURPOSE_CHOICES = [
    ("pierwsza", _("first information (new obligation)")),
    ("zmiana", _("change (an event during the year)")),
    ("korekta", _("correction of the information filed earlier")),
]
ROLE_CHOICES = [
    ("wlasciciel", _("owner")),
    ("wspolwlasciciel", _("co-owner")),
    ("uzytkownik_wieczysty", _("perpetual usufructuary")),
    ("posiadacz", _("possessor")),
]
KIND_CHOICES = [("land", _("land")), ("building", _("building or premises"))]
#: rate categories of the property tax a natural person declares on the IN-1 (taxes/data/rate_categories.csv)
LAND_CATEGORIES = [
    ("land_other", _("land: other (e.g. residential)")),
    ("land_business", _("land: related to a business")),
]
BUILDING_CATEGORIES = [
    ("building_residential", _("building: residential")),
    ("building_business", _("building: related to a business")),
    ("building_health", _("building: health care services")),
    ("building_other", _("building: other (e.g. garage, outbuilding)")),
]
CATEGORY_KIND = {code: "land" for code, _label in LAND_CATEGORIES} | {
    code: "building" for code, _label in BUILDING_CATEGORIES
}


class In1Form(forms.Form):
    year = forms.IntegerField(label=_("Tax year"), min_value=2000, max_value=2100)
    purpose = forms.ChoiceField(label=_("Purpose of the information"), choices=PURPOSE_CHOICES)
    event_date = forms.DateField(
        label=_("Date of the event (acquisition, sale, completion of a building)"), required=False, widget=_DATE,
        help_text=_("Required for a change; the obligation arises on the first day of the following month."),
    )  # fmt: skip
    role = forms.ChoiceField(label=_("Your legal title"), choices=ROLE_CHOICES)
    share = forms.CharField(
        label=_("Your share"), max_length=13, initial="1/1", help_text=_("A fraction, e.g. 1/1 or 1/2.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("year", timezone.localdate().year)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("The tax year cannot be later than next year."))
        return year

    def clean_share(self):
        text = "".join(self.cleaned_data["share"].split())
        try:
            numerator, denominator = (int(part) for part in text.split("/"))
            share = Fraction(numerator, denominator)
        except (ValueError, ZeroDivisionError):
            raise forms.ValidationError(_("Give the share as a fraction, e.g. 1/2.")) from None
        if not (0 < share <= 1) or numerator > 999999 or denominator > 999999:
            raise forms.ValidationError(_("The share must be a fraction greater than 0 and at most 1."))
        return f"{numerator}/{denominator}"

    def clean(self):
        data = super().clean()
        if data.get("purpose") == "zmiana" and not data.get("event_date"):
            self.add_error("event_date", _("Give the date of the event for a change."))
        event = data.get("event_date")
        if event is not None and event > timezone.localdate() + datetime.timedelta(days=366):
            self.add_error("event_date", _("The date of the event is too far in the future."))
        if data.get("role") == "wlasciciel" and data.get("share") not in (None, "1/1"):
            self.add_error("role", _("A sole owner has the share 1/1; choose co-owner for a smaller share."))
        return data


class In1ObjectForm(forms.Form):
    kind = forms.ChoiceField(label=_("Object"), choices=[("", "—"), *KIND_CHOICES], required=False)
    precinct = forms.CharField(label=_("Precinct (obręb)"), max_length=100, required=False)
    parcel = forms.CharField(label=_("Parcel number"), max_length=50, required=False)
    identifier = forms.CharField(label=_("Building identifier (optional)"), max_length=100, required=False)
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *LAND_CATEGORIES, *BUILDING_CATEGORIES], required=False
    )
    area = forms.DecimalField(
        label=_("Area (m²)"), max_digits=12, decimal_places=2, min_value=Decimal("0.01"), required=False,
        help_text=_("Land: the area of the parcel; building: the usable area."),
    )  # fmt: skip
    area_low = forms.DecimalField(
        label=_("of which of height 1.40–2.20 m (m²)"), max_digits=12, decimal_places=2, min_value=Decimal("0"),
        required=False,
    )  # fmt: skip

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) not in (None, "") for name in self.fields)

    def clean(self):
        data = super().clean()
        if self.is_blank():
            return data
        kind = data.get("kind")
        if not kind:
            self.add_error("kind", _("Choose land or building."))
        for name, message in (
            ("precinct", _("Give the precinct (obręb).")),
            ("parcel", _("Give the parcel number.")),
            ("category", _("Choose the category.")),
            ("area", _("Give the area.")),
        ):
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, message)
        category = data.get("category")
        if kind and category and CATEGORY_KIND.get(category) != kind:
            self.add_error("category", _("This category does not fit the chosen object."))
        area, low = data.get("area"), data.get("area_low")
        if kind == "land" and low:
            self.add_error("area_low", _("Land has no area by height; leave this empty."))
        elif area is not None and low is not None and low > area:
            self.add_error("area_low", _("This part cannot exceed the usable area."))
        return data

    def as_object(self) -> D.In1Object:
        d = self.cleaned_data
        return D.In1Object(
            kind=d["kind"], precinct=d["precinct"].strip(), parcel=d["parcel"].strip(), category=d["category"],
            area=d["area"], identifier=d["identifier"].strip(), area_low=d.get("area_low") or None,
        )  # fmt: skip


class BaseObjectFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        if not [form for form in self.forms if not form.is_blank()]:
            raise forms.ValidationError(_("Declare at least one object (land or building)."))

    def objects(self) -> list[D.In1Object]:
        return [form.as_object() for form in self.forms if not form.is_blank()]


In1ObjectFormSet = forms.formset_factory(
    In1ObjectForm, formset=BaseObjectFormSet, extra=3, max_num=MAX_OBJECTS, validate_max=True, absolute_max=MAX_OBJECTS
)


def in1_data(form: In1Form, objects: BaseObjectFormSet) -> D.In1Data:
    d = form.cleaned_data
    return D.In1Data(
        year=d["year"], purpose=d["purpose"], event_date=d.get("event_date"), role=d["role"], share=d["share"],
        objects=objects.objects(),
    )  # fmt: skip


# --- DO-1 -------------------------------------------------------------------------------------------------------

METHOD_CHOICES = [
    ("od_mieszkanca", _("per resident")),
    ("od_wody", _("per m³ of water used")),
    ("od_powierzchni", _("per m² of the dwelling")),
    ("od_gospodarstwa", _("per household")),
]
#: the method → the quantity field it needs
METHOD_QUANTITY = {
    "od_mieszkanca": "residents",
    "od_wody": "water_m3",
    "od_powierzchni": "dwelling_m2",
    "od_gospodarstwa": "households",
}


class Do1Form(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose of the declaration"), choices=PURPOSE_CHOICES)
    event_date = forms.DateField(
        label=_("Date of the event"), widget=_DATE,
        help_text=_("The day people moved in (first declaration) or the data changed (within 14 days)."),
    )  # fmt: skip
    locality = forms.CharField(label=_("Locality"), max_length=100)
    street = forms.CharField(label=_("Street"), max_length=100, required=False)
    number = forms.CharField(label=_("Building number"), max_length=20)
    flat = forms.CharField(label=_("Flat number"), max_length=20, required=False)
    method = forms.ChoiceField(label=_("Method of the fee"), choices=METHOD_CHOICES, initial="od_mieszkanca")
    residents = forms.IntegerField(label=_("Number of residents"), min_value=1, max_value=999, required=False)
    water_m3 = forms.DecimalField(
        label=_("Water used a month (m³)"), max_digits=9, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    dwelling_m2 = forms.DecimalField(
        label=_("Usable area of the dwelling (m²)"), max_digits=9, decimal_places=2, min_value=Decimal("0.01"),
        required=False,
    )  # fmt: skip
    households = forms.IntegerField(label=_("Number of households"), min_value=1, max_value=999, required=False)
    selective = forms.BooleanField(label=_("I collect waste separately"), required=False, initial=True)
    composts = forms.BooleanField(
        label=_("I compost bio-waste in a home composter (discount)"), required=False, initial=False
    )

    def clean_event_date(self):
        event = self.cleaned_data["event_date"]
        today = timezone.localdate()
        if event > today + datetime.timedelta(days=31):
            raise forms.ValidationError(_("The date of the event is too far in the future."))
        if event < today - datetime.timedelta(days=5 * 366):
            raise forms.ValidationError(_("The date of the event is more than five years ago."))
        return event

    def clean(self):
        data = super().clean()
        method = data.get("method")
        needed = METHOD_QUANTITY.get(method)
        if needed and data.get(needed) in (None, "") and needed not in self.errors:
            self.add_error(needed, _("Give this number for the chosen method of the fee."))
        for name in METHOD_QUANTITY.values():
            if name != needed and data.get(name) not in (None, ""):
                self.add_error(name, _("Leave this empty: it is not used by the chosen method of the fee."))
        return data

    def as_data(self) -> D.Do1Data:
        d = self.cleaned_data
        return D.Do1Data(
            purpose=d["purpose"], event_date=d["event_date"], locality=d["locality"].strip(),
            street=d["street"].strip(), number=d["number"].strip(), flat=d["flat"].strip(), method=d["method"],
            residents=d.get("residents"), water_m3=d.get("water_m3"), dwelling_m2=d.get("dwelling_m2"),
            households=d.get("households"), selective=d["selective"], composts=d["composts"],
        )  # fmt: skip


# --- certificate of no arrears ------------------------------------------------------------------------------------

#: the receivables of a natural person a certificate states (finance ReceivableType codes, finance/data)
RECEIVABLE_CHOICES = [
    ("property_tax_person", _("property tax")),
    ("agricultural_tax_person", _("agricultural tax")),
    ("forest_tax_person", _("forest tax")),
    ("transport_tax_person", _("tax on means of transport")),
    ("waste_fee", _("municipal waste fee")),
]


class CertificateForm(forms.Form):
    purpose = forms.CharField(
        label=_("Purpose of the certificate"), max_length=300,
        help_text=_("E.g. for a bank, a tender, an application for a subsidy."),
    )  # fmt: skip
    receivables = forms.MultipleChoiceField(
        label=_("Taxes and fees to be stated"), choices=RECEIVABLE_CHOICES, widget=forms.CheckboxSelectMultiple,
        help_text=_("The certificate states all your accounts; choose what matters for the purpose."),
    )  # fmt: skip
    copies = forms.IntegerField(label=_("Number of copies"), min_value=1, max_value=5, initial=1)
    fee_exemption_basis = forms.CharField(
        label=_("Basis of the exemption from the stamp duty (if any)"), max_length=300, required=False,
        help_text=_("Leave empty if you pay the stamp duty."),
    )  # fmt: skip

    def as_data(self) -> D.CertificateData:
        d = self.cleaned_data
        labels = dict(RECEIVABLE_CHOICES)
        return D.CertificateData(
            purpose=d["purpose"].strip(), receivables=[(code, str(labels[code])) for code in d["receivables"]],
            copies=d["copies"], fee_exemption_basis=d["fee_exemption_basis"].strip(),
        )  # fmt: skip


# --- general letter -----------------------------------------------------------------------------------------------

LETTER_KIND_CHOICES = [("wniosek", _("request")), ("skarga", _("complaint")), ("inne pismo", _("other letter"))]


class LetterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of letter"), choices=LETTER_KIND_CHOICES, initial="wniosek")
    subject = forms.CharField(label=_("Subject"), max_length=200)
    text = forms.CharField(label=_("Content"), max_length=10000, widget=forms.Textarea(attrs={"rows": 10}))
    attachment_1 = forms.FileField(label=_("Attachment 1"), required=False)
    attachment_2 = forms.FileField(label=_("Attachment 2"), required=False)
    attachment_3 = forms.FileField(label=_("Attachment 3"), required=False)

    ATTACHMENT_FIELDS = ("attachment_1", "attachment_2", "attachment_3")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        hint = _("PDF, JPEG or PNG, at most %(size)s each.") % {"size": filesizeformat(MAX_ATTACHMENT_BYTES)}
        for name in self.ATTACHMENT_FIELDS:
            self.fields[name].help_text = hint
            self.fields[name].widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

    def _clean_attachment(self, name: str):
        upload = self.cleaned_data.get(name)
        if not upload:
            return None
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise forms.ValidationError(
                _("The file %(name)s is too large (%(size)s); the limit is %(limit)s.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(MAX_ATTACHMENT_BYTES),
                }
            )
        upload.seek(0)
        head = upload.read(16)
        upload.seek(0)
        mime = sniff(head)
        if mime is None:
            raise forms.ValidationError(_("The file %(name)s is not a PDF, JPEG or PNG file.") % {"name": upload.name})
        return upload

    def clean_attachment_1(self):
        return self._clean_attachment("attachment_1")

    def clean_attachment_2(self):
        return self._clean_attachment("attachment_2")

    def clean_attachment_3(self):
        return self._clean_attachment("attachment_3")

    def clean_subject(self):
        subject = " ".join(self.cleaned_data["subject"].split())
        if not subject:
            raise forms.ValidationError(_("Give the subject."))
        return subject

    def clean_text(self):
        if not D.letter_paragraphs(self.cleaned_data["text"]):
            raise forms.ValidationError(_("Write the content of the letter."))
        return self.cleaned_data["text"]

    def clean(self):
        data = super().clean()
        uploads = [data.get(name) for name in self.ATTACHMENT_FIELDS if data.get(name)]
        limit = attachments_total_limit()
        if uploads and sum(upload.size for upload in uploads) > limit:
            raise forms.ValidationError(
                _("The attachments together may have at most %(limit)s.") % {"limit": filesizeformat(limit)}
            )
        return data

    def attachments(self) -> list[crd.Attachment]:
        result = []
        for name in self.ATTACHMENT_FIELDS:
            upload = self.cleaned_data.get(name)
            if not upload:
                continue
            upload.seek(0)
            content = upload.read()
            mime = sniff(content[:16])
            extension = next(ext for _magic, m, ext in MAGIC if m == mime)[0]
            result.append(crd.Attachment(file_name=safe_file_name(upload.name, extension), mime=mime, content=content))
        return result

    def as_data(self) -> D.LetterData:
        d = self.cleaned_data
        return D.LetterData(subject=d["subject"], text=d["text"], kind=d["kind"], attachments=self.attachments())


def safe_file_name(name: str, extension: str) -> str:
    """The uploaded file's name reduced to safe characters, with the extension of its real type."""
    stem = (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem).strip("_")[:80] or "zalacznik"
    return f"{stem}{extension}"
