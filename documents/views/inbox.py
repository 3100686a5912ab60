"""Back office: the clerk's inbox, supervision (the unit's queue, a clerk's queue "as the clerk", re-assigning,
priorities), dekretacja of a letter, the standing rules list and the deadline reports (screen and CSV).

Thin views: permission, a form that only collects input, one service or selector call, a template.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden
from core.exports import csv_response
from core.views import BackOfficeView, _fragment
from documents.forms_inbox import (
    AssignClerkForm,
    AssignUnitForm,
    DeadlineReportForm,
    PriorityForm,
    QueueFilterForm,
    ReassignCaseForm,
)
from documents.models import AssignmentRule, IncomingEntry, Priority
from documents.selectors import access_case, access_entry, entries_visible_to, units_supervised_by
from documents.services.assignment import (
    assign_to_clerk,
    assign_to_unit,
    case_reassign,
    case_set_priority,
    entry_set_priority,
    may_assign_to_clerk,
    may_assign_to_unit,
)
from documents.services.reports import clerk_inbox, deadline_report, report_units
from documents.services.supervision import access_queue_as, clerks_supervised_by, report_clerks, unit_queue

HANDLE = "documents.handle_case"
SUPERVISE = "documents.supervise_unit"


class AnyPermissionView(BackOfficeView):
    """Like BackOfficeView, but one of ``any_permission`` is enough."""

    any_permission: tuple[str, ...] = ()

    def has_permission(self) -> bool:
        user = self.request.user
        return user.is_active and any(user.has_perm(p) for p in self.any_permission)


def _tab(request) -> str:
    return "cases" if request.GET.get("tab") == "cases" else "entries"


# --- the clerk's inbox -----------------------------------------------------------------------------------------


class InboxView(BackOfficeView):
    permission_required = HANDLE

    def get(self, request):
        inbox = clerk_inbox(clerk=request.user)
        context = {"inbox": inbox, "tab": _tab(request), "read_only": False, "base_url": reverse("documents:inbox")}
        template = "documents/inbox/_inbox_tab.html" if _fragment(request) else "documents/inbox/inbox.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


class InboxAsView(BackOfficeView):
    """A clerk's queue as he sees it, read-only, for the head supervising his unit; logged."""

    permission_required = SUPERVISE

    def get(self, request, user_id: int):
        try:
            inbox = access_queue_as(viewer=request.user, clerk_id=user_id)
        except NotFoundOrForbidden:
            raise Http404 from None
        context = {
            "inbox": inbox,
            "tab": _tab(request),
            "read_only": True,
            "base_url": reverse("documents:inbox-as", args=[user_id]),
        }
        template = "documents/inbox/_inbox_tab.html" if _fragment(request) else "documents/inbox/inbox.html"
        response = render(request, template, context)
        patch_vary_headers(response, ("HX-Request",))
        return response


# --- supervision -----------------------------------------------------------------------------------------------


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class QueueView(BackOfficeView):
    permission_required = SUPERVISE

    def get(self, request):
        clerks = clerks_supervised_by(request.user)
        units = report_units(request.user).filter(pk__in=units_supervised_by(request.user))
        form = QueueFilterForm(request.GET or None, units=units, clerks=clerks)
        unit = clerk = None
        if form.is_valid():
            unit, clerk = form.cleaned_data["unit"], form.cleaned_data["clerk"]
        queue = unit_queue(user=request.user, unit_id=unit.pk if unit else None, clerk_id=clerk.pk if clerk else None)
        cases, entries = list(queue.cases), list(queue.entries)
        per_clerk = {c.pk: {"clerk": c, "cases": 0, "entries": 0} for c in clerks}
        for case in cases:
            per_clerk.setdefault(case.owner_id, {"clerk": case.owner, "cases": 0, "entries": 0})["cases"] += 1
        for entry in entries:
            if entry.assigned_to_id:
                row = per_clerk.setdefault(entry.assigned_to_id, {"clerk": entry.assigned_to, "cases": 0, "entries": 0})
                row["entries"] += 1
        context = {
            "form": form,
            "cases": cases,
            "entries": entries,
            "per_clerk": list(per_clerk.values()),
            "supervised_clerk_ids": {c.pk for c in clerks},
            "priorities": Priority.choices,
        }
        return render(request, "documents/inbox/queue.html", context)


