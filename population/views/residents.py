"""Back-office screens of the residents register: search, the resident's card and the registration forms.

Thin: a permission, a form, one service or selector call, a template. Every read of a resident goes through
``access_resident_by_id`` (which logs it); every change through a service (which checks the rules and logs
it). A rule the service refuses comes back as field → messages and is shown next to the field (status 422).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.selectors import party_search
from core.services.audit import audit_log
from core.views import BackOfficeView
from population import forms
from population.models import Registration, Resident
from population.selectors import access_resident_by_id, in_force_on, resident_registrations, resident_search
from population.services import (
    registration_deregister,
    registration_extend,
    registration_register,
    resident_create,
    resident_create_with_party,
    resident_record_death,
    resident_record_emigration,
)

PAGE_SIZE = 25


def _fragment(request) -> bool:
    """An HTMX request for a partial (not a history restore, which needs the whole page)."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _resident(request, pk: int, purpose: str) -> Resident:
    try:
        return access_resident_by_id(user=request.user, resident_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


def _registration(request, pk: int, purpose: str) -> tuple[Resident, Registration]:
    """A registration through its resident's logged read (404 when either is missing)."""
    resident_id = Registration.objects.filter(pk=pk).values_list("resident_id", flat=True).first()
    if resident_id is None:
        raise Http404
    resident = _resident(request, resident_id, purpose)
    return resident, resident_registrations(resident=resident).get(pk=pk)


def _card(resident: Resident) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("population:resident-detail", args=[resident.pk]))


class ResidentListView(BackOfficeView):
    permission_required = "population.view_resident"

    def get(self, request):
        form = forms.ResidentSearchForm(request.GET or None)
        filters = form.filters() if form.is_bound else {}
        today = timezone.localdate()
        # The addresses in force shown in the table: one prefetch for the whole page, not a query per row.
        current = Prefetch(
            "registrations",
            queryset=Registration.objects.filter(in_force_on(today))
            .select_related("address__locality", "address__street")
            .order_by("kind", "-start_date"),
            to_attr="current_registrations",
        )
        qs = resident_search(user=request.user, on=today, **filters).prefetch_related(current)
        if form.is_bound and not form.is_valid():
            qs = qs.none()
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        searched = {key: value for key, value in filters.items() if value}
        if searched:
            audit_log(
                actor=request.user,
                action="resident.searched",
                object_type="population.resident",
                details={**searched, "results": page.paginator.count},
            )
        fragment = _fragment(request)
        context = {
            "form": form,
            "page": page,
            "searched": bool(searched),
            "foreigners": filters.get("foreigners"),
            "fragment": fragment,
        }
        template = "population/resident_list_results.html" if fragment else "population/resident_list.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


class ResidentDetailView(BackOfficeView):
    permission_required = "population.view_resident"

    def get(self, request, pk: int):
        resident = _resident(request, pk, "back office view")
        registrations = list(resident_registrations(resident=resident))
        today = timezone.localdate()
        context = {
            "resident": resident,
            "party": resident.party,
            "registrations": registrations,
            "in_force": sorted((r for r in registrations if r.in_force_on(today)), key=lambda r: r.kind),
            "is_active": resident.status == Resident.Status.ACTIVE,
            "is_deceased": resident.status == Resident.Status.DECEASED,
        }
        return render(request, "population/resident_detail.html", context)


class ResidentCreateView(BackOfficeView):
    permission_required = ("population.view_resident", "population.add_resident")
    template = "population/resident_form.html"

    def get(self, request):
        return render(request, self.template, {"form": forms.ResidentCreateForm()})

    def post(self, request):
        form = forms.ResidentCreateForm(request.POST)
        if form.is_valid():
            try:
                resident = self._create(request, form)
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(
                    request,
                    _("%(name)s entered into the residents register.") % {"name": resident.party.display_name},
                )
                return _card(resident)
        return render(request, self.template, {"form": form}, status=422)

    def _create(self, request, form) -> Resident:
        if form.cleaned_data["source"] == form.EXISTING:
            pesel = form.cleaned_data["pesel"]
            party = party_search(user=request.user, query=pesel, kind="person").filter(pesel=pesel).first()
            if party is None:
                raise ServiceValidationError(
                    _("The data contain errors."),
                    errors={
                        "pesel": [
                            _("No person with PESEL %(pesel)s in the party register: choose “new person”.")
                            % {"pesel": pesel}
                        ]
                    },
                )
            return resident_create(actor=request.user, party=party, data=form.resident_input())
        if not request.user.has_perm("core.add_party"):
            raise ServiceValidationError(
                _("The data contain errors."),
                errors={"source": [_("You may not enter new persons into the party register.")]},
            )
        return resident_create_with_party(actor=request.user, party_data=form.party_input(), data=form.resident_input())


