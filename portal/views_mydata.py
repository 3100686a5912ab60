"""Portal pages: "Download my data" (the ZIP of everything the office holds about the resident, RODO art. 15) and
the accessibility statement (deklaracja dostępności, ustawa z 4 kwietnia 2019 r. o dostępności cyfrowej).

``/portal/moje-dane/pobierz/`` (``portal:mydata``) describes the export; ``…/moje-dane.zip`` (``portal:mydata-zip``)
builds it for the logged-in resident's own party (:mod:`portal.export`), never for an id from the URL.
``/portal/deklaracja-dostepnosci/`` (``portal:accessibility``) is public: the statement must be reachable without
logging in. It is generated from settings (office, dates, contact, architectural accessibility) and from the result
of the latest automated axe-core check over every portal page (the JSON file the browser test writes).
"""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal import export
from portal.mixins import ResidentView

log = logging.getLogger("portal")


class MyDataView(ResidentView):
    """What the export contains, and the download button."""

    def get(self, request):
        party = self.party(request)
        return render(request, "portal/mydata/index.html", {"party": party, "files": export.FILES})


class MyDataZipView(ResidentView):
    """The ZIP itself (the export is audited: ``portal.mydata.exported``)."""

    def get(self, request):
        party = self.party(request)
        content = export.build_zip(actor=request.user, party=party)
        response = HttpResponse(content, content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{export.zip_name(party)}"'
        response["Cache-Control"] = "no-store"
        return response


# --- the accessibility statement ----------------------------------------------------------------------------------


def a11y_report_path() -> Path:
    """Where the automated axe-core check (tests/e2e/test_portal_a11y.py) writes its result."""
    configured = getattr(settings, "PORTAL_A11Y_REPORT", "")
    return Path(configured) if configured else Path(settings.BASE_DIR) / "var" / "a11y" / "axe-portal.json"


def _date_setting(name: str, default: str) -> datetime.date | None:
    value = getattr(settings, name, default)
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def load_a11y_report() -> dict | None:
    """The latest automated check: {checked_at, axe_version, pages: [{url, violations: [{id, impact, nodes}]}]}."""
    report_path = a11y_report_path()
    try:
        data = json.loads(report_path.read_text(encoding="utf-8"))
        checked_at = datetime.datetime.fromisoformat(data["checked_at"])
        pages = data["pages"]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("accessibility report %s unreadable: %s", report_path, exc)
        return None
    impacts = {"critical": 0, "serious": 0, "moderate": 0, "minor": 0}
    rules: dict[str, dict] = {}
    for page in pages:
        for violation in page.get("violations", []):
            impact = violation.get("impact") or "minor"
            impacts[impact] = impacts.get(impact, 0) + 1
            rule = rules.setdefault(violation["id"], {"id": violation["id"], "impact": impact, "pages": 0,
                                                       "help": violation.get("help", "")})  # fmt: skip
            rule["pages"] += 1
    return {
        "checked_at": checked_at,
        "axe_version": data.get("axe_version", ""),
        "page_count": len(pages),
        "impacts": impacts,
        "rules": sorted(rules.values(), key=lambda r: (r["impact"] not in ("critical", "serious"), r["id"])),
        "blocking": impacts["critical"] + impacts["serious"],
    }


def statement_context() -> dict:
    report = load_a11y_report()
    published = _date_setting("PORTAL_A11Y_PUBLISHED", "2026-11-21")
    updated = _date_setting("PORTAL_A11Y_UPDATED", "")
    if report is not None:
        checked_on = report["checked_at"].date()
        updated = max(d for d in (updated, checked_on, published) if d is not None)
    status = getattr(settings, "PORTAL_A11Y_STATUS", "partial")
    if status not in ("full", "partial", "none"):
        status = "partial"
    return {
        "office_name": getattr(settings, "MAGISTRAT_OFFICE_NAME", ""),
        "office_address": getattr(settings, "MAGISTRAT_OFFICE_ADDRESS", ""),
        "portal_url": getattr(settings, "PORTAL_PUBLIC_URL", "") or "",
        "published": published,
        "updated": updated or published,
        "status": status,
        "report": report,
        "contact_name": getattr(settings, "PORTAL_A11Y_CONTACT_NAME", "")
        or _("The office's accessibility coordinator"),
        "contact_email": getattr(settings, "PORTAL_A11Y_CONTACT_EMAIL", "") or "",
        "contact_phone": getattr(settings, "PORTAL_A11Y_CONTACT_PHONE", "") or "",
        "architecture": getattr(settings, "PORTAL_A11Y_ARCHITECTURE", "") or "",
        "exclusions": list(getattr(settings, "PORTAL_A11Y_EXCLUSIONS", []) or []),
    }


@require_GET
def accessibility(request):
    """The accessibility statement of the portal (public)."""
    return render(request, "portal/accessibility.html", statement_context())


urlpatterns = [
    path("moje-dane/pobierz/", MyDataView.as_view(), name="mydata"),
    path("moje-dane/pobierz/moje-dane.zip", MyDataZipView.as_view(), name="mydata-zip"),
    path("deklaracja-dostepnosci/", accessibility, name="accessibility"),
]
