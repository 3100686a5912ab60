"""Back-office screens of tax decisions under /taxes/decisions/: the list (per year and party), the detail (items,
taxes, installments with statutory and effective dates, delivery state, the EZD document) and the PDF / XML
downloads (each read is logged). Thin: permission, selector, template."""

from __future__ import annotations

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy

from core.views import BackOfficeView
from taxes.models import Decision
from taxes.services import decisions as svc
from taxes.views.appeals import detail_context

PERM = "taxes.assess_taxes"


class FilterForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("tax year"), required=False, min_value=2000, max_value=2100)
    party = forms.IntegerField(label=gettext_lazy("taxpayer (id)"), required=False, min_value=1)
    status = forms.ChoiceField(
        label=gettext_lazy("status"), required=False, choices=[("", "—"), *Decision.Status.choices]
    )


class DecisionListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        form = FilterForm(request.GET or None)
        qs = Decision.objects.select_related("party").order_by("-year", "-id")
        if form.is_valid():
            data = form.cleaned_data
            if data["year"]:
                qs = qs.filter(year=data["year"])
            if data["party"]:
                qs = qs.filter(party_id=data["party"])
            if data["status"]:
                qs = qs.filter(status=data["status"])
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(request, "taxes/decisions/list.html", {"form": form, "page": page})


class DecisionDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        decision = get_object_or_404(Decision.objects.select_related("party", "document", "run"), pk=pk)
        return render(request, "taxes/decisions/detail.html", detail_context(decision))


class DecisionFileView(BackOfficeView):
    permission_required = PERM
    fmt = "pdf"

    def get(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk)
        content = svc.decision_document_read(actor=request.user, decision=decision, fmt=self.fmt)
        mime = "application/pdf" if self.fmt == "pdf" else "application/xml"
        name = (decision.number or str(decision.pk)).replace("/", "-")
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{name}.{self.fmt}"'
        return response


urlpatterns = [
    path("decisions/", DecisionListView.as_view(), name="decision-list"),
    path("decisions/<int:pk>/", DecisionDetailView.as_view(), name="decision-detail"),
    path("decisions/<int:pk>/pdf/", DecisionFileView.as_view(fmt="pdf"), name="decision-pdf"),
    path("decisions/<int:pk>/xml/", DecisionFileView.as_view(fmt="xml"), name="decision-xml"),
]
