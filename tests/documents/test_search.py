"""Search over cases and the incoming register: visibility, accents, marks, RPW numbers, filters (PG and SQLite)."""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from core import roles
from core.exceptions import ServiceValidationError
from core.models import AuditEvent
from documents.services.indexing import case_reindex, entry_reindex
from documents.services.search import query_words, search, tsquery_text
from tests.factories import CaseFactory, IncomingEntryFactory, JrwaClassFactory, OrgUnitFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _case(**kwargs):
    parties = kwargs.pop("parties", [])
    case = CaseFactory(**kwargs)
    case.parties.set(parties)
    case_reindex(case)
    return case


@pytest.fixture
def world(fn_unit, pd_unit, head, tax_clerk, jrwa_3120, make_user):
    other_unit = OrgUnitFactory(symbol="OR", name="Referat Organizacyjny")
    other_clerk = make_user(roles.TAX_CLERK, username="referent-or", org_unit=other_unit)
    zolkiewski = PersonFactory(first_names="Stanisław", surname="Żółkiewski")
    pd_case = _case(
        unit=pd_unit,
        jrwa=jrwa_3120,
        owner=tax_clerk,
        title="Podatek od nieruchomości — korekta",
        parties=[zolkiewski],
        opened_on=datetime.date(2026, 3, 2),
    )
    other_case = _case(
        unit=other_unit,
        jrwa=jrwa_3120,
        owner=other_clerk,
        title="Podatek od nieruchomości — umorzenie",
        parties=[zolkiewski],
        opened_on=datetime.date(2026, 4, 1),
    )
    return {"pd": pd_case, "other": other_case, "other_clerk": other_clerk, "party": zolkiewski}


def test_query_words_are_folded_and_stripped_of_operators():
    assert query_words("Żółkiewski & !Łęcka 'x' FN.3120.1.2026") == ["zolkiewski", "lecka", "x", "fn.3120.1.2026"]
    assert tsquery_text(["jan", "kowal"]) == "'jan' & 'kowal':*"


def test_clerk_never_finds_another_units_case(world, tax_clerk):
    result = search(user=tax_clerk, query="nieruchomości")
    assert [c.mark for c in result.cases] == [world["pd"].mark]
    result = search(user=tax_clerk, query=world["other"].mark)
    assert result.cases == []


def test_head_sees_sub_unit_but_not_other_unit(world, head):
    assert [c.pk for c in search(user=head, query="podatek").cases] == [world["pd"].pk]


def test_accents_zolkiewski_finds_zolkiewski(world, tax_clerk):
    assert [c.pk for c in search(user=tax_clerk, query="Zolkiewski").cases] == [world["pd"].pk]
    assert [c.pk for c in search(user=tax_clerk, query="ŻÓŁKIEWSKI stanisław").cases] == [world["pd"].pk]


def test_last_word_is_a_prefix(world, tax_clerk):
    assert [c.pk for c in search(user=tax_clerk, query="stanislaw zolk").cases] == [world["pd"].pk]
    # PostgreSQL: only the last word is a prefix; the full-text branch finds nothing, the fuzzy one does
    result = search(user=tax_clerk, query="zolk stanislaw")
    if connection.vendor == "postgresql":
        assert result.fuzzy is True
    else:  # SQLite: every word is a substring
        assert [c.pk for c in result.cases] == [world["pd"].pk]


def test_every_word_must_match(world, tax_clerk):
    assert search(user=tax_clerk, query="zolkiewski umorzenie").cases == []


def test_case_mark_exact_any_case(world, tax_clerk):
    mark = world["pd"].mark
    assert mark == "PD.3120.1.2026"
    assert [c.pk for c in search(user=tax_clerk, query=mark).cases] == [world["pd"].pk]
    assert [c.pk for c in search(user=tax_clerk, query="pd.3120.1.2026").cases] == [world["pd"].pk]


def test_mark_with_dotted_unit_found(pd_unit, tax_clerk, jrwa_3120):
    unit = OrgUnitFactory(symbol="PkiO.WPO", name="Wydział")
    tax_clerk.org_unit = unit
    tax_clerk.save(update_fields=["org_unit"])
    case = _case(unit=unit, jrwa=jrwa_3120, owner=tax_clerk, title="Interpretacja")
    assert case.mark == "PkiO.WPO.3120.1.2026"
    assert [c.pk for c in search(user=tax_clerk, query="pkio.wpo.3120.1.2026").cases] == [case.pk]
    # the words of a mark also match as words
    assert [c.pk for c in search(user=tax_clerk, query="interpretacja pkio.wpo").cases] == [case.pk]


