"""Back-office screens of the waste fee decisions (ucpg art. 6o) under /taxes/waste/decisions/: the list (filter by
status and property), the new-decision form prefilled from a verification finding (``?finding=``) or a property
(``?property=``: the declaration in force, if any), the detail with the computation and the actions issue /
dispatch / cancel, the PDF / XML download. Thin: permission ``taxes.assess_taxes``, form, service call
(taxes.services.waste_decisions), template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError
from core.models import Party
from core.views import BackOfficeView
from taxes.models import VerificationFinding, WasteDecision, WasteMethod, WasteProperty
from taxes.services import waste_decisions as svc
from taxes.views.declarations import party_find
from taxes.views.waste import errors_to_form

PERM = "taxes.assess_taxes"
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BLANK = [("", "—")]


class DecisionForm(forms.Form):
    party_query = forms.CharField(label=gettext_lazy("Fee payer (PESEL, NIP or name)"), max_length=150,
                                  required=False)  # fmt: skip
    payer = forms.IntegerField(widget=forms.HiddenInput, required=False)
    effective_from = forms.DateField(label=gettext_lazy("fee from (month)"), widget=DATE)
    method = forms.ChoiceField(label=gettext_lazy("method"), choices=BLANK + list(WasteMethod.choices), required=False)
    residents = forms.IntegerField(label=gettext_lazy("residents"), required=False, min_value=0)
    water_m3 = forms.DecimalField(label=gettext_lazy("water consumed (m³ per month)"), max_digits=10,
                                  decimal_places=2, required=False)  # fmt: skip
    dwelling_m2 = forms.DecimalField(label=gettext_lazy("dwelling area (m²)"), max_digits=10, decimal_places=2,
                                     required=False)  # fmt: skip
    households = forms.IntegerField(label=gettext_lazy("households"), required=False, min_value=0)
    selective = forms.BooleanField(label=gettext_lazy("waste collected selectively"), required=False)
    composts = forms.BooleanField(label=gettext_lazy("bio-waste composted at home"), required=False)
    exemptions = forms.CharField(label=gettext_lazy("exemptions (codes, comma-separated)"), max_length=200,
                                 required=False)  # fmt: skip
    containers = forms.CharField(
        label=gettext_lazy("containers (capacity l × collections a month × count; separated by semicolons)"),
        max_length=300, required=False, help_text=gettext_lazy("e.g. 120x2x1; 1100x4x2"),
    )  # fmt: skip
    estimated = forms.BooleanField(label=gettext_lazy("determined by a justified estimate"), required=False)
    justification = forms.CharField(label=gettext_lazy("justification (evidence or estimate)"),
                                    widget=forms.Textarea(attrs={"rows": 6}), max_length=5000,
                                    required=False)  # fmt: skip

    def clean_party_query(self):
        query = (self.cleaned_data.get("party_query") or "").strip()
        return party_find(query) if query else None

    def clean_containers(self):
        text = (self.cleaned_data.get("containers") or "").strip()
        result = []
        for part in filter(None, (p.strip() for p in text.split(";"))):
            numbers = [n.strip() for n in part.lower().replace("×", "x").split("x")]
            if len(numbers) not in (2, 3) or not all(n.isdigit() for n in numbers):
                raise forms.ValidationError(_("Give each container as capacity x collections x count, e.g. 120x2x1."))
            values = [int(n) for n in numbers] + [1] * (3 - len(numbers))
            result.append({"capacity_l": values[0], "frequency": values[1], "count": values[2]})
        return result

    def clean(self):
        data = super().clean()
        payer = data.get("party_query")
        if payer is None and data.get("payer"):
            payer = Party.objects.filter(pk=data["payer"]).first()
        data["payer_party"] = payer
        return data


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("reason for cancelling"), widget=forms.Textarea(attrs={"rows": 2}),
                             max_length=2000)  # fmt: skip


def _get(model, pk):
    try:
        obj = model.objects.filter(pk=int(pk)).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        raise Http404
    return obj


def _containers_text(containers) -> str:
    parts = []
    for c in containers or ():
        if isinstance(c, dict):
            parts.append(f"{c.get('capacity_l')}x{c.get('frequency')}x{c.get('count', 1)}")
    return "; ".join(parts)


def _source(request) -> tuple[dict, VerificationFinding | None, WasteProperty]:
    """The initial data and the source of a new decision: ``?finding=`` (suggested from the evidence) or
    ``?property=``; 404 without either."""
    if request.GET.get("finding"):
        finding = _get(VerificationFinding, request.GET["finding"])
        return svc.waste_decision_suggest(finding=finding), finding, finding.property
    if request.GET.get("property"):
        prop = _get(WasteProperty, request.GET["property"])
        return svc.waste_decision_initial(property=prop), None, prop
    raise Http404


def _initial(data: dict) -> dict:
    payer = data.get("payer")
    return {
        "payer": payer.pk if payer else None,
        "party_query": "",
        "effective_from": data["effective_from"],
        "method": data.get("method") or "",
        "residents": data.get("residents"),
        "water_m3": data.get("water_m3"),
        "dwelling_m2": data.get("dwelling_m2"),
        "households": data.get("households"),
        "selective": data.get("selective", True),
        "composts": data.get("composts", False),
        "exemptions": ", ".join(data.get("exemptions") or ()),
        "containers": _containers_text(data.get("containers")),
        "estimated": data.get("estimated", False),
        "justification": data.get("justification", ""),
    }


class WasteDecisionListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        qs = WasteDecision.objects.select_related("property", "payer").order_by("-created_at", "-id")
        status = request.GET.get("status") or ""
        if status in WasteDecision.Status.values:
            qs = qs.filter(status=status)
        else:
            status = ""
        prop = None
        if request.GET.get("property"):
            prop = _get(WasteProperty, request.GET["property"])
            qs = qs.filter(property=prop)
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        return render(request, "taxes/waste/decision_list.html", {
            "page": page, "status": status, "statuses": WasteDecision.Status.choices, "property": prop})  # fmt: skip


class WasteDecisionCreateView(BackOfficeView):
    permission_required = PERM
    template = "taxes/waste/decision_form.html"

    def _render(self, request, form, finding, prop, problems=(), status=200):
        payer_id = form.initial.get("payer") if not form.is_bound else form.data.get("payer")
        payer = Party.objects.filter(pk=payer_id).first() if str(payer_id or "").isdigit() else None
        context = {"form": form, "finding": finding, "property": prop, "problems": problems, "payer": payer,
                   "open_decision": svc.open_decision(prop), "query": request.GET.urlencode()}  # fmt: skip
        return render(request, self.template, context, status=status)

    def get(self, request):
        data, finding, prop = _source(request)
        return self._render(request, DecisionForm(initial=_initial(data)), finding, prop)

    def post(self, request):
        data, finding, prop = _source(request)
        form = DecisionForm(request.POST)
        problems: list[str] = []
        if form.is_valid():
            d = form.cleaned_data
            try:
                decision = svc.waste_decision_draft(
                    actor=request.user, property=prop, payer=d["payer_party"], finding=finding,
                    declaration=data.get("declaration"), effective_from=d["effective_from"], method=d["method"],
                    residents=d["residents"], water_m3=d["water_m3"], dwelling_m2=d["dwelling_m2"],
                    households=d["households"], selective=d["selective"], composts=d["composts"],
                    exemptions=[c for c in (d["exemptions"] or "").split(",") if c.strip()],
                    containers=d["containers"], estimated=d["estimated"], justification=d["justification"],
                )  # fmt: skip
            except ApplicationError as exc:
                problems = errors_to_form(form, exc)
            else:
                messages.success(request, _("The draft decision %(number)s has been prepared.") % {
                    "number": decision.number})  # fmt: skip
                return HttpResponseRedirect(reverse("taxes:waste-decision-detail", args=[decision.pk]))
        return self._render(request, form, finding, prop, problems, status=422)


def _detail_context(request, decision: WasteDecision, **extra) -> dict:
    try:
        fee = svc.fee_of(decision)
        rows, fee_error = svc.fee_rows(fee), ""
    except ApplicationError as exc:
        fee, rows, fee_error = None, (), exc.message
    return {
        "decision": decision,
        "fee": fee,
        "rows": rows,
        "fee_error": fee_error,
        "cancel_form": extra.pop("cancel_form", CancelForm()),
        "errors": extra.pop("errors", []),
        **extra,
    }


class WasteDecisionDetailView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        decision = _get(WasteDecision, pk)
        return render(request, "taxes/waste/decision_detail.html", _detail_context(request, decision))


class _ActionView(BackOfficeView):
    permission_required = PERM
    done_message = ""

    def act(self, request, decision):
        raise NotImplementedError

    def post(self, request, pk: int):
        decision = _get(WasteDecision, pk)
        try:
            self.act(request, decision)
        except ApplicationError as exc:
            decision.refresh_from_db()
            context = _detail_context(request, decision, errors=[exc.message, *getattr(self, "problems", [])])
            return render(request, "taxes/waste/decision_detail.html", context, status=422)
        messages.success(request, str(self.done_message))
        return HttpResponseRedirect(reverse("taxes:waste-decision-detail", args=[decision.pk]))


class WasteDecisionIssueView(_ActionView):
    done_message = gettext_lazy("The decision has been issued and handed over to EZD.")

    def act(self, request, decision):
        svc.waste_decision_issue(actor=request.user, decision=decision)


class WasteDecisionDispatchView(_ActionView):
    done_message = gettext_lazy("The decision has been signed and dispatched.")

    def act(self, request, decision):
        svc.waste_decision_dispatch(actor=request.user, decision=decision)


class WasteDecisionCancelView(_ActionView):
    done_message = gettext_lazy("The draft decision has been cancelled.")

    def act(self, request, decision):
        form = CancelForm(request.POST)
        reason = form.data.get("reason", "")
        svc.waste_decision_cancel(actor=request.user, decision=decision, reason=reason)


class WasteDecisionDocumentView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int, fmt: str):
        decision = _get(WasteDecision, pk)
        if fmt not in ("pdf", "xml"):
            raise Http404
        try:
            content = svc.waste_decision_document_read(actor=request.user, decision=decision, fmt=fmt)
        except ApplicationError as exc:
            context = _detail_context(request, decision, errors=[exc.message])
            return render(request, "taxes/waste/decision_detail.html", context, status=422)
        mime = "application/pdf" if fmt == "pdf" else "application/xml"
        response = HttpResponse(content, content_type=mime)
        response["Content-Disposition"] = f'attachment; filename="{svc._file_name(decision, fmt)}"'
        return response


urlpatterns = [
    path("waste/decisions/", WasteDecisionListView.as_view(), name="waste-decision-list"),
    path("waste/decisions/new/", WasteDecisionCreateView.as_view(), name="waste-decision-create"),
    path("waste/decisions/<int:pk>/", WasteDecisionDetailView.as_view(), name="waste-decision-detail"),
    path("waste/decisions/<int:pk>/issue/", WasteDecisionIssueView.as_view(), name="waste-decision-issue"),
    path("waste/decisions/<int:pk>/dispatch/", WasteDecisionDispatchView.as_view(), name="waste-decision-dispatch"),
    path("waste/decisions/<int:pk>/cancel/", WasteDecisionCancelView.as_view(), name="waste-decision-cancel"),
    path("waste/decisions/<int:pk>/<str:fmt>/", WasteDecisionDocumentView.as_view(), name="waste-decision-document"),
]
