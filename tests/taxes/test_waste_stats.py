"""The waste fee statistics (issue 9 point 7): declared vs registered residents per locality, the fee charged and
paid per month, the share of composting properties — exact figures on a small dataset, the screen with its SVG
charts and tables, the API, the permission, and the chart geometry."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext
from rest_framework.test import APIClient

from core import roles
from finance.models import AccountEntry
from finance.services.accounts import reduction_post
from finance.services.payments import payment_register_cash
from taxes.domain.charts import BAR_HEIGHT, LABEL_WIDTH, VALUE_WIDTH, WIDTH, bar_chart
from taxes.hooks.waste import seed_demo
from taxes.models import WasteProperty
from taxes.selectors_waste_stats import waste_stats
from taxes.services.waste_charges import waste_charges_post
from taxes.services.waste_declarations import waste_declaration_accept, waste_declaration_record, waste_property_create
from tests.factories import AddressFactory, LocalityFactory, PersonFactory, StreetFactory
from tests.factories.population import RegistrationFactory

D = Decimal
pytestmark = pytest.mark.django_db
JAN, FEB, MAR, APR = (datetime.date(2025, m, 1) for m in (1, 2, 3, 4))


@pytest.fixture
def clerk(make_user):
    return make_user(roles.TAX_CLERK, username="odpady-statystyki")


@pytest.fixture
def accountant(make_user):
    return make_user(roles.ACCOUNTANT, username="ksiegowa-statystyki")


@pytest.fixture
def outsider(make_user):
    return make_user(roles.REGISTRY_CLERK, username="kancelaria-statystyki")


def _declare(clerk, prop, payer, *, residents, composts, month):
    declaration = waste_declaration_record(
        actor=clerk, property=prop, payer=payer, filed_on=month, effective_from=month, purpose="first",
        method="per_resident", residents=residents, water_m3=None, dwelling_m2=None, households=None,
        selective=True, composts=composts, exemptions=[], containers=[],
    )  # fmt: skip
    return waste_declaration_accept(actor=clerk, declaration=declaration)


@pytest.fixture
def dataset(clerk, accountant):
    """Alfa: P1 (flat 1, 2 declared composting, 3 registered), P2 (building, 4 declared, 4 registered), P3 (no
    declaration, 1 registered). Beta: P4 mixed (no declaration), P5 (5 declared composting from April, 5
    registered), 2 more registered at an address without a property. Charges January–March: 70.00 + 152.00 a month;
    a 35.00 reduction of P1's March, P1's payer pays 70.00 before January's due day."""
    seed_demo()
    alfa, beta = LocalityFactory(name="Alfa"), LocalityFactory(name="Beta")
    a_street, b_street = StreetFactory(locality=alfa), StreetFactory(locality=beta)

    def place(street, number, flat=""):
        return AddressFactory(street=street, building_number=number, flat_number=flat)

    def prop(identifier, address, kind=WasteProperty.Kind.RESIDENTIAL):
        return waste_property_create(actor=clerk, identifier=identifier, address=address, kind=kind)

    def register(address, n):
        for _i in range(n):
            RegistrationFactory(address=address)

    p1, p2, p3 = prop("ODP/1", place(a_street, "10", "1")), prop("ODP/2", place(a_street, "12")), prop(
        "ODP/3", place(a_street, "14"))  # fmt: skip
    p4 = prop("ODP/4", place(b_street, "3"), WasteProperty.Kind.MIXED)
    p5 = prop("ODP/5", place(b_street, "5"))
    register(p1.address, 3)
    register(p2.address, 4)
    register(p3.address, 1)
    register(p5.address, 5)
    register(place(b_street, "99"), 2)
    payer1, payer2 = PersonFactory(), PersonFactory()
    d1 = _declare(clerk, p1, payer1, residents=2, composts=True, month=JAN)
    _declare(clerk, p2, payer2, residents=4, composts=False, month=JAN)
    _declare(clerk, p5, PersonFactory(), residents=5, composts=True, month=APR)
    for month in (JAN, FEB, MAR):
        waste_charges_post(actor=clerk, month=month)
    march = AccountEntry.objects.get(source_ref=f"waste:{d1.pk}:2025-03", kind=AccountEntry.Kind.CHARGE)
    reduction_post(actor=accountant, charge=march, amount=D("35.00"), value_date=datetime.date(2025, 3, 20),
                   description="odpis", source_ref=f"waste:{d1.pk}:2025-03")  # fmt: skip
    payment_register_cash(actor=accountant, party=payer1, amount=D("70.00"), payment_date=datetime.date(2025, 1, 10))
    return {"p4": p4}


