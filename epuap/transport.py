"""How SOAP envelopes travel: a Transport is any callable ``(url, body, soap_action) -> response bytes``.

Production and the built-in simulation use :class:`UrllibTransport` (plain HTTP POST with timeouts);
tests pass a transport that routes to the Django test client or to an in-memory fake platform.
e-Doręczenia (JSON over HTTP) uses an :class:`HttpTransport` ``(method, url, headers, body) -> HttpResponseData``
in the same way (:class:`UrllibHttpTransport` in production).
A SOAP Fault comes back with HTTP 500 and a body: the transport returns that body (the client parses
the fault); network errors and other HTTP errors raise :class:`TransportError`.
"""

import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


class TransportError(Exception):
    """The platform could not be reached or answered outside SOAP (network error, HTTP 4xx/5xx without body)."""


class Transport(Protocol):
    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes: ...


class UrllibTransport:
    def __init__(self, *, timeout: float | None = None, max_response_bytes: int | None = None):
        self.timeout = timeout if timeout is not None else settings.EPUAP_HTTP_TIMEOUT_SECONDS
        # A response carries at most one document plus its envelope (base64 grows it by a third).
        self.max_response_bytes = max_response_bytes or (settings.EPUAP_MAX_DOCUMENT_BYTES * 2 + 1024 * 1024)

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        if not url.startswith(("http://", "https://")):
            raise TransportError(f"unsupported URL scheme: {url!r}")
        request = urllib.request.Request(  # noqa: S310 (scheme checked above)
            url,
            data=body,
            method="POST",
            headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{soap_action}"'},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                return self._read(response)
        except urllib.error.HTTPError as exc:
            if exc.code == 500:
                data = self._read(exc)
                if data:
                    return data
            raise TransportError(f"HTTP {exc.code} from {url}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransportError(f"cannot reach {url}: {exc}") from exc

    def _read(self, response) -> bytes:
        data = response.read(self.max_response_bytes + 1)
        if len(data) > self.max_response_bytes:
            raise TransportError("response too large")
        return data


def default_transport() -> Transport:
    return UrllibTransport()


# --- JSON / HTTP (e-Doręczenia) ---------------------------------------------------------------------------


@dataclass(frozen=True)
class HttpResponseData:
    """What an HTTP transport returns: the status code, the Content-Type and the body (bounded)."""

    status: int
    content_type: str
    body: bytes


class HttpTransport(Protocol):
    """``(method, url, headers, body) -> HttpResponseData``. Every status (also 4xx/5xx) is returned;
    only network failures raise :class:`TransportError`."""

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> HttpResponseData: ...


class UrllibHttpTransport:
    def __init__(self, *, timeout: float | None = None, max_response_bytes: int | None = None):
        self.timeout = timeout if timeout is not None else settings.EPUAP_HTTP_TIMEOUT_SECONDS
        self.max_response_bytes = max_response_bytes or (settings.EPUAP_MAX_DOCUMENT_BYTES * 2 + 1024 * 1024)

    def __call__(self, method: str, url: str, headers: dict[str, str], body: bytes | None) -> HttpResponseData:
        if not url.startswith(("http://", "https://")):
            raise TransportError(f"unsupported URL scheme: {url!r}")
        request = urllib.request.Request(url, data=body, method=method, headers=headers)  # noqa: S310 (checked)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (scheme checked)
                return HttpResponseData(response.status, response.headers.get("Content-Type", ""), self._read(response))
        except urllib.error.HTTPError as exc:
            return HttpResponseData(
                exc.code, exc.headers.get("Content-Type", "") if exc.headers else "", self._read(exc)
            )
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise TransportError(f"cannot reach {url}: {exc}") from exc

    def _read(self, response) -> bytes:
        data = response.read(self.max_response_bytes + 1)
        if len(data) > self.max_response_bytes:
            raise TransportError("response too large")
        return data


def default_http_transport() -> HttpTransport:
    return UrllibHttpTransport()
