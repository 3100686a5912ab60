"""Security headers of the residents' portal: a strict Content-Security-Policy on every /portal/ response.

The portal's pages need no inline script or style and load nothing from other sites, so the policy allows only the
portal's own origin: scripts, styles, fonts, connections and frames from 'self'; images also as ``data:`` (the transfer
QR codes are inline PNGs); no plugins; the page may not be framed. Forms may post to the portal itself and to the
external services the resident is sent to with a form: login.gov.pl (the AuthnRequest POST) and those listed in
``PORTAL_CSP_FORM_ACTION`` (e.g. the payment gateway's origin), because browsers apply ``form-action`` to the
redirects that follow a form submission too.

Enable it with ``"portal.security.PortalSecurityHeadersMiddleware"`` in ``MIDDLEWARE`` (after SecurityMiddleware).
A response that already carries a Content-Security-Policy keeps it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from portal.saml import config as saml_config

PORTAL_PREFIX = "/portal/"


def _origin(url: str) -> str:
    parts = urlsplit(url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


def form_action_sources() -> list[str]:
    sources = ["'self'"]
    extra = [_origin(saml_config.idp_sso_url()), *getattr(settings, "PORTAL_CSP_FORM_ACTION", [])]
    for origin in extra:
        origin = _origin(origin) or origin
        if origin and origin not in sources:
            sources.append(origin)
    return sources


def content_security_policy() -> str:
    directives = [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action " + " ".join(form_action_sources()),
    ]
    return "; ".join(directives)


class PortalSecurityHeadersMiddleware:
    """Adds Content-Security-Policy, Referrer-Policy and Permissions-Policy to the portal's responses."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PORTAL_PREFIX):
            if "Content-Security-Policy" not in response:
                response["Content-Security-Policy"] = content_security_policy()
            response.setdefault("Referrer-Policy", "same-origin")
            response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
            response.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
