"""Back-office screens of the mass assessment under /taxes/assessment/: the runs (list + the new-run form, which
creates the run and starts its dry run), a run (progress polled by HTMX every 2 s while DRAFT / ISSUING, the summary
per tax and per paragraf, the histogram of the year-over-year differences, the proposals — one per decision unit:
the addressee, the co-obligors, last year / this year / difference, the planned decisions (one per tax liability)
and the issued ones — with filters by flag, sorting by the absolute difference and paging by 50) and its actions:
compute again, issue (after a confirmation page stating the number of decisions and the total), cancel.

Thin: permission, form, one service call (``taxes.services.assessment``), template. Viewing needs
``taxes.assess_taxes`` or ``taxes.view_decision``; every change needs ``taxes.assess_taxes``. Refusals of the
services are shown as messages (the service wrote nothing)."""

from __future__ import annotations

import logging
from collections import defaultdict
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models.functions import Abs
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.models import Party
from core.views import BackOfficeView
from taxes.models import AssessmentRun
from taxes.models.assessment import ProposalDecision
from taxes.services import assessment as svc
from taxes.services.rendering import render_progress

logger = logging.getLogger(__name__)

PERM = "taxes.assess_taxes"
VIEW_PERMS = (PERM, "taxes.view_decision")
Status = AssessmentRun.Status
PAGE_SIZE = 50
BUSY = (Status.DRAFT, Status.ISSUING)
FLAG_LABELS = {
    svc.FLAG_CHANGE: gettext_lazy("change"),
    svc.FLAG_BELOW: gettext_lazy("below threshold"),
    svc.FLAG_NO_RATE: gettext_lazy("no rate"),
    svc.FLAG_CO_OWNER: gettext_lazy("co-owner without address"),
}
CHANNEL_LABELS = {
    svc.CHANNEL_ADE: gettext_lazy("e-Doręczenia"),
    svc.CHANNEL_EPUAP: gettext_lazy("ePUAP"),
    svc.CHANNEL_POST: gettext_lazy("post"),
}
TAX_LABELS = {
    "property": gettext_lazy("property tax"),
    "agricultural": gettext_lazy("agricultural tax"),
    "forest": gettext_lazy("forest tax"),
    "transport": gettext_lazy("tax on means of transport"),
}
SORTS = ("party", "difference")


class RunForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Tax year"), min_value=2000, max_value=2100)
    issue_date = forms.DateField(label=gettext_lazy("Issue date"))


# --- histogram of the year-over-year differences (pure; the SVG is built server-side) ----------------------------

BUCKETS = ("lt-20", "-20-5", "-5+5", "+5+20", "gt+20", "new")


def bucket_labels() -> dict[str, str]:
    return {
        "lt-20": _("below −20 %"),
        "-20-5": _("−20 % to −5 %"),
        "-5+5": _("−5 % to +5 %"),
        "+5+20": _("+5 % to +20 %"),
        "gt+20": _("above +20 %"),
        "new": _("new taxpayer"),
    }


def difference_bucket(total: Decimal, previous: Decimal | None) -> str:
    """The bucket of a proposal's change against last year, in per cent of last year's tax: < −20, −20…−5 (−20
    included), −5…+5 (both included), +5…+20 (+20 included), > +20; "new" without a tax last year (none or 0)."""
    if not previous:
        return "new"
    percent = (Decimal(total) - Decimal(previous)) * 100 / Decimal(previous)
    if percent < -20:
        return "lt-20"
    if percent < -5:
        return "-20-5"
    if percent <= 5:
        return "-5+5"
    if percent <= 20:
        return "+5+20"
    return "gt+20"


def histogram(rows) -> dict[str, int]:
    """``rows`` = (total, previous_total) pairs → the count per bucket (every bucket present, in order)."""
    counts = dict.fromkeys(BUCKETS, 0)
    for total, previous in rows:
        counts[difference_bucket(total, previous)] += 1
    return counts


