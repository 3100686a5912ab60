"""Search over the registers and cases (issue point 10): only what the user may see.

The ``search_text`` columns of cases and incoming entries are folded (``core.domain.text.fold``: lower case, no
Polish accents); the query is folded the same way, so ``Zolkiewski`` finds ``Żółkiewski``.

PostgreSQL: ``to_tsvector('simple', search_text) @@ to_tsquery('simple', …)`` — every word must match, the last
one as a prefix (typing ``Kowal`` finds ``Kowalski``), ranked by ``ts_rank`` (up to RANK_CAP matches; a more general
query lists its matches newest first, ranking each would re-parse every text); GIN expression indexes from
migration 0003. The ``simple`` parser keeps ``fn.3120.1.2026`` and ``rpw/12/2026`` as single tokens, and splits a
mark whose unit part has dots the same way in the text and in the query, so marks are found as words; on top of
that an exact branch finds a case by its mark (any letter case) and an entry by its RPW number (``RPW/12/2026``).
When the full-text branch finds nothing, a fuzzy branch (pg_trgm ``word_similarity``) finds names with a typo.

SQLite (development): every word must occur in ``search_text`` (substring).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField, TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Func, QuerySet
from django.utils.translation import gettext as _

from core.domain.text import fold
from core.exceptions import ServiceValidationError
from documents.models import Case, IncomingEntry
from documents.selectors import cases_visible_to, entries_visible_to

KINDS = ("cases", "entries", "all")
MAX_LIMIT = 500
MAX_WORDS = 12
WORD_RE = re.compile(r"[0-9a-z]+(?:[./_-][0-9a-z]+)*")
RPW_RE = re.compile(r"^\s*rpw\s*/?\s*(\d{1,9})\s*/\s*(\d{4})\s*$", re.IGNORECASE)
FUZZY_THRESHOLD = 0.5
RANK_CAP = 2000  # more matches than this are listed newest first instead of ranked (the query is too general)


@dataclass
class SearchResult:
    cases: list[Case] = field(default_factory=list)
    entries: list[IncomingEntry] = field(default_factory=list)
    words: list[str] = field(default_factory=list)
    fuzzy: bool = False


def query_words(query: str) -> list[str]:
    """The folded words of a query, without tsquery operators or quotes (safe to quote into a tsquery)."""
    return WORD_RE.findall(fold(query or ""))[:MAX_WORDS]


def tsquery_text(words: list[str]) -> str:
    """``['jan', 'kowal']`` → ``'jan' & 'kowal':*`` (words are [0-9a-z./_-] only, see WORD_RE)."""
    terms = [f"'{w}'" for w in words]
    if terms:
        terms[-1] += ":*"
    return " & ".join(terms)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def _vector() -> Func:
    """``to_tsvector('simple', search_text)`` exactly as in the GIN expression index of migration 0003."""
    return Func(
        F("search_text"),
        function="to_tsvector",
        template="%(function)s('simple'::regconfig, %(expressions)s)",
        output_field=SearchVectorField(),
    )


def _full_text(qs: QuerySet, words: list[str]) -> QuerySet:
    if _postgres():
        tsquery = SearchQuery(tsquery_text(words), search_type="raw", config="simple")
        return qs.alias(fts=_vector(), rank=SearchRank(_vector(), tsquery)).filter(fts=tsquery)
    for word in words:
        qs = qs.filter(search_text__contains=word)
    return qs


def _fuzzy(qs: QuerySet, words: list[str]) -> QuerySet:
    """Names with a typo (PostgreSQL only): every word similar to a word of the text (pg_trgm ``<%``)."""
    for word in words:
        qs = qs.filter(search_text__trigram_word_similar=word)
    return qs.annotate(rank=TrigramWordSimilarity(" ".join(words), "search_text")).filter(rank__gte=FUZZY_THRESHOLD)


def _date(value, name: str) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise ServiceValidationError(
            _("The data contain errors."), errors={name: [_("Give a date as YYYY-MM-DD.")]}
        ) from None


def _validate(kind, status, limit, date_from, date_to):
    errors: dict[str, list[str]] = {}
    if kind not in KINDS:
        errors["kind"] = [_("Choose cases, entries or all.")]
    case_statuses = set(Case.Status.values)
    entry_statuses = set(IncomingEntry.Status.values)
    if status and status not in case_statuses | entry_statuses:
        errors["status"] = [_("Unknown status.")]
    if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        errors["limit"] = [_("Give a number from 1 to %(max)s.") % {"max": MAX_LIMIT}]
    if errors:
        raise ServiceValidationError(_("The data contain errors."), errors=errors)
    start, end = _date(date_from, "date_from"), _date(date_to, "date_to")
    if start and end and start > end:
        raise ServiceValidationError(
            _("The data contain errors."), errors={"date_to": [_("The end date is before the start date.")]}
        )
    return start, end


def _cases_filtered(user, *, unit, jrwa, status, start, end) -> QuerySet[Case]:
    qs = cases_visible_to(user)
    if unit:
        qs = qs.filter(unit_id=getattr(unit, "pk", unit))
    if jrwa:
        qs = qs.filter(jrwa_id=getattr(jrwa, "pk", jrwa))
    if status:
        qs = qs.filter(status=status) if status in Case.Status.values else qs.none()
    if start:
        qs = qs.filter(opened_on__gte=start)
    if end:
        qs = qs.filter(opened_on__lte=end)
    return qs.select_related("unit", "jrwa", "owner")


def _entries_filtered(user, *, unit, jrwa, status, start, end) -> QuerySet[IncomingEntry]:
    qs = entries_visible_to(user)
    if unit:
        qs = qs.filter(assigned_unit_id=getattr(unit, "pk", unit))
    if jrwa:
        qs = qs.filter(case__jrwa_id=getattr(jrwa, "pk", jrwa))
    if status:
        qs = qs.filter(status=status) if status in IncomingEntry.Status.values else qs.none()
    if start:
        qs = qs.filter(received_at__date__gte=start)
    if end:
        qs = qs.filter(received_at__date__lte=end)
    return qs.select_related("sender", "assigned_unit", "assigned_to", "case")


def _exact(qs: QuerySet, query: str) -> list:
    """A case by its mark (any letter case), an entry by its RPW number: found whatever the tokeniser does."""
    query = (query or "").strip()
    if not query or len(query) > 100:
        return []
    if qs.model is Case:
        return list(qs.filter(mark__iexact=query)[:1])
    match = RPW_RE.match(query)
    if match:
        return list(qs.filter(number=int(match.group(1)), year=int(match.group(2)))[:1])
    return []


def _ranked(qs: QuerySet, words: list[str], recency: str, limit: int, exclude: list) -> tuple[list, bool]:
    """(objects, fuzzy?): full text first; on PostgreSQL the fuzzy branch when the full text found nothing."""
    qs_words = qs.exclude(pk__in=[o.pk for o in exclude]) if exclude else qs
    matched = _full_text(qs_words, words)
    if _postgres() and len(matched.order_by().values_list("pk", flat=True)[: RANK_CAP + 1]) <= RANK_CAP:
        order = ("-rank", f"-{recency}", "-id")
    else:  # SQLite, or too many matches to rank each (ts_rank re-parses every text): newest first
        order = (f"-{recency}", "-id")
    found = list(matched.order_by(*order)[:limit])
    if found or exclude or not _postgres() or not all(w.isalpha() and len(w) >= 3 for w in words):
        return found, False  # fuzzy only for names: never for marks, numbers, identifiers
    return list(_fuzzy(qs_words, words).order_by("-rank", f"-{recency}", "-id")[:limit]), True


def search(
    *,
    user,
    query: str = "",
    unit=None,
    jrwa=None,
    status: str | None = None,
    date_from=None,
    date_to=None,
    kind: str = "cases",
    limit: int = 50,
) -> SearchResult:
    """Cases and/or incoming entries matching ``query`` and the filters, visible to ``user``, best first.

    Without words, the filtered objects newest first. ``unit`` / ``jrwa`` are objects or ids; dates are
    ``date`` or ISO strings; cases are filtered by their opening date, entries by the date received.
    """
    start, end = _validate(kind, status, limit, date_from, date_to)
    words = query_words(query)
    filters = {"unit": unit, "jrwa": jrwa, "status": status, "start": start, "end": end}
    result = SearchResult(words=words)
    for name, base, recency in (
        ("cases", _cases_filtered, "opened_on"),
        ("entries", _entries_filtered, "received_at"),
    ):
        if kind not in (name, "all"):
            continue
        qs = base(user, **filters)
        if not words:
            objects = list(qs.order_by(f"-{recency}", "-id")[:limit])
        else:
            exact = _exact(qs, query)
            more, fuzzy = _ranked(qs, words, recency, limit - len(exact), exact)
            objects = exact + more
            result.fuzzy = result.fuzzy or fuzzy
        setattr(result, name, objects)
    return result
