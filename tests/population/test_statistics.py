"""Population statistics (issue 3, point 6): exact ages, exact figures on a date, CSV, chart, permissions."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from core import roles
from core.exceptions import NotFoundOrForbidden
from core.models import AuditEvent
from population.models import Registration
from population.statistics import (
    AGE_GROUPS,
    Row,
    age_group_of,
    age_on,
    anniversary,
    bar_chart,
    birth_date_range,
    latest_birth_date,
    population_statistics,
    statistics_csv,
)
from tests.factories import AddressFactory, LocalityFactory, PersonFactory, StreetFactory
from tests.factories.population import RegistrationFactory, ResidentFactory

D = datetime.date
ON = D(2025, 6, 10)
PERMANENT, TEMPORARY = Registration.Kind.PERMANENT, Registration.Kind.TEMPORARY


# --- ages (pure) ---------------------------------------------------------------------------------


def test_age_groups_are_contiguous_from_zero_and_open_at_the_top():
    assert [(g.label, g.min_age, g.max_age) for g in AGE_GROUPS] == [
        ("0–6", 0, 6),
        ("7–17", 7, 17),
        ("18–64", 18, 64),
        ("65+", 65, None),
    ]


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (D(2007, 6, 10), D(2025, 6, 10), 18),  # the 18th birthday
        (D(2007, 6, 11), D(2025, 6, 10), 17),  # the day before it
        (D(2025, 6, 10), D(2025, 6, 10), 0),  # the day of birth
        (D(2004, 2, 29), D(2025, 2, 28), 21),  # born on 29.02: a year completed on 28.02 (art. 112 KC)
        (D(2004, 2, 29), D(2025, 2, 27), 20),
        (D(2004, 2, 29), D(2024, 2, 28), 19),  # leap year: the birthday is 29.02
        (D(2004, 2, 29), D(2024, 2, 29), 20),
        (D(2003, 3, 1), D(2024, 2, 29), 20),
    ],
)
def test_age_on_counts_completed_years(birth, day, age):
    assert age_on(birth, day) == age


def test_anniversary_of_29_february_in_a_common_year_is_28_february():
    assert anniversary(D(2004, 2, 29), 1) == D(2005, 2, 28)
    assert anniversary(D(2004, 2, 29), 4) == D(2008, 2, 29)


@given(
    birth=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    day=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    age=st.integers(min_value=0, max_value=110),
)
def test_latest_birth_date_is_what_the_database_compares(birth, day, age):
    """age_on(b, day) >= age  ⇔  b <= latest_birth_date(day, age): the groups' bounds are exact."""
    if birth > day or day.year - age < 1:
        return
    assert (age_on(birth, day) >= age) == (birth <= latest_birth_date(day, age))


@given(
    birth=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
    day=st.dates(min_value=D(1900, 1, 1), max_value=D(2030, 12, 31)),
)
def test_birth_date_range_of_the_group_agrees_with_the_age(birth, day):
    if birth > day:
        return
    group = age_group_of(birth, day)
    born_after, born_on_or_before = birth_date_range(group, day)
    assert birth <= born_on_or_before
    assert born_after is None or birth > born_after


# --- figures on a date --------------------------------------------------------------------------


def _person(surname, birth, sex):
    return ResidentFactory(
        party=PersonFactory(surname=surname, birth_date=birth, sex=sex, pesel=None, registered_address=None)
    )


@pytest.fixture
def places(db):
    alfa = LocalityFactory(name="Alfa")
    beta = LocalityFactory(name="Beta")
    return (
        AddressFactory(street=StreetFactory(locality=alfa), building_number="1"),
        AddressFactory(street=StreetFactory(locality=beta), building_number="2"),
    )


