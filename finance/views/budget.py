"""Back-office screens of the budget area: the revenue plan (list, set a line, CSV import), the Rb-27S report
(screen, CSV, XML) — ``finance.manage_budget`` — and the finance dashboard (``finance.manage_budget`` and
``finance.view_balances``) with server-side inline SVG charts, each with a table of its numbers."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.domain.money import format_pln
from core.exceptions import ApplicationError
from core.exports import csv_response
from core.views import BackOfficeView
from finance.domain.rb27s import month_end
from finance.models import BudgetPlanLine
from finance.services import budget_reports
from finance.services.budget import budget_plan_import_csv, budget_plan_set, validate_plan_file_size

BUDGET = "finance.manage_budget"
DASHBOARD = (BUDGET, "finance.view_balances")
DATE_INPUTS = ["%d.%m.%Y", "%Y-%m-%d"]
MONTHS = [
    gettext_lazy("Jan"), gettext_lazy("Feb"), gettext_lazy("Mar"), gettext_lazy("Apr"), gettext_lazy("May"),
    gettext_lazy("Jun"), gettext_lazy("Jul"), gettext_lazy("Aug"), gettext_lazy("Sep"), gettext_lazy("Oct"),
    gettext_lazy("Nov"), gettext_lazy("Dec"),
]  # fmt: skip


def _error(request, exc: ApplicationError) -> None:
    details = [m for ms in exc.errors.values() for m in ms]
    messages.error(request, " ".join([exc.message, *details]))


def _year(value, default: int) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


class PlanLineForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    dzial = forms.CharField(label=gettext_lazy("Section (dział)"), max_length=3)
    rozdzial = forms.CharField(label=gettext_lazy("Chapter (rozdział)"), max_length=5)
    paragraf = forms.CharField(label=gettext_lazy("Paragraph (paragraf)"), max_length=4)
    amount = forms.CharField(label=gettext_lazy("Plan"), max_length=20)
    description = forms.CharField(label=gettext_lazy("Description"), max_length=300, required=False)


class PlanImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(label=gettext_lazy("Plan file (CSV)"), validators=[validate_plan_file_size])


class Rb27sForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    period_end = forms.DateField(label=gettext_lazy("Period end"), input_formats=DATE_INPUTS)


class BudgetPlanView(BackOfficeView):
    permission_required = BUDGET

    def _page(self, request, year, form=None, import_form=None, status=200):
        lines = list(BudgetPlanLine.objects.filter(year=year))
        context = {
            "year": year,
            "lines": lines,
            "total": sum((x.amount for x in lines), Decimal("0.00")),
            "form": form or PlanLineForm(initial={"year": year}),
            "import_form": import_form or PlanImportForm(initial={"year": year}),
        }
        return render(request, "finance/budget/plan.html", context, status=status)

    def get(self, request):
        return self._page(request, _year(request.GET.get("year"), timezone.localdate().year))

    def post(self, request):
        form = PlanLineForm(request.POST)
        year = _year(request.POST.get("year"), timezone.localdate().year)
        if not form.is_valid():
            return self._page(request, year, form=form, status=400)
        data = form.cleaned_data
        try:
            budget_plan_set(actor=request.user, **data)
        except ApplicationError as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
            if not exc.errors:
                form.add_error(None, exc.message)
            return self._page(request, year, form=form, status=400)
        messages.success(request, _("The plan line has been saved."))
        return HttpResponseRedirect(f"{reverse('finance:budget-plan')}?year={data['year']}")


class BudgetPlanImportView(BackOfficeView):
    permission_required = BUDGET

    def post(self, request):
        form = PlanImportForm(request.POST, request.FILES)
        year = _year(request.POST.get("year"), timezone.localdate().year)
        if not form.is_valid():
            return BudgetPlanView()._page(request, year, import_form=form, status=400)
        try:
            counts = budget_plan_import_csv(actor=request.user, year=year, data=form.cleaned_data["file"].read())
        except ApplicationError as exc:
            for error in exc.errors.get("file", []) or [exc.message]:
                form.add_error("file", error)
            return BudgetPlanView()._page(request, year, import_form=form, status=400)
        messages.success(
            request,
            _("Plan imported: %(created)d new, %(updated)d changed, %(unchanged)d unchanged lines.") % counts,
        )
        return HttpResponseRedirect(f"{reverse('finance:budget-plan')}?year={year}")


class Rb27sView(BackOfficeView):
    permission_required = BUDGET

    def get(self, request):
        today = timezone.localdate()
        if "year" in request.GET or "period_end" in request.GET:
            form = Rb27sForm(request.GET)
        else:
            form = Rb27sForm(initial={"year": today.year, "period_end": month_end(today).strftime("%d.%m.%Y")})
        report = None
        if form.is_bound and form.is_valid():
            try:
                report = budget_reports.rb27s_report(
                    year=form.cleaned_data["year"], period_end=form.cleaned_data["period_end"]
                )
            except ApplicationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
        if report is not None and request.GET.get("format") == "csv":
            header, rows = budget_reports.rb27s_csv(report)
            return csv_response(f"rb-27s-{report.year}-{report.period_end:%Y%m%d}.csv", header, rows)
        if report is not None and request.GET.get("format") == "xml":
            from core.templatetags.magistrat import office_name

            body = budget_reports.rb27s_xml(report, office=office_name(), generated_at=timezone.localtime())
            response = HttpResponse(body, content_type="application/xml; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="rb-27s-{report.year}-{report.period_end:%Y%m%d}.xml"'
            )
            return response
        return render(request, "finance/budget/rb27s.html", {"form": form, "report": report})


# --- charts: inline SVG, server-side ---------------------------------------------------------------------------

WIDTH, BAR_AREA, LABEL_W = 640, 420, 200


def bar_chart(*, title: str, items: list[tuple[str, Decimal, str]], chart_id: str) -> str:
    """A horizontal bar chart: ``items`` = (label, value, value as text). Accessible: role="img" with a <title>, a
    <title> on each bar; the page shows the same numbers in a table next to it."""
    row_h = 28
    height = max(1, len(items)) * row_h + 10
    peak = max((v for _l, v, _t in items), default=Decimal(0)) or Decimal(1)
    bars = []
    for i, (label, value, text) in enumerate(items):
        y = 5 + i * row_h
        width = int(BAR_AREA * max(value, Decimal(0)) / peak) if peak > 0 else 0
        bars.append(
            format_html(
                '<g><title>{}: {}</title><text x="{}" y="{}" text-anchor="end" font-size="12">{}</text>'
                '<rect x="{}" y="{}" width="{}" height="{}" fill="#1f5f99"></rect>'
                '<text x="{}" y="{}" font-size="12">{}</text></g>',
                label,
                text,
                LABEL_W - 8,
                y + 16,
                label,
                LABEL_W,
                y + 3,
                width,
                row_h - 8,
                LABEL_W + width + 4,
                y + 16,
                text,
            )
        )
    body = mark_safe("".join(bars))  # noqa: S308 — every bar is built by format_html (escaped)
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{}-t" width="{}" height="{}" '
        'viewBox="0 0 {} {}" class="chart"><title id="{}-t">{}</title>{}</svg>',
        chart_id, WIDTH + 120, height, WIDTH + 120, height, chart_id, title, body,
    )  # fmt: skip


def _percent_text(value) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",") + " %"


class DashboardView(BackOfficeView):
    permission_required = DASHBOARD

    def get(self, request):
        today = timezone.localdate()
        year = _year(request.GET.get("year"), today.year)
        as_of = min(today, datetime.date(year, 12, 31))
        data = budget_reports.dashboard(year=year, as_of=as_of)
        collection_chart = bar_chart(
            title=_("Collection rate per receivable type, %(year)d") % {"year": year},
            items=[(x["name"][:30], x["rate"] or Decimal(0), _percent_text(x["rate"])) for x in data["collection"]],
            chart_id="chart-collection",
        )
        ageing_rows = []
        for x in data["ageing"]:
            for b in x["buckets"]:
                ageing_rows.append({"name": x["name"], **b})
        ageing_totals = {}
        for row in ageing_rows:
            ageing_totals[row["bucket"]] = ageing_totals.get(row["bucket"], Decimal(0)) + row["amount"]
        ageing_chart = bar_chart(
            title=_("Arrears by age (days past due)"),
            items=[(_("%(bucket)s days") % {"bucket": k}, v, format_pln(v)) for k, v in ageing_totals.items()],
            chart_id="chart-ageing",
        )
        months = [{"month": str(MONTHS[x["month"] - 1]), "receipts": x["receipts"]} for x in data["receipts_per_month"]]
        months_chart = bar_chart(
            title=_("Receipts per month, %(year)d") % {"year": year},
            items=[(m["month"], m["receipts"], format_pln(m["receipts"])) for m in months],
            chart_id="chart-months",
        )
        context = {
            "year": year, "as_of": as_of, "data": data, "ageing_rows": ageing_rows, "months": months,
            "collection_chart": collection_chart, "ageing_chart": ageing_chart, "months_chart": months_chart,
            "percent": {x["receivable_type"]: _percent_text(x["rate"]) for x in data["collection"]},
        }  # fmt: skip
        return render(request, "finance/budget/dashboard.html", context)


urlpatterns = [
    path("budget/plan/", BudgetPlanView.as_view(), name="budget-plan"),
    path("budget/plan/import/", BudgetPlanImportView.as_view(), name="budget-plan-import"),
    path("budget/rb27s/", Rb27sView.as_view(), name="budget-rb27s"),
    path("dashboard/", DashboardView.as_view(), name="budget-dashboard"),
]