def histogram_svg(*, title: str, counts: dict[str, int], labels: dict[str, str], chart_id: str) -> str:
    """Vertical bars, one per bucket: role="img" with a <title>, a <title> on each bar; the page shows the same
    numbers in a table beside it."""
    col_w, gap, chart_h, top, bottom = 90, 14, 160, 20, 40
    width = len(counts) * (col_w + gap) + gap
    peak = max(counts.values(), default=0) or 1
    bars = []
    for i, (key, count) in enumerate(counts.items()):
        x = gap + i * (col_w + gap)
        h = int(chart_h * count / peak)
        y = top + chart_h - h
        bars.append(
            format_html(
                '<g><title>{}: {}</title><rect x="{}" y="{}" width="{}" height="{}" fill="#1f5f99"></rect>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="12">{}</text>'
                '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text></g>',
                labels[key],
                count,
                x,
                y,
                col_w,
                h,
                x + col_w // 2,
                y - 4,
                count,
                x + col_w // 2,
                top + chart_h + 16,
                labels[key],
            )
        )
    body = mark_safe("".join(bars))  # noqa: S308 — every bar is built by format_html (escaped)
    height = top + chart_h + bottom
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{}-t" width="{}" height="{}" '
        'viewBox="0 0 {} {}" class="chart"><title id="{}-t">{}</title>{}</svg>',
        chart_id, width, height, width, height, chart_id, title, body,
    )  # fmt: skip


# --- views ---------------------------------------------------------------------------------------------------------


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, " ".join([exc.message, *[m for ms in exc.errors.values() for m in ms]]))


def _to_run(pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("taxes:assessment-run", args=[pk]))


class _ViewPermMixin:
    """Admits a user holding any of ``VIEW_PERMS``; the changing actions check ``PERM`` themselves."""

    def has_permission(self):
        return any(self.request.user.has_perm(p) for p in VIEW_PERMS)


