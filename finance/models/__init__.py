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
from finance.models.collection import (
    CollectionRun,
    EnforcementPaymentReport,
    EnforcementTitle,
    EnforcementTitleItem,
    InformationNotice,
    Reminder,
    ReminderItem,
)
from finance.models.desk import BudgetPlanLine, CashDeposit, CashDesk, CashReceipt, CashReport, Certificate
from finance.models.gateway import GatewayTransaction, PaymentOrder
from finance.models.ledger import AccountingPeriod, JournalEntry, JournalLine
from finance.models.reference import FinanceParameter, InterestRate, LedgerAccount, PostingRule, ReceivableType

__all__ = [
    "AccountEntry",
    "AccountingPeriod",
    "BankProfile",
    "BankStatement",
    "BudgetPlanLine",
    "CashDeposit",
    "CashDesk",
    "CashReceipt",
    "CashReport",
    "Certificate",
    "CollectionRun",
    "EnforcementPaymentReport",
    "EnforcementTitle",
    "EnforcementTitleItem",
    "FinanceParameter",
    "GatewayTransaction",
    "InformationNotice",
    "Installment",
    "InterestAdjustment",
    "InterestRate",
    "JournalEntry",
    "JournalLine",
    "LedgerAccount",
    "ObligorAccount",
    "Payment",
    "PaymentOrder",
    "PostingRule",
    "ReceivableType",
    "RefundExport",
    "RefundOrder",
    "Reminder",
    "ReminderItem",
    "StatementLine",
    "VirtualAccount",
]
