from taxes.models.appeals import DecisionAppeal
from taxes.models.assessment import (
    AssessmentRun,
    Decision,
    DecisionInstallment,
    DecisionItem,
    DecisionTax,
    Proposal,
)
from taxes.models.declarations import Declaration
from taxes.models.reference import (
    CommodityPrice,
    HectareMultiplier,
    MaxRate,
    Rate,
    RateCategory,
    Resolution,
    Tax,
    YearSettings,
)
from taxes.models.register import ExemptionReason, Liability, ObjectVersion, TaxObject
from taxes.models.waste import (
    WasteDeclaration,
    WasteExemption,
    WasteIncome,
    WasteMethod,
    WasteProperty,
    WasteRate,
    WasteResolution,
)
from taxes.models.waste_decisions import WasteDecision
from taxes.models.waste_verify import (
    CollectionContract,
    ContractImport,
    VerificationFinding,
    WaterImport,
    WaterReading,
)

__all__ = [
    "AssessmentRun",
    "CollectionContract",
    "CommodityPrice",
    "ContractImport",
    "Decision",
    "DecisionAppeal",
    "DecisionInstallment",
    "DecisionItem",
    "DecisionTax",
    "Declaration",
    "ExemptionReason",
    "HectareMultiplier",
    "Liability",
    "MaxRate",
    "ObjectVersion",
    "Proposal",
    "Rate",
    "RateCategory",
    "Resolution",
    "Tax",
    "TaxObject",
    "VerificationFinding",
    "WasteDecision",
    "WasteDeclaration",
    "WasteExemption",
    "WasteIncome",
    "WasteMethod",
    "WasteProperty",
    "WasteRate",
    "WasteResolution",
    "WaterImport",
    "WaterReading",
    "YearSettings",
]
