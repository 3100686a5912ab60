from population.models.certificates import Certificate, DataDisclosure
from population.models.residents import Registration, Resident
from population.models.sync import CentralImport, CentralImportRow, ReconciliationItem

__all__ = [
    "CentralImport",
    "CentralImportRow",
    "Certificate",
    "DataDisclosure",
    "ReconciliationItem",
    "Registration",
    "Resident",
]
