"""Back-office screen of the DO-1 waste fee declaration received from ePUAP / e-Doręczenia (issue 9 point 2) under
/taxes/waste/declarations/from-entry/: the clerk gives the RPW number of the entry (or picks one of the recent
entries carrying a DO-1), reviews the parsed form beside the matched property and payer with the problems, chooses
the property when the declared address matches none (search by address), and records the declaration
(``taxes.services.waste_intake.waste_declaration_from_incoming``) → the property's page, where it is accepted or
rejected. A refusal shows its messages and records nothing."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.views import BackOfficeView
from taxes.models import WasteDeclaration, WasteMethod, WasteProperty
from taxes.services import waste_intake as svc

VIEW, MANAGE = "taxes.view_declaration", "taxes.manage_register"
TEMPLATE = "taxes/waste/intake.html"


class EntryForm(forms.Form):
    entry = forms.CharField(label=gettext_lazy("EZD entry (number/year or id)"), max_length=30)
    property = forms.IntegerField(label=gettext_lazy("property"), required=False, min_value=1)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_entry(self):
        text = self.cleaned_data["entry"]
        entry = svc.entry_by_reference(text, user=self.user)
        if entry is None:
            raise forms.ValidationError(_("There is no EZD entry %(entry)s.") % {"entry": text.strip()})
        return entry

    def clean_property(self):
        pk = self.cleaned_data.get("property")
        if pk is None:
            return None
        prop = WasteProperty.objects.filter(pk=pk).first()
        if prop is None:
            raise forms.ValidationError(_("There is no waste fee property %(id)s.") % {"id": pk})
        return prop


def _messages(exc: ApplicationError) -> list[str]:
    found = [m for field_messages in (getattr(exc, "errors", None) or {}).values() for m in field_messages]
    return found or [exc.message]


class WasteIntakeView(BackOfficeView):
    """GET without ``entry``: the entry form and the recent DO-1 entries; GET with ``entry``: the review page;
    POST: record."""

    permission_required = (VIEW, MANAGE)

    def _context(self, request, form, *, errors=None) -> dict:
        context = {"form": form, "errors": errors or [], "preview": None, "query": "", "candidates": []}
        if form.is_bound and form.is_valid():
            entry, chosen = form.cleaned_data["entry"], form.cleaned_data["property"]
            try:
                context["preview"] = svc.waste_intake_preview(entry=entry, property=chosen)
            except ApplicationError as exc:
                context["errors"] += [m for m in _messages(exc) if m not in context["errors"]]
            else:
                parsed = context["preview"].form
                context["purpose_label"] = dict(WasteDeclaration.Purpose.choices).get(parsed.purpose, parsed.purpose)
                context["method_label"] = dict(WasteMethod.choices).get(parsed.method, parsed.method)
                query = (request.GET.get("q") or "").strip()
                if not query and context["preview"].property is None:
                    address = context["preview"].form.address
                    query = " ".join(x for x in (address.get("street"), address.get("number")) if x)
                context["query"] = query
                context["candidates"] = list(svc.properties_matching(query)) if query else []
        else:
            context["recent"] = svc.recent_waste_entries(user=request.user)
        return context

    def get(self, request):
        form = EntryForm(request.GET, user=request.user) if request.GET.get("entry") else EntryForm(user=request.user)
        context = self._context(request, form)
        status = 422 if form.is_bound and (form.errors or context["errors"]) else 200
        return render(request, TEMPLATE, context, status=status)

    def post(self, request):
        form = EntryForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                declaration = svc.waste_declaration_from_incoming(
                    actor=request.user, entry=form.cleaned_data["entry"], property=form.cleaned_data["property"]
                )
            except ApplicationError as exc:
                return render(request, TEMPLATE, self._context(request, form, errors=_messages(exc)), status=422)
            if declaration.late:
                messages.warning(request, _("The declaration was filed after the deadline %(date)s.") % {
                    "date": f"{declaration.deadline:%d.%m.%Y}"})  # fmt: skip
            messages.success(request, _("The DO-1 declaration has been recorded from the entry; review and accept it."))
            return HttpResponseRedirect(reverse("taxes:waste-property-detail", args=[declaration.property_id]))
        return render(request, TEMPLATE, self._context(request, form), status=422)


urlpatterns = [
    path("waste/declarations/from-entry/", WasteIntakeView.as_view(), name="waste-declaration-from-entry"),
]
