"""The node's side of the assertion encryption (XML Encryption 1.1), as login.gov.pl does it:

content AES-256-GCM (12-byte IV ‖ ciphertext ‖ 16-byte tag in CipherValue), the content key wrapped with AES-256 Key
Wrap (RFC 3394) under a key-encryption key agreed by ECDH-ES on P-256 (an ephemeral key per message) and derived by
ConcatKDF with SHA-256 (NIST SP 800-56A; XML Enc 1.1 §5.4.1). The service provider decrypts with its own
independent code (:mod:`portal.saml.xmlenc`).
"""

from __future__ import annotations

import base64
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from lxml import etree

from epuap.saml import DS, DSIG11, SAML, XENC, XENC11, cert_b64, q

ALG_AES256_GCM = XENC11 + "aes256-gcm"
ALG_KW_AES256 = XENC + "kw-aes256"
ALG_ECDH_ES = XENC11 + "ECDH-ES"
ALG_CONCAT_KDF = XENC11 + "ConcatKDF"
ALG_SHA256 = XENC + "sha256"
P256_OID_URI = "urn:oid:1.2.840.10045.3.1.7"
# ConcatKDF OtherInfo parts: hex bit strings with a leading "00" (number of padding bits), XML Enc 1.1 §5.4.1.
KDF_ALGORITHM_ID = "00" + ALG_KW_AES256.encode().hex()
KDF_PARTY_U = "00" + b"login.gov.pl".hex()
KDF_PARTY_V = "00" + b"Magistrat".hex()


def other_info(algorithm_id: str, party_u: str, party_v: str) -> bytes:
    parts = []
    for value in (algorithm_id, party_u, party_v):
        raw = bytes.fromhex(value)
        if not raw or raw[0] != 0:
            raise ValueError("ConcatKDF parameters must be whole bytes (leading 00)")
        parts.append(raw[1:])
    return b"".join(parts)


def encrypt_element(
    plaintext: bytes,
    recipient: x509.Certificate,
    *,
    content_key_size: int = 32,
    wrapper_tag: str = "EncryptedAssertion",
) -> etree._Element:
    """``<saml:EncryptedAssertion>`` (or another wrapper) holding the EncryptedData of ``plaintext``."""
    public = recipient.public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or not isinstance(public.curve, ec.SECP256R1):
        raise ValueError("the recipient's encryption certificate must hold a P-256 key")
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    shared = ephemeral.exchange(ec.ECDH(), public)
    kek = ConcatKDFHash(
        algorithm=hashes.SHA256(), length=32, otherinfo=other_info(KDF_ALGORITHM_ID, KDF_PARTY_U, KDF_PARTY_V)
    ).derive(shared)
    cek = os.urandom(content_key_size)
    iv = os.urandom(12)
    ciphertext = AESGCM(cek).encrypt(iv, plaintext, None)
    wrapped = aes_key_wrap(kek, cek)

    wrapper = etree.Element(q(SAML, wrapper_tag), nsmap={"saml2": SAML})
    data = etree.SubElement(wrapper, q(XENC, "EncryptedData"), Type=XENC + "Element", nsmap={"xenc": XENC, "ds": DS})
    etree.SubElement(data, q(XENC, "EncryptionMethod"), Algorithm=ALG_AES256_GCM)
    key_info = etree.SubElement(data, q(DS, "KeyInfo"))
    enc_key = etree.SubElement(key_info, q(XENC, "EncryptedKey"))
    etree.SubElement(enc_key, q(XENC, "EncryptionMethod"), Algorithm=ALG_KW_AES256)
    ek_info = etree.SubElement(enc_key, q(DS, "KeyInfo"))
    agreement = etree.SubElement(ek_info, q(XENC, "AgreementMethod"), Algorithm=ALG_ECDH_ES)
    kdm = etree.SubElement(
        agreement, q(XENC11, "KeyDerivationMethod"), Algorithm=ALG_CONCAT_KDF, nsmap={"xenc11": XENC11}
    )
    params = etree.SubElement(
        kdm, q(XENC11, "ConcatKDFParams"), AlgorithmID=KDF_ALGORITHM_ID, PartyUInfo=KDF_PARTY_U, PartyVInfo=KDF_PARTY_V
    )
    etree.SubElement(params, q(DS, "DigestMethod"), Algorithm=ALG_SHA256)
    originator = etree.SubElement(agreement, q(XENC, "OriginatorKeyInfo"))
    key_value = etree.SubElement(originator, q(DS, "KeyValue"))
    ec_value = etree.SubElement(key_value, q(DSIG11, "ECKeyValue"), nsmap={"dsig11": DSIG11})
    etree.SubElement(ec_value, q(DSIG11, "NamedCurve"), URI=P256_OID_URI)
    etree.SubElement(ec_value, q(DSIG11, "PublicKey")).text = base64.b64encode(
        ephemeral.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    ).decode("ascii")
    recipient_info = etree.SubElement(agreement, q(XENC, "RecipientKeyInfo"))
    x509_data = etree.SubElement(recipient_info, q(DS, "X509Data"))
    etree.SubElement(x509_data, q(DS, "X509Certificate")).text = cert_b64(recipient)
    ek_cipher = etree.SubElement(enc_key, q(XENC, "CipherData"))
    etree.SubElement(ek_cipher, q(XENC, "CipherValue")).text = base64.b64encode(wrapped).decode("ascii")
    cipher = etree.SubElement(data, q(XENC, "CipherData"))
    etree.SubElement(cipher, q(XENC, "CipherValue")).text = base64.b64encode(iv + ciphertext).decode("ascii")
    return wrapper
