"""Back-office screens of the rates area: per tax year, the council's resolutions with their rates beside the
statutory maximum (``taxes.view_resolution``); recording a resolution, setting a rate (HTMX: the row is swapped
in place, a refusal shows the maximum) and copying last year's rates (``taxes.manage_rates``)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.views import BackOfficeView
from taxes.models import RateCategory, Resolution, Tax
from taxes.selectors import max_rates, rye_price, wood_price, year_settings
from taxes.services.rates import format_rate, rate_set, rates_copy_from_year, resolution_create, unit_label

VIEW = "taxes.view_resolution"
MANAGE = ("taxes.view_resolution", "taxes.manage_rates")
DATE_INPUTS = ["%d.%m.%Y", "%Y-%m-%d"]


def _year(value, default: int | None = None) -> int:
    default = default or timezone.localdate().year
    try:
        year = int(value)
    except (TypeError, ValueError):
        return default
    return year if 2000 <= year <= 2100 else default


def rate_text(value) -> str:
    """1.2500 → "1,25" (Polish decimal comma, at least two decimals)."""
    return "" if value is None else format_rate(Decimal(value)).replace(".", ",")


class ResolutionForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    tax = forms.ChoiceField(label=gettext_lazy("Tax"), choices=Tax.choices)
    number = forms.CharField(label=gettext_lazy("Number of the resolution"), max_length=100)
    adopted_on = forms.DateField(label=gettext_lazy("Adopted on (dd.mm.rrrr)"), input_formats=DATE_INPUTS)
    publication = forms.CharField(label=gettext_lazy("Publication (Dz. Urz. Woj.)"), max_length=200, required=False)


class CopyForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    from_year = forms.IntegerField(label=gettext_lazy("Copy from year"), min_value=2000, max_value=2100)
    index = forms.DecimalField(
        label=gettext_lazy("Index (e.g. 1.045; empty = unchanged)"), max_digits=6, decimal_places=4, required=False
    )


def _rows(resolution: Resolution, limits: dict) -> list[dict]:
    rates = {r.category_id: r for r in resolution.rates.all()}
    rows = []
    for category in RateCategory.objects.filter(tax=resolution.tax).order_by("order", "code"):
        rows.append(_row(resolution, category, rates.get(category.pk), limits.get(category.code)))
    return rows


def _row(resolution, category, rate, limit, error: str = "", entered: str = "") -> dict:
    return {
        "resolution": resolution,
        "category": category,
        "unit": unit_label(category.unit),
        "rate": rate_text(rate.rate) if rate else "",
        "maximum": rate_text(limit.maximum) if limit else "",
        "minimum": rate_text(limit.minimum) if limit and limit.minimum else "",
        "error": error,
        "entered": entered,
    }


class RatesView(BackOfficeView):
    permission_required = VIEW

    def page(self, request, year: int, form=None, copy_form=None, status=200):
        limits = max_rates(year)
        resolutions = list(Resolution.objects.filter(year=year).order_by("tax"))
        taxes = [
            {"tax": tax, "label": label, "resolution": r, "rows": _rows(r, limits) if r else []}
            for tax, label in Tax.choices
            for r in [next((x for x in resolutions if x.tax == tax), None)]
        ]
        context = {
            "year": year,
            "taxes": taxes,
            "rye_price": rye_price(year),
            "wood_price": wood_price(year),
            "settings": year_settings(year),
            "can_manage": request.user.has_perms(MANAGE),
            "form": form or ResolutionForm(initial={"year": year}),
            "copy_form": copy_form or CopyForm(initial={"year": year, "from_year": year - 1}),
        }
        return render(request, "taxes/rates/rates.html", context, status=status)

    def get(self, request):
        return self.page(request, _year(request.GET.get("year")))


def _apply_errors(form, exc: ApplicationError) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)
    if not exc.errors:
        form.add_error(None, exc.message)


class ResolutionCreateView(BackOfficeView):
    permission_required = MANAGE

    def post(self, request):
        form = ResolutionForm(request.POST)
        year = _year(request.POST.get("year"))
        if not form.is_valid():
            return RatesView().page(request, year, form=form, status=400)
        try:
            resolution_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_errors(form, exc)
            return RatesView().page(request, year, form=form, status=400)
        messages.success(request, _("The resolution has been recorded."))
        return HttpResponseRedirect(f"{reverse('taxes:rates')}?year={form.cleaned_data['year']}")


class RateSetView(BackOfficeView):
    """POST category, rate. With HTMX the table row is returned (a refusal in the row, nothing saved)."""

    permission_required = MANAGE

    def post(self, request, pk: int):
        resolution = get_object_or_404(Resolution, pk=pk)
        category = get_object_or_404(RateCategory, code=request.POST.get("category", ""))
        entered = request.POST.get("rate", "").strip().replace(" ", "").replace(",", ".")
        error = ""
        try:
            rate_set(actor=request.user, resolution=resolution, category=category, rate=entered)
        except ApplicationError as exc:
            error = exc.message
        limit = max_rates(resolution.year).get(category.code)
        rate = resolution.rates.filter(category=category).first()
        if request.headers.get("HX-Request"):
            row = _row(resolution, category, rate, limit, error, request.POST.get("rate", ""))
            return render(request, "taxes/rates/_rate_row.html", {"row": row, "can_manage": True})
        if error:
            messages.error(request, error)
        else:
            messages.success(request, _("The rate has been saved."))
        return HttpResponseRedirect(f"{reverse('taxes:rates')}?year={resolution.year}")


class RatesCopyView(BackOfficeView):
    permission_required = MANAGE

    def post(self, request):
        form = CopyForm(request.POST)
        year = _year(request.POST.get("year"))
        if not form.is_valid():
            return RatesView().page(request, year, copy_form=form, status=400)
        data = form.cleaned_data
        try:
            result = rates_copy_from_year(
                actor=request.user, year=data["year"], from_year=data["from_year"], index=data["index"]
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
            for code, errors in exc.errors.items():
                for error in errors:
                    form.add_error(None, f"{code}: {error}" if code not in form.fields else error)
            return RatesView().page(request, year, copy_form=form, status=400)
        messages.success(request, _("Rates copied: %(count)d.") % {"count": len(result.copied)})
        return HttpResponseRedirect(f"{reverse('taxes:rates')}?year={data['year']}")


urlpatterns = [
    path("rates/", RatesView.as_view(), name="rates"),
    path("rates/resolutions/new/", ResolutionCreateView.as_view(), name="rates-resolution-create"),
    path("rates/resolutions/<int:pk>/rate/", RateSetView.as_view(), name="rates-set"),
    path("rates/copy/", RatesCopyView.as_view(), name="rates-copy"),
]
