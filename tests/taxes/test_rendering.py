"""Batch rendering of decision documents (issue 8 point 5, the PDF performance target): each PDF of a batch is the
PDF of a single render, a bad decision does not stop the others, the batch hand-over is idempotent, progress."""

import re
import subprocess
import zlib
from decimal import Decimal

from core import pdf as core_pdf
from core import roles
from core.exceptions import ApplicationError
from documents.models import OutgoingDocument
from taxes.models import AssessmentRun, Decision, DecisionItem
from taxes.services import decisions as svc
from taxes.services.rendering import RenderedDecision, decisions_render, render_progress
from taxes.tasks_decisions import render_and_hand_over
from tests.factories.taxes import ObjectVersionFactory, category
from tests.taxes.conftest_decisions import dec_clerk, fn_unit, jrwa_3120, make_decision  # noqa: F401
from tests.tools import needs_pdftotext

D = Decimal


def _page_count(pdf: bytes) -> int:
    """/Count of the page tree (WeasyPrint writes it in a compressed object stream)."""
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(match.group(1))
        except zlib.error:
            continue
        found = re.search(rb"/Type /Pages/Kids \[[^\]]*\]/Count (\d+)", data)
        if found:
            return int(found.group(1))
    raise AssertionError("no page tree")


def _big(make_decision, objects=38, **kwargs):  # noqa: F811
    """A decision with ``objects`` more land parcels in its calculation table (two pages)."""
    decision = make_decision(**kwargs)
    for k in range(objects):
        version = ObjectVersionFactory(category=category("land_other"), area=D(100 + k))
        DecisionItem.objects.create(
            decision=decision, tax="property", object=version.object, version=version, category="land_other",
            base=version.area, rate=D("0.73"), months=12, amount=version.area * D("0.73"),
        )  # fmt: skip
    return decision


def test_each_pdf_of_a_batch_is_the_single_render(make_decision):  # noqa: F811
    small = make_decision(number="FN.3120.2024.000001")
    big = _big(make_decision, number="FN.3120.2024.000002")
    other = make_decision(number="FN.3120.2024.000003", co_obligors=[make_decision().party])
    ids = [small.pk, big.pk, other.pk]
    batch = decisions_render(ids, batch_size=2)  # two batches: [small, big], [other]
    assert list(batch) == ids
    pages = []
    for decision in (small, big, other):
        single_pdf, single_xml = svc.decision_render(decision)
        rendered = batch[decision.pk]
        assert isinstance(rendered, RenderedDecision)
        assert rendered.pdf == single_pdf  # byte for byte: same pages, text, layout, fonts, title
        assert rendered.xml == single_xml
        pages.append(_page_count(rendered.pdf))
    # the page counts stay per decision (the big one runs over several pages, the others keep one)
    assert pages[0] == pages[2] == 1
    assert pages[1] > 1
    # the compact user-agent style sheet of decisions changes nothing in them
    assert core_pdf.render_pdf(svc.decision_html(big)) == batch[big.pk].pdf


@needs_pdftotext
def test_batch_text_per_decision(make_decision, tmp_path):  # noqa: F811
    decisions = [make_decision(number=f"FN.3120.2024.00001{k}") for k in range(3)]
    batch = decisions_render([d.pk for d in decisions])
    for decision in decisions:
        path = tmp_path / f"{decision.pk}.pdf"
        path.write_bytes(batch[decision.pk].pdf)
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert decision.number in text
        assert [n for n in ("FN.3120.2024.000010", "FN.3120.2024.000011", "FN.3120.2024.000012") if n in text] == [
            decision.number
        ]
        assert "Samorządowego Kolegium Odwoławczego" in text


def test_a_bad_decision_does_not_stop_the_batch(make_decision):  # noqa: F811
    good = make_decision()
    bad = make_decision()
    Decision.objects.filter(pk=bad.pk).update(bank_account="1234")  # not an NRB: the XML fails its schema
    batch = decisions_render([good.pk, bad.pk, 987654321])
    assert isinstance(batch[good.pk], RenderedDecision)
    assert batch[good.pk].pdf == svc.decision_render(good)[0]
    assert isinstance(batch[bad.pk], ApplicationError)
    assert batch[bad.pk].code == "invalid_xml"
    assert batch[987654321].code == "not_found"


