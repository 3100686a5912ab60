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

__all__ = [
    "AddressFactory",
    "LocalityFactory",
    "OrgUnitFactory",
    "OrganisationFactory",
    "PersonFactory",
    "StreetFactory",
    "TercGminaFactory",
    "UserFactory",
]
