"""Back-office screens of the tax register under /taxes/: search, object detail with its history, forms to add an
object / a version / end it / add a co-owner, and the taxpayer card (objects, declarations, decisions, finance).
Thin: permission, form, selector or service call, template."""

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

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.models import Party
from core.services.audit import audit_log
from core.views import BackOfficeView
from taxes import selectors_register as sel
from taxes.models import ExemptionReason, Liability, RateCategory, TaxObject
from taxes.services import register as svc

VIEW = "taxes.view_taxobject"
MANAGE = "taxes.manage_register"
DATE = forms.DateInput(attrs={"type": "date"})


class SearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Taxpayer (name, PESEL, NIP), parcel or registration"), required=False,
                        max_length=100)  # fmt: skip
    kind = forms.ChoiceField(label=gettext_lazy("kind"), required=False,
                             choices=[("", "—"), *TaxObject.Kind.choices])  # fmt: skip


class _ServiceForm(forms.Form):
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, field_messages in errors.items():
            for message in field_messages:
                self.add_error(field if field in self.fields else None, message)


VEHICLE_KINDS = [
    ("truck", gettext_lazy("truck")),
    ("tractor", gettext_lazy("tractor unit")),
    ("trailer", gettext_lazy("trailer or semi-trailer")),
    ("bus", gettext_lazy("bus")),
]


class VersionFields(_ServiceForm):
    valid_from = forms.DateField(label=gettext_lazy("valid from (1st day of a month)"), widget=DATE)
    category = forms.ModelChoiceField(
        label=gettext_lazy("rate category"), queryset=RateCategory.objects.all(), required=False,
        help_text=gettext_lazy("For a vehicle it may be left empty: the transport tax class follows from its data."),
    )  # fmt: skip
    area = forms.DecimalField(label=gettext_lazy("area (m² or ha)"), max_digits=14, decimal_places=4, required=False)
    area_low = forms.DecimalField(label=gettext_lazy("of which height 1.40–2.20 m (counted 50%)"), max_digits=14,
                                  decimal_places=4, required=False)  # fmt: skip
    value = forms.DecimalField(label=gettext_lazy("value (structures)"), max_digits=16, decimal_places=2,
                               required=False)  # fmt: skip
    land_type = forms.CharField(label=gettext_lazy("land type (arable, meadow, orchard, …)"), max_length=20,
                                required=False)  # fmt: skip
    land_class = forms.CharField(label=gettext_lazy("land class (EGiB)"), max_length=5, required=False)
    reserve = forms.BooleanField(label=gettext_lazy("nature reserve or national park (forest −50%)"), required=False)
    vehicle_mass_kg = forms.IntegerField(label=gettext_lazy("permissible mass (kg)"), min_value=0, required=False)
    vehicle_axles = forms.IntegerField(label=gettext_lazy("axles"), min_value=0, required=False)
    vehicle_air_suspension = forms.BooleanField(label=gettext_lazy("air suspension"), required=False)
    vehicle_seats = forms.IntegerField(label=gettext_lazy("seats"), min_value=0, required=False)
    vehicle_year = forms.IntegerField(label=gettext_lazy("year of manufacture"), min_value=1900, required=False)
    vehicle_kind = forms.ChoiceField(label=gettext_lazy("kind of vehicle (when the class is left empty)"),
                                     choices=[("", "—"), *VEHICLE_KINDS], required=False)  # fmt: skip
    exemption = forms.ModelChoiceField(label=gettext_lazy("exemption"), queryset=ExemptionReason.objects.all(),
                                       required=False)  # fmt: skip

    def version(self) -> dict:
        data = dict(self.cleaned_data)
        version = {k: data[k] for k in svc.VERSION_FIELDS if k in data}
        if data.get("vehicle_kind"):
            version["vehicle_kind"] = data["vehicle_kind"]
        return version


