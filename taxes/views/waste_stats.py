"""Back-office statistics of the waste fee under /taxes/waste/stats/ (issue 9 point 7): declared vs registered
residents per locality, the fee charged and paid per month of a year, the share of composting properties; each
with a server-rendered SVG bar chart (``taxes.domain.charts``) and the same figures in a table. Filter: year and
month (the residents and the composting are counted on the 1st of that month). Reads
``taxes.selectors_waste_stats``; needs ``taxes.view_declaration`` (as the other waste fee screens)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.domain.money import format_pln
from core.views import BackOfficeView
from taxes.domain.charts import bar_chart
from taxes.selectors_waste_stats import waste_stats

VIEW = "taxes.view_declaration"
MONTHS = [(m, f"{m:02d}") for m in range(1, 13)]


class StatsForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(label=gettext_lazy("month"), choices=MONTHS, coerce=int)


def period(data) -> tuple[StatsForm, int, int]:
    """The year and month asked for (defaults: this year and month; December of an earlier year)."""
    today = timezone.localdate()
    year = data.get("year") or today.year
    month = data.get("month") or (today.month if str(year) == str(today.year) else 12)
    form = StatsForm({"year": year, "month": month})
    if form.is_valid():
        return form, form.cleaned_data["year"], form.cleaned_data["month"]
    return form, today.year, today.month


def number(value) -> str:
    """An integer with the Polish thousands separator: 1 234."""
    return f"{int(value):,}".replace(",", "\u00a0")


def percent(value) -> str:
    """A percentage with a decimal comma: 33,3 %."""
    return f"{Decimal(value):.1f}".replace(".", ",") + "\u00a0%"


def charts(stats) -> dict:
    residents = bar_chart(
        [r.locality or "—" for r in stats.residents],
        [(_("declared residents"), [r.declared for r in stats.residents]),
         (_("registered residents"), [r.registered for r in stats.residents])],
        fmt=number,
    )  # fmt: skip
    fees = bar_chart(
        [f"{f.month:%m.%Y}" for f in stats.fees],
        [(_("Charged after reductions"), [f.net for f in stats.fees]), (_("Paid"), [f.paid for f in stats.fees])],
        fmt=format_pln,
    )
    rows = [*stats.composting, stats.composting_overall] if stats.composting else []
    composting = bar_chart(
        [r.locality or _("whole gmina") for r in rows],
        [(_("share of composting properties"), [r.share for r in rows])],
        fmt=percent,
        scale=100,
    )
    return {"residents_chart": residents, "fees_chart": fees, "composting_chart": composting}


class WasteStatsView(BackOfficeView):
    permission_required = VIEW

    def get(self, request):
        form, year, month = period(request.GET)
        stats = waste_stats(year=year, month=month)
        totals = {
            "charged": sum((f.net for f in stats.fees), Decimal("0.00")),
            "paid": sum((f.paid for f in stats.fees), Decimal("0.00")),
            "declared": sum(r.declared for r in stats.residents),
            "registered": sum(r.registered for r in stats.residents),
        }
        context = {"form": form, "stats": stats, "totals": totals, **charts(stats)}
        return render(request, "taxes/waste/stats.html", context, status=200 if form.is_valid() else 422)


urlpatterns = [path("waste/stats/", WasteStatsView.as_view(), name="waste-stats")]
