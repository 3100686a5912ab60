"""The waste fee's back-office menu entries: shown to a user holding each entry's permission, hidden otherwise, and
every entry leads to a screen that user may open."""

import pytest
from django.utils.translation import gettext

from core import roles
from core.navigation import menu_for
from taxes.hooks.waste_menu import items

pytestmark = pytest.mark.django_db
WASTE = {
    "taxes-waste-properties": "/taxes/waste/properties/",
    "taxes-waste-intake": "/taxes/waste/declarations/from-entry/",
    "taxes-waste-findings": "/taxes/waste/findings/",
    "taxes-waste-imports": "/taxes/waste/imports/",
    "taxes-waste-charges": "/taxes/waste/charges/",
    "taxes-waste-decisions": "/taxes/waste/decisions/",
    "taxes-waste-stats": "/taxes/waste/stats/",
}


def test_registered_entries_and_their_permissions():
    assert {i.key: (i.url_name, i.permission) for i in items()} == {
        "taxes-waste-properties": ("taxes:waste-property-list", "taxes.view_declaration"),
        "taxes-waste-intake": ("taxes:waste-declaration-from-entry", "taxes.manage_register"),
        "taxes-waste-findings": ("taxes:waste-findings", "taxes.manage_register"),
        "taxes-waste-imports": ("taxes:waste-imports", "taxes.view_declaration"),
        "taxes-waste-charges": ("taxes:waste-charges", "taxes.assess_taxes"),
        "taxes-waste-decisions": ("taxes:waste-decision-list", "taxes.assess_taxes"),
        "taxes-waste-stats": ("taxes:waste-stats", "taxes.view_declaration"),
    }
    assert all(85 < i.order < 90 for i in items())  # after the other taxes entries (70–85)


def test_tax_clerk_sees_all_and_can_open_them(client, make_user):
    clerk = make_user(roles.TAX_CLERK, username="odpady-menu")
    menu = {item["key"]: item for item in menu_for(clerk)}
    assert {key: menu[key]["url"] for key in WASTE} == WASTE
    assert menu["taxes-waste-stats"]["label"] == gettext("Waste fee: statistics")
    client.force_login(clerk)
    for url in WASTE.values():
        assert client.get(url).status_code == 200, url
    html = client.get("/taxes/waste/stats/").content.decode()
    assert all(f'href="{url}"' in html for url in WASTE.values())


def test_user_without_permission_sees_none(client, make_user):
    outsider = make_user(roles.REGISTRY_CLERK, username="kancelaria-menu")
    assert not set(WASTE) & {item["key"] for item in menu_for(outsider)}
    client.force_login(outsider)
    html = client.get("/").content.decode()
    assert not any(f'href="{url}"' in html for url in WASTE.values())
