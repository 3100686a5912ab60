"""Authentication of the simulated e-Doręczenia and the platform's signing key.

- Client assertion (RFC 7523): the office system signs a JWT (RS256, iss = sub = client_id, aud = the token URL,
  exp at most EDORECZENIA_SIM_ASSERTION_MAX_LIFETIME seconds ahead, a unique jti) and exchanges it at
  ``/sim/edoreczenia/auth/token`` for a bearer access token. A replayed jti is refused.
- Access tokens: random, stored only as SHA-256, with an expiry.
- The platform's RSA key signs evidences (JWS); its public half is published as a JWKS.
"""

import base64
import datetime
import hashlib
import json
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from epuap.edoreczenia.models import AccessToken, Client, UsedAssertion

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLOCK_SKEW = 30  # seconds of tolerance for iat/nbf/exp
PLATFORM_KEY_FILE = "edoreczenia-platform-jws.key.pem"


class AuthError(Exception):
    """A refused login or token; ``reason`` is a precise machine-readable code."""

    def __init__(self, reason: str, description: str, *, error: str = "invalid_client", status: int = 401):
        super().__init__(description)
        self.reason = reason
        self.description = description
        self.error = error
        self.status = status


# --- keys -------------------------------------------------------------------------------------------------


def generate_rsa_key_pem(bits: int = 2048) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem_of(private_pem: bytes) -> str:
    key = serialization.load_pem_private_key(private_pem, password=None)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def write_private_key(path: Path, pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.write_bytes(pem)


def platform_key_path() -> Path:
    return Path(settings.EPUAP_PKI_DIR) / PLATFORM_KEY_FILE


def ensure_platform_key() -> tuple[Path, bool]:
    """Create the platform's evidence-signing key if missing (idempotent). Returns (path, created)."""
    path = platform_key_path()
    if path.exists():
        return path, False
    write_private_key(path, generate_rsa_key_pem())
    return path, True


@lru_cache(maxsize=4)
def _load_private_key(path: str, mtime_ns: int):
    return serialization.load_pem_private_key(Path(path).read_bytes(), password=None)


def platform_private_key():
    path, _created = ensure_platform_key()
    return _load_private_key(str(path), path.stat().st_mtime_ns)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def platform_jwk() -> dict:
    """The public key as a JWK with its RFC 7638 thumbprint as kid."""
    public = platform_private_key().public_key()
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(public, as_dict=True)
    thumb_input = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
    kid = _b64url(hashlib.sha256(thumb_input.encode("ascii")).digest())
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def platform_jwks() -> dict:
    return {"keys": [platform_jwk()]}


def canonical_json(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign_evidence(content: dict) -> str:
    """Compact JWS (RS256) over the canonical JSON of ``content``."""
    headers = {"kid": platform_jwk()["kid"], "typ": "JOSE", "cty": "application/json"}
    return jwt.api_jws.encode(canonical_json(content), platform_private_key(), algorithm="RS256", headers=headers)


# --- client assertion → access token ----------------------------------------------------------------------


@dataclass
class IssuedToken:
    access_token: str
    expires_in: int
    client: Client


def _refuse(reason: str, description: str, **kw) -> AuthError:
    return AuthError(reason, description, **kw)


def verify_client_assertion(assertion: str, *, audience: str, now: datetime.datetime | None = None) -> Client:
    """Check the assertion and record its jti (inside the caller's transaction). Raises AuthError."""
    now = now or timezone.now()
    try:
        unverified = jwt.decode(assertion, options={"verify_signature": False})
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError as exc:
        raise _refuse("malformed_assertion", f"The client assertion is not a JWT: {exc}") from exc
    if header.get("alg") != "RS256":
        raise _refuse("unsupported_algorithm", "The client assertion must be signed with RS256.")
    iss, sub = unverified.get("iss"), unverified.get("sub")
    if not iss or iss != sub:
        raise _refuse("iss_sub_mismatch", "The claims iss and sub must both be the client id.")
    client = Client.objects.select_related("mailbox").filter(client_id=iss).first()
    if client is None or not client.active or not client.mailbox.active:
        raise _refuse("unknown_client", "No active client is registered with this client id.")
    key = serialization.load_pem_public_key(client.public_key_pem.encode("ascii"))
    try:
        claims = jwt.decode(
            assertion,
            key,
            algorithms=["RS256"],
            options={"require": ["exp", "iss", "sub", "aud", "jti"], "verify_aud": False, "verify_exp": False},
        )
    except jwt.InvalidSignatureError as exc:
        raise _refuse(
            "bad_signature", "The client assertion's signature does not verify with the registered key."
        ) from exc
    except jwt.MissingRequiredClaimError as exc:
        raise _refuse("missing_claim", f"The client assertion lacks the claim {exc.claim}.") from exc
    except jwt.PyJWTError as exc:
        raise _refuse("malformed_assertion", f"The client assertion is invalid: {exc}") from exc

    aud = claims["aud"]
    auds = aud if isinstance(aud, list) else [aud]
    if audience not in auds:
        raise _refuse("wrong_audience", f"The audience must be {audience}.")
    ts = now.timestamp()
    exp = claims["exp"]
    if not isinstance(exp, int | float):
        raise _refuse("malformed_assertion", "The claim exp must be a number.")
    if exp <= ts - CLOCK_SKEW:
        raise _refuse("assertion_expired", "The client assertion has expired.")
    max_life = settings.EDORECZENIA_SIM_ASSERTION_MAX_LIFETIME
    if exp > ts + max_life + CLOCK_SKEW:
        raise _refuse("assertion_lifetime_too_long", f"The claim exp may be at most {max_life} seconds ahead.")
    for claim in ("iat", "nbf"):
        value = claims.get(claim)
        if value is not None and (not isinstance(value, int | float) or value > ts + CLOCK_SKEW):
            raise _refuse("assertion_not_yet_valid", f"The claim {claim} is in the future.")
    jti = claims["jti"]
    if not isinstance(jti, str) or not jti or len(jti) > 200:
        raise _refuse("missing_claim", "The claim jti must be a non-empty string of at most 200 characters.")
    UsedAssertion.objects.filter(expires_at__lt=now - datetime.timedelta(seconds=CLOCK_SKEW)).delete()
    try:
        with transaction.atomic():
            UsedAssertion.objects.create(
                client=client, jti=jti, expires_at=datetime.datetime.fromtimestamp(exp, tz=datetime.UTC)
            )
    except IntegrityError as exc:
        raise _refuse("jti_replayed", "This client assertion (jti) has already been used.") from exc
    return client


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(*, assertion: str, audience: str, now: datetime.datetime | None = None) -> IssuedToken:
    now = now or timezone.now()
    with transaction.atomic():
        client = verify_client_assertion(assertion, audience=audience, now=now)
        token = secrets.token_urlsafe(32)
        ttl = settings.EDORECZENIA_SIM_TOKEN_TTL
        AccessToken.objects.filter(client=client, expires_at__lt=now).delete()
        AccessToken.objects.create(
            client=client, token_hash=token_hash(token), expires_at=now + datetime.timedelta(seconds=ttl)
        )
    return IssuedToken(access_token=token, expires_in=ttl, client=client)


def client_for_bearer(authorization: str | None, *, now: datetime.datetime | None = None) -> Client:
    """The client owning a valid ``Authorization: Bearer <token>``. Raises AuthError."""
    now = now or timezone.now()
    if not authorization:
        raise AuthError("missing_token", "An Authorization: Bearer token is required.", error="invalid_token")
    scheme, _sep, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed_token", "The Authorization header must be 'Bearer <token>'.", error="invalid_token")
    row = AccessToken.objects.select_related("client__mailbox").filter(token_hash=token_hash(token.strip())).first()
    if row is None:
        raise AuthError("unknown_token", "The access token is not known.", error="invalid_token")
    if row.expires_at <= now:
        raise AuthError("token_expired", "The access token has expired.", error="invalid_token")
    if not row.client.active or not row.client.mailbox.active:
        raise AuthError("client_disabled", "The client or its mailbox is disabled.", error="invalid_token")
    return row.client
