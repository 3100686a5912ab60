"""Disclosure of data from the residents register (issue 3, point 4): rules, fees, audit, screens."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from core import roles
from core.domain.identifiers import generate_pesel
from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.models import AuditEvent, FeeRate
from population.certificates import data_disclosure_record, disclosure_residents_by_pesel
from population.models import DataDisclosure
from population.services import ResidentInput, resident_create
from tests.factories import OrganisationFactory, PersonFactory

D = datetime.date
TODAY = D(2026, 11, 20)


@pytest.fixture
def people(population_clerk, db):
    """Two residents with valid PESELs."""
    out = []
    for serial, (first, last) in enumerate([("Jan", "Kowalski"), ("Małgorzata", "Wójcik")]):
        birth = D(1970 + serial, 5, 10)
        person = PersonFactory(
            first_names=first,
            surname=last,
            birth_date=birth,
            sex="F" if serial else "M",
            pesel=generate_pesel(birth, "F" if serial else "M", 200 + serial),
        )
        out.append(resident_create(actor=population_clerk, party=person, data=ResidentInput()))
    return out


@pytest.fixture
def bailiff(db):
    return OrganisationFactory(name="Kancelaria Komornicza nr I w Magistrowie")


def _record(actor, requester, residents, **kwargs):
    arguments = {
        "requester_kind": "legal_interest",
        "legal_basis": "art. 46 ust. 1 pkt 2 ustawy o ewidencji ludności",
        "justification": "",
        "scope": "adres zameldowania",
        "decision": "granted",
        "refusal_reason": "",
        "today": TODAY,
        **kwargs,
    }
    return data_disclosure_record(actor=actor, requester=requester, residents=residents, **arguments)


def _snapshot():
    return (DataDisclosure.objects.count(), AuditEvent.objects.count())


def test_legal_interest_costs_the_rate_per_person(population_clerk, people, bailiff):
    disclosure = _record(population_clerk, bailiff, people)

    assert disclosure.fee_amount == Decimal("62.00")
    assert list(disclosure.residents.order_by("pk")) == people
    assert (disclosure.requester, disclosure.requester_kind, disclosure.decision, disclosure.decided_by) == (
        bailiff,
        "legal_interest",
        "granted",
        population_clerk,
    )
    [event] = AuditEvent.objects.filter(action="data_disclosure.recorded")
    assert event.object_id == str(disclosure.pk)
    assert event.details == {
        "requester": bailiff.pk,
        "requester_kind": "legal_interest",
        "legal_basis": "art. 46 ust. 1 pkt 2 ustawy o ewidencji ludności",
        "residents": [r.pk for r in people],
        "scope": "adres zameldowania",
        "decision": "granted",
        "fee_amount": "62.00",
    }


def test_a_person_named_twice_is_counted_once(population_clerk, people, bailiff):
    assert _record(population_clerk, bailiff, [people[0], people[0]]).fee_amount == Decimal("31.00")


def test_public_bodies_pay_nothing(population_clerk, people):
    police = OrganisationFactory(name="Komenda Powiatowa Policji")

    disclosure = _record(population_clerk, police, people, requester_kind="public_body", legal_basis="art. 46 ust. 1")

    assert disclosure.fee_amount == Decimal("0.00")


def test_factual_interest_needs_a_justification(population_clerk, people, bailiff):
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        _record(population_clerk, bailiff, people, requester_kind="factual_interest")

    assert err.value.errors == {"justification": ["Wniosek oparty na interesie faktycznym musi zawierać uzasadnienie."]}
    assert _snapshot() == before
    disclosure = _record(
        population_clerk, bailiff, people[:1], requester_kind="factual_interest", justification="zgoda osoby w aktach"
    )
    assert (disclosure.fee_amount, disclosure.justification) == (Decimal("31.00"), "zgoda osoby w aktach")


def test_refusal_needs_a_reason_and_costs_nothing(population_clerk, people, bailiff):
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        _record(population_clerk, bailiff, people, decision="refused")

    assert err.value.errors == {"refusal_reason": ["Odmowa musi zawierać uzasadnienie."]}
    assert _snapshot() == before
    refused = _record(population_clerk, bailiff, people, decision="refused", refusal_reason="brak interesu prawnego")
    assert (refused.decision, refused.refusal_reason, refused.fee_amount) == (
        "refused",
        "brak interesu prawnego",
        Decimal("0.00"),
    )


def test_every_missing_element_is_reported_at_once(population_clerk):
    before = _snapshot()

    with pytest.raises(ServiceValidationError) as err:
        data_disclosure_record(
            actor=population_clerk,
            requester=None,
            requester_kind="neighbour",
            legal_basis=" ",
            justification="",
            residents=[],
            scope="",
            decision="maybe",
            refusal_reason="",
        )

    assert err.value.errors == {
        "requester": ["Wybierz wnioskodawcę z rejestru podmiotów."],
        "requester_kind": ["Wybierz rodzaj wnioskodawcy."],
        "legal_basis": ["Podaj podstawę prawną udostępnienia."],
        "residents": ["Podaj PESEL co najmniej jednej osoby."],
        "scope": ["Podaj zakres danych."],
        "decision": ["Wybierz rozstrzygnięcie."],
    }
    assert _snapshot() == before


def test_a_reason_belongs_to_a_refusal_only(population_clerk, people, bailiff):
    with pytest.raises(ServiceValidationError) as err:
        _record(population_clerk, bailiff, people, refusal_reason="?")

    assert err.value.errors == {"refusal_reason": ["Uzasadnienie odmowy podaje się tylko przy odmowie."]}


def test_fee_follows_the_dated_rate(population_clerk, people, bailiff):
    FeeRate.objects.create(
        code="population_data_disclosure", name="t", amount=Decimal("35.50"), valid_from=TODAY, legal_basis="x"
    )

    assert _record(population_clerk, bailiff, people).fee_amount == Decimal("71.00")
    assert _record(population_clerk, bailiff, people, today=TODAY - datetime.timedelta(days=1)).fee_amount == Decimal(
        "62.00"
    )


def test_residents_are_chosen_by_pesel(population_clerk, people):
    a, b = (r.party.pesel for r in people)
    wrong = a[:-1] + str((int(a[-1]) + 1) % 10)

    assert disclosure_residents_by_pesel(user=population_clerk, pesels=f"{b}\n{a}, {b};") == [people[1], people[0]]
    with pytest.raises(ServiceValidationError) as err:
        disclosure_residents_by_pesel(user=population_clerk, pesels=f"{a} 12345 {wrong} 44051401458")
    assert err.value.errors == {
        "residents": [
            "12345: PESEL musi mieć 11 cyfr, a ten ma 5.",
            f"{wrong}: Błędna cyfra kontrolna PESEL: powinna być {a[-1]}, jest {wrong[-1]}.",
            "44051401458: tej osoby nie ma w rejestrze mieszkańców.",
        ]
    }


def test_choosing_residents_needs_the_permission(make_user, people):
    with pytest.raises(NotFoundOrForbidden):
        disclosure_residents_by_pesel(user=make_user(roles.TAX_CLERK), pesels=people[0].party.pesel)


# --- screens ---------------------------------------------------------------------------------------------------


def _form(people, bailiff, **overrides):
    data = {
        "requester": bailiff.nip,
        "requester_kind": "legal_interest",
        "legal_basis": "art. 46 ust. 1 pkt 2 ustawy o ewidencji ludności",
        "justification": "",
        "residents": "\n".join(r.party.pesel for r in people),
        "scope": "adres zameldowania",
        "decision": "granted",
        "refusal_reason": "",
    }
    data.update(overrides)
    return data


def test_clerk_records_a_disclosure_through_the_form(client, population_clerk, people, bailiff):
    client.force_login(population_clerk)
    assert client.get(reverse("population:disclosure-create")).status_code == 200

    response = client.post(reverse("population:disclosure-create"), _form(people, bailiff))

    disclosure = DataDisclosure.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("population:disclosure-detail", args=[disclosure.pk])
    assert disclosure.fee_amount == Decimal("62.00")
    detail = client.get(response["Location"]).content.decode()
    assert "62,00\u00a0zł" in detail
    assert people[1].party.pesel in detail
    listing = client.get(reverse("population:disclosure-list")).content.decode()
    assert "Kancelaria Komornicza nr I w Magistrowie" in listing
    assert "62,00\u00a0zł" in listing


def test_the_form_reports_wrong_pesels_and_missing_elements_together(client, population_clerk, people, bailiff):
    client.force_login(population_clerk)
    before = _snapshot()

    response = client.post(
        reverse("population:disclosure-create"),
        _form(people, bailiff, residents="44051401458", requester="5260250274", requester_kind="factual_interest"),
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "44051401458: tej osoby nie ma w rejestrze mieszkańców." in html
    assert (
        "Brak podmiotu o identyfikatorze 5260250274 w rejestrze podmiotów: najpierw zarejestruj wnioskodawcę." in html
    )
    assert "Wniosek oparty na interesie faktycznym musi zawierać uzasadnienie." in html
    assert _snapshot() == before


def test_a_tax_clerk_cannot_see_or_record_disclosures(client, make_user, population_clerk, people, bailiff):
    disclosure = _record(population_clerk, bailiff, people)
    client.force_login(make_user(roles.TAX_CLERK))
    before = _snapshot()

    responses = [
        client.get(reverse("population:disclosure-list")),
        client.get(reverse("population:disclosure-detail", args=[disclosure.pk])),
        client.post(reverse("population:disclosure-create"), _form(people, bailiff)),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert _snapshot() == before
