"""Back-office actions on appeals against a tax decision (register, forward to the SKO, record the ruling), shown on
the decision's detail page. Thin: permission, form, service; a refusal re-renders the detail with the messages."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.forms import ServiceErrorsForm
from core.views import BackOfficeView
from taxes.models import Decision, DecisionAppeal
from taxes.services import appeals as svc
from taxes.views.declarations import entry_find

PERM = "taxes.assess_taxes"
DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class AppealRegisterForm(ServiceErrorsForm):
    party = forms.TypedChoiceField(label=gettext_lazy("appellant"), coerce=int)
    lodged_on = forms.DateField(label=gettext_lazy("lodged on (for a letter: the day it was posted)"),
                                widget=DATE_WIDGET)  # fmt: skip
    entry = forms.CharField(label=gettext_lazy("EZD entry (number/year or id)"), max_length=30, required=False)
    note = forms.CharField(label=gettext_lazy("note"), required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args, decision: Decision, **kwargs):
        super().__init__(*args, **kwargs)
        parties = [decision.party, *decision.co_obligors.order_by("pk")]
        self.fields["party"].choices = [(p.pk, p.display_name) for p in parties]

    def clean_entry(self):
        text = self.cleaned_data["entry"].strip()
        return entry_find(text) if text else None


class AppealForwardForm(ServiceErrorsForm):
    forwarded_on = forms.DateField(label=gettext_lazy("forwarded to the SKO on"), widget=DATE_WIDGET)


class AppealDecideForm(ServiceErrorsForm):
    outcome = forms.ChoiceField(label=gettext_lazy("outcome"), choices=DecisionAppeal.Outcome.choices)
    ruling_delivered_on = forms.DateField(label=gettext_lazy("SKO ruling delivered on"), widget=DATE_WIDGET)
    note = forms.CharField(label=gettext_lazy("note"), required=False, max_length=2000, widget=forms.Textarea)


def detail_context(decision: Decision, **extra) -> dict:
    """The decision detail's context (shared with taxes.views.decisions)."""
    return {
        "decision": decision,
        "items": decision.items.select_related("object").order_by("tax", "id"),
        "taxes": decision.taxes.order_by("tax"),
        "installments": decision.installments.order_by("number"),
        "co_obligors": decision.co_obligors.order_by("pk"),
        "appeals": decision.appeals.select_related("party", "incoming_entry").order_by("lodged_on", "pk"),
        "appeal_form": extra.pop("appeal_form", None) or AppealRegisterForm(decision=decision),
        "forward_form": extra.pop("forward_form", None) or AppealForwardForm(),
        "decide_form": extra.pop("decide_form", None) or AppealDecideForm(),
        "can_appeal": decision.status in (Decision.Status.DELIVERED, Decision.Status.FINAL),
        **extra,
    }


def _refused(request, decision: Decision, **forms_):
    context = detail_context(decision, **forms_)
    return render(request, "taxes/decisions/detail.html", context, status=422)


def _back(decision: Decision):
    return HttpResponseRedirect(reverse("taxes:decision-detail", args=[decision.pk]) + "#appeals")


class AppealRegisterView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int):
        decision = get_object_or_404(Decision.objects.select_related("party"), pk=pk)
        form = AppealRegisterForm(request.POST, decision=decision)
        if form.is_valid():
            data = form.cleaned_data
            try:
                appeal = svc.appeal_register(
                    actor=request.user, decision=decision, party_id=data["party"], lodged_on=data["lodged_on"],
                    incoming_entry=data["entry"], note=data["note"],
                )  # fmt: skip
            except ApplicationError as exc:
                form.add_refusal(exc)
            else:
                if appeal.late:
                    messages.warning(request, _("The appeal has been registered as lodged after the appeal period."))
                else:
                    messages.success(request, _("The appeal has been registered; the decision is not final."))
                return _back(decision)
        return _refused(request, decision, appeal_form=form)


def _appeal(pk: int) -> DecisionAppeal:
    return get_object_or_404(DecisionAppeal.objects.select_related("decision__party"), pk=pk)


class AppealForwardView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int):
        appeal = _appeal(pk)
        form = AppealForwardForm(request.POST)
        if form.is_valid():
            try:
                result = svc.appeal_forward(actor=request.user, appeal=appeal,
                                            forwarded_on=form.cleaned_data["forwarded_on"])  # fmt: skip
            except ApplicationError as exc:
                form.add_refusal(exc)
            else:
                if result.late_forwarding:
                    messages.warning(request, _("The appeal was forwarded more than 30 days after it was lodged."))
                else:
                    messages.success(request, _("The appeal has been forwarded to the SKO."))
                return _back(appeal.decision)
        return _refused(request, appeal.decision, forward_form=form)


class AppealDecideView(BackOfficeView):
    permission_required = PERM

    def post(self, request, pk: int):
        appeal = _appeal(pk)
        form = AppealDecideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                svc.appeal_decide(actor=request.user, appeal=appeal, outcome=data["outcome"],
                                  ruling_delivered_on=data["ruling_delivered_on"], note=data["note"])  # fmt: skip
            except ApplicationError as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("The SKO's ruling has been recorded."))
                return _back(appeal.decision)
        return _refused(request, appeal.decision, decide_form=form)


urlpatterns = [
    path("decisions/<int:pk>/appeals/", AppealRegisterView.as_view(), name="appeal-register"),
    path("appeals/<int:pk>/forward/", AppealForwardView.as_view(), name="appeal-forward"),
    path("appeals/<int:pk>/decide/", AppealDecideView.as_view(), name="appeal-decide"),
]
