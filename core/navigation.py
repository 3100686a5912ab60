"""The back-office menu. Apps register their entries (from AppConfig.ready); each has a permission."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    permission: str
    order: int = 100


_items: dict[str, MenuItem] = {}


def register(item: MenuItem) -> None:
    _items[item.key] = item


def menu_for(user) -> list[dict]:
    return [
        {"key": item.key, "label": item.label, "url": reverse(item.url_name)}
        for item in sorted(_items.values(), key=lambda i: (i.order, i.key))
        if user.has_perm(item.permission)
    ]


def register_core_menu() -> None:
    register(MenuItem("dashboard", _("Dashboard"), "dashboard", "core.access_backoffice", 0))
    register(MenuItem("parties", _("Parties"), "core:party-list", "core.view_party", 10))
    register(MenuItem("audit", _("Audit log"), "core:audit-list", "core.view_auditevent", 90))
    register(MenuItem("portal", _("My data"), "portal:home", "core.use_portal", 5))
