from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from core.templatetags.magistrat import current_nav_key, money

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1234.5"), f"1{NBSP}234,50{NBSP}zł"),
        (Decimal("1234567.891"), f"1{NBSP}234{NBSP}567,89{NBSP}zł"),
        (Decimal("0.005"), f"0,01{NBSP}zł"),  # half up, to the grosz
        (Decimal("-1234.56"), f"-1{NBSP}234,56{NBSP}zł"),
        (Decimal("-0.5"), f"-0,50{NBSP}zł"),
        (Decimal("0"), f"0,00{NBSP}zł"),
        (0, f"0,00{NBSP}zł"),
        (999, f"999,00{NBSP}zł"),
        (Decimal("100.00"), f"100,00{NBSP}zł"),
        ("1234.5", f"1{NBSP}234,50{NBSP}zł"),
        (None, ""),
        ("", ""),
        ("not a number", ""),
    ],
)
def test_money(value, expected):
    assert money(value) == expected


def test_money_does_not_expose_float_binary_noise():
    assert money(0.1 + 0.2) == f"0,30{NBSP}zł"


def test_money_in_a_template():
    rendered = Template("{% load magistrat %}{{ amount|money }}|{{ missing|money }}").render(
        Context({"amount": Decimal("1500")})
    )
    assert rendered == f"1{NBSP}500,00{NBSP}zł|"


def test_office_name(settings):
    settings.MAGISTRAT_OFFICE_NAME = "Urząd Miasta Testowo"
    assert Template("{% load magistrat %}{% office_name %}").render(Context()) == "Urząd Miasta Testowo"


NAV = [
    {"key": "dashboard", "label": "Pulpit", "url": "/"},
    {"key": "parties", "label": "Podmioty", "url": "/core/parties/"},
    {"key": "audit", "label": "Dziennik", "url": "/core/audit/"},
]


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/", "dashboard"),
        ("/core/parties/", "parties"),
        ("/core/parties/12/edit/", "parties"),
        ("/core/audit/", "audit"),
        ("/admin/", ""),
    ],
)
def test_current_nav_key_picks_the_longest_matching_url(path, key):
    assert current_nav_key(NAV, path) == key


def test_current_nav_key_in_a_template():
    request = RequestFactory().get("/core/parties/3/")
    template = Template("{% load magistrat %}{% current_nav_key nav_items request.path as current %}{{ current }}")
    assert template.render(Context({"nav_items": NAV, "request": request})) == "parties"
    assert current_nav_key([], "/") == ""
