"""Back-office views: search (cases and the incoming register) at /documents/search/."""

from django import forms
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy

from core.exceptions import ServiceValidationError
from core.models import OrgUnit
from core.services.audit import audit_log
from core.views import BackOfficeView
from documents.models import Case, IncomingEntry, JrwaClass
from documents.services.search import search


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=300)
    kind = forms.ChoiceField(
        label=gettext_lazy("Search in"),
        required=False,
        choices=[
            ("all", gettext_lazy("cases and incoming mail")),
            ("cases", gettext_lazy("cases")),
            ("entries", gettext_lazy("incoming mail")),
        ],
    )
    unit = forms.ModelChoiceField(label=gettext_lazy("Unit"), required=False, queryset=OrgUnit.objects.all())
    jrwa = forms.ModelChoiceField(
        label=gettext_lazy("JRWA class"), required=False, queryset=JrwaClass.objects.filter(is_leaf=True)
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", "—"), *Case.Status.choices, *IncomingEntry.Status.choices],
    )
    date_from = forms.DateField(label=gettext_lazy("From"), required=False)
    date_to = forms.DateField(label=gettext_lazy("To"), required=False)


class SearchView(BackOfficeView):
    """Any user who sees cases or the register; the results are filtered by what the user may see."""

    def has_permission(self):
        user = self.request.user
        return user.has_perm("documents.view_case") or user.has_perm("documents.view_incomingentry")

    def get(self, request):
        form = SearchForm(request.GET or None)
        result = None
        if form.is_valid() and any(form.cleaned_data.get(k) for k in ("q", "unit", "jrwa", "status", "date_from")):
            data = form.cleaned_data
            try:
                result = search(
                    user=request.user,
                    query=data["q"],
                    unit=data["unit"],
                    jrwa=data["jrwa"],
                    status=data["status"] or None,
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    kind=data["kind"] or "all",
                )
            except ServiceValidationError as exc:
                for field, messages_ in exc.errors.items():
                    for message in messages_:
                        form.add_error(field if field in form.fields else None, message)
            else:
                audit_log(
                    actor=request.user,
                    action="documents.search.performed",
                    object_type="documents.case",
                    details={"query": data["q"], "cases": len(result.cases), "entries": len(result.entries)},
                )
        template = "documents/search/results.html" if request.htmx else "documents/search/search.html"
        return render(request, template, {"form": form, "result": result})


urlpatterns = [path("search/", SearchView.as_view(), name="search")]
