"""A resident with data in every area the portal shows (used by the "My data", cross-access and browser tests).

``resident_world(...)`` creates, for one new person: a registration of stay, a tax object with its liability, an
IN-1 declaration, a delivered property-tax decision with its computation, installments and a PDF (the dispatched
document's version), the finance account with the charge in two installments and a payment allocated to it, a case in
which the person is a party with a dispatched letter (PDF) and its shipment, a waste property with a DO-1 declaration,
and a clerk's read of the person's data (the access log). Every distinctive value (PESEL, names, amounts, numbers)
is returned so that tests can look for it in another resident's responses.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from core import roles
from core.selectors import access_party_by_id
from documents.models import DocumentVersion, OutgoingDocument, Shipment
from finance.models import Payment, ReceivableType
from finance.services.accounts import account_get_or_create, charge_post
from finance.services.payments import payment_allocate
from taxes.models import (
    Decision,
    DecisionInstallment,
    DecisionItem,
    DecisionTax,
    Declaration,
    WasteDeclaration,
    WasteProperty,
)
from tests.factories import (
    AddressFactory,
    CaseFactory,
    OrgUnitFactory,
    OutgoingDocumentFactory,
    PersonFactory,
    UserFactory,
)
from tests.factories.population import RegistrationFactory, ResidentFactory
from tests.factories.taxes import LiabilityFactory, ObjectVersionFactory, TaxObjectFactory

D = Decimal
YEAR = 2026


@dataclass
class World:
    party: object
    user: object
    decision: Decision
    letter: OutgoingDocument
    case: object
    account: object
    payment: Payment
    waste_property: WasteProperty
    secrets: list[str]  # strings that only this resident's pages may contain


def _pdf(text: str) -> bytes:
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def resident_world(*, n: int, clerk, first_names: str, surname: str, total: str, make_user) -> World:
    """One resident's data in every area; ``n`` makes numbers distinct, ``total`` the decision's amount."""
    party = PersonFactory(first_names=first_names, surname=surname, email=f"{surname.lower()}@example.org")
    user = make_user(roles.RESIDENT, username=f"pz-world-{n}", party=party, first_name=first_names, last_name=surname)
    resident = ResidentFactory(party=party, birth_place=f"Miejsce{n}")
    RegistrationFactory(resident=resident, start_date=datetime.date(2019, 5, n))

    version = ObjectVersionFactory(object=TaxObjectFactory(parcel=f"{100 + n}/7", precinct=f"Obręb{n}"))
    LiabilityFactory(object=version.object, party=party)
    Declaration.objects.create(
        form=Declaration.Form.IN_1, party=party, year=YEAR, filed_on=datetime.date(2026, 1, 10 + n),
        status=Declaration.Status.ACCEPTED, payload={"note": f"IN-1 {surname}"},
    )  # fmt: skip

    case = CaseFactory(owner=clerk, title=f"Wymiar {surname}")
    case.parties.add(party)
    decision_doc = OutgoingDocumentFactory(
        case=case, title=f"Decyzja {surname}", status=OutgoingDocument.Status.DISPATCHED
    )
    decision_doc.recipients.add(party)
    DocumentVersion.objects.create(document=decision_doc, number=1, pdf=_pdf(f"decyzja {surname}"), created_by=clerk)
    amount = D(total)
    half = (amount / 2).quantize(D("0.01"))
    decision = Decision.objects.create(
        kind=Decision.Kind.ASSESSMENT, number=f"FN.3120.{n}.{YEAR}", party=party, year=YEAR,
        period_from=datetime.date(YEAR, 1, 1), period_to=datetime.date(YEAR, 12, 31),
        issue_date=datetime.date(YEAR, 2, 2), status=Decision.Status.DELIVERED, total=amount,
        document=decision_doc, delivered_on=datetime.date(YEAR, 2, 9),
    )  # fmt: skip
    DecisionTax.objects.create(decision=decision, tax="property", exact=amount, amount=amount)
    DecisionItem.objects.create(
        decision=decision, tax="property", object=version.object, version=version, category="land_other",
        base=D("1000.0000"), rate=D("0.5000"), months=12, amount=amount,
    )  # fmt: skip
    # delivered on 9.02: the statutory dates stand, 15.03.2026 (a Sunday) moved to Monday 16.03 (OP art. 12 §5)
    for number, due, effective, part in ((1, (3, 15), (3, 16), half), (2, (5, 15), (5, 15), amount - half)):
        DecisionInstallment.objects.create(
            decision=decision, number=number, due_date=datetime.date(YEAR, *due),
            effective_due_date=datetime.date(YEAR, *effective), amount=part,
        )  # fmt: skip

    letter = OutgoingDocumentFactory(case=case, title=f"Wezwanie {surname}", status=OutgoingDocument.Status.DISPATCHED)
    letter.recipients.add(party)
    DocumentVersion.objects.create(document=letter, number=1, pdf=_pdf(f"pismo {surname}"), created_by=clerk)
    Shipment.objects.create(
        document=letter, party=party, year=YEAR, number=n, channel=Shipment.Channel.EPUAP,
        status=Shipment.Status.DELIVERED, created_by=clerk,
    )  # fmt: skip

    accountant = UserFactory(roles=[roles.ACCOUNTANT], username=f"ksiegowa-world-{n}")
    account = account_get_or_create(
        party=party, receivable_type=ReceivableType.objects.get(code="property_tax_person"), year=YEAR,
        source_ref=f"decision:{decision.pk}",
    )  # fmt: skip
    charge_post(
        actor=accountant, account=account, amount=amount, installments=[
            (datetime.date(YEAR, 3, 15), half), (datetime.date(YEAR, 5, 15), amount - half)],
        value_date=datetime.date(YEAR, 2, 9), description=f"Decyzja {decision.number}",
    )  # fmt: skip
    payment = Payment.objects.create(
        source=Payment.Source.BANK, party=party, amount=half, payment_date=datetime.date(YEAR, 3, 10),
        received_on=datetime.date(YEAR, 3, 10), status=Payment.Status.UNIDENTIFIED,
    )  # fmt: skip
    payment_allocate(payment=payment, actor=accountant)

    waste_property = WasteProperty.objects.create(identifier=f"ODP/T/{n:03d}", address=AddressFactory())
    WasteDeclaration.objects.create(
        property=waste_property, payer=party, number=f"DO-{n}", filed_on=datetime.date(YEAR, 1, 5),
        effective_from=datetime.date(YEAR, 1, 1), method="per_resident", residents=3 + n,
        status=WasteDeclaration.Status.ACCEPTED,
    )  # fmt: skip

    access_party_by_id(user=clerk, party_id=party.pk, purpose="test: clerk reads the party")
    return World(
        party=party,
        user=user,
        decision=decision,
        letter=letter,
        case=case,
        account=account,
        payment=payment,
        waste_property=waste_property,
        secrets=[party.pesel, surname, decision.number, case.mark, f"ODP/T/{n:03d}"],
    )


def office_clerk(make_user):
    unit = OrgUnitFactory(symbol="FN", name="Referat Finansowy")
    return make_user(roles.TAX_CLERK, roles.HEAD_OF_UNIT, username="referent-world", org_unit=unit,
                     first_name="Ewa", last_name="Urzędnicza")  # fmt: skip