@pytest.fixture
def population(places):
    """Who is registered on 10.06.2025 (ON): 9 persons, 5 women and 4 men, one counted in both kinds."""
    alfa, beta = places

    def reg(resident, address, kind=PERMANENT, start=None, end=None, **kw):
        start = start or D(2021, 1, 1)
        return RegistrationFactory(resident=resident, address=address, kind=kind, start_date=start, end_date=end, **kw)

    # counted
    reg(_person("Anna", D(2020, 6, 10), "F"), alfa)  # 5 → 0–6
    reg(_person("Bartek", D(2018, 6, 11), "M"), alfa)  # 6 (7 tomorrow) → 0–6
    reg(_person("Celina", D(2018, 6, 10), "F"), beta)  # 7 today → 7–17
    dawid = _person("Dawid", D(2007, 6, 10), "M")  # 18 today → 18–64, permanent in Alfa and temporary in Beta
    reg(dawid, alfa)
    reg(dawid, beta, kind=TEMPORARY, start=D(2025, 1, 1), planned_end_date=D(2025, 12, 31))
    reg(_person("Ewa", D(1960, 6, 11), "F"), beta, end=D(2025, 6, 11))  # 64; de-registered the day after ON
    reg(_person("Henryk", D(1990, 1, 1), "M"), alfa, start=ON)  # registered on the day itself
    jan = _person("Jan", D(1980, 1, 1), "M")  # moved from Alfa to Beta in 2023: counted once, in Beta
    reg(jan, alfa, start=D(2010, 1, 1), end=D(2023, 1, 1), end_reason="replaced")
    reg(jan, beta, start=D(2023, 1, 1))
    reg(_person("Lucyna", D(1960, 6, 10), "F"), alfa)  # 65 today → 65+
    maria = _person("Maria", D(1995, 5, 5), "F")  # temporary stay only, a foreigner
    maria.citizenship = "UA"
    maria.save()
    reg(maria, beta, kind=TEMPORARY, start=D(2025, 1, 1), planned_end_date=D(2025, 12, 31))
    # not counted
    reg(_person("Feliks", D(1950, 1, 1), "M"), alfa, end=ON, end_reason="deregistered")  # ended on the day
    reg(_person("Kamila", D(1940, 1, 1), "F"), alfa, end=D(2025, 6, 9), end_reason="deregistered")  # day before
    reg(_person("Grzegorz", D(1950, 1, 1), "M"), beta, start=D(2025, 6, 11))  # registered the day after
    reg(
        _person("Oskar", D(1999, 1, 1), "M"),
        beta,
        kind=TEMPORARY,
        start=D(2024, 1, 1),
        planned_end_date=D(2025, 1, 1),
        end=D(2025, 1, 1),
        end_reason="expired",
    )
    _person("Piotr", D(1970, 1, 1), "M")  # in the register but never registered


def _figures(breakdown):
    return [(row.label, row.count) for row in breakdown.rows]


def test_statistics_on_a_date_are_exact(population, population_clerk, django_assert_num_queries):
    population_clerk.has_perm("population.view_statistics")  # permissions cached: count only the figures
    with django_assert_num_queries(4):
        stats = population_statistics(user=population_clerk, on=ON)

    assert stats.on == ON
    assert stats.total == 9
    assert _figures(stats.age_groups) == [("0–6", 2), ("7–17", 1), ("18–64", 5), ("65+", 1)]
    assert _figures(stats.sex) == [("kobieta", 5), ("mężczyzna", 4)]
    assert _figures(stats.localities) == [("Alfa", 5), ("Beta", 5)]
    assert _figures(stats.kinds) == [("pobyt stały", 8), ("pobyt czasowy", 2)]


def test_the_day_before_and_after_count_other_people(population, population_clerk):
    before = population_statistics(user=population_clerk, on=ON - datetime.timedelta(days=1))
    after = population_statistics(user=population_clerk, on=ON + datetime.timedelta(days=1))
    # 09.06: Feliks still registered (until 10.06), Kamila no longer (until 09.06), Henryk not yet;
    # Celina is still 6, Dawid 17 and Lucyna 64.
    assert before.total == 9
    assert _figures(before.age_groups) == [("0–6", 3), ("7–17", 1), ("18–64", 4), ("65+", 1)]
    # 11.06: Ewa de-registered, Grzegorz registered; Bartek is 7 now.
    assert after.total == 9
    assert _figures(after.age_groups) == [("0–6", 1), ("7–17", 2), ("18–64", 4), ("65+", 2)]


def test_unknown_sex_and_birth_date_get_their_own_rows(places, population_clerk):
    resident = ResidentFactory(
        party=PersonFactory(surname="Nieznany", birth_date=None, sex="", pesel=None, registered_address=None)
    )
    RegistrationFactory(resident=resident, address=places[0], start_date=D(2021, 1, 1))
    stats = population_statistics(user=population_clerk, on=ON)
    assert _figures(stats.sex) == [("kobieta", 0), ("mężczyzna", 0), ("nie podano", 1)]
    assert _figures(stats.age_groups)[-1] == ("data urodzenia nieznana", 1)


