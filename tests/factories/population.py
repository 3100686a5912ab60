"""Factories of the residents register. They write rows directly (no rules, no audit): for arranging data.

    ResidentFactory()                                   a person (PersonFactory) in the register, Polish
    ResidentFactory(citizenship="UA", party__surname="Bondar")
    RegistrationFactory(resident=r, address=AddressFactory(street=street), start_date=D(2020, 1, 1))
    RegistrationFactory(kind="temporary")               planned end one year after the start
    RegistrationFactory(end_date=D(2024, 6, 10), end_reason="deregistered")

The registration's locality, street and numbers are copied from its address, as the service does. Rules
(one permanent registration at a time, dates…) are the services' business: build through them to test rules.
"""

import datetime

import factory

from population.models import Registration, Resident
from tests.factories.core import AddressFactory, PersonFactory


class ResidentFactory(factory.django.DjangoModelFactory[Resident]):
    class Meta:
        model = Resident

    party = factory.SubFactory(PersonFactory)
    citizenship = "PL"
    status = Resident.Status.ACTIVE
    family_name = ""
    father_name = "Jan"
    mother_name = "Maria"
    birth_place = "Magistrowo"


class RegistrationFactory(factory.django.DjangoModelFactory[Registration]):
    class Meta:
        model = Registration

    resident = factory.SubFactory(ResidentFactory)
    kind = Registration.Kind.PERMANENT
    address = factory.SubFactory(AddressFactory)
    locality = factory.SelfAttribute("address.locality")
    street = factory.SelfAttribute("address.street")
    building_number = factory.LazyAttribute(lambda r: r.address.building_number.strip().upper())
    flat_number = factory.LazyAttribute(lambda r: (r.address.flat_number or "").strip().upper())
    start_date = datetime.date(2020, 1, 1)
    planned_end_date = factory.LazyAttribute(
        lambda r: r.start_date + datetime.timedelta(days=365) if r.kind == Registration.Kind.TEMPORARY else None
    )
    end_date = None
    end_reason = ""
    form = Registration.Form.PAPER
