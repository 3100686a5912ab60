"""Back-office views: cases (list, open, case view, status, re-classification, metryka), spis spraw, JRWA.

Thin views: permission, a form that only collects input, one service or selector call, a template. A case is
opened through ``access_case`` (checked and logged); an action on a case is checked again by its service.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.views import BackOfficeView
from documents.forms_cases import (
    CaseFilterForm,
    CaseOpenForm,
    CaseReclassifyForm,
    CaseTransitionForm,
    SpisSprawForm,
)
from documents.models import Case, IncomingEntry
from documents.selectors import access_case, cases_visible_to, entries_visible_to
from documents.services.case_reports import case_events, metryka, metryka_pdf, spis_spraw, spis_spraw_pdf
from documents.services.cases import allowed_transitions, case_open, case_reclassify, case_transition
from documents.services.jrwa import current_version

VIEW = "documents.view_case"
HANDLE = ("documents.view_case", "documents.handle_case")


def _case(request, pk: int, purpose: str) -> Case:
    try:
        return access_case(user=request.user, case_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


def _visible_case(request, pk: int) -> Case:
    case = cases_visible_to(request.user).filter(pk=pk).first()
    if case is None:
        raise Http404
    return case


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _outgoing_url(document) -> str:
    try:
        return reverse("documents:outgoing-detail", args=[document.pk])
    except NoReverseMatch:
        return ""


class CaseListView(BackOfficeView):
    permission_required = VIEW

    def get(self, request):
        form = CaseFilterForm(request.GET or None)
        qs = cases_visible_to(request.user).select_related("unit", "jrwa", "owner")
        if form.is_valid():
            data = form.cleaned_data
            if data["unit"]:
                qs = qs.filter(unit=data["unit"])
            if data["jrwa"]:
                qs = qs.filter(jrwa__symbol=data["jrwa"])
            if data["year"]:
                qs = qs.filter(year=data["year"])
            if data["status"]:
                qs = qs.filter(status=data["status"])
            if data["owner"]:
                qs = qs.filter(owner=data["owner"])
        page = Paginator(qs.order_by("-year", "unit__symbol", "jrwa__symbol", "-number"), 25).get_page(
            request.GET.get("page")
        )
        return render(request, "documents/cases/case_list.html", {"form": form, "page": page})


class CaseOpenView(BackOfficeView):
    """Open a case ad hoc, or from a letter (``?entry=<id>``: only the letter's clerk or his head)."""

    permission_required = HANDLE

    def _entry(self, request, entry_id):
        if not entry_id:
            return None
        entry = entries_visible_to(request.user).select_related("sender").filter(pk=entry_id).first()
        if entry is None:
            raise Http404
        return entry

    def _render(self, request, form, entry, status=200):
        return render(request, "documents/cases/case_open.html", {"form": form, "entry": entry}, status=status)

    def get(self, request):
        raw = request.GET.get("entry", "")
        entry = self._entry(request, int(raw) if raw.isdigit() else None)
        initial = {"unit": request.user.org_unit_id}
        if entry is not None:
            initial |= {"entry": entry.pk, "title": entry.title, "unit": entry.assigned_unit_id or initial["unit"]}
        return self._render(request, CaseOpenForm(initial=initial), entry)

    def post(self, request):
        form = CaseOpenForm(request.POST)
        entry = None
        if form.is_valid():
            data = form.cleaned_data
            entry = self._entry(request, data["entry"])
            try:
                case = case_open(
                    actor=request.user,
                    unit=data["unit"],
                    jrwa=data["jrwa"],
                    title=data["title"],
                    owner=data["owner"],
                    entry=entry,
                    opened_on=data["opened_on"],
                    procedure=data["procedure"],
                    due_date=data["due_date"],
                    description=data["description"],
                )
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Case %(mark)s opened.") % {"mark": case.mark})
                return HttpResponseRedirect(reverse("documents:case-detail", args=[case.pk]))
        return self._render(request, form, entry, status=422)


class CaseDetailView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        case = _case(request, pk, "case view")
        transitions = allowed_transitions(request.user, case)
        events, _entries = case_events(case)
        documents = [{"document": d, "url": _outgoing_url(d)} for d in case.outgoing_documents.order_by("pk")]
        context = {
            "case": case,
            "parties": case.parties.order_by("pk"),
            "entries": IncomingEntry.objects.filter(case=case).select_related("sender").order_by("received_at"),
            "documents": documents,
            "metryka": metryka(case=case),
            "timeline": list(events.order_by("-seq")[:100]),
            "transitions": [(to, Case.Status(to).label) for to in transitions],
            "can_handle": bool(transitions),
            "close_form": CaseTransitionForm(initial={"to": Case.Status.CLOSED}),
            "reclassify_form": CaseReclassifyForm() if transitions else None,
        }
        return render(request, "documents/cases/case_detail.html", context)


class CaseTransitionView(BackOfficeView):
    permission_required = HANDLE

    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        form = CaseTransitionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case_transition(
                    actor=request.user,
                    case=case,
                    to=data["to"],
                    on=data["on"] if data["to"] == Case.Status.CLOSED else form.on_or_today(),
                    manner=data["manner"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                details = [m for msgs in exc.errors.values() for m in msgs]
                messages.error(request, " ".join([exc.message, *details]))
            else:
                messages.success(
                    request, _("Case %(mark)s: %(status)s.") % {"mark": case.mark, "status": case.get_status_display()}
                )
        else:
            messages.error(request, _("The data contain errors."))
        return HttpResponseRedirect(reverse("documents:case-detail", args=[case.pk]))


class CaseReclassifyView(BackOfficeView):
    permission_required = HANDLE

    def post(self, request, pk: int):
        case = _visible_case(request, pk)
        form = CaseReclassifyForm(request.POST)
        if form.is_valid():
            old = case.mark
            try:
                case_reclassify(
                    actor=request.user, case=case, jrwa=form.cleaned_data["jrwa"], unit=form.cleaned_data["unit"]
                )
            except ApplicationError as exc:
                details = [m for msgs in exc.errors.values() for m in msgs]
                messages.error(request, " ".join([exc.message, *details]))
            else:
                messages.success(request, _("Case %(old)s is now %(new)s.") % {"old": old, "new": case.mark})
        else:
            messages.error(request, _("The data contain errors."))
        return HttpResponseRedirect(reverse("documents:case-detail", args=[case.pk]))


class CaseMetrykaView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        case = _case(request, pk, "metryka")
        return render(request, "documents/cases/metryka.html", {"case": case, "metryka": metryka(case=case)})


class CaseMetrykaPdfView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        case = _case(request, pk, "metryka pdf")
        return _pdf(metryka_pdf(metryka(case=case)), f"metryka-{case.mark}.pdf")


class SpisSprawView(BackOfficeView):
    permission_required = VIEW

    def _report(self, request):
        form = SpisSprawForm(request.GET or None, initial={"year": timezone.localdate().year})
        if not form.is_valid():
            return form, None
        data = form.cleaned_data
        return form, spis_spraw(
            cases=cases_visible_to(request.user), unit=data["unit"], jrwa=data["jrwa"], year=data["year"]
        )

    def get(self, request):
        form, report = self._report(request)
        return render(request, "documents/cases/spis_spraw.html", {"form": form, "spis": report})


class SpisSprawPdfView(SpisSprawView):
    def get(self, request):
        _form, report = self._report(request)
        if report is None:
            raise Http404
        return _pdf(spis_spraw_pdf(report), f"spis-spraw-{report.unit.symbol}-{report.jrwa.symbol}-{report.year}.pdf")


class JrwaListView(BackOfficeView):
    permission_required = "documents.view_jrwaclass"

    def get(self, request):
        version = current_version()
        classes = version.classes.order_by("symbol") if version else []
        return render(request, "documents/cases/jrwa_list.html", {"version": version, "classes": classes})


urlpatterns = [
    path("cases/", CaseListView.as_view(), name="case-list"),
    path("cases/new/", CaseOpenView.as_view(), name="case-open"),
    path("cases/<int:pk>/", CaseDetailView.as_view(), name="case-detail"),
    path("cases/<int:pk>/status/", CaseTransitionView.as_view(), name="case-transition"),
    path("cases/<int:pk>/reclassify/", CaseReclassifyView.as_view(), name="case-reclassify"),
    path("cases/<int:pk>/metryka/", CaseMetrykaView.as_view(), name="case-metryka"),
    path("cases/<int:pk>/metryka.pdf", CaseMetrykaPdfView.as_view(), name="case-metryka-pdf"),
    path("spis-spraw/", SpisSprawView.as_view(), name="spis-spraw"),
    path("spis-spraw.pdf", SpisSprawPdfView.as_view(), name="spis-spraw-pdf"),
    path("jrwa/", JrwaListView.as_view(), name="jrwa-list"),
]
