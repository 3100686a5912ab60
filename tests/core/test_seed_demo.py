"""seed_demo creates 340 parties through the service: each test here takes about a second or two."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import translation

from core import roles
from core.domain.identifiers import validate_krs, validate_nip, validate_pesel, validate_regon
from core.models import Address, AuditEvent, Locality, OrgUnit, Party, Street, TercUnit, User


@pytest.fixture(autouse=True)
def _core_seed_only(monkeypatch):
    """These tests are about core's own seed; the apps' seeders (core.demo registry) are tested in their apps."""
    import core.demo

    monkeypatch.setattr(core.demo, "_seeders", [])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {
        "terc": TercUnit.objects.count(),
        "localities": Locality.objects.count(),
        "streets": Street.objects.count(),
        "units": OrgUnit.objects.count(),
        "users": User.objects.count(),
        "persons": Party.objects.filter(kind=Party.Kind.PERSON).count(),
        "organisations": Party.objects.filter(kind=Party.Kind.ORGANISATION).count(),
        "addresses": Address.objects.count(),
        "party history": Party.history.count(),
        "party.created events": AuditEvent.objects.filter(action="party.created").count(),
        "teryt.imported events": AuditEvent.objects.filter(action="teryt.imported").count(),
    }


def test_running_twice_creates_everything_once(db):
    first_output = _seed()
    first = _counts()
    second_output = _seed()

    assert first == {
        "terc": 5,
        "localities": 6,
        "streets": 22,
        "units": 6,
        "users": 7,
        "persons": 300,
        "organisations": 40,
        "addresses": 340,
        "party history": 340,
        "party.created events": 340,
        "teryt.imported events": 1,
    }
    # The second run only records that the TERYT files were checked again.
    assert _counts() == {**first, "teryt.imported events": 2}
    assert "  Parties: 300 persons and 40 organisations created, 0 already there." in first_output.splitlines()
    assert "  Parties: 0 persons and 0 organisations created, 340 already there." in second_output.splitlines()
    assert "  Users: 0 created, 7 in the demo." in second_output.splitlines()
    assert second_output.splitlines()[-8:] == [
        "  username     password  role",
        "  admin        demo      Administrator",
        "  kierownik    demo      Head of unit",
        "  referent     demo      Tax clerk",
        "  ksiegowa     demo      Accountant",
        "  kancelaria   demo      Registry clerk",
        "  ewidencja    demo      Population register clerk",
        "  mieszkaniec  demo      Resident (portal)",
    ]
    for role in roles.ROLE_LABELS:
        group = Group.objects.get(name=role)
        assert group.permissions.count() == len(roles.declared_permissions(role)) > 0


def test_seeded_parties_have_valid_identifiers_and_demo_addresses(db):
    _seed()

    persons = Party.objects.filter(kind=Party.Kind.PERSON).select_related("registered_address")
    organisations = Party.objects.filter(kind=Party.Kind.ORGANISATION).select_related("registered_address")
    for person in persons:
        pesel = validate_pesel(person.pesel)
        assert (pesel.birth_date, pesel.sex) == (person.birth_date, person.sex)
        if person.nip:
            assert validate_nip(person.nip) == person.nip
    for organisation in organisations:
        assert validate_nip(organisation.nip) == organisation.nip
        assert validate_regon(organisation.regon) == organisation.regon
        if organisation.krs:
            assert validate_krs(organisation.krs) == organisation.krs
    assert 0 < persons.exclude(nip=None).count() < 60
    assert 20 < organisations.exclude(krs="").count() < 40
    assert set(organisations.values_list("legal_form", flat=True)) >= {
        "spółka z ograniczoną odpowiedzialnością",
        "spółka jawna",
        "stowarzyszenie",
        "spółdzielnia",
    }
    with_email = Party.objects.exclude(email="")
    assert 40 <= with_email.count() <= 100
    assert with_email.filter(email_consent=False).count() == 0
    assert {p.registered_address.gmina.code for p in Party.objects.select_related("registered_address__gmina")} == {
        "1499014",
        "1499015",
    }
    for address in Address.objects.select_related("locality__gmina", "street"):
        assert address.postal_code == {"1499014": "05-990", "1499015": "05-991"}[address.locality.gmina.code]
        assert address.building_number
        # Localities with streets get a street of their own.
        assert (address.street is not None) == address.locality.streets.exists()
        if address.street is not None:
            assert address.street.locality_id == address.locality_id
    assert Party.objects.filter(surname__in=["Wójcik", "Żak", "Świątek"]).exists()
    assert Party.objects.filter(surname__endswith="ska").exists()


def test_demo_users_roles_units_and_login(db, client):
    _seed()

    expected = {
        "admin": (roles.ADMINISTRATOR, "OR"),
        "kierownik": (roles.HEAD_OF_UNIT, "FN"),
        "referent": (roles.TAX_CLERK, "PD"),
        "ksiegowa": (roles.ACCOUNTANT, "FN"),
        "kancelaria": (roles.REGISTRY_CLERK, "KA"),
        "ewidencja": (roles.POPULATION_CLERK, "SO"),
        "mieszkaniec": (roles.RESIDENT, None),
    }
    users = {u.username: u for u in User.objects.select_related("org_unit")}
    assert set(users) == set(expected)
    for username, (role, unit) in expected.items():
        user = users[username]
        assert list(user.groups.values_list("name", flat=True)) == [role]
        assert (user.org_unit.symbol if user.org_unit else None) == unit
        assert user.check_password("demo")
        assert (user.is_staff, user.is_superuser) == ((True, True) if username == "admin" else (False, False))
    units = {u.symbol: u for u in OrgUnit.objects.select_related("parent", "head")}
    assert {s: (u.parent.symbol if u.parent else None) for s, u in units.items()} == {
        "OR": None,
        "KA": "OR",
        "FN": None,
        "PD": "FN",
        "SO": None,
        "GK": None,
    }
    assert units["FN"].head == users["kierownik"]
    resident = users["mieszkaniec"]
    assert resident.party.kind == Party.Kind.PERSON
    assert (resident.first_name, resident.last_name, resident.email) == (
        resident.party.first_names.split()[0],
        resident.party.surname,
        resident.party.email,
    )
    assert client.login(username="admin", password="demo")
    assert users["admin"].has_perm("core.view_party")
    assert users["referent"].has_perm("core.add_party")


def test_seed_demo_refuses_production_settings(settings):
    from django.core.management import CommandError, call_command

    settings.SETTINGS_MODULE = "config.settings.production"
    with pytest.raises(CommandError, match="refusing under production"):
        call_command("seed_demo")
