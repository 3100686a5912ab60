"""Mass rendering of decision documents (issue 8 point 5 and the PDF performance target).

* :func:`decisions_render` — the PDF and the XML of many decisions: the views and the XML one by one, the PDFs
  laid out in batches of :data:`BATCH_SIZE` as one WeasyPrint document and split per decision
  (``core.pdf.render_pdfs``; each PDF has the pages and text of a single ``decision_render``). A decision that
  cannot be rendered gets its error in its place; the others are rendered anyway. Pure reading, nothing written.
* :func:`render_progress` — the rendering progress of an assessment run: (decisions with a document, decisions).

The figures (decisions per second, 1 and 2 processes) are in docs/performance.md ("Decision PDFs").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from taxes.models import Decision

logger = logging.getLogger(__name__)

TEMPLATE = "taxes/decisions/decision_pdf.html"
BATCH_SIZE = 10  # measured best of 1, 3, 5, 10, 20, 50, 60 (docs/performance.md)


@dataclass(frozen=True)
class RenderedDecision:
    pdf: bytes
    xml: bytes


def decision_document_html(view) -> str:
    """The decision's printable HTML from its ``DecisionView`` (the one template of single and batch rendering)."""
    return render_to_string(TEMPLATE, {"v": view, "d": view.decision})


def _failed(number: str, exc: Exception) -> ApplicationError:
    if isinstance(exc, ApplicationError):
        return exc
    logger.exception("decision %s could not be rendered", number, exc_info=exc)
    return ApplicationError(
        _("The decision %(number)s could not be rendered: %(error)s") % {"number": number, "error": exc},
        code="render_failed",
    )


def decisions_render(
    decision_ids: Sequence[int], *, batch_size: int = BATCH_SIZE
) -> dict[int, RenderedDecision | ApplicationError]:
    """{decision id: its PDF and XML, or the ApplicationError why it could not be rendered}, in the order given."""
    from core.pdf import render_pdfs
    from taxes.services.decisions import decision_view, decision_xml

    results: dict[int, RenderedDecision | ApplicationError] = {}
    pending: list[tuple[int, str, bytes, str]] = []  # (id, number, xml, html)
    for pk in decision_ids:
        try:
            view = decision_view(Decision(pk=pk))
        except Decision.DoesNotExist:
            results[pk] = ApplicationError(_("The decision does not exist."), code="not_found")
            continue
        number = view.decision.number or str(pk)
        try:
            xml = decision_xml(view.decision, view)
            html = decision_document_html(view)
        except Exception as exc:  # one bad decision must not stop the others
            results[pk] = _failed(number, exc)
            continue
        results[pk] = None  # type: ignore[assignment] — keeps the order of decision_ids
        pending.append((pk, number, xml, html))
    pdfs = render_pdfs([html for *_rest, html in pending], batch_size=batch_size, compact_ua=True)
    for (pk, number, xml, _html), pdf in zip(pending, pdfs, strict=True):
        results[pk] = _failed(number, pdf) if isinstance(pdf, Exception) else RenderedDecision(pdf=pdf, xml=xml)
    return results


def render_progress(run) -> tuple[int, int]:
    """(done, total) of an assessment run's documents: its decisions with a document (handed over to EZD) and all
    its decisions that are not cancelled."""
    from django.db.models import Count, Q

    counts = (
        Decision.objects.filter(run=run)
        .exclude(status=Decision.Status.CANCELLED)
        .aggregate(total=Count("pk"), done=Count("pk", filter=Q(document__isnull=False)))
    )
    return counts["done"], counts["total"]
