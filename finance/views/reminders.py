"""Back-office screens of the reminders area (``finance.manage_collection``): runs (list + the new-run wizard),
a run (progress polled by HTMX while computing or issuing, the review table with exclude / include, adding a
debtor by hand, confirm, cancel, retry of a run whose issuing failed), a reminder (items, delivery, the document in
EZD, its PDF). Thin: a form, a service call, a template; the reminder detail is read through ``access_reminder``
(logged).

The head of unit (``finance.sign_titles`` without ``finance.manage_collection``) seals the drafts: he may see the
runs and a run and use "Sign and dispatch", nothing else (computing, reviewing and confirming need
``finance.manage_collection``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden
from core.views import BackOfficeView
from finance.forms_reminders import ExcludeForm, ReminderAddForm, ReminderRunForm
from finance.models.collection import CollectionRun, Reminder
from finance.services import reminders as svc

PERM = "finance.manage_collection"
VIEW_PERMS = svc.DISPATCH_PERMS  # manage_collection or sign_titles: see a run and sign and dispatch it
RUNS = CollectionRun.objects.filter(kind=CollectionRun.Kind.REMINDERS)


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, " ".join([exc.message, *[m for ms in exc.errors.values() for m in ms]]))


def _to_run(run_pk: int) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("finance:reminder-run", args=[run_pk]))


class _EitherPermMixin:
    """Admits a user holding any of ``VIEW_PERMS`` (the services check the rest)."""

    def has_permission(self):
        user = self.request.user
        return any(user.has_perm(p) for p in VIEW_PERMS)


class RunListView(_EitherPermMixin, BackOfficeView):
    permission_required = PERM

    def _page(self, request, form, status=200):
        page = Paginator(RUNS.select_related("receivable_type"), 50).get_page(request.GET.get("page"))
        return render(request, "finance/reminders/runs.html", {"page": page, "form": form}, status=status)

    def get(self, request):
        return self._page(request, ReminderRunForm())

    def post(self, request):
        if not request.user.has_perm(PERM):
            raise PermissionDenied
        form = ReminderRunForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            run = svc.reminder_run_create(actor=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            _error(request, exc)
            return self._page(request, form, status=400)
        return _to_run(run.pk)


class RunDetailView(_EitherPermMixin, BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        run = get_object_or_404(RUNS.select_related("receivable_type", "case"), pk=pk)
        reminders = run.reminders.select_related("party").order_by("party__surname", "pk")
        context = {
            "run": run, "reminders": reminders, "add_form": ReminderAddForm(),
            "busy": run.status == CollectionRun.Status.DRAFT
            or (run.status == CollectionRun.Status.CONFIRMED),
            "can_manage": request.user.has_perm(PERM),
        }  # fmt: skip
        if request.headers.get("HX-Request") and request.GET.get("fragment") == "progress":
            return render(request, "finance/reminders/_progress.html", context)
        return render(request, "finance/reminders/run.html", context)


class RunActionView(_EitherPermMixin, BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int, action: str):
        if action != "dispatch" and not request.user.has_perm(PERM):
            raise PermissionDenied
        run = get_object_or_404(RUNS, pk=pk)
        try:
            if action == "confirm":
                svc.reminder_run_confirm(actor=request.user, run=run)
                messages.success(request, _("The run is confirmed; the reminders are handed over to EZD."))
            elif action == "dispatch":
                run = svc.reminder_run_dispatch(actor=request.user, run=run)
                progress = (run.summary or {}).get("dispatch", {})
                if progress.get("state") == "queued":
                    messages.success(request, _("Signing and dispatch of the reminders have started."))
                else:
                    messages.success(
                        request,
                        _("Reminders signed: %(signed)s, dispatched: %(dispatched)s, failed: %(failed)s.")
                        % {"signed": progress.get("signed", 0), "dispatched": progress.get("dispatched", 0),
                           "failed": len(progress.get("errors", []))},
                    )  # fmt: skip
            elif action == "cancel":
                svc.reminder_run_cancel(actor=request.user, run=run)
            elif action == "recompute":
                svc.reminder_run_recompute(actor=request.user, run=run)
            elif action == "retry":
                run = svc.reminder_run_retry(actor=request.user, run=run)
                messages.success(request, _("Issuing of the run was started again."))
            elif action == "add":
                form = ReminderAddForm(request.POST)
                if not form.is_valid():
                    messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
                    return _to_run(run.pk)
                _r, warnings = svc.reminder_add_manual(actor=request.user, run=run, party=form.cleaned_data["party"])
                for w in warnings:
                    messages.warning(request, w)
            else:
                raise Http404
        except ApplicationError as exc:
            _error(request, exc)
        return _to_run(run.pk)


class ReminderActionView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int, action: str):
        reminder = get_object_or_404(Reminder, pk=pk)
        try:
            if action == "exclude":
                form = ExcludeForm(request.POST)
                reason = form.cleaned_data["reason"] if form.is_valid() else ""
                svc.reminder_exclude(actor=request.user, reminder=reminder, reason=reason)
            elif action == "include":
                svc.reminder_include(actor=request.user, reminder=reminder)
            else:
                raise Http404
        except ApplicationError as exc:
            _error(request, exc)
        if reminder.run_id is None:
            return HttpResponseRedirect(reverse("finance:reminder", args=[reminder.pk]))
        return _to_run(reminder.run_id)


class ReminderDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        try:
            reminder = svc.access_reminder(user=request.user, reminder_id=pk)
        except NotFoundOrForbidden:
            raise Http404 from None
        items = reminder.items.select_related("account__receivable_type")
        return render(request, "finance/reminders/reminder.html", {"reminder": reminder, "items": items})


class ReminderPdfView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        try:
            reminder = svc.access_reminder(user=request.user, reminder_id=pk)
        except NotFoundOrForbidden:
            raise Http404 from None
        version = reminder.document.versions.order_by("-number").first() if reminder.document_id else None
        if version is None or not version.pdf:
            raise Http404
        response = HttpResponse(bytes(version.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{reminder.number.replace("/", "-")}.pdf"'
        return response


urlpatterns = [
    path("reminders/runs/", RunListView.as_view(), name="reminder-runs"),
    path("reminders/runs/<int:pk>/", RunDetailView.as_view(), name="reminder-run"),
    path("reminders/runs/<int:pk>/<str:action>/", RunActionView.as_view(), name="reminder-run-action"),
    path("reminders/<int:pk>/", ReminderDetailView.as_view(), name="reminder"),
    path("reminders/<int:pk>/pdf/", ReminderPdfView.as_view(), name="reminder-pdf"),
    path("reminders/<int:pk>/<str:action>/", ReminderActionView.as_view(), name="reminder-action"),
]