class ObjectForm(VersionFields):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=TaxObject.Kind.choices)
    precinct = forms.CharField(label=gettext_lazy("precinct (obręb)"), max_length=100, required=False)
    parcel = forms.CharField(label=gettext_lazy("parcel number"), max_length=50, required=False)
    identifier = forms.CharField(label=gettext_lazy("identifier (building id, registration number)"),
                                 max_length=100, required=False)  # fmt: skip
    description = forms.CharField(label=gettext_lazy("description"), max_length=300, required=False)
    party = forms.IntegerField(label=gettext_lazy("Taxpayer (party id)"), min_value=1)
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Liability.Role.choices)
    share_numerator = forms.IntegerField(label=gettext_lazy("share (numerator)"), min_value=1, initial=1)
    share_denominator = forms.IntegerField(label=gettext_lazy("share (denominator)"), min_value=1, initial=1)

    field_order = ["kind", "precinct", "parcel", "identifier", "description", "party", "role", "share_numerator",
                   "share_denominator"]  # fmt: skip


class EndForm(_ServiceForm):
    valid_to = forms.DateField(label=gettext_lazy("valid to (last day of a month)"), widget=DATE)


class LiabilityForm(_ServiceForm):
    party = forms.IntegerField(label=gettext_lazy("Taxpayer (party id)"), min_value=1)
    role = forms.ChoiceField(label=gettext_lazy("role"), choices=Liability.Role.choices,
                             initial=Liability.Role.CO_OWNER)  # fmt: skip
    share_numerator = forms.IntegerField(label=gettext_lazy("share (numerator)"), min_value=1, initial=1)
    share_denominator = forms.IntegerField(label=gettext_lazy("share (denominator)"), min_value=1, initial=1)
    valid_from = forms.DateField(label=gettext_lazy("valid from (1st day of a month)"), widget=DATE)
    valid_to = forms.DateField(label=gettext_lazy("valid to (last day of a month)"), widget=DATE, required=False)


def _object_or_404(user, pk: int) -> TaxObject:
    try:
        return sel.access_object(user=user, object_id=pk)
    except NotFoundOrForbidden:
        raise Http404 from None


def _party(party_id: int | None) -> Party | None:
    return Party.objects.filter(pk=party_id).first() if party_id else None


class RegisterSearchView(BackOfficeView):
    permission_required = VIEW

    def get(self, request):
        form = SearchForm(request.GET or None)
        qs = sel.search_objects()
        if form.is_valid():
            qs = sel.search_objects(query=form.cleaned_data["q"], kind=form.cleaned_data["kind"])
            if form.cleaned_data["q"]:
                audit_log(actor=request.user, action="taxes.register.searched", object_type="taxes.taxobject",
                          details={"query": form.cleaned_data["q"]})  # fmt: skip
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        holders = {}
        for li in Liability.objects.filter(object__in=list(page.object_list)).select_related("party"):
            if li.valid_to is None or li.valid_to >= timezone.localdate():
                holders.setdefault(li.object_id, []).append(li)
        rows = [(o, holders.get(o.pk, [])) for o in page.object_list]
        return render(request, "taxes/register/search.html", {"form": form, "page": page, "rows": rows})


class ObjectDetailView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        obj = _object_or_404(request.user, pk)
        return render(request, "taxes/register/object_detail.html", _detail_context(request, obj))


def _detail_context(request, obj, **forms_) -> dict:
    can = request.user.has_perm(MANAGE)
    return {
        "object": obj,
        "versions": sel.object_versions(obj),
        "liabilities": sel.object_liabilities(obj),
        "can_manage": can,
        "version_form": forms_.get("version_form") or (VersionFields() if can else None),
        "end_form": forms_.get("end_form") or (EndForm() if can else None),
        "liability_form": forms_.get("liability_form") or (LiabilityForm() if can else None),
    }


class ObjectCreateView(BackOfficeView):
    permission_required = MANAGE
    template = "taxes/register/object_form.html"

    def get(self, request):
        return render(request, self.template, {"form": ObjectForm(initial={"party": request.GET.get("party")})})

    def post(self, request):
        form = ObjectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            party = _party(data["party"])
            version = {**form.version(), "valid_from": data["valid_from"]}
            try:
                obj = svc.object_create(
                    actor=request.user, kind=data["kind"], precinct=data["precinct"], parcel=data["parcel"],
                    identifier=data["identifier"], description=data["description"], version=version,
                    liabilities=[{"party": party, "role": data["role"], "valid_from": data["valid_from"],
                                  "share_numerator": data["share_numerator"],
                                  "share_denominator": data["share_denominator"]}],
                )  # fmt: skip
            except ServiceValidationError as exc:
                form.add_service_errors({k.split(".")[-1]: v for k, v in exc.errors.items()})
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The tax object has been added to the register."))
                return HttpResponseRedirect(reverse("taxes:object-detail", args=[obj.pk]))
        return render(request, self.template, {"form": form}, status=422)