class RunListView(_ViewPermMixin, BackOfficeView):
    permission_required = PERM

    def _page(self, request, form, status=200):
        page = Paginator(AssessmentRun.objects.order_by("-year", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(request, "taxes/assessment/runs.html", {"page": page, "form": form}, status=status)

    def get(self, request):
        return self._page(request, RunForm())

    def post(self, request):
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        form = RunForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            run = svc.assessment_run_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _error(request, exc)
            return self._page(request, form, status=400)
        _compute(request, run)
        return _to_run(run.pk)


def _compute(request, run: AssessmentRun) -> None:
    """Start the dry run (inline or as a task — the service decides); a failure is shown, the run keeps it."""
    try:
        run = svc.assessment_run_request_compute(actor=request.user, run=run)
    except ApplicationError as exc:
        _error(request, exc)
        return
    except Exception:  # the service has put the run in FAILED with the message; the detail shows it
        logger.exception("dry run of assessment run %s failed", run.pk)
        messages.error(request, _("The dry run failed; the error is shown on the run."))
        return
    if run.status == Status.DRY_RUN:
        messages.success(request, _("The dry run is computed: review the proposals."))
    else:
        messages.success(request, _("The dry run has started in the background."))


def _proposals(run: AssessmentRun, flag: str, sort: str):
    qs = run.proposals.select_related("party")
    if flag:
        # JSON containment is not supported on every backend: the flags are matched in Python, the rows paged in SQL.
        ids = [pk for pk, flags in qs.values_list("id", "flags") if flag in flags]
        qs = qs.filter(pk__in=ids)
    if sort == "difference":
        return qs.annotate(abs_difference=Abs("difference")).order_by("-abs_difference", "party__surname", "id")
    return qs.order_by("party__surname", "party__first_names", "id")


def _annotate(page) -> None:
    """Labels of the flags and the channel, the co-obligors (parties) and the issued decisions of a page of
    proposals — two queries for the page."""
    co_ids = {pid for p in page for pid in (p.taxes or {}).get("co_obligors", [])}
    parties = Party.objects.in_bulk(co_ids)
    issued = defaultdict(list)
    for proposal_id, decision_id, number in (
        ProposalDecision.objects.filter(proposal__in=list(page))
        .order_by("proposal_id", "position")
        .values_list("proposal_id", "decision_id", "decision__number")
    ):
        issued[proposal_id].append((decision_id, number))
    for p in page:
        data = p.taxes or {}
        p.flag_labels = [FLAG_LABELS.get(f, f) for f in p.flags]
        p.channel_label = CHANNEL_LABELS.get(p.channel, p.channel)
        p.co_obligor_names = [parties[pid].display_name for pid in data.get("co_obligors", []) if pid in parties]
        p.planned = [
            (", ".join(str(TAX_LABELS.get(t, t)) for t in e.get("taxes", [])), e.get("total"), e.get("decision"))
            for e in data.get("decisions", [])
        ]
        p.issued_decisions = issued.get(p.pk, [])


class RunDetailView(_ViewPermMixin, BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        run = get_object_or_404(AssessmentRun.objects.select_related("created_by", "issued_by"), pk=pk)
        context = {"run": run, "busy": run.status in BUSY}
        if run.status == Status.ISSUED:  # the decisions' PDF/XML rendered and handed over to EZD by the worker
            done, total = render_progress(run)
            context.update(rendered_done=done, rendered_total=total, rendering=done < total)
        if request.headers.get("HX-Request") and request.GET.get("fragment") == "progress":
            response = render(request, "taxes/assessment/_progress.html", context)
            if not context["busy"] and not context.get("rendering"):
                response["HX-Refresh"] = "true"  # the run has finished: reload the page with its results
            return response
        flag = request.GET.get("flag", "")
        flag = flag if flag in svc.FLAGS else ""
        sort = request.GET.get("sort", "party")
        sort = sort if sort in SORTS else "party"
        page = Paginator(_proposals(run, flag, sort), PAGE_SIZE).get_page(request.GET.get("page"))
        _annotate(page)
        labels = bucket_labels()
        counts = histogram(run.proposals.values_list("total", "previous_total"))
        summary = run.summary or {}
        context.update({
            "page": page, "flag": flag, "sort": sort,
            "flags": [(f, FLAG_LABELS[f], (summary.get("counts") or {}).get(f, 0)) for f in svc.FLAGS],
            "per_tax": [(TAX_LABELS.get(t, t), svc.PARAGRAF.get(t, ""), a)
                        for t, a in (summary.get("per_tax") or {}).items()],
            "per_paragraf": sorted((summary.get("per_paragraf") or {}).items()),
            "counts": summary.get("counts") or {},
            "channels": [(CHANNEL_LABELS[c], (summary.get("counts") or {}).get(c, 0)) for c in CHANNEL_LABELS],
            "histogram_rows": [(labels[k], v) for k, v in counts.items()],
            "histogram_chart": histogram_svg(
                title=_("Change of the tax against last year, %(year)d (number of taxpayers)") % {"year": run.year},
                counts=counts, labels=labels, chart_id="chart-differences",
            ),
            "can_manage": request.user.has_perm(PERM),
            "can_compute": run.status in (Status.DRY_RUN, Status.FAILED),
            "can_issue": run.status in (Status.DRY_RUN, Status.FAILED, Status.ISSUING) and bool(run.summary),
            "can_cancel": run.status in (Status.DRAFT, Status.DRY_RUN, Status.FAILED),
        })  # fmt: skip
        return render(request, "taxes/assessment/run.html", context)


class RunIssueView(_ViewPermMixin, BackOfficeView):
    """GET: the confirmation page (number of decisions and their total); POST: issue — inline below
    ``TAXES_ASSESSMENT_INLINE_TAXPAYERS`` decisions, else the task ``taxes.tasks.issue_assessment_run``."""

    permission_required = PERM

    def _run(self, request, pk):
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        return get_object_or_404(AssessmentRun, pk=pk)

    def get(self, request, pk: int):
        run = self._run(request, pk)
        summary = run.summary or {}
        context = {
            "run": run,
            "decisions": (summary.get("counts") or {}).get("decisions", 0),
            "total": summary.get("total", "0"),
            "issuable": run.status in (Status.DRY_RUN, Status.FAILED, Status.ISSUING) and bool(summary),
        }
        return render(request, "taxes/assessment/issue_confirm.html", context)

    def post(self, request, pk: int):
        run = self._run(request, pk)
        decisions = ((run.summary or {}).get("counts") or {}).get("decisions", 0)
        if decisions >= svc.inline_limit() and run.status in (Status.DRY_RUN, Status.FAILED, Status.ISSUING):
            from taxes.tasks import issue_assessment_run

            issue_assessment_run.delay(run.pk, request.user.pk)
            messages.success(request, _("Issuing of the decisions has started in the background."))
            return _to_run(run.pk)
        try:
            run = svc.assessment_run_issue(actor=request.user, run=run)
        except ApplicationError as exc:
            _error(request, exc)
            return _to_run(run.pk)
        messages.success(request, _("Decisions issued: %(count)d.") % {"count": run.progress_done})
        return _to_run(run.pk)


class RunActionView(_ViewPermMixin, BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int, action: str):
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        run = get_object_or_404(AssessmentRun, pk=pk)
        if action == "compute":
            _compute(request, run)
        elif action == "cancel":
            try:
                svc.assessment_run_cancel(actor=request.user, run=run)
                messages.success(request, _("The assessment run is cancelled."))
            except ApplicationError as exc:
                _error(request, exc)
        else:
            raise Http404
        return _to_run(run.pk)


urlpatterns = [
    path("assessment/", RunListView.as_view(), name="assessment-runs"),
    path("assessment/<int:pk>/", RunDetailView.as_view(), name="assessment-run"),
    path("assessment/<int:pk>/issue/", RunIssueView.as_view(), name="assessment-run-issue"),
    path("assessment/<int:pk>/<str:action>/", RunActionView.as_view(), name="assessment-run-action"),
]