class CasePriorityView(BackOfficeView):
    permission_required = SUPERVISE
    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            case = access_case(user=request.user, case_id=pk, purpose="priority")
        except NotFoundOrForbidden:
            raise Http404 from None
        form = PriorityForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a priority."))
        else:
            try:
                case_set_priority(actor=request.user, case=case, priority=form.cleaned_data["priority"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Priority of %(mark)s changed.") % {"mark": case.mark})
        return HttpResponseRedirect(reverse("documents:queue"))


class EntryPriorityView(BackOfficeView):
    permission_required = SUPERVISE
    http_method_names = ["post"]

    def post(self, request, pk: int):
        try:
            entry = access_entry(user=request.user, entry_id=pk, purpose="priority")
        except NotFoundOrForbidden:
            raise Http404 from None
        form = PriorityForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a priority."))
        else:
            try:
                entry_set_priority(actor=request.user, entry=entry, priority=form.cleaned_data["priority"])
            except ApplicationError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Priority of %(number)s changed.") % {"number": entry.rpw_number})
        return HttpResponseRedirect(reverse("documents:queue"))


class CaseReassignView(BackOfficeView):
    permission_required = SUPERVISE

    def _case(self, request, pk):
        try:
            return access_case(user=request.user, case_id=pk, purpose="re-assign")
        except NotFoundOrForbidden:
            raise Http404 from None

    def get(self, request, pk: int):
        case = self._case(request, pk)
        form = ReassignCaseForm(clerks=clerks_supervised_by(request.user).exclude(pk=case.owner_id))
        return render(request, "documents/inbox/reassign.html", {"case": case, "form": form})

    def post(self, request, pk: int):
        case = self._case(request, pk)
        form = ReassignCaseForm(request.POST, clerks=clerks_supervised_by(request.user))
        if form.is_valid():
            try:
                case_reassign(
                    actor=request.user, case=case, clerk=form.cleaned_data["clerk"], reason=form.cleaned_data["reason"]
                )
            except ApplicationError as exc:
                form.add_service_errors({None: [exc.message], **exc.errors})
            else:
                messages.success(
                    request,
                    _("Case %(mark)s re-assigned to %(clerk)s.")
                    % {"mark": case.mark, "clerk": form.cleaned_data["clerk"].display_name},
                )
                return HttpResponseRedirect(reverse("documents:queue"))
        return render(request, "documents/inbox/reassign.html", {"case": case, "form": form}, status=422)


# --- dekretacja ------------------------------------------------------------------------------------------------


class EntryAssignmentsView(BackOfficeView):
    """The history of dekretacja of a letter (a fragment other screens may load with HTMX, or a page)."""

    permission_required = "documents.view_incomingentry"

    def get(self, request, pk: int):
        entry = entries_visible_to(request.user).filter(pk=pk).first()
        if entry is None:
            raise Http404
        assignments = entry.assignments.select_related("to_unit", "to_user", "by_user", "rule")
        template = "documents/inbox/_assignments.html" if _fragment(request) else "documents/inbox/assignments.html"
        return render(request, template, {"entry": entry, "assignments": assignments})


class EntryAssignView(AnyPermissionView):
    any_permission = ("documents.assign_entry", "documents.register_mail", "documents.view_all_cases")

    def _entry(self, request, pk: int) -> IncomingEntry:
        try:
            return access_entry(user=request.user, entry_id=pk, purpose="dekretacja")
        except NotFoundOrForbidden:
            raise Http404 from None

    def _context(self, request, entry, unit_form=None, clerk_form=None) -> dict:
        user = request.user
        open_entry = entry.status not in (IncomingEntry.Status.IN_CASE, IncomingEntry.Status.CLOSED)
        may_unit = open_entry and may_assign_to_unit(user, entry)
        may_clerk = open_entry and may_assign_to_clerk(user, entry)
        clerks = clerks_supervised_by(user)
        return {
            "entry": entry,
            "assignments": entry.assignments.select_related("to_unit", "to_user", "by_user", "rule"),
            "unit_form": (unit_form or AssignUnitForm(prefix="unit")) if may_unit else None,
            "clerk_form": (clerk_form or AssignClerkForm(prefix="clerk", clerks=clerks)) if may_clerk else None,
        }

    def get(self, request, pk: int):
        entry = self._entry(request, pk)
        return render(request, "documents/inbox/assign.html", self._context(request, entry))

    def post(self, request, pk: int):
        entry = self._entry(request, pk)
        unit_form = clerk_form = None
        if request.POST.get("action") == "clerk":
            clerk_form = form = AssignClerkForm(request.POST, prefix="clerk", clerks=clerks_supervised_by(request.user))
        else:
            unit_form = form = AssignUnitForm(request.POST, prefix="unit")
        if form.is_valid():
            data = form.cleaned_data
            try:
                if clerk_form is not None:
                    assign_to_clerk(
                        actor=request.user,
                        entry=entry,
                        clerk=data["clerk"],
                        instruction=data["instruction"],
                        deadline=data["deadline"],
                    )
                else:
                    assign_to_unit(
                        actor=request.user,
                        entry=entry,
                        unit=data["unit"],
                        instruction=data["instruction"],
                        deadline=data["deadline"],
                    )
            except ApplicationError as exc:
                form.add_service_errors({None: [exc.message], **exc.errors})
            else:
                messages.success(request, _("Letter %(number)s assigned.") % {"number": entry.rpw_number})
                return HttpResponseRedirect(reverse("documents:entry-assign", args=[entry.pk]))
        context = self._context(request, entry, unit_form=unit_form, clerk_form=clerk_form)
        return render(request, "documents/inbox/assign.html", context, status=422)


class AssignmentRuleListView(BackOfficeView):
    """The standing rules of dekretacja zastępcza, read-only, for the registry desk (edited in the admin)."""

    permission_required = "documents.register_mail"

    def get(self, request):
        rules = AssignmentRule.objects.filter(is_active=True).select_related("unit")
        return render(request, "documents/inbox/rules.html", {"rules": rules})


# --- deadline reports ------------------------------------------------------------------------------------------


class DeadlineReportView(AnyPermissionView):
    any_permission = (SUPERVISE, "documents.view_all_cases")

    def _report(self, request):
        user = request.user
        clerks = report_clerks(user)
        form = DeadlineReportForm(request.GET or None, units=report_units(user), clerks=clerks)
        params = form.cleaned_data if form.is_valid() else {}
        days = params.get("days")
        report = deadline_report(
            user=user,
            day=params.get("day"),
            horizon_days=3 if days is None else days,
            unit_id=params["unit"].pk if params.get("unit") else None,
            clerk_id=params["clerk"].pk if params.get("clerk") else None,
        )
        return form, report

    def get(self, request):
        form, report = self._report(request)
        csv_url = reverse("documents:deadline-report-csv") + ("?" + request.GET.urlencode() if request.GET else "")
        return render(request, "documents/inbox/deadlines.html", {"form": form, "report": report, "csv_url": csv_url})


class DeadlineReportCsvView(DeadlineReportView):
    def get(self, request):
        _form, report = self._report(request)
        states = {"overdue": _("overdue"), "due_today": _("due today"), "due_soon": _("due soon")}
        header = [_("Case mark"), _("Title"), _("Unit"), _("Clerk"), _("Due date"), _("Days left"), _("State")]
        rows = (
            [
                item.obj.mark,
                item.obj.title,
                item.obj.unit.symbol,
                item.obj.owner.display_name,
                f"{item.due_date:%d.%m.%Y}",
                item.days_left,
                states.get(item.state, item.state),
            ]
            for item in report.cases
        )
        return csv_response(f"terminy-{report.day:%Y-%m-%d}.csv", header, rows)


urlpatterns = [
    path("inbox/", InboxView.as_view(), name="inbox"),
    path("inbox/as/<int:user_id>/", InboxAsView.as_view(), name="inbox-as"),
    path("queue/", QueueView.as_view(), name="queue"),
    path("queue/cases/<int:pk>/reassign/", CaseReassignView.as_view(), name="queue-case-reassign"),
    path("queue/cases/<int:pk>/priority/", CasePriorityView.as_view(), name="queue-case-priority"),
    path("queue/entries/<int:pk>/priority/", EntryPriorityView.as_view(), name="queue-entry-priority"),
    path("entries/<int:pk>/dekretacja/", EntryAssignView.as_view(), name="entry-assign"),
    path("entries/<int:pk>/assignments/", EntryAssignmentsView.as_view(), name="entry-assignments"),
    path("registry/assignment-rules/", AssignmentRuleListView.as_view(), name="assignment-rules"),
    path("reports/deadlines/", DeadlineReportView.as_view(), name="deadline-report"),
    path("reports/deadlines.csv", DeadlineReportCsvView.as_view(), name="deadline-report-csv"),
]