def test_a_failing_batch_is_rendered_one_by_one(make_decision, monkeypatch):  # noqa: F811
    decisions = [make_decision(), make_decision()]
    singles = [svc.decision_render(d)[0] for d in decisions]

    def broken(*args, **kwargs):
        raise RuntimeError("layout")

    monkeypatch.setattr(core_pdf, "_render_batch", broken)
    batch = decisions_render([d.pk for d in decisions])
    assert [batch[d.pk].pdf for d in decisions] == singles


def test_page_counters_are_never_batched(monkeypatch):
    calls = []
    monkeypatch.setattr(core_pdf, "_render_batch", lambda *a, **k: calls.append(a) or [])
    head = "<!DOCTYPE html><html><head><title>{}</title><style>@page {{ @bottom-right {{ content: counter(page) "
    html = head + '" / " counter(pages) }} }}</style></head><body><p>{}</p></body></html>'
    pdfs = core_pdf.render_pdfs([html.format("A", "a"), html.format("B", "b")])
    assert calls == []
    assert [_page_count(p) for p in pdfs] == [1, 1]


def test_batch_hand_over_is_idempotent(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    decisions = [make_decision(), _big(make_decision, objects=5), make_decision()]
    bad = make_decision()
    Decision.objects.filter(pk=bad.pk).update(bank_account="1234")
    ids = [d.pk for d in decisions] + [bad.pk]
    expected = {d.pk: svc.decision_render(d)[0] for d in decisions}
    first = svc.decisions_hand_over(actor=dec_clerk, decision_ids=ids, batch_size=2)
    assert (first["handed_over"], first["skipped"]) == (3, 0)
    assert [e["decision"] for e in first["errors"]] == [bad.pk]
    assert "schema" in first["errors"][0]["error"]
    for decision in decisions:
        decision.refresh_from_db()
        assert decision.status == Decision.Status.ISSUED
        assert bytes(decision.document.versions.get().pdf) == expected[decision.pk]
    bad.refresh_from_db()
    assert (bad.status, bad.document_id) == (Decision.Status.DRAFT, None)
    second = render_and_hand_over(ids, dec_clerk.pk)  # the Celery task, run again: nothing twice
    assert (second["handed_over"], second["skipped"], len(second["errors"])) == (0, 3, 1)
    assert OutgoingDocument.objects.filter(source_app="taxes").count() == 3


def test_batch_hand_over_refused_without_permission(make_decision, make_user, fn_unit, jrwa_3120):  # noqa: F811
    outsider = make_user(roles.REGISTRY_CLERK, org_unit=fn_unit)
    decision = make_decision()
    result = svc.decisions_hand_over(actor=outsider, decision_ids=[decision.pk])
    assert result["handed_over"] == 0
    assert [e["decision"] for e in result["errors"]] == [decision.pk]
    decision.refresh_from_db()
    assert (decision.status, decision.document_id) == (Decision.Status.DRAFT, None)
    assert OutgoingDocument.objects.count() == 0


def test_render_progress_of_a_run(make_decision, dec_clerk, jrwa_3120):  # noqa: F811
    run = AssessmentRun.objects.create(year=2024, status=AssessmentRun.Status.ISSUED)
    decisions = [make_decision(), make_decision(), make_decision()]
    cancelled = make_decision()
    Decision.objects.filter(pk__in=[d.pk for d in [*decisions, cancelled]]).update(run=run)
    Decision.objects.filter(pk=cancelled.pk).update(status=Decision.Status.CANCELLED)
    assert render_progress(run) == (0, 3)
    svc.decisions_hand_over(actor=dec_clerk, decision_ids=[decisions[0].pk, decisions[1].pk])
    assert render_progress(run) == (2, 3)
    assert render_progress(AssessmentRun.objects.create(year=2025)) == (0, 0)
