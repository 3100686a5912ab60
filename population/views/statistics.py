"""Population statistics on a chosen date: tables, inline SVG bar charts and a CSV download (?format=csv)."""

from django.http import HttpResponse
from django.shortcuts import render

from core.views import BackOfficeView
from population.forms import StatisticsForm
from population.statistics import bar_chart, population_statistics, statistics_csv


class StatisticsView(BackOfficeView):
    permission_required = "population.view_statistics"

    def get(self, request):
        form = StatisticsForm(request.GET)
        if not form.is_valid():
            return render(request, "population/statistics.html", {"form": form}, status=422)
        stats = population_statistics(user=request.user, on=form.cleaned_data["on"])
        if request.GET.get("format") == "csv":
            response = HttpResponse(statistics_csv(stats).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="statystyka-ludnosci-{stats.on:%Y-%m-%d}.csv"'
            return response
        sections = [(breakdown, bar_chart(breakdown.rows)) for breakdown in stats.breakdowns]
        return render(request, "population/statistics.html", {"form": form, "stats": stats, "sections": sections})
