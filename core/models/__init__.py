from core.models.audit import AuditChainCheck, AuditChainHead, AuditEvent, Heartbeat
from core.models.calendar import PublicHoliday
from core.models.fees import FeeRate
from core.models.org import OrgUnit, User
from core.models.parties import Address, Party
from core.models.teryt import Locality, Street, TercUnit

__all__ = [
    "Address",
    "AuditChainCheck",
    "AuditChainHead",
    "AuditEvent",
    "FeeRate",
    "Heartbeat",
    "Locality",
    "OrgUnit",
    "Party",
    "PublicHoliday",
    "Street",
    "TercUnit",
    "User",
]
