"""The residents' portal: login with profil zaufany through login.gov.pl (SAML SP), the resident's own data.

Login: ``/portal/login/`` shows the button that POSTs the signed AuthnRequest to the node; the node answers the ACS
(``/portal/login/acs/``) with a SAMLart; the portal resolves it server-to-server (SOAP), checks everything
(:mod:`portal.saml.sp`) and signs in the resident matched by PESEL. Logout is single logout. Portal sessions expire
after ``PORTAL_SESSION_IDLE_SECONDS`` of inactivity. Login and ACS are rate limited per IP.
"""

from __future__ import annotations

import logging
import time

from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from epuap.saml import SamlError
from portal import ratelimit
from portal.saml import config, sp
from portal.services import resident_sign_in

log = logging.getLogger("portal.saml")
SESSION_SAML = "portal_saml"
SESSION_LAST_SEEN = "portal_last_seen"
# The stored session outlives the idle limit by this much, so that the portal can say "your session expired";
# after that the session is gone on the server anyway.
IDLE_GRACE_SECONDS = 300
# The stored last activity is refreshed at most this often (PortalSessionMixin).
SESSION_TOUCH_SECONDS = 30
REQUEST_COOKIE = "portal_saml_request"


def _too_many(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "title": _("Too many login attempts"),
            "message": _("Too many login attempts from your address. Please wait a few minutes and try again."),
            "kind": "error",
        },
        status=429,
    )


def _acs_url(request: HttpRequest) -> str:
    return config.acs_url_setting() or request.build_absolute_uri(reverse("portal:acs"))


def portal_session_active(request) -> bool:
    """The idle rule of a logged-in portal session, for pages and the API: False (and the session ended) after
    ``PORTAL_SESSION_IDLE_SECONDS`` without a request; otherwise True, the activity stored.

    The last activity is stored at most every ``SESSION_TOUCH_SECONDS`` (a session write per page view would be a
    database write per request); the limit is counted from the stored time plus that step, so a session ends between
    ``idle`` and ``idle + SESSION_TOUCH_SECONDS`` after the last request, never earlier."""
    now = int(time.time())
    last = request.session.get(SESSION_LAST_SEEN)
    idle = config.idle_seconds()
    if last is not None and now - int(last) > idle + SESSION_TOUCH_SECONDS:
        log.info("portal session of user %s expired after inactivity", request.user.pk)
        auth_logout(request)
        return False
    if last is None or now - int(last) >= SESSION_TOUCH_SECONDS:
        request.session[SESSION_LAST_SEEN] = now
        request.session.set_expiry(idle + IDLE_GRACE_SECONDS)
    return True


class PortalSessionMixin:
    """Ends a portal session after ``PORTAL_SESSION_IDLE_SECONDS`` without a request (:func:`portal_session_active`)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not portal_session_active(request):
            return redirect(reverse("portal:login") + "?wygasla=1")
        return super().dispatch(request, *args, **kwargs)


class PortalHomeView(PortalSessionMixin, LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "core.use_portal"
    login_url = reverse_lazy("portal:login")

    def get(self, request):
        from portal.mixins import resident_party  # portal.mixins builds on this module

        try:
            party = resident_party(request)
        except PermissionDenied:
            party = None
        return render(request, "portal/home.html", {"party": party})


@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """The login page: the button POSTs a fresh signed AuthnRequest to login.gov.pl (HTTP-POST binding)."""
    if not ratelimit.allow(request, "login"):
        return _too_many(request)
    if request.user.is_authenticated and request.user.has_perm("core.use_portal"):
        return redirect("portal:home")
    request_id, saml_request = sp.authn_request(acs_url=_acs_url(request))
    response = render(
        request,
        "portal/login.html",
        {
            "sso_url": config.idp_sso_url(),
            "saml_request": saml_request,
            "expired": request.GET.get("wygasla") == "1",
        },
    )
    # the AuthnRequest this browser started: the ACS accepts only its answer (no login CSRF). A signed cookie of its
    # own, SameSite=None over HTTPS, because the ACS is reached by a cross-site POST from login.gov.pl
    response.set_signed_cookie(
        REQUEST_COOKIE, request_id, salt=REQUEST_COOKIE, max_age=sp.PENDING_SECONDS, httponly=True,
        secure=request.is_secure(), samesite="None" if request.is_secure() else "Lax", path=reverse("portal:acs"),
    )  # fmt: skip
    return response


@csrf_exempt  # a cross-site POST from login.gov.pl (HTTP-Artifact binding); the artifact is resolved server-side
@require_POST
def acs(request: HttpRequest) -> HttpResponse:
    if not ratelimit.allow(request, "acs"):
        return _too_many(request)
    artifact = request.POST.get("SAMLart", "")
    failure = {
        "title": _("Login failed"),
        "message": _("Logging in through login.gov.pl did not succeed. Please try again."),
        "kind": "error",
        "retry": True,
    }
    if not artifact:
        log.warning("portal ACS: no SAMLart (the login was cancelled at login.gov.pl)")
        failure["message"] = _("The login at login.gov.pl was cancelled.")
        return render(request, "portal/message.html", failure, status=400)
    expected = request.get_signed_cookie(REQUEST_COOKIE, default=None, salt=REQUEST_COOKIE, max_age=sp.PENDING_SECONDS)
    try:
        if not expected:
            raise SamlError("no login was started in this browser (the request cookie is missing or expired)")
        identity = sp.resolve(artifact, acs_url=_acs_url(request), expected_request=expected)
    except SamlError as exc:
        log.warning("portal ACS: login refused: %s", exc)
        return render(request, "portal/message.html", failure, status=403)
    user = resident_sign_in(identity=identity)
    if user is None:
        log.info("portal ACS: no party matches the PESEL confirmed by login.gov.pl")
        return render(
            request,
            "portal/message.html",
            {
                "title": _("You were not found in the register"),
                "message": _(
                    "We did not find you in the office's register of persons, so the portal has no data "
                    "to show. If you live or pay taxes in the municipality, contact the office to have your data "
                    "entered."
                ),
                "kind": "warning",
            },
            status=403,
        )
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_SAML] = {"name_id": identity.name_id, "session_index": identity.session_index}
    request.session[SESSION_LAST_SEEN] = int(time.time())
    request.session.set_expiry(config.idle_seconds() + IDLE_GRACE_SECONDS)
    return redirect("portal:home")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """Single logout: end the login.gov.pl session (SOAP LogoutRequest), then the portal session."""
    saml = request.session.get(SESSION_SAML)
    idp_ended = None
    if saml:
        try:
            sp.single_logout(name_id=saml["name_id"], session_index=saml["session_index"])
            idp_ended = True
        except SamlError as exc:
            log.warning("portal logout: single logout at login.gov.pl failed: %s", exc)
            idp_ended = False
    auth_logout(request)
    message = _("You have been logged out of the portal.")
    if idp_ended is True:
        message = _("You have been logged out of the portal and of login.gov.pl.")
    elif idp_ended is False:
        message = _(
            "You have been logged out of the portal. The login.gov.pl session could not be ended: close the browser."
        )
    return render(request, "portal/message.html", {"title": _("Logged out"), "message": message, "kind": "info"})
