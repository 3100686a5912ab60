import base64
import datetime
import os
import shutil
import stat
import subprocess

import pytest
from django.utils import translation
from lxml import etree

from core.domain.identifiers import validate_pesel
from epuap import crd, upo, wssecurity, xades
from epuap import pki as pki_mod
from epuap.xmlsafe import XmlRejected, parse

UTC = datetime.UTC
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
ENVELOPE = (
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soap:Header/><soap:Body>"
    b'<obi:ZapytaniePullOczekujace xmlns:obi="http://wsdl.epuap.gov.pl/obiekty/">'
    b"<podmiot>magistrowo</podmiot><nazwaSkrytki>skrytka</nazwaSkrytki><adresSkrytki>/magistrowo/skrytka</adresSkrytki>"
    b"</obi:ZapytaniePullOczekujace></soap:Body></soap:Envelope>"
)


# --- xmlsafe --------------------------------------------------------------------------------------------


def test_parse_ok():
    root = parse('<a x="1"><b>ł</b></a>'.encode())
    assert root.tag == "a"
    assert root[0].text == "ł"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><lolz>&lol3;</lolz>',
            id="billion-laughs",
        ),
        pytest.param(
            b'<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>',
            id="external-entity",
        ),
        pytest.param(b'<!DOCTYPE foo SYSTEM "http://example.org/foo.dtd"><foo/>', id="external-dtd"),
        pytest.param(b"<!DOCTYPE foo><foo/>", id="dtd"),
        pytest.param("<!DOCTYPE foo><foo/>".encode("utf-16"), id="dtd-utf16"),
    ],
)
def test_parse_refuses_dtd_and_entities(data):
    with pytest.raises(XmlRejected) as exc:
        parse(data)
    assert "DOCTYPE" in exc.value.reason  # in English and in the Polish translation


def test_rejection_reason_is_translated():
    with translation.override("pl"), pytest.raises(XmlRejected, match="pusty"):
        parse(b"")


@translation.override("en")
def test_parse_refuses_oversize_empty_and_garbage(settings):
    settings.EPUAP_MAX_DOCUMENT_BYTES = 100
    with pytest.raises(XmlRejected, match="too large"):
        parse(b"<a>" + b"x" * 200 + b"</a>")
    with pytest.raises(XmlRejected, match="too large"):
        parse(b"<a>xx</a>", max_bytes=5)
    with pytest.raises(XmlRejected, match="empty"):
        parse(b"")
    with pytest.raises(XmlRejected, match="empty"):
        parse(b"  \n ")
    with pytest.raises(XmlRejected, match="well-formed"):
        parse(b"<a><b></a>")


# --- PKI ------------------------------------------------------------------------------------------------


def test_pki_files_and_identities(pki):
    names = {"ca", "office-system", "platform", "edoreczenia", "resident-1", "resident-2", "resident-3"}
    assert set(pki) == names
    for name in names - {"ca"}:
        pki_mod.verify_issued_by_ca(pki[name].certificate, pki.ca)
        assert stat.S_IMODE(os.stat(pki.directory / f"{name}.key").st_mode) == 0o600
    pesel = pki_mod.pesel_from_certificate(pki["resident-1"].certificate)
    assert pesel
    assert validate_pesel(pesel) is not False
    assert pki_mod.load_credential("platform").cert_pem == pki["platform"].cert_pem  # default dir = settings
    assert pki_mod.cert_fingerprint(pki_mod.ca_certificate()) == pki_mod.cert_fingerprint(pki.ca)
    with pytest.raises(ValueError, match="not issued by"):
        pki_mod.verify_issued_by_ca(pki["platform"].certificate, pki["office-system"].certificate)


