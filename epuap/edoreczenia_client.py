"""The office's e-Doręczenia client (JSON over HTTP): login, BAE search, sending, status and evidences.

- Login: a JWT client assertion (RFC 7523, RS256, ``iss = sub = EDORECZENIA_CLIENT_ID``, ``aud`` = the token URL,
  60 s lifetime, random ``jti``) signed with the office key ``EDORECZENIA_CLIENT_KEY`` is exchanged for a bearer
  token, cached (per client id and token URL) until 30 s before it expires. A 401 on an API call drops the cached
  token and retries once with a new one.
- Evidences are compact JWS (RS256) of the platform; each one is verified with the key named by its ``kid`` in
  the platform's JWKS (fetched over the same transport, cached per URL) and its payload must equal the JSON
  content the API returned. An evidence that does not verify raises :class:`EvidenceInvalid`.

The client never imports the simulation: switching to the real operator is configuration (the URLs).
"""

from __future__ import annotations

import base64
import datetime
import json
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

import jwt
from django.conf import settings

from epuap.transport import HttpTransport, TransportError, default_http_transport

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ASSERTION_LIFETIME = 60
TOKEN_MARGIN = 30

_token_cache: dict[tuple[str, str], tuple[str, float]] = {}
_jwks_cache: dict[str, dict[str, dict]] = {}
_lock = threading.Lock()


class EdoreczeniaError(Exception):
    """The platform could not be used (network, unexpected answer) or refused the request."""

    def __init__(self, message: str, *, status: int | None = None, code: str = ""):
        super().__init__(message)
        self.status = status
        self.code = code


class EvidenceInvalid(EdoreczeniaError):
    """An evidence whose JWS does not verify with the platform's published key."""


@dataclass(frozen=True)
class Evidence:
    evidence_id: str
    kind: str  # submission | receipt | deemed
    type_code: str
    event_at: datetime.datetime | None
    content: dict = field(default_factory=dict)
    jws: str = ""


def clear_caches() -> None:
    """Forget cached tokens and JWKS (tests; key rotation)."""
    with _lock:
        _token_cache.clear()
        _jwks_cache.clear()


