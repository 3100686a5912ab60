"""Back-office screens of the declarations area under /taxes/declarations/: the list (filters status / form / late),
the clerk's record form (the common IN-1 case: objects and co-owners as simple formsets), the review screen (the
EZD entry's document beside the proposed register operations, accept / reject) and "from ePUAP" (an entry → a
declaration). Thin: permission, form, service call (taxes.services.declarations), template."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, ServiceValidationError
from core.models import Party
from core.views import BackOfficeView
from documents.models import IncomingEntry, StoredFile
from taxes.domain import forms as F
from taxes.models import Declaration, ExemptionReason, RateCategory, TaxObject
from taxes.services import declarations as svc

VIEW = "taxes.view_declaration"
MANAGE = "taxes.manage_register"
DATE = forms.DateInput(attrs={"type": "date"})
BLANK = [("", "—")]


class FilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("status"), required=False,
                               choices=BLANK + list(Declaration.Status.choices))  # fmt: skip
    form = forms.ChoiceField(label=gettext_lazy("form"), required=False, choices=BLANK + list(Declaration.Form.choices))
    late = forms.ChoiceField(label=gettext_lazy("filed late"), required=False,
                             choices=[("", "—"), ("1", gettext_lazy("yes")), ("0", gettext_lazy("no"))])  # fmt: skip


def filtered(data) -> tuple[FilterForm, object]:
    form = FilterForm(data or None)
    qs = Declaration.objects.select_related("party", "incoming_entry")
    if form.is_valid():
        d = form.cleaned_data
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["form"]:
            qs = qs.filter(form=d["form"])
        if d["late"]:
            qs = qs.filter(late=d["late"] == "1")
    return form, qs


def _category_choices():
    return BLANK + [(c.code, f"{c.code} — {c.name}") for c in RateCategory.objects.order_by("tax", "code")]


LAND_TYPES = {  # the land_type of agricultural land (taxes.domain.forms.CLASSES_OF_LAND_TYPE), EGiB symbols
    "arable": gettext_lazy("arable land (R)"),
    "meadow": gettext_lazy("meadow or pasture (Ł, Ps)"),
    "orchard": gettext_lazy("orchard (S)"),
    "built_up": gettext_lazy("built-up agricultural land (Br)"),
    "pond_salmon": gettext_lazy("pond with salmonids (Wsr)"),
    "pond_other": gettext_lazy("other pond (Wsr)"),
}


def _exemption_choices():
    return BLANK + [(e.code, f"{e.code} — {e.name}") for e in ExemptionReason.objects.order_by("tax", "code")]


class DeclarationForm(forms.Form):
    form = forms.ChoiceField(label=gettext_lazy("form"), choices=Declaration.Form.choices)
    party_query = forms.CharField(label=gettext_lazy("Taxpayer (PESEL, NIP or name)"), max_length=150)
    year = forms.IntegerField(label=gettext_lazy("tax year"), min_value=2000, max_value=2100)
    purpose = forms.ChoiceField(label=gettext_lazy("purpose"), choices=Declaration.Purpose.choices)
    event_date = forms.DateField(label=gettext_lazy("date of the event (purchase, sale, registration)"),
                                 widget=DATE, required=False)  # fmt: skip
    filed_on = forms.DateField(label=gettext_lazy("filed on"), widget=DATE)
    role = forms.ChoiceField(label=gettext_lazy("taxpayer's legal title"), choices=[
        ("owner", gettext_lazy("owner")), ("co_owner", gettext_lazy("co-owner")),
        ("perpetual", gettext_lazy("perpetual usufructuary")), ("possessor", gettext_lazy("possessor")),
        ("spouse", gettext_lazy("spouse (joint property)"))])  # fmt: skip
    share = forms.CharField(label=gettext_lazy("taxpayer's share (e.g. 1/2)"), max_length=20, initial="1/1")

    def clean_party_query(self) -> Party:
        return party_find(self.cleaned_data["party_query"])


def party_find(query: str) -> Party:
    """The one party a clerk means by a PESEL, a NIP or a name; a precise message otherwise."""
    text = (query or "").strip()
    digits = re.sub(r"[\s-]", "", text)
    if digits.isdigit() and len(digits) == 11:
        qs = Party.objects.filter(pesel=digits)
    elif digits.isdigit() and len(digits) == 10:
        qs = Party.objects.filter(nip=digits)
    elif text:
        qs = Party.objects.all()
        for word in text.split():
            qs = qs.filter(Q(surname__icontains=word) | Q(first_names__icontains=word) | Q(name__icontains=word))
    else:
        qs = Party.objects.none()
    found = list(qs.order_by("pk")[:6])
    if not found:
        raise forms.ValidationError(_("No party matches %(query)s.") % {"query": text})
    if len(found) > 1:
        raise forms.ValidationError(_("Several parties match %(query)s: %(parties)s. Give the PESEL or NIP.") % {
            "query": text, "parties": "; ".join(str(p) for p in found[:5])})  # fmt: skip
    return found[0]


class ObjectRow(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=BLANK + [
        (k, label) for k, label in TaxObject.Kind.choices if k != TaxObject.Kind.VEHICLE], required=False)  # fmt: skip
    event = forms.ChoiceField(label=gettext_lazy("event"), required=False, choices=[
        ("acquired", gettext_lazy("acquired")), ("disposed", gettext_lazy("disposed"))])  # fmt: skip
    precinct = forms.CharField(label=gettext_lazy("precinct (obręb)"), max_length=100, required=False)
    parcel = forms.CharField(label=gettext_lazy("parcel number"), max_length=50, required=False)
    identifier = forms.CharField(label=gettext_lazy("identifier (building id, registration number)"),
                                 max_length=100, required=False)  # fmt: skip
    category = forms.ChoiceField(label=gettext_lazy("rate category"), choices=_category_choices, required=False)
    area = forms.DecimalField(label=gettext_lazy("area (m² or ha)"), max_digits=14, decimal_places=4, required=False)
    area_low = forms.DecimalField(label=gettext_lazy("of which height 1.40–2.20 m (counted 50%)"), max_digits=14,
                                  decimal_places=4, required=False)  # fmt: skip
    value = forms.DecimalField(label=gettext_lazy("value (structures)"), max_digits=16, decimal_places=2,
                               required=False)  # fmt: skip
    land_class = forms.CharField(label=gettext_lazy("land class (EGiB)"), max_length=5, required=False)
    land_type = forms.ChoiceField(label=gettext_lazy("land use (agricultural land)"), required=False,
                                  choices=BLANK + list(LAND_TYPES.items()))  # fmt: skip
    reserve = forms.BooleanField(label=gettext_lazy("nature reserve or national park (forest −50%)"), required=False)
    exemption = forms.ChoiceField(label=gettext_lazy("exemption"), required=False, choices=_exemption_choices)

    def payload(self) -> dict | None:
        d = self.cleaned_data
        if not d or not d.get("kind"):
            return None
        row = {"kind": d["kind"], "event": d.get("event") or "acquired", "precinct": d["precinct"],
               "parcel": d["parcel"], "identifier": d["identifier"], "category": d["category"]}  # fmt: skip
        for key in ("area", "area_low", "value"):
            if d.get(key) is not None:
                row[key] = str(d[key])
        for key in ("land_class", "land_type", "reserve", "exemption"):
            if d.get(key):
                row[key] = d[key]
        return row


class CoOwnerRow(forms.Form):
    pesel = forms.CharField(label=gettext_lazy("PESEL"), max_length=11, required=False)
    nip = forms.CharField(label=gettext_lazy("NIP"), max_length=10, required=False)
    first_name = forms.CharField(label=gettext_lazy("first name"), max_length=100, required=False)
    surname = forms.CharField(label=gettext_lazy("surname"), max_length=150, required=False)
    name = forms.CharField(label=gettext_lazy("name (organisation)"), max_length=300, required=False)
    share = forms.CharField(label=gettext_lazy("share (e.g. 1/2)"), max_length=20, required=False)

    def payload(self) -> dict | None:
        d = self.cleaned_data
        if not d or not any(d.values()):
            return None
        return {k: (d.get(k) or "").strip() for k in ("pesel", "nip", "first_name", "surname", "name", "share")}


ObjectFormSet = forms.formset_factory(ObjectRow, extra=3, max_num=30)
CoOwnerFormSet = forms.formset_factory(CoOwnerRow, extra=2, max_num=20)


def _record_payload(form: DeclarationForm, objects, co_owners) -> dict:
    party = form.cleaned_data["party_query"]
    taxpayer = {"pesel": party.pesel or "", "nip": party.nip or "", "role": form.cleaned_data["role"],
                "share": form.cleaned_data["share"]}  # fmt: skip
    return {
        "taxpayer": taxpayer,
        "objects": [row for row in (f.payload() for f in objects.forms) if row],
        "co_owners": [row for row in (f.payload() for f in co_owners.forms) if row],
    }


class DeclarationListView(BackOfficeView):
    permission_required = VIEW

    def get(self, request):
        form, qs = filtered(request.GET)
        page = Paginator(qs, 25).get_page(request.GET.get("page"))
        template = "taxes/declarations/_results.html" if request.headers.get("HX-Request") else \
            "taxes/declarations/list.html"  # fmt: skip
        return render(request, template, {"form": form, "page": page, "can_manage": request.user.has_perm(MANAGE),
                                          "entry_form": FromEntryForm()})  # fmt: skip


class DeclarationRecordView(BackOfficeView):
    permission_required = (VIEW, MANAGE)
    template = "taxes/declarations/record.html"

    def get(self, request):
        initial = {"filed_on": timezone.localdate(), "year": timezone.localdate().year, "share": "1/1"}
        return render(request, self.template, {"form": DeclarationForm(initial=initial),
                                               "objects": ObjectFormSet(prefix="obj"),
                                               "co_owners": CoOwnerFormSet(prefix="co")})  # fmt: skip

    def post(self, request):
        form = DeclarationForm(request.POST)
        objects = ObjectFormSet(request.POST, prefix="obj")
        co_owners = CoOwnerFormSet(request.POST, prefix="co")
        problems: list[str] = []
        if form.is_valid() and objects.is_valid() and co_owners.is_valid():
            d = form.cleaned_data
            try:
                declaration = svc.declaration_record(
                    actor=request.user, form=d["form"], party=d["party_query"], year=d["year"], purpose=d["purpose"],
                    event_date=d["event_date"], filed_on=d["filed_on"],
                    payload=_record_payload(form, objects, co_owners),
                )  # fmt: skip
            except ServiceValidationError as exc:
                for field, field_messages in exc.errors.items():
                    target = {"party": "party_query"}.get(field, field)
                    for message in field_messages:
                        if target in form.fields:
                            form.add_error(target, message)
                        else:
                            problems.append(message)
                if not exc.errors:
                    problems.append(exc.message)
            except ApplicationError as exc:
                problems.append(exc.message)
            else:
                messages.success(request, _("The declaration has been recorded; review the proposed changes."))
                return HttpResponseRedirect(reverse("taxes:declaration-detail", args=[declaration.pk]))
        context = {"form": form, "objects": objects, "co_owners": co_owners, "problems": problems}
        return render(request, self.template, context, status=422)


OP_LABELS = {
    "object_create": gettext_lazy("new object"),
    "object_version_add": gettext_lazy("new version of an object"),
    "object_end": gettext_lazy("end of an object"),
    "liability_add": gettext_lazy("new taxpayer of an object"),
    "liability_end": gettext_lazy("end of a liability"),
}


def proposal_rows(proposal) -> list[dict]:
    """The proposal as readable rows: operation, object, data (version fields), taxpayers."""
    if not isinstance(proposal, list):
        return []
    parties = set()
    for op in proposal:
        for holder in [op, *(op.get("liabilities") or [])]:
            if isinstance(holder.get("party"), int):
                parties.add(holder["party"])
    names = {p.pk: str(p) for p in Party.objects.filter(pk__in=parties)}

    def holder_text(h: dict) -> str:
        if h.get("party"):
            who = names.get(h["party"], f"#{h['party']}")
        else:
            new = h.get("new_party") or {}
            who = " ".join(v for v in (new.get("first_name"), new.get("surname"), new.get("name")) if v)
            who = _("%(who)s (new party, PESEL/NIP %(id)s)") % {"who": who, "id": new.get("pesel") or new.get("nip")}
        share = f" {h.get('share_numerator')}/{h.get('share_denominator')}" if h.get("share_denominator", 1) != 1 \
            else ""  # fmt: skip
        return f"{who} — {h.get('role', '')}{share}"

    rows = []
    for op in proposal:
        kind = op.get("op")
        version = op.get("version") if kind == "object_create" else op
        data = {
            k: v
            for k, v in (version or {}).items()
            if k in ("category", *F.VERSION_FIELDS) and v not in (None, "", False)
        }
        if kind == "object_create":
            subject = " ".join(x for x in (op.get("kind"), op.get("precinct"), op.get("parcel"),
                                           op.get("identifier")) if x)  # fmt: skip
        elif kind == "liability_end":
            subject = _("liability no. %(id)s") % {"id": op.get("liability")}
        else:
            subject = _("object no. %(id)s") % {"id": op.get("object")}
        holders = op.get("liabilities") or ([op] if kind == "liability_add" else [])
        rows.append({
            "op": OP_LABELS.get(kind, kind), "subject": subject,
            "valid": (version or {}).get("valid_from") or op.get("valid_to") or "",
            "data": ", ".join(f"{k}: {v}" for k, v in data.items() if k != "valid_from"),
            "holders": [holder_text(h) for h in holders],
        })  # fmt: skip
    return rows


class RejectForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("why rejected"), widget=forms.Textarea(attrs={"rows": 3}),
                             max_length=2000)  # fmt: skip


def _declaration(pk: int) -> Declaration:
    declaration = Declaration.objects.select_related("party", "incoming_entry", "case").filter(pk=pk).first()
    if declaration is None:
        raise Http404
    return declaration


def _detail_context(request, declaration: Declaration, **extra) -> dict:
    entry = declaration.incoming_entry
    original = None
    if entry is not None:
        original = entry.files.filter(role=StoredFile.Role.ORIGINAL).order_by("pk").first()
    can = request.user.has_perm(MANAGE) and declaration.status == Declaration.Status.RECEIVED
    return {
        "declaration": declaration,
        "entry": entry,
        "original": original,
        "rows": proposal_rows(declaration.proposal),
        "objects": (declaration.payload or {}).get("objects") or [],
        "co_owners": (declaration.payload or {}).get("co_owners") or [],
        "can_decide": can,
        "reject_form": extra.pop("reject_form", None) or (RejectForm() if can else None),
        "errors": extra.pop("errors", []),
        **extra,
    }


class DeclarationDetailView(BackOfficeView):
    permission_required = VIEW

    def get(self, request, pk: int):
        declaration = _declaration(pk)
        return render(request, "taxes/declarations/detail.html", _detail_context(request, declaration))


def _messages(exc: ApplicationError) -> list[str]:
    found = [m for msgs in (getattr(exc, "errors", None) or {}).values() for m in msgs]
    return found or [exc.message]


class DeclarationAcceptView(BackOfficeView):
    permission_required = (VIEW, MANAGE)

    def post(self, request, pk: int):
        declaration = _declaration(pk)
        try:
            svc.declaration_accept(actor=request.user, declaration=declaration)
        except ApplicationError as exc:
            context = _detail_context(request, declaration, errors=_messages(exc))
            return render(request, "taxes/declarations/detail.html", context, status=422)
        messages.success(request, _("The declaration has been accepted into the register."))
        return HttpResponseRedirect(reverse("taxes:declaration-detail", args=[declaration.pk]))


class DeclarationRejectView(BackOfficeView):
    permission_required = (VIEW, MANAGE)

    def post(self, request, pk: int):
        declaration = _declaration(pk)
        form = RejectForm(request.POST)
        errors: list[str] = []
        if form.is_valid():
            try:
                svc.declaration_reject(actor=request.user, declaration=declaration,
                                       reason=form.cleaned_data["reason"])  # fmt: skip
            except ApplicationError as exc:
                errors = _messages(exc)
            else:
                messages.success(request, _("The declaration has been rejected."))
                return HttpResponseRedirect(reverse("taxes:declaration-detail", args=[declaration.pk]))
        context = _detail_context(request, declaration, reject_form=form, errors=errors)
        return render(request, "taxes/declarations/detail.html", context, status=422)


class FromEntryForm(forms.Form):
    entry = forms.CharField(label=gettext_lazy("EZD entry (number/year or id)"), max_length=30)

    def clean_entry(self) -> IncomingEntry:
        return entry_find(self.cleaned_data["entry"])


def entry_find(text: str) -> IncomingEntry:
    text = (text or "").strip()
    number, sep, year = text.partition("/")
    entry = None
    if sep and number.strip().isdigit() and year.strip().isdigit():
        entry = IncomingEntry.objects.filter(number=int(number), year=int(year)).first()
    elif text.isdigit():
        entry = IncomingEntry.objects.filter(pk=int(text)).first()
    if entry is None:
        raise forms.ValidationError(_("There is no EZD entry %(entry)s.") % {"entry": text})
    return entry


class DeclarationFromEntryView(BackOfficeView):
    permission_required = (VIEW, MANAGE)

    def post(self, request):
        form = FromEntryForm(request.POST)
        if form.is_valid():
            try:
                declaration = svc.declaration_from_incoming(actor=request.user, entry=form.cleaned_data["entry"])
            except ApplicationError as exc:
                for message in _messages(exc):
                    form.add_error("entry", message)
            else:
                messages.success(request, _("The declaration has been read from the entry; review the proposed "
                                            "changes."))  # fmt: skip
                return HttpResponseRedirect(reverse("taxes:declaration-detail", args=[declaration.pk]))
        _form, qs = filtered({})
        page = Paginator(qs, 25).get_page(1)
        return render(request, "taxes/declarations/list.html", {"form": _form, "page": page, "can_manage": True,
                                                                 "entry_form": form}, status=422)  # fmt: skip


urlpatterns = [
    path("declarations/", DeclarationListView.as_view(), name="declaration-list"),
    path("declarations/new/", DeclarationRecordView.as_view(), name="declaration-record"),
    path("declarations/from-entry/", DeclarationFromEntryView.as_view(), name="declaration-from-entry"),
    path("declarations/<int:pk>/", DeclarationDetailView.as_view(), name="declaration-detail"),
    path("declarations/<int:pk>/accept/", DeclarationAcceptView.as_view(), name="declaration-accept"),
    path("declarations/<int:pk>/reject/", DeclarationRejectView.as_view(), name="declaration-reject"),
]
