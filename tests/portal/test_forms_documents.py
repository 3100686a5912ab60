"""The e-forms' XML (no database): the IN-1 and DO-1 layouts valid against the office's XSD and read back by the
taxes mapping, the attachments' type by magic bytes, the bound on the attachments together."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext
from lxml import etree

from epuap import crd
from portal.eforms import documents as D
from portal.eforms import forms as F
from taxes.domain import forms as tax_forms
from taxes.domain import waste_forms

SENDER = crd.Party(first_name="Anna", surname="Zielińska", pesel="90010112345")
HEADER = D.Header(sender=SENDER, recipient_name="Urząd Gminy Magistrowo", place="Magistrowo",
                  created=datetime.date(2026, 3, 2))  # fmt: skip


def _in1(**changes) -> D.In1Data:
    data = D.In1Data(
        year=2026, purpose="pierwsza", event_date=None, role="wlasciciel", share="1/1",
        objects=[
            D.In1Object(kind="land", precinct="Magistrowo", parcel="7/1", category="land_other", area=Decimal("1000")),
            D.In1Object(kind="building", precinct="Magistrowo", parcel="7/1", category="building_residential",
                        area=Decimal("120.50"), identifier="B-7", area_low=Decimal("10")),
            D.In1Object(kind="building", precinct="Magistrowo", parcel="7/1", category="building_other",
                        area=Decimal("18")),
        ],
    )  # fmt: skip
    for key, value in changes.items():
        setattr(data, key, value)
    return data


def test_in1_document_carries_the_taxes_layout_read_by_the_register_mapping():
    document = D.in1_document(_in1(), HEADER)
    root = etree.fromstring(document)
    assert root.tag == f"{{{crd.NS_IN1}}}Dokument"
    form_code, element = tax_forms.find_form(root)
    assert form_code == "IN-1"
    assert tax_forms.schema_errors("IN-1", element) == []
    parsed = tax_forms.map_form("IN-1", element)
    assert (parsed.year, parsed.purpose, parsed.event_date) == (2026, "first", None)
    assert parsed.payload["taxpayer"] == {
        "pesel": "90010112345", "nip": "", "first_name": "Anna", "surname": "Zielińska", "name": "", "role": "owner",
        "share": "1/1",
    }  # fmt: skip
    objects = parsed.payload["objects"]
    assert [(o["kind"], o["category"], o["area"], o["area_low"], o["identifier"]) for o in objects] == [
        ("land", "land_other", "1000.00", "0", ""),
        ("building", "building_residential", "120.50", "10.00", "B-7"),
        ("building", "building_other", "18.00", "0", ""),
    ]  # fmt: skip
    assert parsed.payload["totals"] == {"land_area": "1000.00", "building_area": "138.50"}
    categories = {code: tax_forms.CategoryInfo(code, "property", "m2") for code in F.CATEGORY_KIND}
    assert tax_forms.check_payload(form="IN-1", payload=parsed.payload, categories=categories) == []
    # the CRD envelope: sender and title as the adapter reads them
    parsed_crd = crd.parse_document(document)
    assert (parsed_crd.sender.pesel, parsed_crd.title, parsed_crd.form_code) == (
        "90010112345", crd.KNOWN_FORMS[crd.NS_IN1], "IN-1")  # fmt: skip
    assert "RokPodatkowy: 2026" in parsed_crd.text_paragraphs


def test_an_in1_against_the_xsd_is_refused_before_signing():
    with pytest.raises(D.DocumentInvalid) as refused:
        D.in1_element(_in1(share="half"), SENDER)
    assert "Udzial" in refused.value.errors[0]


def test_do1_document_validates_and_maps_per_m3():
    data = D.Do1Data(purpose="zmiana", event_date=datetime.date(2026, 2, 20), locality="Magistrowo", street="Polna",
                     number="3", flat="", method="od_wody", water_m3=Decimal("7.25"), selective=True,
                     composts=False)  # fmt: skip
    root = etree.fromstring(D.do1_document(data, HEADER))
    element = waste_forms.find_waste_form(root)
    assert waste_forms.schema_errors(element) == []
    form = waste_forms.map_waste_form(element)
    assert (form.purpose, form.event_date, form.method, form.water_m3, form.residents) == (
        "change", datetime.date(2026, 2, 20), "per_m3", "7.25", "")  # fmt: skip
    assert form.address == {"locality": "Magistrowo", "street": "Polna", "number": "3", "flat": ""}
    assert form.payer["pesel"] == "90010112345"
    assert (form.selective, form.composts) == (True, False)


@pytest.mark.parametrize(
    ("head", "mime"),
    [(b"%PDF-1.7\n", "application/pdf"), (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
     (b"\x89PNG\r\n\x1a\n\x00", "image/png"), (b"GIF89a", None), (b"MZ\x90\x00", None), (b"<svg", None), (b"", None)],
)  # fmt: skip
def test_sniff_by_magic_bytes(head, mime):
    assert F.sniff(head) == mime


def test_the_stored_name_gets_the_extension_of_the_real_type():
    assert F.safe_file_name("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert F.safe_file_name("skan umowy.JPG.exe", ".png") == "skan_umowy_JPG.png"
    assert F.safe_file_name("", ".pdf") == "zalacznik.pdf"


def test_attachments_together_must_fit_the_platform_limit(settings):
    settings.EPUAP_MAX_DOCUMENT_BYTES = 1024 * 1024  # → (1 MB − 64 kB) × 3/4 of attachments
    limit = F.attachments_total_limit()
    assert limit == (1024 * 1024 - 64 * 1024) * 3 // 4
    half = b"%PDF-" + b"0" * (limit // 2 + 10)
    form = F.LetterForm(
        data={"kind": "wniosek", "subject": "S", "text": "T"},
        files={"attachment_1": SimpleUploadedFile("a.pdf", half), "attachment_2": SimpleUploadedFile("b.pdf", half)},
    )
    assert not form.is_valid()
    from django.template.defaultfilters import filesizeformat

    assert form.non_field_errors() == [
        gettext("The attachments together may have at most %(limit)s.") % {"limit": filesizeformat(limit)}
    ]
    small = F.LetterForm(
        data={"kind": "wniosek", "subject": "S", "text": "T"}, files={"attachment_1": SimpleUploadedFile("a.pdf", half)}
    )
    assert small.is_valid(), small.errors


def test_letter_paragraphs_split_on_blank_lines():
    assert D.letter_paragraphs("Pierwszy\nwiersz.\r\n\r\n\n  Drugi.  \n\n") == ["Pierwszy wiersz.", "Drugi."]
