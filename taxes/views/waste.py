"""Back-office screens of the waste fee declarations under /taxes/waste/: the properties list (with the form of a new
property), a property with its declaration history and the current monthly fee (the declaration in force today), the
record form of a declaration, accept / reject. Thin: permission, form, service call
(taxes.services.waste_declarations), template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, ServiceValidationError
from core.views import BackOfficeView
from taxes.models import WasteDeclaration, WasteMethod, WasteProperty
from taxes.services import waste_declarations as svc
from taxes.views.declarations import party_find

VIEW = "taxes.view_declaration"
MANAGE = "taxes.manage_register"
DATE = forms.DateInput(attrs={"type": "date"})
BLANK = [("", "—")]


class PropertyForm(forms.Form):
    identifier = forms.CharField(label=gettext_lazy("identifier"), max_length=40)
    address = forms.IntegerField(label=gettext_lazy("address (id in the register)"), min_value=1)
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=WasteProperty.Kind.choices)
    dwelling_m2 = forms.DecimalField(label=gettext_lazy("dwelling area (m²)"), max_digits=10, decimal_places=2,
                                     required=False)  # fmt: skip


class WasteDeclarationForm(forms.Form):
    party_query = forms.CharField(label=gettext_lazy("Fee payer (PESEL, NIP or name)"), max_length=150)
    purpose = forms.ChoiceField(label=gettext_lazy("purpose"), choices=WasteDeclaration.Purpose.choices)
    filed_on = forms.DateField(label=gettext_lazy("filed on"), widget=DATE)
    effective_from = forms.DateField(label=gettext_lazy("fee from (month)"), widget=DATE)
    event_date = forms.DateField(label=gettext_lazy("date of the event (moving in, change)"), widget=DATE,
                                 required=False)  # fmt: skip
    method = forms.ChoiceField(label=gettext_lazy("method"), choices=BLANK + list(WasteMethod.choices), required=False)
    residents = forms.IntegerField(label=gettext_lazy("residents"), required=False)
    water_m3 = forms.DecimalField(label=gettext_lazy("water consumed (m³ per month)"), max_digits=10,
                                  decimal_places=2, required=False)  # fmt: skip
    dwelling_m2 = forms.DecimalField(label=gettext_lazy("dwelling area (m²)"), max_digits=10, decimal_places=2,
                                     required=False)  # fmt: skip
    households = forms.IntegerField(label=gettext_lazy("households"), required=False)
    selective = forms.BooleanField(label=gettext_lazy("waste collected selectively"), required=False, initial=True)
    composts = forms.BooleanField(label=gettext_lazy("bio-waste composted at home"), required=False)
    exemptions = forms.CharField(label=gettext_lazy("exemptions claimed (codes, comma-separated)"), max_length=200,
                                 required=False)  # fmt: skip

    def clean_party_query(self):
        return party_find(self.cleaned_data["party_query"])


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for rejecting"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)  # fmt: skip


def _get(model, pk: int):
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def errors_to_form(form: forms.Form, exc: ApplicationError) -> list[str]:
    """Field errors onto ``form``; the rest returned as messages for the page."""
    problems: list[str] = []
    for field, field_messages in (getattr(exc, "errors", None) or {}).items():
        target = {"payer": "party_query"}.get(field, field)
        for message in field_messages:
            if target in form.fields:
                form.add_error(target, message)
            else:
                problems.append(message)
    if not getattr(exc, "errors", None):
        problems.append(exc.message)
    return problems


class WastePropertyListView(BackOfficeView):
    permission_required = VIEW
    template = "taxes/waste/property_list.html"

    def _render(self, request, form, status=200):
        qs = WasteProperty.objects.select_related("address").order_by("identifier")
        query = (request.GET.get("q") or "").strip()
        if query:
            qs = qs.filter(identifier__icontains=query)
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        return render(request, self.template, {"page": page, "form": form, "q": query,
                                               "can_manage": request.user.has_perm(MANAGE)}, status=status)  # fmt: skip

    def get(self, request):
        return self._render(request, PropertyForm())


class WastePropertyCreateView(WastePropertyListView):
    permission_required = (VIEW, MANAGE)

    def get(self, request):
        return HttpResponseRedirect(reverse("taxes:waste-property-list"))

    def post(self, request):
        form = PropertyForm(request.POST)
        if form.is_valid():
            try:
                prop = svc.waste_property_create(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                for message in errors_to_form(form, exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("The property has been recorded."))
                return HttpResponseRedirect(reverse("taxes:waste-property-detail", args=[prop.pk]))
        return self._render(request, form, status=422)


def _property_context(request, prop: WasteProperty, **extra) -> dict:
    today = timezone.localdate()
    in_force, fee = svc.current_fee(prop, today)
    return {
        "property": prop,
        "declarations": prop.declarations.select_related("payer").all(),
        "in_force": in_force,
        "fee": fee,
        "today": today,
        "can_manage": request.user.has_perm(MANAGE),
        "reject_form": extra.pop("reject_form", RejectForm()),
        "errors": extra.pop("errors", []),
        **extra,
    }


class WastePropertyDetailView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        prop = _get(WasteProperty, pk)
        return render(request, "taxes/waste/property_detail.html", _property_context(request, prop))


class WasteDeclarationRecordView(BackOfficeView):
    permission_required = (VIEW, MANAGE)
    template = "taxes/waste/record.html"

    def get(self, request, pk: int):
        prop = _get(WasteProperty, pk)
        today = timezone.localdate()
        initial = {"filed_on": today, "effective_from": today.replace(day=1), "selective": True}
        return render(request, self.template, {"property": prop, "form": WasteDeclarationForm(initial=initial)})

    def post(self, request, pk: int):
        prop = _get(WasteProperty, pk)
        form = WasteDeclarationForm(request.POST)
        problems: list[str] = []
        if form.is_valid():
            d = form.cleaned_data
            try:
                declaration = svc.waste_declaration_record(
                    actor=request.user, property=prop, payer=d["party_query"], filed_on=d["filed_on"],
                    effective_from=d["effective_from"], purpose=d["purpose"], method=d["method"],
                    residents=d["residents"], water_m3=d["water_m3"], dwelling_m2=d["dwelling_m2"],
                    households=d["households"], selective=d["selective"], composts=d["composts"],
                    exemptions=[c for c in (d["exemptions"] or "").split(",") if c.strip()], containers=[],
                    event_date=d["event_date"],
                )  # fmt: skip
            except ApplicationError as exc:
                problems = errors_to_form(form, exc)
            else:
                if declaration.late:
                    messages.warning(request, _("The declaration was filed after the deadline %(date)s.") % {
                        "date": f"{declaration.deadline:%d.%m.%Y}"})  # fmt: skip
                messages.success(request, _("The declaration has been recorded; review and accept it."))
                return HttpResponseRedirect(reverse("taxes:waste-property-detail", args=[prop.pk]))
        context = {"property": prop, "form": form, "problems": problems}
        return render(request, self.template, context, status=422)


class WasteDeclarationAcceptView(BackOfficeView):
    permission_required = (VIEW, MANAGE)

    def post(self, request, pk: int):
        declaration = _get(WasteDeclaration, pk)
        try:
            svc.waste_declaration_accept(actor=request.user, declaration=declaration)
        except ApplicationError as exc:
            context = _property_context(request, declaration.property, errors=[exc.message])
            return render(request, "taxes/waste/property_detail.html", context, status=422)
        messages.success(request, _("The declaration has been accepted."))
        return HttpResponseRedirect(reverse("taxes:waste-property-detail", args=[declaration.property_id]))


class WasteDeclarationRejectView(BackOfficeView):
    permission_required = (VIEW, MANAGE)

    def post(self, request, pk: int):
        declaration = _get(WasteDeclaration, pk)
        form = RejectForm(request.POST)
        errors: list[str] = []
        if form.is_valid():
            try:
                svc.waste_declaration_reject(actor=request.user, declaration=declaration,
                                             reason=form.cleaned_data["reason"])  # fmt: skip
            except (ApplicationError, ServiceValidationError) as exc:
                errors = [exc.message]
            else:
                messages.success(request, _("The declaration has been rejected."))
                return HttpResponseRedirect(reverse("taxes:waste-property-detail", args=[declaration.property_id]))
        context = _property_context(request, declaration.property, reject_form=form, errors=errors)
        return render(request, "taxes/waste/property_detail.html", context, status=422)


urlpatterns = [
    path("waste/properties/", WastePropertyListView.as_view(), name="waste-property-list"),
    path("waste/properties/new/", WastePropertyCreateView.as_view(), name="waste-property-create"),
    path("waste/properties/<int:pk>/", WastePropertyDetailView.as_view(), name="waste-property-detail"),
    path("waste/properties/<int:pk>/declare/", WasteDeclarationRecordView.as_view(), name="waste-declaration-record"),
    path("waste/declarations/<int:pk>/accept/", WasteDeclarationAcceptView.as_view(), name="waste-declaration-accept"),
    path("waste/declarations/<int:pk>/reject/", WasteDeclarationRejectView.as_view(), name="waste-declaration-reject"),
]
