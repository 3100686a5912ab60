"""Delivering an outbox table to its handlers: the one loop behind ``epuap.events`` and ``documents.events``.

An outbox model has ``processed_at`` (null until delivered), ``attempts`` and ``last_error``. Each undelivered row
is locked (``select_for_update(skip_locked=True)``: a row another worker holds is skipped), handed to the handlers
that ``handlers_for(row)`` returns, and marked processed in the same transaction. A handler that raises rolls the
row back to undelivered (attempts + 1, the error kept) for the next run: delivery is at least once, so handlers are
idempotent. Two runs, sequential or concurrent, process a row once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone

logger = logging.getLogger(__name__)


class NoHandler(LookupError):
    """No handler is registered for a row: it stays undelivered (and is retried) until one is."""


def deliver_outbox(
    model: type[Model], handlers_for: Callable[[Model], Sequence[Callable]], *, limit: int = 500, what: str = ""
) -> int:
    """Hand undelivered rows of ``model`` to their handlers; returns how many were processed now."""
    what = what or model._meta.verbose_name
    processed = 0
    ids = list(model.objects.filter(processed_at__isnull=True).order_by("id").values_list("pk", flat=True))
    for pk in ids[:limit]:
        error = ""
        try:
            with transaction.atomic():
                row = model.objects.select_for_update(skip_locked=True).filter(pk=pk, processed_at__isnull=True).first()
                if row is None:
                    continue  # processed meanwhile, or another worker holds it
                handlers = list(handlers_for(row))
                if not handlers:
                    raise NoHandler(f"no handler registered for {what} {pk}")
                for handler in handlers:
                    handler(row)
                row.processed_at = timezone.now()
                row.attempts += 1
                row.last_error = ""
                row.save(update_fields=["processed_at", "attempts", "last_error"])
                processed += 1
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            logger.exception("%s %s: a handler failed", what, pk)
        if error:
            model.objects.filter(pk=pk, processed_at__isnull=True).update(
                attempts=F("attempts") + 1, last_error=error[:2000]
            )
    return processed
