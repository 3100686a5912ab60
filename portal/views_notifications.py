"""Notifications with consent (issue 10 point 6): the preference centre (a plain form, no JavaScript needed)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from portal.mixins import ResidentView
from portal.models import Channel, Topic
from portal.services_notifications import (
    box_address,
    consent_history,
    consent_set,
    consent_text,
    current_consents,
)


def _grid(party, current, checked=None, email="", phone=""):
    """Rows per topic, one cell per channel: the checkbox name, its state and the consent text shown."""
    box = box_address(party)
    address = {Channel.EMAIL: email, Channel.SMS: phone, Channel.BOX: box}
    rows = []
    for topic, topic_label in Topic.choices:
        cells = []
        for channel, channel_label in Channel.choices:
            row = current.get((channel, topic))
            on = (channel, topic) in checked if checked is not None else bool(row and row.granted)
            cells.append(
                {
                    "name": f"c_{channel}_{topic}",
                    "channel": channel,
                    "label": channel_label,
                    "checked": on,
                    "text": consent_text(channel, topic, address[channel]),
                    "since": row.granted_at if row and row.granted else None,
                }
            )
        rows.append({"topic": topic, "label": topic_label, "cells": cells})
    return rows


class NotificationsView(ResidentView):
    def _context(self, party, *, checked=None, email=None, phone=None, errors=None):
        current = current_consents(party)
        if email is None:
            email = next((r.address for (c, _t), r in current.items() if c == Channel.EMAIL and r.granted), "")
            email = email or party.email
        if phone is None:
            phone = next((r.address for (c, _t), r in current.items() if c == Channel.SMS and r.granted), "")
            phone = phone or party.phone
        return {
            "grid": _grid(party, current, checked, email, phone),
            "email": email,
            "phone": phone,
            "box": box_address(party),
            "history": consent_history(party),
            "errors": errors or {},
        }

    def get(self, request):
        party = self.party(request)
        audit_log(actor=request.user, action="portal.consents.viewed", obj=party, details={})
        return render(request, "portal/notifications/preferences.html", self._context(party))

    def post(self, request):
        party = self.party(request)
        checked = {(c, t) for c in Channel.values for t in Topic.values if request.POST.get(f"c_{c}_{t}") == "on"}
        email = request.POST.get("email", "").strip()[:254]
        phone = request.POST.get("phone", "").strip()[:30]
        try:
            created = consent_set(actor=request.user, party=party, granted=checked, email=email, phone=phone)
        except ServiceValidationError as exc:
            context = self._context(party, checked=checked, email=email, phone=phone, errors=exc.errors or {})
            context["error_message"] = exc.message
            return render(request, "portal/notifications/preferences.html", context, status=400)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("portal:notifications")
        if created:
            messages.success(request, _("Your notification settings have been saved."))
        else:
            messages.info(request, _("Nothing has changed."))
        return redirect("portal:notifications")


urlpatterns = [path("powiadomienia/", NotificationsView.as_view(), name="notifications")]
