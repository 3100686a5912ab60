"""Factories for the documents app. Numbers are taken through the real numbering service."""

import datetime

import factory
from django.db import transaction
from django.utils import timezone

from documents.domain.marks import format_mark
from documents.models import Case, IncomingEntry, JrwaClass, JrwaVersion, OutgoingDocument
from documents.services.numbering import case_key, next_number, rpw_key
from tests.factories.core import OrgUnitFactory, PersonFactory, UserFactory


class JrwaVersionFactory(factory.django.DjangoModelFactory[JrwaVersion]):
    class Meta:
        model = JrwaVersion
        django_get_or_create = ("code",)

    code = "test"
    name = "JRWA testowy"
    valid_from = datetime.date(2011, 1, 20)
    is_current = False


class JrwaClassFactory(factory.django.DjangoModelFactory[JrwaClass]):
    class Meta:
        model = JrwaClass
        django_get_or_create = ("version", "symbol")

    version = factory.SubFactory(JrwaVersionFactory)
    symbol = "3120"
    title = "Wymiar podatków i opłat lokalnych"
    archival_category = "BE5"
    handling_days = 30
    is_leaf = True


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    class Meta:
        model = Case
        exclude = ["n"]

    unit = factory.SubFactory(OrgUnitFactory, symbol="FN")
    jrwa = factory.SubFactory(JrwaClassFactory)
    year = 2026
    number = 0
    mark = ""
    title = factory.Sequence(lambda n: f"Sprawa testowa {n}")
    owner = factory.SubFactory(UserFactory)
    opened_by = factory.SelfAttribute("owner")
    opened_on = datetime.date(2026, 3, 2)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic():
            if not kwargs.get("number"):
                kwargs["number"] = next_number(case_key(kwargs["unit"].pk, kwargs["jrwa"].symbol, kwargs["year"]))
            if not kwargs.get("mark"):
                kwargs["mark"] = format_mark(
                    unit=kwargs["unit"].symbol, jrwa=kwargs["jrwa"].symbol, number=kwargs["number"], year=kwargs["year"]
                )
            return super()._create(model_class, *args, **kwargs)


class IncomingEntryFactory(factory.django.DjangoModelFactory[IncomingEntry]):
    class Meta:
        model = IncomingEntry

    year = 2026
    number = 0
    received_at = factory.LazyFunction(timezone.now)
    channel = IncomingEntry._meta.get_field("channel").choices[2][0]  # paper
    sender = factory.SubFactory(PersonFactory)
    title = factory.Sequence(lambda n: f"Pismo {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        with transaction.atomic():
            if not kwargs.get("number"):
                kwargs["number"] = next_number(rpw_key(kwargs["year"]))
            return super()._create(model_class, *args, **kwargs)


class OutgoingDocumentFactory(factory.django.DjangoModelFactory[OutgoingDocument]):
    class Meta:
        model = OutgoingDocument

    case = factory.SubFactory(CaseFactory)
    title = factory.Sequence(lambda n: f"Pismo wychodzące {n}")
    kind = "letter"
    created_by = factory.SelfAttribute("case.owner")
