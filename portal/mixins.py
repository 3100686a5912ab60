"""The base of every portal page and API endpoint: a resident (``core.use_portal``) logged in through login.gov.pl,
the session ended after inactivity, and only the resident's own party — never an id from the URL.

Pages: subclass :class:`ResidentView` and use ``self.party(request)`` (logged ``party.viewed`` once per request). API:
``permission_classes = [IsResident]`` and :func:`resident_party`. A portal user without a linked party gets 403.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.urls import reverse_lazy
from django.views import View
from rest_framework.permissions import BasePermission

from core.exceptions import NotFoundOrForbidden
from core.selectors import access_own_party
from portal.views import PortalSessionMixin

PORTAL_PERM = "core.use_portal"


def resident_party(request):
    """The logged-in resident's own party (the read is logged), cached on the request; 403 without one."""
    cached = getattr(request, "_portal_party", None)
    if cached is not None:
        return cached
    try:
        party = access_own_party(user=request.user)
    except NotFoundOrForbidden:
        raise PermissionDenied("no party linked to this portal account") from None
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
    """API: an authenticated, active portal user with ``core.use_portal``."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.has_perm(PORTAL_PERM))
