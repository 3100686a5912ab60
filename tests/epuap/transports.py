"""Test transports: the epuap adapter's HTTP / SOAP calls routed to the Django test client (the real simulations).

Byte for byte what the adapter would send over the network; the Authorization header is passed as the real header.
"""

import urllib.parse

from epuap.transport import HttpResponseData


class SoapTransport:
    def __init__(self, client):
        self.client = client

    def __call__(self, url: str, body: bytes, soap_action: str) -> bytes:
        path = "/" + url.split("://", 1)[-1].split("/", 1)[-1]
        response = self.client.post(
            path, data=body, content_type="text/xml; charset=utf-8", HTTP_SOAPACTION=f'"{soap_action}"'
        )
        return response.content


class HttpTransport:
    """(method, url, headers, body) → the Django test client, Authorization passed as the real header."""

    def __init__(self, client):
        self.client = client
        self.calls: list[tuple[str, str]] = []

    def __call__(self, method, url, headers, body):
        parsed = urllib.parse.urlsplit(url)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        self.calls.append((method, parsed.path))
        extra = {}
        if "Authorization" in headers:
            extra["HTTP_AUTHORIZATION"] = headers["Authorization"]
        if method == "GET":
            response = self.client.get(path, **extra)
        else:
            response = self.client.post(
                path, data=body or b"", content_type=headers.get("Content-Type", "application/json"), **extra
            )
        return HttpResponseData(response.status_code, response.get("Content-Type", ""), response.content)


def use_simulations(settings, pki_directory) -> None:
    """Point the adapter at the simulated platforms served by the Django test client (``http://testserver``)."""
    from epuap import edoreczenia_client

    settings.EPUAP_BOXES = ["/magistrowo/skrytka"]
    settings.EPUAP_PODMIOT = "magistrowo"
    settings.EPUAP_PLATFORM_CERTIFICATE = ""
    settings.EDORECZENIA_ADE = "AE:PL-10000-20000-MAGIS-01"
    settings.EDORECZENIA_CLIENT_ID = "AE:PL-10000-20000-MAGIS-01.SYSTEM.magistrat"
    settings.EDORECZENIA_CLIENT_KEY = str(pki_directory / "edoreczenia-office-client.key.pem")
    settings.EDORECZENIA_BASE_URL = "http://testserver/sim/edoreczenia"
    settings.EDORECZENIA_TOKEN_URL = "http://testserver/sim/edoreczenia/auth/token"
    settings.EDORECZENIA_JWKS_URL = "http://testserver/sim/edoreczenia/.well-known/jwks.json"
    settings.EDORECZENIA_ASSERTION_AUDIENCE = ""
    settings.EDORECZENIA_SIM_TOKEN_AUDIENCE = ""
    edoreczenia_client.clear_caches()
