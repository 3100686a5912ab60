import datetime

import pytest

from core.exceptions import ServiceValidationError
from core.models import Address, AuditEvent, Party
from core.services.parties import AddressInput, PartyInput, party_create, party_update
from tests.factories import LocalityFactory, PersonFactory, StreetFactory

pytestmark = pytest.mark.django_db


def _person(**overrides) -> PartyInput:
    data = {"kind": "person", "pesel": "44051401359", "first_names": "Jan Maria", "surname": "Nowak"}
    data.update(overrides)
    return PartyInput(**data)


def test_person_gets_birth_date_and_sex_from_pesel_and_an_audit_event(clerk):
    party = party_create(actor=clerk, data=_person())

    assert (party.birth_date, party.sex, party.pesel) == (datetime.date(1944, 5, 14), "M", "44051401359")
    event = AuditEvent.objects.get(action="party.created")
    assert (event.actor, event.object_type, event.object_id) == (clerk, "core.party", str(party.pk))
    assert party.history.count() == 1
    assert party.history.first().history_user == clerk


def test_birth_date_contradicting_pesel_is_refused_and_nothing_is_written(clerk):
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=_person(birth_date=datetime.date(1944, 5, 15)))

    assert err.value.errors == {
        "birth_date": ["Data urodzenia 15.05.1944 nie zgadza się z numerem PESEL, który wskazuje 14.05.1944."]
    }
    assert Party.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_duplicate_pesel_is_refused_with_a_clear_message(clerk):
    party_create(actor=clerk, data=_person())
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=_person(first_names="Piotr", pesel="440514 01359"))

    assert err.value.errors == {"pesel": ["Podmiot o numerze PESEL 44051401359 jest już zarejestrowany."]}
    assert Party.objects.count() == 1
    assert AuditEvent.objects.filter(action="party.created").count() == 1


def test_duplicate_nip_is_refused(clerk):
    org = PartyInput(kind="organisation", name="Spółdzielnia Mieszkaniowa Zgoda", nip="123-456-32-18")
    party_create(actor=clerk, data=org)
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=PartyInput(kind="organisation", name="Inna", nip="1234563218"))
    assert err.value.errors == {"nip": ["Podmiot o numerze NIP 1234563218 jest już zarejestrowany."]}


def test_each_invalid_identifier_gets_its_own_field_error(clerk):
    data = PartyInput(kind="organisation", name="Firma", nip="1234563219", regon="123456784", krs="12345678901")
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=data)

    assert sorted(err.value.errors) == ["krs", "nip", "regon"]
    assert err.value.errors["nip"] == ["Błędna cyfra kontrolna NIP."]
    assert Party.objects.count() == 0


def test_organisation_cannot_have_pesel_and_person_needs_names(clerk):
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=PartyInput(kind="organisation", name="X", pesel="44051401359"))
    assert list(err.value.errors) == ["pesel"]
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=PartyInput(kind="person", pesel="44051401359"))
    assert sorted(err.value.errors) == ["first_names", "surname"]


def test_person_without_pesel_needs_birth_date(clerk):
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=_person(pesel=""))
    assert list(err.value.errors) == ["birth_date"]
    party = party_create(actor=clerk, data=_person(pesel="", birth_date=datetime.date(1990, 1, 2), sex="F"))
    assert (party.pesel, party.sex) == (None, "F")


def test_polish_address_is_tied_to_teryt_and_street_must_belong_to_locality(clerk):
    street = StreetFactory()
    other_locality = LocalityFactory()
    bad = _person(
        address=AddressInput(
            locality_id=other_locality.pk, street_id=street.pk, building_number="5", postal_code="05990"
        )
    )
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=bad)
    assert list(err.value.errors) == ["address.street"]
    assert Address.objects.count() == 0

    good = _person(
        address=AddressInput(
            locality_id=street.locality_id,
            street_id=street.pk,
            building_number="5",
            flat_number="2",
            postal_code="05990",
        )
    )
    party = party_create(actor=clerk, data=good)
    address = party.registered_address
    assert (address.gmina_id, address.postal_code, address.street_name) == (
        street.locality.gmina_id,
        "05-990",
        street.full_name,
    )
    assert address.one_line == f"{street.full_name} 5/2, 05-990 {street.locality.name}"


def test_foreign_address_needs_no_teryt(clerk):
    data = _person(
        address=AddressInput(
            country="de",
            locality_name="Berlin",
            street_name="Unter den Linden",
            building_number="1",
            postal_code="10117",
        )
    )
    party = party_create(actor=clerk, data=data)
    assert party.registered_address.country == "DE"
    assert party.registered_address.one_line == "Unter den Linden 1, 10117 Berlin, DE"


def test_update_records_changed_fields_and_keeps_history(clerk):
    party = party_create(actor=clerk, data=_person())
    updated = party_update(
        actor=clerk, party=party, data=_person(surname="Nowak-Kowalski", email="jan@example.pl", email_consent=True)
    )

    assert updated.surname == "Nowak-Kowalski"
    event = AuditEvent.objects.get(action="party.updated")
    assert event.details == {"fields": ["email", "email_consent", "surname"]}
    assert [h.surname for h in updated.history.order_by("history_date")] == ["Nowak", "Nowak-Kowalski"]


def test_update_refuses_a_pesel_of_another_party(clerk):
    other = PersonFactory()
    party = party_create(actor=clerk, data=_person())
    with pytest.raises(ServiceValidationError) as err:
        party_update(actor=clerk, party=party, data=_person(pesel=other.pesel))
    assert list(err.value.errors) == ["pesel"]
    party.refresh_from_db()
    assert party.pesel == "44051401359"
    assert AuditEvent.objects.filter(action="party.updated").count() == 0


def test_consent_without_contact_is_refused(clerk):
    with pytest.raises(ServiceValidationError) as err:
        party_create(actor=clerk, data=_person(email_consent=True, phone_consent=True))
    assert sorted(err.value.errors) == ["email_consent", "phone_consent"]


def test_village_with_streets_keeps_its_name_beside_the_post_town():
    address = Address(
        street_name="ul. Główna",
        locality_name="Stara Wieś",
        building_number="5",
        postal_code="05-991",
        post_town="Magistrowo",
    )
    assert address.one_line == "ul. Główna 5, Stara Wieś, 05-991 Magistrowo"
