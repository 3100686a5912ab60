"""Reads of core data that other apps may use. Sensitive reads go through access_* selectors."""

import datetime

from django.db.models import Q, QuerySet

from core.actors import require_perm_or_not_found as _require
from core.domain.text import fold
from core.exceptions import NotFoundOrForbidden
from core.models import Party
from core.services.audit import audit_log


def access_party_by_id(*, user, party_id: int, purpose: str = "") -> Party:
    """The only way to read a party's full details: checks permission and logs the access.

    A missing party and a forbidden one raise the same NotFoundOrForbidden.
    """
    _require(user, "core.view_party")
    party = (
        Party.objects.select_related(
            "registered_address__locality",
            "registered_address__street",
            "correspondence_address__locality",
            "correspondence_address__street",
        )
        .filter(pk=party_id)
        .first()
    )
    if party is None:
        raise NotFoundOrForbidden("not found")
    audit_log(
        actor=user,
        action="party.viewed",
        obj=party,
        details={"purpose": purpose} if purpose else {},
    )
    return party


def access_own_party(*, user, log: bool = True) -> Party:
    """A resident's own party (portal); logs the access like any other read unless ``log`` is False (the portal logs
    it once per login session: ``portal.mixins.resident_party``)."""
    if not (user and user.is_authenticated and user.party_id):
        raise NotFoundOrForbidden("not found")
    party = Party.objects.select_related("registered_address", "correspondence_address").get(pk=user.party_id)
    if log:
        audit_log(actor=user, action="party.viewed", obj=party, details={"purpose": "own data"})
    return party


def digits_prefix_q(field: str, prefix: str) -> Q:
    """``field`` starts with the digits ``prefix``, as a range (prefix <= x < next prefix).

    Unlike LIKE 'prefix%', a range uses the plain btree index under any collation.
    """
    if not prefix.isdigit():
        raise ValueError("digits only")
    upper = str(int(prefix) + 1).zfill(len(prefix)) if set(prefix) != {"9"} else None
    cond = Q(**{f"{field}__gte": prefix})
    if upper is not None:
        cond &= Q(**{f"{field}__lt": upper})
    return cond


def party_search(*, user, query: str = "", kind: str = "") -> QuerySet[Party]:
    """Parties matching a PESEL, NIP, REGON or (parts of) a name, case- and accent-insensitive."""
    _require(user, "core.view_party")
    qs = Party.objects.select_related("registered_address__locality", "registered_address__street")
    if kind:
        qs = qs.filter(kind=kind)
    query = (query or "").strip()
    if query:
        digits = query.replace("-", "").replace(" ", "")
        if digits.isdigit():
            qs = qs.filter(Q(nip=digits) | Q(regon=digits) | digits_prefix_q("pesel", digits))
        else:
            for word in fold(query).split():
                qs = qs.filter(search_text__contains=word)
    return qs.order_by("surname", "first_names", "name", "pk")


def fee_amount(*, code: str, on: datetime.date):
    """The fee rate in force on a date (the newest row with valid_from <= on)."""
    from core.models import FeeRate

    rate = FeeRate.objects.filter(code=code, valid_from__lte=on).order_by("-valid_from").first()
    if rate is None:
        raise LookupError(f"No fee rate {code!r} in force on {on:%d.%m.%Y}")
    return rate


def holidays_between(start: datetime.date, end: datetime.date) -> frozenset[datetime.date]:
    """Public holidays in [start, end] (reference data, :class:`core.models.PublicHoliday`)."""
    from core.models import PublicHoliday

    return frozenset(PublicHoliday.objects.filter(date__gte=start, date__lte=end).values_list("date", flat=True))


def legal_deadline(start: datetime.date, *, days: int = 0, months: int = 0) -> datetime.date:
    """KPA art. 57 / OP art. 12: the end of a limit from ``start``, shifted past Saturdays and holidays."""
    from core.domain.calendar import add_months, deadline

    horizon = (add_months(start, months) if months else start + datetime.timedelta(days=days)) + datetime.timedelta(
        days=31
    )
    return deadline(start, days=days, months=months, holidays=holidays_between(start, horizon))