def test_previous_mark_after_reclassification_found(world, tax_clerk):
    case = world["pd"]
    case.previous_marks = ["PD.3110.7.2026"]
    case.save(update_fields=["previous_marks"])
    case_reindex(case)
    assert [c.pk for c in search(user=tax_clerk, query="PD.3110.7.2026").cases] == [case.pk]


def test_filters_unit_class_status_dates(world, make_user, jrwa_3120):
    admin = make_user(roles.ADMINISTRATOR, username="adm")
    other_class = JrwaClassFactory(symbol="1431", title="Informacja publiczna", archival_category="A")
    pd, other = world["pd"], world["other"]
    assert {c.pk for c in search(user=admin, query="podatek").cases} == {pd.pk, other.pk}
    assert [c.pk for c in search(user=admin, query="podatek", unit=pd.unit_id).cases] == [pd.pk]
    assert search(user=admin, query="podatek", jrwa=other_class.pk).cases == []
    assert len(search(user=admin, query="podatek", jrwa=jrwa_3120).cases) == 2
    assert search(user=admin, query="podatek", status="closed").cases == []
    assert [c.pk for c in search(user=admin, query="podatek", date_from="2026-03-15").cases] == [other.pk]
    assert [c.pk for c in search(user=admin, query="podatek", date_to=datetime.date(2026, 3, 2)).cases] == [pd.pk]
    # no words: the filtered cases, newest first
    assert [c.pk for c in search(user=admin, unit=other.unit_id).cases] == [other.pk]


def test_bad_parameters_refused():
    with pytest.raises(ServiceValidationError) as exc:
        search(user=None, query="x", kind="everything", status="bogus", limit=0)
    assert set(exc.value.errors) == {"kind", "status", "limit"}
    with pytest.raises(ServiceValidationError) as exc:
        search(user=None, query="x", date_from="2026-05-01", date_to="2026-04-01")
    assert set(exc.value.errors) == {"date_to"}


def test_entries_by_rpw_number_sender_and_visibility(world, tax_clerk, registry_clerk):
    entry = IncomingEntryFactory(sender=world["party"], title="Wniosek o umorzenie", assigned_to=tax_clerk)
    entry_reindex(entry)
    hidden = IncomingEntryFactory(sender=world["party"], title="Wniosek o umorzenie zaległości")
    entry_reindex(hidden)
    result = search(user=tax_clerk, query="zolkiewski wniosek", kind="entries")
    assert result.cases == []
    assert [e.pk for e in result.entries] == [entry.pk]
    found = search(user=registry_clerk, query=f"rpw/{hidden.number}/{hidden.year}", kind="entries").entries
    assert [e.pk for e in found] == [hidden.pk]
    both = search(user=tax_clerk, query="zolkiewski", kind="all")
    assert [c.pk for c in both.cases] == [world["pd"].pk]
    assert [e.pk for e in both.entries] == [entry.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram similarity is PostgreSQL-only")
def test_postgres_fuzzy_branch_finds_a_typo(world, tax_clerk):
    result = search(user=tax_clerk, query="Zolkiewsky")
    assert result.fuzzy is True
    assert [c.pk for c in result.cases] == [world["pd"].pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text ranking is PostgreSQL-only")
def test_postgres_ranking_puts_better_match_first(pd_unit, tax_clerk, jrwa_3120):
    weak = _case(unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Ulga podatek rolny", description="lorem")
    strong = _case(
        unit=pd_unit, jrwa=jrwa_3120, owner=tax_clerk, title="Ulga ulga ulga", opened_on=datetime.date(2025, 1, 1)
    )
    assert [c.pk for c in search(user=tax_clerk, query="ulga").cases] == [strong.pk, weak.pk]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback")
def test_sqlite_fallback_substring(world, tax_clerk):
    assert [c.pk for c in search(user=tax_clerk, query="kiewski").cases] == [world["pd"].pk]


def test_search_screen_and_api(client, world, tax_clerk):
    client.force_login(tax_clerk)
    before = AuditEvent.objects.count()
    response = client.get(reverse("documents:search"), {"q": "Zolkiewski"})
    assert response.status_code == 200
    assert world["pd"].mark in response.content.decode()
    assert world["other"].mark not in response.content.decode()
    response = client.get(reverse("api-documents-search"), {"q": "Zolkiewski", "kind": "all"})
    assert response.status_code == 200
    body = response.json()
    assert [c["mark"] for c in body["cases"]] == [world["pd"].mark]
    assert body["entries"] == []
    assert AuditEvent.objects.count() == before + 2
    assert AuditEvent.objects.order_by("-seq").first().action == "documents.search.performed"
    response = client.get(reverse("api-documents-search"), {"q": "x", "kind": "nope"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "kind" in response.json()["errors"]