def test_residents_per_locality_on_the_first_of_the_month(dataset):
    rows = waste_stats(year=2025, month=3).residents
    got = [(r.locality, r.properties, r.declarations, r.declared, r.registered, r.difference, r.registered_total)
           for r in rows]  # fmt: skip
    assert got == [("Alfa", 3, 2, 6, 8, 2, 8), ("Beta", 2, 0, 0, 5, 5, 7)]
    april = waste_stats(year=2025, month=4).residents
    assert [(r.locality, r.declarations, r.declared) for r in april] == [("Alfa", 2, 6), ("Beta", 1, 5)]


def test_fees_per_month_charged_reduced_paid(dataset):
    fees = waste_stats(year=2025, month=3).fees
    assert [f.month for f in fees] == [datetime.date(2025, m, 1) for m in range(1, 13)]
    got = [(f.charged, f.reduced, f.net, f.paid) for f in fees[:4]]
    assert got == [
        (D("222.00"), D("0.00"), D("222.00"), D("70.00")),
        (D("222.00"), D("0.00"), D("222.00"), D("0.00")),
        (D("222.00"), D("35.00"), D("187.00"), D("0.00")),
        (D("0.00"), D("0.00"), D("0.00"), D("0.00")),
    ]
    assert all(f.charged == f.paid == D("0.00") for f in fees[4:])
    assert all(f.charged == D("0.00") for f in waste_stats(year=2024, month=12).fees)


def test_composting_share_residential_only(dataset):
    stats = waste_stats(year=2025, month=3)
    assert [(c.locality, c.residential, c.composting, c.share) for c in stats.composting] == [
        ("Alfa", 3, 1, D("33.3")), ("Beta", 1, 0, D("0.0"))]  # fmt: skip
    overall = stats.composting_overall
    assert (overall.residential, overall.composting, overall.share) == (4, 1, D("25.0"))
    april = waste_stats(year=2025, month=4)
    assert [c.share for c in april.composting] == [D("33.3"), D("100.0")]
    assert april.composting_overall.share == D("50.0")


def test_queries_do_not_grow_with_properties(dataset, clerk):
    with CaptureQueriesContext(connection) as few:
        waste_stats(year=2025, month=3)
    street = StreetFactory(locality=LocalityFactory(name="Gamma"))
    for n in range(6):
        waste_property_create(actor=clerk, identifier=f"ODP/G{n}", kind=WasteProperty.Kind.RESIDENTIAL,
                              address=AddressFactory(street=street, building_number=str(n + 1)))  # fmt: skip
    with CaptureQueriesContext(connection) as more:
        waste_stats(year=2025, month=3)
    assert len(more) == len(few)