def _parse_dt(value) -> datetime.datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _canonical(data: dict) -> bytes:
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class EdoreczeniaClient:
    def __init__(
        self,
        *,
        transport: HttpTransport | None = None,
        base_url: str | None = None,
        token_url: str | None = None,
        jwks_url: str | None = None,
        client_id: str | None = None,
        key_path: str | None = None,
        ade: str | None = None,
    ):
        self.transport = transport or default_http_transport()
        self.base_url = (base_url or settings.EDORECZENIA_BASE_URL).rstrip("/")
        self.token_url = token_url or settings.EDORECZENIA_TOKEN_URL
        self.jwks_url = jwks_url or settings.EDORECZENIA_JWKS_URL
        self.client_id = client_id or settings.EDORECZENIA_CLIENT_ID
        self.key_path = str(key_path or settings.EDORECZENIA_CLIENT_KEY)
        self.ade = ade or settings.EDORECZENIA_ADE

    # -- plumbing

    def _http(self, method: str, url: str, headers: dict[str, str], body: bytes | None = None):
        try:
            return self.transport(method, url, headers, body)
        except TransportError as exc:
            raise EdoreczeniaError(str(exc)) from exc

    @staticmethod
    def _json(response, what: str):
        try:
            return json.loads(response.body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EdoreczeniaError(f"{what}: the answer is not JSON (HTTP {response.status})") from exc

    def _error(self, response, what: str) -> EdoreczeniaError:
        code = description = ""
        try:
            data = json.loads(response.body.decode("utf-8"))
            if isinstance(data, dict):
                code = str(data.get("reason") or data.get("error") or "")
                description = str(data.get("error_description") or "")
        except (UnicodeDecodeError, json.JSONDecodeError):
            pass
        return EdoreczeniaError(
            f"{what}: HTTP {response.status} {code} {description}".strip(), status=response.status, code=code
        )

    def _assertion(self) -> str:
        with open(self.key_path, "rb") as fh:
            key = fh.read()
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": settings.EDORECZENIA_ASSERTION_AUDIENCE or self.token_url,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME,
            "jti": str(uuid.uuid4()),
        }
        return jwt.encode(claims, key, algorithm="RS256")

    def token(self, *, fresh: bool = False) -> str:
        """A bearer token: the cached one while valid, else a new one from a client assertion."""
        cache_key = (self.client_id, self.token_url)
        with _lock:
            cached = _token_cache.get(cache_key)
        if cached and not fresh and cached[1] > time.time():
            return cached[0]
        body = urllib.parse.urlencode(
            {
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": self._assertion(),
            }
        ).encode("ascii")
        response = self._http("POST", self.token_url, {"Content-Type": "application/x-www-form-urlencoded"}, body)
        if response.status != 200:
            raise self._error(response, "login")
        data = self._json(response, "login")
        token = data.get("access_token") if isinstance(data, dict) else None
        if not token:
            raise EdoreczeniaError("login: no access_token in the answer")
        expires_in = int(data.get("expires_in") or 0)
        with _lock:
            _token_cache[cache_key] = (token, time.time() + max(expires_in - TOKEN_MARGIN, 0))
        return token

    def _api(self, method: str, path: str, *, payload: dict | None = None, what: str = "request"):
        url = self.base_url + path
        body = json.dumps(payload).encode("utf-8") if payload is not None else None
        for attempt in (0, 1):
            headers = {"Authorization": f"Bearer {self.token(fresh=attempt == 1)}", "Accept": "application/json"}
            if body is not None:
                headers["Content-Type"] = "application/json"
            response = self._http(method, url, headers, body)
            if response.status == 401 and attempt == 0:
                continue  # the cached token was refused (expired, revoked): log in again once
            if response.status >= 400:
                raise self._error(response, what)
            return self._json(response, what)
        raise EdoreczeniaError(f"{what}: refused after a new login")  # pragma: no cover

    def _mailbox(self) -> str:
        return "/ua/v1/" + urllib.parse.quote(self.ade, safe=":")

    # -- BAE

    def search(self, *, pesel: str = "", nip: str = "") -> list[str]:
        """ADE addresses registered in BAE for the PESEL or NIP (empty list: none)."""
        ids = [{"id": v, "referenceRegistry": k} for k, v in (("pesel", pesel), ("nip", nip)) if v]
        if not ids:
            return []
        data = self._api("POST", "/se/v1/search/bae_search", payload={"officialIds": ids}, what="BAE search")
        entries = (data.get("baeSearchData") or []) if isinstance(data, dict) else []
        return [
            e["address"]["ade"]
            for e in entries
            if isinstance(e, dict) and isinstance(e.get("address"), dict) and e["address"].get("ade")
        ]

    # -- messages

    def send(
        self,
        *,
        recipient_ade: str,
        subject: str,
        attachments: list[tuple[str, str, bytes]],
        case_id: str = "",
        text_body: str = "",
    ) -> str:
        """Send one message; returns its MessageId."""
        payload = {
            "messageMetadata": {"to": [{"eDeliveryAddress": recipient_ade}], "subject": subject, "caseId": case_id},
            "textBody": text_body,
            "attachments": [
                {
                    "file": {
                        "fileMetadata": {"filename": name, "contentType": mime},
                        "file": base64.b64encode(content).decode("ascii"),
                    }
                }
                for name, mime, content in attachments
            ],
        }
        data = self._api("POST", self._mailbox() + "/messages", payload=payload, what="send")
        try:
            return str(data["messages"][0]["MessageId"])
        except (KeyError, IndexError, TypeError) as exc:
            raise EdoreczeniaError("send: no MessageId in the answer") from exc

    def message(self, message_id: str) -> dict:
        """The message's metadata and control data (format=metadata: the sender never 'opens' it)."""
        data = self._api(
            "GET", f"{self._mailbox()}/messages/{urllib.parse.quote(message_id)}?format=metadata", what="status"
        )
        if isinstance(data, list) and data:
            return data[0]
        raise EdoreczeniaError("status: unexpected answer")

    def inbox(self, *, offset: int = 0, limit: int = 50) -> tuple[list[dict], int]:
        """One page of the office mailbox's received messages (metadata; listing does not collect them)."""
        data = self._api(
            "GET",
            f"{self._mailbox()}/messages?label=INBOX&format=metadata&offset={int(offset)}&limit={int(limit)}",
            what="inbox",
        )
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            raise EdoreczeniaError("inbox: unexpected answer")
        return data["messages"], int(data.get("total") or 0)

    def message_full(self, message_id: str) -> dict:
        """A received message with its text and attachment list (format=full: the recipient collects it)."""
        data = self._api(
            "GET", f"{self._mailbox()}/messages/{urllib.parse.quote(message_id)}?format=full", what="message"
        )
        if isinstance(data, list) and data and isinstance(data[0], dict):
            return data[0]
        raise EdoreczeniaError("message: unexpected answer")

    def attachment(self, message_id: str, attachment_id: str) -> bytes:
        """The bytes of one attachment of a message in the office mailbox."""
        url = (
            f"{self.base_url}{self._mailbox()}/messages/{urllib.parse.quote(message_id)}"
            f"/attachments/{urllib.parse.quote(attachment_id)}"
        )
        for attempt in (0, 1):
            headers = {"Authorization": f"Bearer {self.token(fresh=attempt == 1)}", "Accept": "*/*"}
            response = self._http("GET", url, headers)
            if response.status == 401 and attempt == 0:
                continue
            if response.status >= 400:
                raise self._error(response, "attachment")
            return bytes(response.body)
        raise EdoreczeniaError("attachment: refused after a new login")  # pragma: no cover

    def evidences(self, message_id: str) -> list[Evidence]:
        """The message's evidences, each with a verified JWS."""
        data = self._api(
            "GET", f"{self._mailbox()}/messages/{urllib.parse.quote(message_id)}/evidences", what="evidences"
        )
        items = data.get("evidences") if isinstance(data, dict) else None
        if not isinstance(items, list):
            raise EdoreczeniaError("evidences: unexpected answer")
        result = []
        for item in items:
            content = self.verify_evidence(item.get("jws", ""), item.get("content"))
            if content.get("messageId") != str(message_id):
                raise EvidenceInvalid("evidence of another message")
            result.append(
                Evidence(
                    evidence_id=str(content.get("evidenceId", "")),
                    kind=str(content.get("kind", "")),
                    type_code=str(content.get("type", "")),
                    event_at=_parse_dt(content.get("eventDate")),
                    content=content,
                    jws=item.get("jws", ""),
                )
            )
        return result

    # -- evidence signatures

    def _jwks(self, *, fresh: bool = False) -> dict[str, dict]:
        with _lock:
            cached = _jwks_cache.get(self.jwks_url)
        if cached is not None and not fresh:
            return cached
        response = self._http("GET", self.jwks_url, {"Accept": "application/json"})
        if response.status != 200:
            raise self._error(response, "JWKS")
        data = self._json(response, "JWKS")
        keys = {k["kid"]: k for k in (data.get("keys") or []) if isinstance(k, dict) and k.get("kid")}
        with _lock:
            _jwks_cache[self.jwks_url] = keys
        return keys

    def verify_evidence(self, jws: str, content: dict | None = None) -> dict:
        """Verify the compact JWS with the platform's JWKS; return its payload (which must equal ``content``)."""
        if not jws or not isinstance(jws, str):
            raise EvidenceInvalid("the evidence carries no JWS")
        try:
            header = jwt.get_unverified_header(jws)
        except jwt.PyJWTError as exc:
            raise EvidenceInvalid(f"malformed JWS: {exc}") from exc
        if header.get("alg") != "RS256":
            raise EvidenceInvalid("the evidence JWS must be RS256")
        kid = header.get("kid")
        keys = self._jwks()
        if kid not in keys:
            keys = self._jwks(fresh=True)  # a newly added key
        if kid not in keys:
            raise EvidenceInvalid("the evidence is signed with a key the platform does not publish")
        try:
            payload = jwt.api_jws.decode(jws, jwt.PyJWK(keys[kid]).key, algorithms=["RS256"])
            data = json.loads(payload.decode("utf-8"))
        except (jwt.PyJWTError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise EvidenceInvalid(f"the evidence JWS does not verify: {exc}") from exc
        if not isinstance(data, dict):
            raise EvidenceInvalid("the evidence payload is not an object")
        if content is not None and _canonical(content) != _canonical(data):
            raise EvidenceInvalid("the evidence content differs from its signed payload")
        return data
