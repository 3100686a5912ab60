"""The base of every portal page and API endpoint: a resident (``core.use_portal``) logged in through login.gov.pl,
the session ended after inactivity, and only the resident's own party — never an id from the URL.

Pages: subclass :class:`ResidentView` and use ``self.party(request)`` (``party.viewed`` logged once per login session).
API: ``permission_classes = [IsResident]`` and :func:`resident_party`. A portal user without a linked party gets 403.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views import View
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import BasePermission

from core.exceptions import NotFoundOrForbidden
from core.selectors import access_own_party
from portal.views import PortalSessionMixin, portal_session_active

PORTAL_PERM = "core.use_portal"
SESSION_PARTY_LOGGED = "portal_party_logged"  # the party whose read was logged in this session


def resident_party(request):
    """The logged-in resident's own party, cached on the request; 403 without one. The read is logged once per login
    session (``party.viewed``, purpose "own data"; the login itself is logged too), not on every page view: a write
    under the audit chain's lock on each request would serialise every resident's page views."""
    cached = getattr(request, "_portal_party", None)
    if cached is not None:
        return cached
    session = getattr(request, "session", None)
    first = session is None or session.get(SESSION_PARTY_LOGGED) != request.user.party_id
    try:
        party = access_own_party(user=request.user, log=first)
    except NotFoundOrForbidden:
        raise PermissionDenied("no party linked to this portal account") from None
    if first and session is not None:
        session[SESSION_PARTY_LOGGED] = party.pk
    request._portal_party = party
    return party


class ResidentView(PortalSessionMixin, LoginRequiredMixin, PermissionRequiredMixin, View):
    """A portal page: login through login.gov.pl (``portal:login``), ``core.use_portal``, idle expiry."""

    permission_required = PORTAL_PERM
    login_url = reverse_lazy("portal:login")
    raise_exception = False

    def party(self, request):
        return resident_party(request)


class IsResident(BasePermission):
    """API: an authenticated, active portal user with ``core.use_portal``, in the session of their login through
    login.gov.pl — never a token (a token does not expire with inactivity) — under the pages' idle rule."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.has_perm(PORTAL_PERM)):
            return False
        if not isinstance(request.successful_authenticator, SessionAuthentication):
            return False
        if not portal_session_active(request._request):
            expired = _("Your session expired after a period of inactivity. Please log in again.")
            raise exceptions.PermissionDenied(expired)
        return True
