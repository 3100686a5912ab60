from tests.factories.core import (
    AddressFactory,
    LocalityFactory,
    OrganisationFactory,
    OrgUnitFactory,
    PersonFactory,
    StreetFactory,
    TercGminaFactory,
    UserFactory,
)
from tests.factories.documents import (
    CaseFactory,
    IncomingEntryFactory,
    JrwaClassFactory,
    JrwaVersionFactory,
    OutgoingDocumentFactory,
)

__all__ = [
    "AddressFactory",
    "CaseFactory",
    "IncomingEntryFactory",
    "JrwaClassFactory",
    "JrwaVersionFactory",
    "LocalityFactory",
    "OrgUnitFactory",
    "OrganisationFactory",
    "OutgoingDocumentFactory",
    "PersonFactory",
    "StreetFactory",
    "TercGminaFactory",
    "UserFactory",
]
