import datetime

import factory
from django.contrib.auth.models import Group

from core.domain.identifiers import generate_nip, generate_pesel, generate_regon9
from core.models import Address, Locality, OrgUnit, Party, Street, TercUnit, User


class TercGminaFactory(factory.django.DjangoModelFactory[TercUnit]):
    class Meta:
        model = TercUnit
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"14{90 + n % 10:02d}{n % 100:02d}2")
    level = TercUnit.Level.GMINA
    kind = "2"
    name = factory.Sequence(lambda n: f"Gmina Testowa {n}")
    state_date = datetime.date(2026, 1, 1)


class LocalityFactory(factory.django.DjangoModelFactory[Locality]):
    class Meta:
        model = Locality

    sym = factory.Sequence(lambda n: f"{9000000 + n:07d}")
    name = factory.Sequence(lambda n: f"Testowo {n}")
    kind = "01"
    gmina = factory.SubFactory(TercGminaFactory)
    state_date = datetime.date(2026, 1, 1)


class StreetFactory(factory.django.DjangoModelFactory[Street]):
    class Meta:
        model = Street

    locality = factory.SubFactory(LocalityFactory)
    sym_ul = factory.Sequence(lambda n: f"{10000 + n:05d}")
    feature = "ul."
    name_1 = factory.Sequence(lambda n: f"Testowa {n}")
    state_date = datetime.date(2026, 1, 1)


class AddressFactory(factory.django.DjangoModelFactory[Address]):
    class Meta:
        model = Address

    street = factory.SubFactory(StreetFactory)
    locality = factory.SelfAttribute("street.locality")
    gmina = factory.SelfAttribute("locality.gmina")
    locality_name = factory.SelfAttribute("locality.name")
    street_name = factory.LazyAttribute(lambda a: a.street.full_name)
    building_number = factory.Sequence(lambda n: str(n % 200 + 1))
    postal_code = "05-123"


def _birth(n: int) -> datetime.date:
    return datetime.date(1940 + n % 80, n % 12 + 1, n % 28 + 1)


class PersonFactory(factory.django.DjangoModelFactory[Party]):
    class Meta:
        model = Party

    class Params:
        n = factory.Sequence(lambda n: n)

    kind = Party.Kind.PERSON
    birth_date = factory.LazyAttribute(lambda p: _birth(p.n))
    sex = factory.LazyAttribute(lambda p: "M" if p.n % 2 else "F")
    pesel = factory.LazyAttribute(lambda p: generate_pesel(p.birth_date, p.sex, p.n % 1000))
    first_names = factory.LazyAttribute(lambda p: "Jan" if p.sex == "M" else "Anna")
    surname = factory.Sequence(lambda n: f"Kowalski{n}")
    registered_address = factory.SubFactory(AddressFactory)


class OrganisationFactory(factory.django.DjangoModelFactory[Party]):
    class Meta:
        model = Party

    kind = Party.Kind.ORGANISATION
    name = factory.Sequence(lambda n: f"Przedsiębiorstwo Testowe {n} sp. z o.o.")
    nip = factory.Sequence(lambda n: generate_nip(n + 1))
    regon = factory.Sequence(lambda n: generate_regon9(n + 1))
    registered_address = factory.SubFactory(AddressFactory)


class OrgUnitFactory(factory.django.DjangoModelFactory[OrgUnit]):
    class Meta:
        model = OrgUnit
        django_get_or_create = ("symbol",)

    symbol = factory.Sequence(lambda n: f"T{n}")
    name = factory.Sequence(lambda n: f"Referat testowy {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Ewa"
    last_name = factory.Sequence(lambda n: f"Urzędniczka{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@gmina.test")
    password = factory.django.Password("haslo-testowe-123")

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if not create or not extracted:
            return
        for role in extracted:
            self.groups.add(Group.objects.get(name=role))
