"""Template helpers for the back office and the portal: {% load magistrat %}."""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from core.domain.money import format_pln

register = template.Library()


@register.filter
def money(value) -> str:
    """``{{ amount|money }}`` → ``1 234,56 zł`` (non-breaking spaces). ``None`` and "" give ""."""
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        value = str(value)  # never do arithmetic on a float's binary value
    try:
        return format_pln(Decimal(value))
    except (InvalidOperation, TypeError, ValueError):
        return ""


@register.filter
def isodate(value) -> str:
    """``{{ "2026-03-25"|isodate }}`` → ``25.03.2026`` (a date kept as ISO text, e.g. in a JSON snapshot)."""
    import datetime

    if isinstance(value, datetime.date):
        return f"{value:%d.%m.%Y}"
    try:
        return f"{datetime.date.fromisoformat(str(value)[:10]):%d.%m.%Y}"
    except ValueError:
        return str(value or "")


@register.simple_tag
def office_name() -> str:
    """The office's name from settings.MAGISTRAT_OFFICE_NAME (shown in the top bar and titles)."""
    return getattr(settings, "MAGISTRAT_OFFICE_NAME", "")


@register.simple_tag
def current_nav_key(nav_items, path: str) -> str:
    """The key of the menu entry whose URL is the longest prefix of ``path`` ("" when none matches).

    The dashboard's URL is "/", a prefix of every path: it wins only when nothing more specific does.
    """
    best_key, best_len = "", -1
    for item in nav_items or []:
        url = item.get("url", "")
        if not url:
            continue
        matches = path == url if url == "/" else path.startswith(url)
        if matches and len(url) > best_len:
            best_key, best_len = item.get("key", ""), len(url)
    return best_key
