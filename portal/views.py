"""The residents' portal (built out by the portal issue). For now: a resident's own data."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.shortcuts import render
from django.views import View

from core.exceptions import NotFoundOrForbidden
from core.selectors import access_own_party


class PortalHomeView(LoginRequiredMixin, PermissionRequiredMixin, View):
    permission_required = "core.use_portal"

    def get(self, request):
        try:
            party = access_own_party(user=request.user)
        except NotFoundOrForbidden:
            party = None
        return render(request, "portal/home.html", {"party": party})
