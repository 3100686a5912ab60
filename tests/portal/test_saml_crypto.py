"""The assertion cryptography: fixed published vectors and the node ↔ portal round trip.

Vectors: RFC 3394 §4.6 (AES-256 key wrap of a 256-bit key), the GCM specification (McGrew–Viega) test cases 13
and 14 (AES-256, zero key and IV), RFC 5903 §8.1 (ECDH on P-256) and ConcatKDF recomputed by hand with hashlib.
"""

import base64
import hashlib

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.concatkdf import ConcatKDFHash
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap
from lxml import etree

from epuap.saml import XENC, SamlError, q
from epuap.wk import keys, xmlenc
from portal.saml.xmlenc import concat_kdf_sha256, decrypt_assertion


def test_aes256_key_wrap_rfc3394_vector():
    kek = bytes(range(32))
    key = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")
    wrapped = bytes.fromhex("28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
    assert aes_key_wrap(kek, key) == wrapped
    assert aes_key_unwrap(kek, wrapped) == key


def test_aes256_gcm_vectors():
    gcm = AESGCM(bytes(32))
    assert gcm.encrypt(bytes(12), b"", None).hex() == "530f8afbc74536b9a963b4f1c4cb738b"
    assert gcm.encrypt(bytes(12), bytes(16), None).hex() == (
        "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919"
    )


def test_ecdh_p256_rfc5903_vector():
    i = ec.derive_private_key(
        int("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433", 16), ec.SECP256R1()
    )
    r = ec.derive_private_key(
        int("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53", 16), ec.SECP256R1()
    )
    assert i.public_key().public_numbers().x == int(
        "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180", 16
    )
    shared = i.exchange(ec.ECDH(), r.public_key())
    assert shared.hex().upper() == "D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE"
    assert r.exchange(ec.ECDH(), i.public_key()) == shared


def test_concat_kdf_matches_the_definition_and_the_library():
    z = bytes.fromhex("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE")
    other = b"alg" + b"U" + b"V"
    by_hand = hashlib.sha256(b"\x00\x00\x00\x01" + z + other).digest()
    assert concat_kdf_sha256(z, 32, other) == by_hand
    assert ConcatKDFHash(hashes.SHA256(), 32, other).derive(z) == by_hand
    two_blocks = by_hand + hashlib.sha256(b"\x00\x00\x00\x02" + z + other).digest()
    assert concat_kdf_sha256(z, 48, other) == two_blocks[:48]


def test_other_info_strips_the_padding_byte():
    assert xmlenc.other_info("00616263", "0055", "00") == b"abcU"
    with pytest.raises(ValueError, match="whole bytes"):
        xmlenc.other_info("01616263", "00", "00")


@pytest.fixture
def sp_key(tmp_path):
    keys.ensure_wk_keys(tmp_path)
    return keys.load(keys.SP_ENCRYPTION, tmp_path, create=False)


PLAINTEXT = (
    b'<saml2:Assertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a">zazolc gesla jazn</saml2:Assertion>'
)


@pytest.mark.parametrize("cek_size", [32, 16])
def test_node_encrypts_portal_decrypts(sp_key, cek_size):
    element = xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate, content_key_size=cek_size)
    again = etree.fromstring(etree.tostring(element))
    assert again.find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'EncryptionMethod')}").get("Algorithm") == (
        "http://www.w3.org/2009/xmlenc11#aes256-gcm"
    )
    assert decrypt_assertion(again, sp_key.private_key) == PLAINTEXT


def test_each_message_has_a_fresh_ephemeral_key(sp_key):
    a = etree.tostring(xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate))
    b = etree.tostring(xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate))
    pub = b"dsig11:PublicKey>"
    assert a.split(pub)[1] != b.split(pub)[1]


def test_tampered_ciphertext_fails_the_gcm_tag(sp_key):
    element = xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate)
    value = element.find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'CipherData')}/{q(XENC, 'CipherValue')}")
    blob = bytearray(base64.b64decode(value.text))
    blob[20] ^= 1
    value.text = base64.b64encode(bytes(blob)).decode()
    with pytest.raises(SamlError, match="GCM authentication tag does not match"):
        decrypt_assertion(element, sp_key.private_key)


def test_encrypted_to_another_key_cannot_be_unwrapped(sp_key, tmp_path):
    other = ec.generate_private_key(ec.SECP256R1())
    element = xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate)
    with pytest.raises(SamlError, match="cannot be unwrapped"):
        decrypt_assertion(element, other)


def test_other_algorithms_are_refused(sp_key):
    element = xmlenc.encrypt_element(PLAINTEXT, sp_key.certificate)
    element.find(f"{q(XENC, 'EncryptedData')}/{q(XENC, 'EncryptionMethod')}").set(
        "Algorithm", "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
    )
    with pytest.raises(SamlError, match="is not accepted"):
        decrypt_assertion(element, sp_key.private_key)