def test_screen_shows_charts_and_tables(client, clerk, dataset):
    client.force_login(clerk)
    response = client.get("/taxes/waste/stats/", {"year": "2025", "month": "3"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img"') == 3
    for chart in ("chart-residents", "chart-fees", "chart-composting"):
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert "631,00\u00a0zł" in html  # the year's charged after reductions: 222 + 222 + 187
    assert "70,00\u00a0zł" in html
    assert "25,0\u00a0%" in html  # the composting bar's label
    composting_svg = html.split('data-testid="chart-composting"')[1].split("</svg>")[0]
    assert 'width="107.5"' in composting_svg  # 25 % of the 430 px plot: shares are drawn against 100 %
    assert gettext("Declared and registered residents per locality") in html
    fees_svg = html.split('data-testid="chart-fees"')[1].split("</svg>")[0]
    assert "<title>03.2025: 187,00\u00a0zł</title>" in fees_svg
    january = fees_svg.split("<title>02.2025")[0]
    assert 'width="430.0"' in january  # 222.00 is the largest: the whole plot (720 − 170 − 120)
    assert 'width="135.6"' in january  # paid 70.00: 430 × 70 / 222 = 135.59
    totals = response.context["totals"]
    assert (totals["charged"], totals["paid"], totals["declared"], totals["registered"]) == (
        D("631.00"), D("70.00"), 6, 13)  # fmt: skip


def test_screen_defaults_and_bad_filter(client, clerk, dataset):
    client.force_login(clerk)
    assert client.get("/taxes/waste/stats/").status_code == 200
    assert client.get("/taxes/waste/stats/", {"year": "2025", "month": "13"}).status_code == 422


def test_api_same_figures_as_strings(clerk, dataset):
    api = APIClient()
    api.force_authenticate(clerk)
    response = api.get("/api/v1/taxes/waste/stats/", {"year": 2025, "month": 3})
    assert response.status_code == 200
    body = response.json()
    assert (body["year"], body["month"]) == (2025, "2025-03")
    assert body["residents"][0] == {"locality": "Alfa", "properties": 3, "declarations": 2, "declared": 6,
                                    "registered": 8, "difference": 2, "registered_total": 8}  # fmt: skip
    assert body["fees"][2] == {"month": "2025-03", "charged": "222.00", "reduced": "35.00", "net": "187.00",
                               "paid": "0.00"}  # fmt: skip
    assert body["fees"][0]["paid"] == "70.00"
    assert body["composting_overall"] == {"locality": "", "residential": 4, "composting": 1, "share": "25.0"}
    bad = api.get("/api/v1/taxes/waste/stats/", {"year": 1800})
    assert bad.status_code == 400
    assert "year" in bad.json()["errors"]


def test_permission_required(client, outsider, dataset):
    client.force_login(outsider)
    assert client.get("/taxes/waste/stats/").status_code == 403
    api = APIClient()
    api.force_authenticate(outsider)
    assert api.get("/api/v1/taxes/waste/stats/").status_code == 403


def test_chart_geometry():
    chart = bar_chart(["A", "B"], [("x", [D("50"), D("100")]), ("y", [D("25"), D("0")])], fmt=lambda v: f"{v}")
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    assert chart.maximum == D("100")
    assert [[b.width for b in row.bars] for row in chart.rows] == [
        [D(plot) / 2, D(plot) / 4], [D(plot), D(0)]]  # fmt: skip
    first, second = chart.rows
    assert [b.y for b in first.bars] == [8, 8 + BAR_HEIGHT + 2]
    assert second.bars[0].y == 8 + 2 * BAR_HEIGHT + 2 + 10
    assert [b.text for b in first.bars] == ["50", "25"]
    assert first.bars[0].text_x == LABEL_WIDTH + D(plot) / 2 + 4
    assert [item.name for item in chart.legend] == ["x", "y"]
    assert chart.height == chart.legend[0].y - 4 + 28


def test_chart_scale_for_percentages():
    plot = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    chart = bar_chart(["A", "B"], [("share", [D("25.0"), D("50.0")])], scale=100)
    assert chart.maximum == D("100")
    assert [row.bars[0].width for row in chart.rows] == [D(plot) / 4, D(plot) / 2]
    assert bar_chart(["A"], [("x", [D("150")])], scale=100).maximum == D("150")  # never cut a bar


def test_chart_all_zero_and_negative_values():
    chart = bar_chart(["A"], [("x", [D("0")]), ("y", [D("-5")])])
    assert chart.maximum == D("0")
    assert [b.width for b in chart.rows[0].bars] == [D(0), D(0)]
    with pytest.raises(ValueError, match="one value per category"):
        bar_chart(["A", "B"], [("x", [1])])


def test_the_cottages_annual_fee_counts_in_the_month_it_was_charged_for(clerk, accountant):
    """A holiday cottage declared from March: its annual fee (180.00 zł, ref ``…:2025:annual``) is charged by the
    March run and counted in March; a reduction of it in March too."""
    seed_demo()
    cottage = waste_property_create(actor=clerk, identifier="ODP/L1", address=AddressFactory(),
                                    kind=WasteProperty.Kind.COTTAGE)  # fmt: skip
    declaration = waste_declaration_record(
        actor=clerk, property=cottage, payer=PersonFactory(), filed_on=MAR, effective_from=MAR, purpose="first",
        method="", selective=True, composts=False, exemptions=[], containers=[],
    )  # fmt: skip
    waste_declaration_accept(actor=clerk, declaration=declaration)
    with time_machine.travel(datetime.datetime(2025, 3, 1, 9, 0), tick=False):
        waste_charges_post(actor=clerk, month=MAR)
    charge = AccountEntry.objects.get(source_ref=f"waste:{declaration.pk}:2025:annual")
    reduction_post(actor=accountant, charge=charge, amount=D("30.00"), value_date=datetime.date(2025, 7, 1),
                   description="odpis", source_ref=f"waste:{declaration.pk}:2025:annual")  # fmt: skip
    fees = waste_stats(year=2025, month=3).fees
    assert [(f.month.month, f.charged, f.reduced) for f in fees if f.charged or f.reduced] == [
        (3, D("180.00"), D("30.00"))
    ]