class _ResidentActionView(BackOfficeView):
    """A form about one resident; ``perform`` calls the service."""

    form_class: type
    title: str = ""
    purpose: str = ""
    template = "population/resident_action_form.html"

    def perform(self, request, resident, form):  # pragma: no cover - overridden
        raise NotImplementedError

    def success_message(self, resident, result) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    notice: str = ""

    def context(self, resident, form) -> dict:
        return {"resident": resident, "party": resident.party, "form": form, "title": self.title, "notice": self.notice}

    def get(self, request, pk: int):
        resident = _resident(request, pk, self.purpose)
        return render(request, self.template, self.context(resident, self.form_class()))

    def post(self, request, pk: int):
        resident = _resident(request, pk, self.purpose)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                result = self.perform(request, resident, form)
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, self.success_message(resident, result))
                return _card(resident)
        return render(request, self.template, self.context(resident, form), status=422)


class RegistrationCreateView(_ResidentActionView):
    permission_required = ("population.view_resident", "population.add_registration")
    form_class = forms.RegistrationForm
    purpose = "registration of stay"
    template = "population/registration_form.html"

    def perform(self, request, resident, form):
        data = form.cleaned_data
        return registration_register(
            actor=request.user,
            resident=resident,
            kind=data["kind"],
            address=form.address_input(),
            start_date=data["start_date"],
            planned_end_date=data["planned_end_date"],
            form=data["form"],
            legal_basis=data["legal_basis"],
        )

    def success_message(self, resident, result) -> str:
        return _("Registered for a %(kind)s at %(address)s from %(date)s.") % {
            "kind": result.get_kind_display(),
            "address": result.address.one_line,
            "date": result.start_date.strftime("%d.%m.%Y"),
        }


class ResidentDeathView(_ResidentActionView):
    permission_required = ("population.view_resident", "population.change_resident")
    form_class = forms.DeathForm
    purpose = "recording a death"

    @property
    def title(self):
        return _("Record a death")

    @property
    def notice(self):
        return _("Every registration in force ends on the date of death and the person can no longer be registered.")

    def perform(self, request, resident, form):
        return resident_record_death(actor=request.user, resident=resident, death_date=form.cleaned_data["death_date"])

    def success_message(self, resident, result) -> str:
        return _("Death recorded; the registrations in force ended on %(date)s.") % {
            "date": result.status_date.strftime("%d.%m.%Y")
        }


class ResidentEmigrationView(_ResidentActionView):
    permission_required = ("population.view_resident", "population.change_resident")
    form_class = forms.EmigrationForm
    purpose = "recording a departure abroad"

    @property
    def title(self):
        return _("Record a departure abroad")

    @property
    def notice(self):
        return _("Departure abroad for good: every registration in force ends on the date of departure.")

    def perform(self, request, resident, form):
        return resident_record_emigration(
            actor=request.user, resident=resident, departure_date=form.cleaned_data["departure_date"]
        )

    def success_message(self, resident, result) -> str:
        return _("Departure abroad recorded; the registrations in force ended on %(date)s.") % {
            "date": result.status_date.strftime("%d.%m.%Y")
        }


class _RegistrationActionView(BackOfficeView):
    """A form about one registration of stay (reached through its resident's logged read)."""

    permission_required = ("population.view_resident", "population.change_registration")
    form_class: type
    purpose: str = ""
    template = "population/resident_action_form.html"

    @property
    def title(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    def context(self, resident, registration, form) -> dict:
        return {
            "resident": resident,
            "party": resident.party,
            "registration": registration,
            "form": form,
            "title": self.title,
        }

    def get(self, request, pk: int):
        resident, registration = _registration(request, pk, self.purpose)
        return render(request, self.template, self.context(resident, registration, self.form_class()))

    def post(self, request, pk: int):
        resident, registration = _registration(request, pk, self.purpose)
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                registration = self.perform(request, registration, form)
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, self.success_message(registration))
                return _card(resident)
        return render(request, self.template, self.context(resident, registration, form), status=422)


class RegistrationDeregisterView(_RegistrationActionView):
    form_class = forms.DeregisterForm
    purpose = "de-registration"

    @property
    def title(self):
        return _("De-register")

    def perform(self, request, registration, form):
        return registration_deregister(
            actor=request.user,
            registration=registration,
            end_date=form.cleaned_data["end_date"],
            reason=form.cleaned_data["reason"],
        )

    def success_message(self, registration) -> str:
        return _("De-registered from %(address)s on %(date)s.") % {
            "address": registration.address.one_line,
            "date": registration.end_date.strftime("%d.%m.%Y"),
        }


class RegistrationExtendView(_RegistrationActionView):
    form_class = forms.ExtendForm
    purpose = "extension of a temporary stay"

    @property
    def title(self):
        return _("Extend the temporary stay")

    def perform(self, request, registration, form):
        return registration_extend(
            actor=request.user, registration=registration, planned_end_date=form.cleaned_data["planned_end_date"]
        )

    def success_message(self, registration) -> str:
        return _("The temporary stay now ends on %(date)s.") % {
            "date": registration.planned_end_date.strftime("%d.%m.%Y")
        }
