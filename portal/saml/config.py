"""The service provider's configuration, read from settings with test-environment defaults (the simulator).

| setting | default |
|---|---|
| ``PORTAL_SAML_SP_ENTITY_ID`` | ``magistrat-portal`` |
| ``PORTAL_SAML_PROVIDER_NAME`` | ``Magistrat — portal mieszkańca`` |
| ``PORTAL_SAML_IDP_ENTITY_ID`` | ``magistrat-login-gov-pl-simulator`` |
| ``PORTAL_SAML_IDP_SSO_URL`` | ``EPUAP_SIMULATION_BASE_URL`` + ``/sim/wk/login/SingleSignOnService`` |
| ``PORTAL_SAML_IDP_ARTIFACT_URL`` | … + ``/sim/wk/login-services/idpArtifactResolutionService`` |
| ``PORTAL_SAML_IDP_SLO_URL`` | … + ``/sim/wk/login-services/singleLogoutService`` |
| ``PORTAL_SAML_IDP_CERT`` | the simulator's ``wk-idp-signing.crt`` under ``EPUAP_PKI_DIR`` |
| ``PORTAL_SAML_SIGNING_KEY`` / ``_CERT`` | ``wk-sp-signing.key`` / ``.crt`` under ``EPUAP_PKI_DIR`` |
| ``PORTAL_SAML_ENCRYPTION_KEY`` | ``wk-sp-encryption.key`` under ``EPUAP_PKI_DIR`` |
| ``PORTAL_SAML_ACS_URL`` | empty: the absolute URL of ``portal:acs`` of the request |
| ``PORTAL_SESSION_IDLE_SECONDS`` | 900 (15 minutes) |
| ``PORTAL_LOGIN_RATE_LIMIT`` / ``PORTAL_LOGIN_RATE_WINDOW`` | 20 requests per IP / 300 seconds |

The default key files are the simulator's test keys (created on first use); production configures the keys
registered with the node and its certificate and URLs.
"""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from epuap.wk import keys


def _get(name: str, default):
    value = getattr(settings, name, None)
    return value if value not in (None, "") else default


def _sim(path: str) -> str:
    return settings.EPUAP_SIMULATION_BASE_URL.rstrip("/") + "/sim/wk/" + path


def sp_entity_id() -> str:
    return _get("PORTAL_SAML_SP_ENTITY_ID", "magistrat-portal")


def provider_name() -> str:
    return _get("PORTAL_SAML_PROVIDER_NAME", "Magistrat — portal mieszkańca")


def idp_entity_id() -> str:
    return _get("PORTAL_SAML_IDP_ENTITY_ID", "magistrat-login-gov-pl-simulator")


def idp_sso_url() -> str:
    return _get("PORTAL_SAML_IDP_SSO_URL", _sim("login/SingleSignOnService"))


def idp_artifact_url() -> str:
    return _get("PORTAL_SAML_IDP_ARTIFACT_URL", _sim("login-services/idpArtifactResolutionService"))


def idp_slo_url() -> str:
    return _get("PORTAL_SAML_IDP_SLO_URL", _sim("login-services/singleLogoutService"))


def acs_url_setting() -> str:
    return _get("PORTAL_SAML_ACS_URL", "")


def idle_seconds() -> int:
    return int(_get("PORTAL_SESSION_IDLE_SECONDS", 900))


def rate_limit() -> tuple[int, int]:
    return int(_get("PORTAL_LOGIN_RATE_LIMIT", 20)), int(_get("PORTAL_LOGIN_RATE_WINDOW", 300))


def idp_certificate() -> x509.Certificate:
    path = _get("PORTAL_SAML_IDP_CERT", "")
    return keys.load_certificate(path) if path else keys.load(keys.IDP_SIGNING).certificate


def _private_key(path: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError(f"{path}: not an EC private key")
    return key


def signing_credential() -> keys.EcCredential:
    key_path, cert_path = _get("PORTAL_SAML_SIGNING_KEY", ""), _get("PORTAL_SAML_SIGNING_CERT", "")
    if key_path and cert_path:
        return keys.EcCredential("sp-signing", _private_key(key_path), keys.load_certificate(cert_path))
    return keys.load(keys.SP_SIGNING)


def encryption_key() -> ec.EllipticCurvePrivateKey:
    path = _get("PORTAL_SAML_ENCRYPTION_KEY", "")
    return _private_key(path) if path else keys.load(keys.SP_ENCRYPTION).private_key