class _ObjectAction(BackOfficeView):
    permission_required = MANAGE
    form_class: type[_ServiceForm]
    form_key: str
    done: str

    def call(self, request, obj, data):
        raise NotImplementedError

    def post(self, request, pk: int):
        obj = _object_or_404(request.user, pk)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.call(request, obj, form)
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, str(self.done))
                return HttpResponseRedirect(reverse("taxes:object-detail", args=[obj.pk]))
        context = _detail_context(request, obj, **{self.form_key: form})
        return render(request, "taxes/register/object_detail.html", context, status=422)


class VersionAddView(_ObjectAction):
    form_class = VersionFields
    form_key = "version_form"
    done = gettext_lazy("The new version has been recorded.")

    def call(self, request, obj, form):
        svc.object_version_add(actor=request.user, object=obj, valid_from=form.cleaned_data["valid_from"],
                               **form.version())  # fmt: skip


class ObjectEndView(_ObjectAction):
    form_class = EndForm
    form_key = "end_form"
    done = gettext_lazy("The object has been ended.")

    def call(self, request, obj, form):
        svc.object_end(actor=request.user, object=obj, valid_to=form.cleaned_data["valid_to"])


class LiabilityAddView(_ObjectAction):
    form_class = LiabilityForm
    form_key = "liability_form"
    done = gettext_lazy("The taxpayer has been added.")

    def call(self, request, obj, form):
        data = form.cleaned_data
        svc.liability_add(
            actor=request.user, object=obj, party=_party(data["party"]), role=data["role"],
            valid_from=data["valid_from"], valid_to=data["valid_to"], share_numerator=data["share_numerator"],
            share_denominator=data["share_denominator"],
        )  # fmt: skip


class LiabilityEndView(BackOfficeView):
    permission_required = MANAGE

    def post(self, request, pk: int, liability_id: int):
        obj = _object_or_404(request.user, pk)
        liability = Liability.objects.filter(pk=liability_id, object=obj).first()
        if liability is None:
            raise Http404
        form = EndForm(request.POST)
        if form.is_valid():
            try:
                svc.liability_end(actor=request.user, liability=liability, valid_to=form.cleaned_data["valid_to"])
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The liability has been ended."))
                return HttpResponseRedirect(reverse("taxes:object-detail", args=[obj.pk]))
        for error in form.errors.get("valid_to", []) + form.non_field_errors():
            messages.error(request, error)
        return render(request, "taxes/register/object_detail.html", _detail_context(request, obj), status=422)


class TaxpayerCardView(BackOfficeView):
    """The taxpayer card: objects (current and historical), declarations, decisions, the finance account."""

    permission_required = VIEW

    def get(self, request, party_id: int):
        try:
            party = sel.access_taxpayer(user=request.user, party_id=party_id, purpose="taxpayer card")
        except NotFoundOrForbidden:
            raise Http404 from None
        card = sel.taxpayer_card(user=request.user, party=party, as_of=timezone.localdate())
        return render(request, "taxes/register/taxpayer.html", {"card": card, "party": party})


urlpatterns = [
    path("register/", RegisterSearchView.as_view(), name="register-search"),
    path("objects/new/", ObjectCreateView.as_view(), name="object-create"),
    path("objects/<int:pk>/", ObjectDetailView.as_view(), name="object-detail"),
    path("objects/<int:pk>/versions/", VersionAddView.as_view(), name="object-version-add"),
    path("objects/<int:pk>/end/", ObjectEndView.as_view(), name="object-end"),
    path("objects/<int:pk>/liabilities/", LiabilityAddView.as_view(), name="object-liability-add"),
    path("objects/<int:pk>/liabilities/<int:liability_id>/end/", LiabilityEndView.as_view(),
         name="object-liability-end"),
    path("taxpayers/<int:party_id>/", TaxpayerCardView.as_view(), name="taxpayer-card"),
]  # fmt: skip