def test_ensure_test_pki_is_idempotent(pki, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(pki.directory, target)
    before = {p.name: p.read_bytes() for p in target.iterdir()}
    again = pki_mod.ensure_test_pki(target, residents=3)
    assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    assert again["office-system"].cert_pem == pki["office-system"].cert_pem


def test_management_command(pki, tmp_path, capsys):
    from django.core.management import call_command

    shutil.copytree(pki.directory, tmp_path / "p")
    call_command("epuap_pki", "init", "--dir", str(tmp_path / "p"), "--residents", "3")
    out = capsys.readouterr().out
    assert pki_mod.cert_fingerprint(pki["platform"].certificate) in out
    assert "TESTS AND DEMOS ONLY" in out


# --- WS-Security ----------------------------------------------------------------------------------------


def _ns(root, path):
    return root.find(
        path,
        namespaces={"soap": SOAP, "wsse": wssecurity.WSSE_NS, "wsu": wssecurity.WSU_NS, "ds": wssecurity.DS_NS},
    )


def test_wss_layout_and_round_trip(pki):
    signed = wssecurity.sign_envelope(ENVELOPE, pki["office-system"])
    root = etree.fromstring(signed)
    token = _ns(root, "soap:Header/wsse:Security/wsse:BinarySecurityToken")
    assert token.get(f"{{{wssecurity.WSU_NS}}}Id").startswith("X509-")
    assert token.get("ValueType").endswith("#X509v3")
    assert token.get("EncodingType").endswith("#Base64Binary")
    body_id = _ns(root, "soap:Body").get(f"{{{wssecurity.WSU_NS}}}Id")
    assert body_id.startswith("id-")
    refs = [r.get("URI") for r in root.iterfind(".//ds:Reference", namespaces={"ds": wssecurity.DS_NS})]
    assert refs[0] == f"#{body_id}"
    assert refs[1].startswith("#TS-")
    str_ref = _ns(root, "soap:Header/wsse:Security/ds:Signature/ds:KeyInfo/wsse:SecurityTokenReference/wsse:Reference")
    assert str_ref.get("URI") == "#" + token.get(f"{{{wssecurity.WSU_NS}}}Id")
    assert _ns(root, ".//ds:CanonicalizationMethod").get("Algorithm") == wssecurity.EXC_C14N
    cert = wssecurity.verify_envelope(signed, trusted=[pki["office-system"].certificate])
    assert cert == pki["office-system"].certificate
    # callable trust and no timestamp
    plain = wssecurity.sign_envelope(ENVELOPE, pki["platform"], timestamp=False)
    assert b"Timestamp" not in plain
    ca = pki.ca
    assert wssecurity.verify_envelope(plain, trusted=lambda c: c.issuer == ca.subject) == pki["platform"].certificate


def test_wss_tampered_body(pki):
    signed = wssecurity.sign_envelope(ENVELOPE, pki["office-system"])
    tampered = signed.replace(b"<podmiot>magistrowo</podmiot>", b"<podmiot>intruz</podmiot>")
    with pytest.raises(wssecurity.WsSecurityError, match="digest mismatch"):
        wssecurity.verify_envelope(tampered, trusted=[pki["office-system"].certificate])


def test_wss_bad_signature_value(pki):
    signed = wssecurity.sign_envelope(ENVELOPE, pki["office-system"])
    root = etree.fromstring(signed)
    value = _ns(root, ".//ds:SignatureValue")
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0xFF
    value.text = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(wssecurity.WsSecurityError, match="signature value does not verify"):
        wssecurity.verify_envelope(etree.tostring(root), trusted=[pki["office-system"].certificate])


def test_wss_unknown_certificate(pki):
    signed = wssecurity.sign_envelope(ENVELOPE, pki["resident-1"])
    with pytest.raises(wssecurity.WsSecurityError, match="not trusted"):
        wssecurity.verify_envelope(signed, trusted=[pki["office-system"].certificate])
    with pytest.raises(wssecurity.WsSecurityError, match="not trusted"):
        wssecurity.verify_envelope(signed, trusted=lambda c: False)


def test_wss_expired_timestamp(pki):
    past = datetime.datetime.now(UTC) - datetime.timedelta(minutes=30)
    signed = wssecurity.sign_envelope(ENVELOPE, pki["office-system"], now=past)
    with pytest.raises(wssecurity.WsSecurityError, match="expired"):
        wssecurity.verify_envelope(signed, trusted=[pki["office-system"].certificate])
    # ... but it was fine at the time
    wssecurity.verify_envelope(signed, trusted=[pki["office-system"].certificate], now=past)


def test_wss_unsigned(pki):
    with pytest.raises(wssecurity.WsSecurityError, match="not signed"):
        wssecurity.verify_envelope(ENVELOPE, trusted=[pki["office-system"].certificate])


def test_wss_signature_wrapping(pki):
    """The signed Body is moved into the Header and a forged Body takes its place."""
    signed = wssecurity.sign_envelope(ENVELOPE, pki["office-system"])
    root = etree.fromstring(signed)
    body = _ns(root, "soap:Body")
    header = _ns(root, "soap:Header")
    wrapper = etree.SubElement(header, "{urn:attacker}Wrapper")
    wrapper.append(body)
    forged = etree.SubElement(root, f"{{{SOAP}}}Body")
    forged.append(etree.fromstring(b'<obi:Usun xmlns:obi="http://wsdl.epuap.gov.pl/obiekty/">all</obi:Usun>'))
    with pytest.raises(wssecurity.WsSecurityError, match="does not cover the SOAP Body"):
        wssecurity.verify_envelope(etree.tostring(root), trusted=[pki["office-system"].certificate])
    # same Id on the forged Body → duplicate Id
    forged.set(f"{{{wssecurity.WSU_NS}}}Id", body.get(f"{{{wssecurity.WSU_NS}}}Id"))
    with pytest.raises(wssecurity.WsSecurityError, match="duplicate Id"):
        wssecurity.verify_envelope(etree.tostring(root), trusted=[pki["office-system"].certificate])


def test_wss_rejects_dtd(pki):
    with pytest.raises(wssecurity.WsSecurityError, match="unacceptable XML"):
        wssecurity.verify_envelope(b"<!DOCTYPE x>" + ENVELOPE, trusted=[])


# --- CRD documents --------------------------------------------------------------------------------------


def _pismo(**overrides) -> crd.CrdDocument:
    values = {
        "form_namespace": crd.NS_WNIO_4566,
        "title": "Wniosek o zaświadczenie",
        "kind": "wniosek",
        "text_paragraphs": ["Proszę o wydanie zaświadczenia.", "Z poważaniem"],
        "sender": crd.Party(first_name="Jan", surname="Testowy", pesel="90010112349", email="jan@example.org"),
        "recipient_name": "Urząd Miasta Magistrowo",
        "place": "Magistrowo",
        "created": datetime.date(2025, 3, 3),
        "attachments": [
            crd.Attachment("skan.pdf", "application/pdf", content=b"%PDF-1.4 test", description="Skan"),
            crd.Attachment("duzy.zip", "application/zip", uri="https://epuap.example/download?fileId=7"),
        ],
    }
    values.update(overrides)
    return crd.CrdDocument(**values)


def test_crd_round_trip():
    original = _pismo()
    xml = crd.build_pismo_ogolne(original)
    assert xml.startswith(b"<?xml")
    assert b"<wnio:Dokument" in xml
    parsed = crd.parse_document(xml)
    assert parsed.form_namespace == crd.NS_WNIO_4566
    assert parsed.form_code == "PISMO_OGOLNE"
    for attr in ("title", "kind", "text_paragraphs", "sender", "recipient_name", "place", "created", "attachments"):
        assert getattr(parsed, attr) == getattr(original, attr), attr
    assert not parsed.signed
    other = crd.parse_document(crd.build_pismo_ogolne(_pismo(kind="inne pismo", kind_other="skarga")))
    assert (other.kind, other.kind_other) == ("inne pismo", "skarga")
    inst = _pismo(sender=crd.Party(institution_name="Spółka Testowa sp. z o.o.", nip="5250001009"))
    assert crd.parse_document(crd.build_pismo_ogolne(inst)).sender == inst.sender
    person = crd.Party(first_name="Anna", surname="Próbna", pesel="85061512345")
    to_person = crd.parse_document(crd.build_pismo_ogolne(_pismo(recipient=person, recipient_name="Anna Próbna")))
    assert to_person.recipient == person
    assert to_person.recipient_name == "Anna Próbna"


# Our own fixture in the prefixed style (namespaces declared on the root, like the 1410 wzór).
PREFIXED = """<?xml version="1.0" encoding="UTF-8"?>
<?xml-stylesheet type="text/xsl" href="http://crd.gov.pl/wzor/2013/12/12/1410/styl.xsl"?>
<w:Dokument xmlns:w="http://crd.gov.pl/wzor/2013/12/12/1410/" xmlns:m="http://crd.gov.pl/xml/schematy/meta/2009/11/16/"
  xmlns:s="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/" xmlns:o="http://crd.gov.pl/xml/schematy/osoba/2009/11/16/"
  xmlns:i="http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/" xmlns:a="http://crd.gov.pl/xml/schematy/adres/2009/11/09/">
 <w:OpisDokumentu><m:Data typDaty="stworzony"><m:Czas>2024-11-05T10:00:00</m:Czas></m:Data></w:OpisDokumentu>
 <w:DaneDokumentu>
  <s:Naglowek><s:NazwaDokumentu>Pismo ogólne do podmiotu publicznego</s:NazwaDokumentu></s:Naglowek>
  <m:Data typDaty="stworzony"><m:Czas>2024-11-05</m:Czas></m:Data>
  <s:Adresaci><m:Podmiot><i:Instytucja><i:NazwaInstytucji>Urząd Miasta Magistrowo</i:NazwaInstytucji>
   </i:Instytucja></m:Podmiot></s:Adresaci>
  <s:Nadawcy><m:Podmiot><o:Osoba><o:IdOsoby><o:PESEL>85061512345</o:PESEL></o:IdOsoby><o:Imie>Anna</o:Imie>
   <o:Nazwisko>Próbna</o:Nazwisko><a:Adres><a:Miejscowosc>Magistrowo</a:Miejscowosc></a:Adres></o:Osoba>
  </m:Podmiot></s:Nadawcy>
 </w:DaneDokumentu>
 <w:TrescDokumentu format="text/xml" kodowanie="XML">
  <w:MiejscowoscDokumentu>Magistrowo</w:MiejscowoscDokumentu>
  <w:Tytul>Skarga na hałas</w:Tytul>
  <w:RodzajWnioskuRozszerzony rodzaj="inne pismo" jakiInny="skarga"/>
  <w:Informacje><w:Informacja>Sąsiad hałasuje
   po 22.</w:Informacja></w:Informacje>
  <s:Zalaczniki><s:Zalacznik format="text/plain" kodowanie="base64" nazwaPliku="nagranie.txt">
   <s:DaneZalacznika>aGFsYXM=</s:DaneZalacznika></s:Zalacznik></s:Zalaczniki>
 </w:TrescDokumentu>
</w:Dokument>
"""

# Our own fixture in the default-namespace style (every element re-declares xmlns, like the 4566 wzór).
DEFAULT_NS = """<?xml version="1.0" encoding="UTF-8"?>
<Dokument xmlns="http://crd.gov.pl/wzor/2017/10/24/4566/">
 <OpisDokumentu><CID xmlns="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">abc@test</CID></OpisDokumentu>
 <DaneDokumentu>
  <Data xmlns="http://crd.gov.pl/xml/schematy/meta/2009/11/16/" typDaty="stworzony"><Czas>2024-12-01</Czas></Data>
  <Adresaci xmlns="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">
   <Podmiot xmlns="http://crd.gov.pl/xml/schematy/meta/2009/11/16/">
    <Instytucja xmlns="http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/">
     <NazwaInstytucji>Urząd Miasta Magistrowo</NazwaInstytucji></Instytucja></Podmiot></Adresaci>
  <Nadawcy xmlns="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">
   <Podmiot xmlns="http://crd.gov.pl/xml/schematy/meta/2009/11/16/">
    <Instytucja xmlns="http://crd.gov.pl/xml/schematy/instytucja/2009/11/16/">
     <NazwaInstytucji>Firma Testowa</NazwaInstytucji>
     <IdInstytucji><NIP>5250001009</NIP></IdInstytucji></Instytucja></Podmiot></Nadawcy>
 </DaneDokumentu>
 <TrescDokumentu format="text/xml" kodowanie="XML">
  <MiejscowoscDokumentu>Warszawa</MiejscowoscDokumentu>
  <Tytul>Odpowiedź na wezwanie</Tytul>
  <RodzajWnioskuRozszerzony rodzaj="wniosek" jakiInny="ignored unless inne pismo"/>
  <Informacje><Informacja>Pierwszy akapit.</Informacja><Informacja>Znak: FN.1.2024</Informacja></Informacje>
  <Zalaczniki xmlns="http://crd.gov.pl/xml/schematy/struktura/2009/11/16/">
   <Zalacznik format="application/pdf" kodowanie="URI" nazwaPliku="pismo.pdf">
    <DaneZalacznika>https://epuap.example/file-download-servlet/DownloadServlet?fileId=1</DaneZalacznika>
   </Zalacznik></Zalaczniki>
 </TrescDokumentu>
</Dokument>
"""


def test_crd_parses_prefixed_style():
    doc = crd.parse_document(PREFIXED.encode())
    assert doc.form_namespace == crd.NS_WNIO_1410
    assert doc.form_code == "PISMO_OGOLNE"
    assert doc.sender == crd.Party(first_name="Anna", surname="Próbna", pesel="85061512345")
    assert doc.recipient_name == "Urząd Miasta Magistrowo"
    assert (doc.title, doc.place, doc.kind, doc.kind_other) == ("Skarga na hałas", "Magistrowo", "inne pismo", "skarga")
    assert doc.text_paragraphs == ["Sąsiad hałasuje po 22."]
    assert doc.created == datetime.date(2024, 11, 5)
    assert doc.attachments == [crd.Attachment("nagranie.txt", "text/plain", content=b"halas")]


def test_crd_parses_default_namespace_style():
    doc = crd.parse_document(DEFAULT_NS.encode())
    assert doc.form_namespace == crd.NS_WNIO_4566
    assert doc.sender.institution_name == "Firma Testowa"
    assert doc.sender.nip == "5250001009"
    assert doc.text_paragraphs == ["Pierwszy akapit.", "Znak: FN.1.2024"]
    assert doc.kind == "wniosek"
    assert doc.kind_other == ""
    assert doc.created == datetime.date(2024, 12, 1)
    (att,) = doc.attachments
    assert att.content is None
    assert att.uri.endswith("fileId=1")
    assert att.file_name == "pismo.pdf"


def test_crd_unknown_form_parsed_generically():
    xml = b"""<d:Dokument xmlns:d="http://crd.gov.pl/wzor/2019/02/28/7206/">
      <d:TrescDokumentu><d:Wartosc><d:P_20>1200.50</d:P_20><d:P_21>Uwagi</d:P_21></d:Wartosc></d:TrescDokumentu>
    </d:Dokument>"""
    doc = crd.parse_document(xml)
    assert doc.form_namespace == "http://crd.gov.pl/wzor/2019/02/28/7206/"
    assert doc.form_code == "UNKNOWN"
    assert doc.text_paragraphs == ["P_20: 1200.50", "P_21: Uwagi"]
    assert crd.form_code(crd.NS_DO1) == "DO-1"
    assert crd.form_code(crd.NS_IN1) == "IN-1"
    with pytest.raises(ValueError, match="not a CRD document"):
        crd.parse_document(b"<html/>")


# --- UPP / UPD ------------------------------------------------------------------------------------------

T1 = datetime.datetime(2025, 3, 3, 9, 13, 7, tzinfo=UTC)
T2 = datetime.datetime(2025, 3, 3, 9, 13, 8, tzinfo=UTC)


def test_upp_round_trip():
    xml = upo.build_upp(
        identifier="UPP-1",
        recipient_name="Urząd Miasta Magistrowo",
        recipient_id="magistrowo",
        sender_name="Jan Testowy",
        sender_id="jtestowy",
        delivered_at=T1,
        created_at=T2,
        document_id="DOC-9",
        extra=["Pismo ogólne"],
    )
    root = etree.fromstring(xml)
    assert [etree.QName(c).localname for c in root[0]] == [
        "IdentyfikatorPoswiadczenia",
        "Adresat",
        "Nadawca",
        "DataDoreczenia",
        "DataWytworzeniaPoswiadczenia",
        "IdentyfikatorDokumentu",
        "InformacjaUzupelniajaca",
    ]
    data = upo.parse_upo(xml)
    assert data["kind"] == "UPP"
    assert data["identifier"] == "UPP-1"
    assert data["sender_id"] == "jtestowy"
    assert data["recipient_name"] == "Urząd Miasta Magistrowo"
    assert data["delivered_at"] == T1
    assert data["created_at"] == T2
    assert data["document_id"] == "DOC-9"
    assert data["extra"] == ["Pismo ogólne"]


def test_upd_round_trip_signed(pki):
    xml = upo.build_upd(
        identifier="UPD-1",
        issuer_name="ePUAP (symulacja)",
        issuer_id="epuap",
        addressee_name="Jan Testowy",
        addressee_id="jtestowy",
        received_at=T1,
        created_at=T2,
        case_id="FN.3120.15.2025",
        document_id="FN.3120.15.2025/1",
    )
    signed = xades.sign(xml, pki["platform"])
    data = upo.parse_upo(signed)
    assert data["kind"] == "UPD"
    assert data["case_id"] == "FN.3120.15.2025"
    assert data["signed"]
    assert (data["issuer_id"], data["addressee_name"], data["received_at"]) == ("epuap", "Jan Testowy", T1)
    assert xades.verify(signed, ca=pki.ca).signer == pki["platform"].certificate
    with pytest.raises(ValueError, match="not a UPO document"):
        upo.parse_upo(b"<x/>")


# --- XAdES ----------------------------------------------------------------------------------------------

CLAIMED = b"""<ppZP:PodpisZP xmlns:ppZP="http://crd.gov.pl/xml/schematy/ppzp/"
 xmlns:os="http://crd.gov.pl/xml/schematy/osoba/2009/03/06/"><ppZP:DaneZP><ppZP:DaneZPOsobyFizycznej>
 <os:Imie>Jan</os:Imie><os:PESEL>90010112349</os:PESEL></ppZP:DaneZPOsobyFizycznej></ppZP:DaneZP></ppZP:PodpisZP>"""


@pytest.fixture(scope="module")
def signed_pismo(pki_session):
    return xades.sign(crd.build_pismo_ogolne(_pismo()), pki_session["resident-1"], claimed_role_xml=CLAIMED)


def test_xades_sign_and_verify(pki, signed_pismo):
    root = etree.fromstring(signed_pismo)
    assert root[-1].tag == f"{{{xades.DS_NS}}}Signature"
    result = xades.verify(signed_pismo, ca=pki.ca)
    assert result.signer == pki["resident-1"].certificate
    assert abs(result.signing_time - datetime.datetime.now(UTC)) < datetime.timedelta(minutes=5)
    assert result.claimed_role is not None
    assert result.claimed_role.tag == "{http://crd.gov.pl/xml/schematy/ppzp/}PodpisZP"
    assert b"Signature" not in result.signed_root_bytes
    assert crd.parse_document(result.signed_root_bytes).title == "Wniosek o zaświadczenie"
    assert crd.parse_document(signed_pismo).signed


def test_xades_tampered(pki, signed_pismo):
    tampered = signed_pismo.replace("Proszę o wydanie".encode(), "Proszę o umorzenie".encode())
    assert tampered != signed_pismo
    with pytest.raises(xades.SignatureInvalid, match="digest mismatch"):
        xades.verify(tampered, ca=pki.ca)


def test_xades_wrong_ca(pki, signed_pismo):
    with pytest.raises(xades.SignatureInvalid, match="not trusted"):
        xades.verify(signed_pismo, ca=pki["platform"].certificate)


def test_xades_unsigned(pki):
    with pytest.raises(xades.SignatureInvalid, match="no signature"):
        xades.verify(crd.build_pismo_ogolne(_pismo()), ca=pki.ca)
    assert not xades.is_signed(crd.build_pismo_ogolne(_pismo()))


def test_xades_rejects_dtd(pki):
    with pytest.raises(xades.SignatureInvalid, match="unacceptable XML"):
        xades.verify(b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', ca=pki.ca)


def test_xades_cross_check_with_xmlsec1(pki, signed_pismo, tmp_path):
    """A document signed here verifies with the independent xmlsec1 implementation (Debian package xmlsec1)."""
    xmlsec1 = shutil.which("xmlsec1")
    if xmlsec1 is None:
        if os.environ.get("CI") == "true":
            pytest.fail("xmlsec1 is required in CI (apt-get install xmlsec1)")
        pytest.skip("xmlsec1 not installed")
    path = tmp_path / "signed.xml"
    path.write_bytes(signed_pismo)
    cmd = [
        xmlsec1,
        "--verify",
        "--trusted-pem",
        str(pki.directory / "ca.crt"),
        "--id-attr:Id",
        f"{xades.XADES_NS}:SignedProperties",
        "--id-attr:Id",
        f"{xades.DS_NS}:KeyInfo",
        str(path),
    ]
    ok = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    path.write_bytes(signed_pismo.replace("Proszę o wydanie".encode(), "Proszę o umorzenie".encode()))
    bad = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert bad.returncode != 0
