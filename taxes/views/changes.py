"""Back-office screens of the changes during the year under /taxes/changes/: the changing / ending decisions (drafts
to issue and issued ones) with the old / new tax and the difference per tax, one of them with its calculation and the
"issue" action, the "detect changes" action for parties, and the self-assessments (DN-1 / DT-1) of a year with the
"post" action for an accepted declaration not posted yet. Thin: permission, service / selector, template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.views import BackOfficeView
from taxes.models import Decision, Declaration
from taxes.services import changes as svc

PERM = "taxes.assess_taxes"
PAGE_SIZE = 50


def _error(request, exc: ApplicationError) -> None:
    messages.error(request, " ".join([exc.message, *[m for ms in (exc.errors or {}).values() for m in ms]]))


class YearForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("tax year"), required=False, min_value=2000, max_value=2100)


class DetectForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("tax year"), min_value=2000, max_value=2100)
    parties = forms.CharField(label=gettext_lazy("taxpayers (ids, separated by commas)"), max_length=2000)

    def clean_parties(self):
        text = self.cleaned_data["parties"]
        try:
            ids = sorted({int(p) for p in text.replace(";", ",").split(",") if p.strip()})
        except ValueError:
            raise forms.ValidationError(_("Give the taxpayers' ids separated by commas.")) from None
        if not ids:
            raise forms.ValidationError(_("Give the taxpayers' ids separated by commas."))
        return ids


def _year(request) -> tuple[YearForm, int | None]:
    form = YearForm(request.GET or None)
    return form, (form.cleaned_data["year"] if form.is_valid() else None)


def _rows(decisions):
    return [{"d": d, "c": svc.change_figures(d)} for d in decisions]


class ChangeListView(BackOfficeView):
    permission_required = PERM

    def _page(self, request, detect_form, status=200):
        form, year = _year(request)
        page = Paginator(svc.change_drafts(year), PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"form": form, "detect_form": detect_form, "page": page, "rows": _rows(page.object_list)}
        return render(request, "taxes/changes/list.html", context, status=status)

    def get(self, request):
        return self._page(request, DetectForm())

    def post(self, request):
        """Detect the changes for the given taxpayers (e.g. from the taxpayer card)."""
        form = DetectForm(request.POST)
        if not form.is_valid():
            return self._page(request, form, status=400)
        try:
            result = svc.changes_detect(actor=request.user, year=form.cleaned_data["year"],
                                        party_ids=form.cleaned_data["parties"])  # fmt: skip
        except ApplicationError as exc:
            _error(request, exc)
            return self._page(request, form, status=400)
        messages.success(request, _(
            "Changes detected: %(created)d new drafts, %(kept)d kept, %(unchanged)d unchanged, %(none)d without a "
            "decision yet, %(errors)d errors.") % {
            "created": len(result["created"]), "kept": len(result["kept"]), "unchanged": len(result["unchanged"]),
            "none": len(result["no_decision"]), "errors": len(result["errors"])})  # fmt: skip
        return HttpResponseRedirect(reverse("taxes:change-list") + f"?year={form.cleaned_data['year']}")


class ChangeDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        decision = get_object_or_404(
            Decision.objects.select_related("party", "changes", "document"), pk=pk, kind__in=svc.CHANGE_KINDS
        )
        context = {
            "d": decision, "c": svc.change_figures(decision),
            "items": decision.items.select_related("object").order_by("tax", "id"),
            "installments": decision.installments.order_by("number"),
            "earlier_installments": decision.changes.installments.order_by("number") if decision.changes_id else [],
        }  # fmt: skip
        return render(request, "taxes/changes/detail.html", context)


class ChangeIssueView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int):
        decision = get_object_or_404(Decision, pk=pk, kind__in=svc.CHANGE_KINDS)
        try:
            decision = svc.changing_decision_issue(actor=request.user, decision=decision)
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The decision %(number)s is issued and handed over to EZD.") % {
                "number": decision.number})  # fmt: skip
        return HttpResponseRedirect(reverse("taxes:change-detail", args=[pk]))


class SelfAssessmentListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        form, year = _year(request)
        page = Paginator(svc.self_assessments(year), PAGE_SIZE).get_page(request.GET.get("page"))
        pending = Declaration.objects.filter(
            form__in=list(svc.SELF_ASSESSED), status=Declaration.Status.ACCEPTED
        ).exclude(decisions__kind=Decision.Kind.SELF_ASSESSMENT).select_related("party")  # fmt: skip
        if year:
            pending = pending.filter(year=year)
        context = {"form": form, "page": page, "pending": pending.order_by("-filed_on", "-id")[:PAGE_SIZE]}
        return render(request, "taxes/changes/self_assessments.html", context)


class SelfAssessmentPostView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int):
        declaration = get_object_or_404(Declaration, pk=pk)
        try:
            decision = svc.self_assessment_post(actor=request.user, declaration=declaration)
        except ApplicationError as exc:
            _error(request, exc)
        else:
            messages.success(request, _("The self-assessment is posted: %(amount)s zł.") % {"amount": decision.total})
        return HttpResponseRedirect(reverse("taxes:self-assessment-list") + f"?year={declaration.year}")


urlpatterns = [
    path("changes/", ChangeListView.as_view(), name="change-list"),
    path("changes/<int:pk>/", ChangeDetailView.as_view(), name="change-detail"),
    path("changes/<int:pk>/issue/", ChangeIssueView.as_view(), name="change-issue"),
    path("self-assessments/", SelfAssessmentListView.as_view(), name="self-assessment-list"),
    path("self-assessments/post/<int:pk>/", SelfAssessmentPostView.as_view(), name="self-assessment-post"),
]
