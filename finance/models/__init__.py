from finance.models.accounts import AccountEntry, Installment, InterestAdjustment, ObligorAccount
from finance.models.bank import (
    BankProfile,
    BankStatement,
    Payment,
    RefundExport,
    RefundOrder,
    StatementLine,
    VirtualAccount,
)
from finance.models.ledger import AccountingPeriod, JournalEntry, JournalLine
from finance.models.reference import FinanceParameter, InterestRate, LedgerAccount, PostingRule, ReceivableType

__all__ = [
    "AccountEntry",
    "AccountingPeriod",
    "BankProfile",
    "BankStatement",
    "FinanceParameter",
    "Installment",
    "InterestAdjustment",
    "InterestRate",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "ObligorAccount",
    "Payment",
    "PostingRule",
    "ReceivableType",
    "RefundExport",
    "RefundOrder",
    "StatementLine",
    "VirtualAccount",
]
