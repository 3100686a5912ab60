from documents.models.archive import ArchiveTransfer, DisposalList
from documents.models.cases import Case
from documents.models.jrwa import DeadlineRule, JrwaClass, JrwaVersion
from documents.models.outgoing import (
    ApprovalStep,
    DocumentKind,
    DocumentTemplate,
    DocumentVersion,
    OutgoingDocument,
    PostalBook,
    Receipt,
    ReceiptEvent,
    Shipment,
)
from documents.models.registry import (
    Assignment,
    AssignmentRule,
    Channel,
    Counter,
    EmailIntake,
    IncomingEntry,
    MailboxState,
    Priority,
    SignatureVerdict,
    StoredFile,
)

__all__ = [
    "ApprovalStep",
    "ArchiveTransfer",
    "Assignment",
    "AssignmentRule",
    "Case",
    "Channel",
    "Counter",
    "DeadlineRule",
    "DisposalList",
    "DocumentKind",
    "DocumentTemplate",
    "DocumentVersion",
    "EmailIntake",
    "IncomingEntry",
    "JrwaClass",
    "JrwaVersion",
    "MailboxState",
    "OutgoingDocument",
    "PostalBook",
    "Priority",
    "Receipt",
    "ReceiptEvent",
    "Shipment",
    "SignatureVerdict",
    "StoredFile",
]