def test_two_localities_of_one_name_are_told_apart(population_clerk, db):
    for sym in ("0000002", "0000001"):
        address = AddressFactory(street=StreetFactory(locality=LocalityFactory(name="Nowa Wieś", sym=sym)))
        RegistrationFactory(address=address, start_date=D(2021, 1, 1))
    stats = population_statistics(user=population_clerk, on=ON)
    assert _figures(stats.localities) == [("Nowa Wieś (0000001)", 1), ("Nowa Wieś (0000002)", 1)]


def test_statistics_need_the_permission(make_user, db):
    with pytest.raises(NotFoundOrForbidden):
        population_statistics(user=make_user(roles.TAX_CLERK), on=ON)


def test_csv_is_exact(population, population_clerk):
    stats = population_statistics(user=population_clerk, on=ON)
    assert statistics_csv(stats) == (
        "stan na;zestawienie;kategoria;liczba mieszkańców\r\n"
        "10.06.2025;ogółem;mieszkańcy zameldowani;9\r\n"
        "10.06.2025;Grupa wieku;0–6;2\r\n"
        "10.06.2025;Grupa wieku;7–17;1\r\n"
        "10.06.2025;Grupa wieku;18–64;5\r\n"
        "10.06.2025;Grupa wieku;65+;1\r\n"
        "10.06.2025;Płeć;kobieta;5\r\n"
        "10.06.2025;Płeć;mężczyzna;4\r\n"
        "10.06.2025;Miejscowość;Alfa;5\r\n"
        "10.06.2025;Miejscowość;Beta;5\r\n"
        "10.06.2025;Rodzaj zameldowania;pobyt stały;8\r\n"
        "10.06.2025;Rodzaj zameldowania;pobyt czasowy;2\r\n"
    )


def test_bar_chart_scales_to_the_largest_value():
    chart = bar_chart([Row("a", "A", 10), Row("b", "B", 5), Row("c", "C", 0)], width=600, label_width=150)
    assert chart.max_bar_width == 600 - 150 - 70
    assert [bar.width for bar in chart.bars] == [380, 190, 0]
    assert [bar.y for bar in chart.bars] == [8, 38, 68]
    assert chart.height == 98
    assert bar_chart([Row("a", "A", 0)]).bars[0].width == 0


# --- the screen ---------------------------------------------------------------------------------


def test_statistics_page_shows_tables_chart_and_notes(client, population, make_user):
    client.force_login(make_user(roles.HEAD_OF_UNIT))
    response = client.get(reverse("population:statistics"), {"on": "10.06.2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="total">9<' in html
    assert "Zameldowani mieszkańcy w dniu 10.06.2025" in html
    assert '<tr data-key="0-6">' in html
    assert html.count("<svg") == 4
    assert "<script" not in html.split("<main", 1)[1].split("</main>")[0]  # the chart needs no JavaScript
    # SVG numbers are not localised (a Polish decimal comma would break the drawing): 2 of 5 → 104 of 260.
    assert 'width="104.0"' in html
    assert 'width="104,0"' not in html
    assert "Osoba zameldowana jednocześnie na pobyt stały i czasowy jest liczona w obu wierszach." in html
    assert re.search(r'<th scope="row">Beta</th>\s*<td class="num">5</td>', html)


def test_statistics_default_to_today(client, population, population_clerk):
    client.force_login(population_clerk)
    response = client.get(reverse("population:statistics"))
    assert response.status_code == 200
    assert response.context["stats"].on == timezone.localdate()


def test_statistics_csv_download(client, population, population_clerk):
    client.force_login(population_clerk)
    response = client.get(reverse("population:statistics"), {"on": "10.06.2025", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="statystyka-ludnosci-2025-06-10.csv"'
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8
    text = body[3:].decode("utf-8")
    assert text == statistics_csv(population_statistics(user=population_clerk, on=ON))
    assert text.splitlines()[1] == "10.06.2025;ogółem;mieszkańcy zameldowani;9"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31.02.2025", "Wpisz poprawną datę."),
        ("01.01.2999", "Wybierz datę nie późniejszą niż dzisiejsza."),
    ],
)
def test_statistics_bad_date_is_explained(client, population_clerk, value, message):
    client.force_login(population_clerk)
    response = client.get(reverse("population:statistics"), {"on": value})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert "stats" not in response.context


def test_tax_clerk_gets_no_statistics(client, population, clerk):
    before = AuditEvent.objects.count()
    client.force_login(clerk)
    assert client.get(reverse("population:statistics")).status_code == 403
    assert client.get(reverse("population:statistics"), {"format": "csv"}).status_code == 403
    assert AuditEvent.objects.count() == before
