"""Back office: certificates of registration, their public verification, and disclosures of data.

Thin views: permission, a form that only collects input, one service or selector call, a template.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.exceptions import NotFoundOrForbidden, ServiceValidationError
from core.views import BackOfficeView
from population.certificates import (
    access_certificate_by_id,
    access_disclosure_by_id,
    certificate_issue,
    certificate_verify,
    certificates_of,
    data_disclosure_record,
    disclosure_list,
    disclosure_residents_by_pesel,
    normalise_verification_code,
    party_by_identifier,
)
from population.models import Certificate, DataDisclosure
from population.selectors import access_resident_by_id

# --- forms (they only collect input; the services apply the rules) ----------------------------------------


class _ServiceErrorsMixin:
    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for field, field_messages in errors.items():
            target = field if field in self.fields else None
            for message in field_messages:
                self.add_error(target, message)


class CertificateIssueForm(_ServiceErrorsMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of certificate"),
        choices=Certificate.Kind.choices,
        widget=forms.RadioSelect,
        initial=Certificate.Kind.CURRENT,
    )
    as_of = forms.DateField(
        label=gettext_lazy("State as of"),
        help_text=gettext_lazy("dd.mm.yyyy; a historical certificate lists the registrations up to this day."),
    )
    requester = forms.CharField(
        label=gettext_lazy("Requester (PESEL, NIP or REGON)"),
        required=False,
        max_length=20,
        help_text=gettext_lazy("Optional: the party of the register who asked for the certificate."),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), required=False, max_length=300)
    fee_exemption = forms.CharField(
        label=gettext_lazy("Exemption from stamp duty"),
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Leave empty to charge the stamp duty. Otherwise give the basis of the exemption, "
            "e.g. “art. 2 ust. 1 pkt 1 lit. c ustawy o opłacie skarbowej (pomoc społeczna)”."
        ),
    )


class DisclosureForm(_ServiceErrorsMixin, forms.Form):
    requester = forms.CharField(
        label=gettext_lazy("Requester (PESEL, NIP or REGON)"),
        max_length=20,
        help_text=gettext_lazy("The requester must be in the party register."),
    )
    requester_kind = forms.ChoiceField(
        label=gettext_lazy("Requester kind"), choices=DataDisclosure.RequesterKind.choices, widget=forms.RadioSelect
    )
    legal_basis = forms.CharField(label=gettext_lazy("Legal basis"), max_length=300)
    justification = forms.CharField(
        label=gettext_lazy("Justification of the interest"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required for a factual interest (with the data subject's consent)."),
    )
    residents = forms.CharField(
        label=gettext_lazy("Persons concerned (PESEL)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("One or more PESEL numbers, separated by new lines, spaces or commas."),
    )
    scope = forms.CharField(label=gettext_lazy("Scope of data"), max_length=300)
    decision = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DataDisclosure.Decision.choices, widget=forms.RadioSelect
    )
    refusal_reason = forms.CharField(
        label=gettext_lazy("Reason for refusal"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required when the disclosure is refused (the refusal is a decision)."),
    )


# --- certificates ------------------------------------------------------------------------------------------


def _resident(request, resident_id: int, purpose: str):
    try:
        return access_resident_by_id(user=request.user, resident_id=resident_id, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


def _certificate(request, pk: int, purpose: str) -> Certificate:
    try:
        return access_certificate_by_id(user=request.user, certificate_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


class CertificateIssueView(BackOfficeView):
    permission_required = ("population.view_resident", "population.issue_certificate")

    def _render(self, request, resident, form, status=200):
        context = {"resident": resident, "form": form, "certificates": certificates_of(resident=resident)[:10]}
        return render(request, "population/certificate_form.html", context, status=status)

    def get(self, request, resident_id: int):
        resident = _resident(request, resident_id, "certificate")
        form = CertificateIssueForm(initial={"kind": Certificate.Kind.CURRENT, "as_of": timezone.localdate()})
        return self._render(request, resident, form)

    def post(self, request, resident_id: int):
        resident = _resident(request, resident_id, "certificate")
        form = CertificateIssueForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                requester = (
                    party_by_identifier(user=request.user, identifier=data["requester"]) if data["requester"] else None
                )
                certificate = certificate_issue(
                    actor=request.user,
                    resident=resident,
                    kind=data["kind"],
                    as_of=data["as_of"],
                    requester=requester,
                    purpose=data["purpose"],
                    fee_exemption=data["fee_exemption"],
                )
            except ServiceValidationError as exc:
                form.add_service_errors(exc.errors)
            else:
                messages.success(request, _("Certificate %(number)s issued.") % {"number": certificate.number})
                return HttpResponseRedirect(reverse("population:certificate-detail", args=[certificate.pk]))
        return self._render(request, resident, form, status=422)


class CertificateListView(BackOfficeView):
    """The certificates issued for one resident."""

    permission_required = ("population.view_resident", "population.view_certificate")

    def get(self, request, resident_id: int):
        resident = _resident(request, resident_id, "certificates")
        page = Paginator(certificates_of(resident=resident), 25).get_page(request.GET.get("page"))
        return render(request, "population/certificate_list.html", {"resident": resident, "page": page})


class CertificateDetailView(BackOfficeView):
    permission_required = "population.view_certificate"

    def get(self, request, pk: int):
        certificate = _certificate(request, pk, "back office view")
        return render(request, "population/certificate_detail.html", {"certificate": certificate})


class CertificatePdfView(BackOfficeView):
    """The stored PDF, streamed (never re-rendered: it is the document that was issued)."""

    permission_required = "population.view_certificate"

    def get(self, request, pk: int):
        certificate = _certificate(request, pk, "pdf download")
        return certificate_file_response(certificate, as_attachment=request.GET.get("download") == "1")


def certificate_file_response(certificate: Certificate, *, as_attachment: bool = False) -> FileResponse:
    try:
        handle = certificate.pdf.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    filename = f"zaswiadczenie-{certificate.number.replace('.', '-')}.pdf"
    response = FileResponse(handle, content_type="application/pdf", as_attachment=as_attachment, filename=filename)
    response["X-Content-SHA256"] = certificate.pdf_sha256
    response["Cache-Control"] = "private, no-store"
    return response


class CertificateVerifyView(View):
    """Public (no login): was a certificate with this code issued? Masked data only."""

    def get(self, request, code: str):
        if normalise_verification_code(code) is None:
            raise Http404
        verification = certificate_verify(code=code)
        response = render(
            request,
            "population/certificate_verify.html",
            {"verification": verification, "code": code},
            status=200 if verification else 404,
        )
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        return response


# --- disclosure of data ------------------------------------------------------------------------------------


class DisclosureListView(BackOfficeView):
    permission_required = "population.disclose_data"

    def get(self, request):
        page = Paginator(disclosure_list(user=request.user), 25).get_page(request.GET.get("page"))
        return render(request, "population/disclosure_list.html", {"page": page})


class DisclosureCreateView(BackOfficeView):
    permission_required = ("population.disclose_data", "core.view_party")

    def get(self, request):
        return render(request, "population/disclosure_form.html", {"form": DisclosureForm()})

    def post(self, request):
        form = DisclosureForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            lookup_errors: dict[str, list[str]] = {}
            requester, residents = None, []
            try:
                requester = party_by_identifier(user=request.user, identifier=data["requester"])
            except ServiceValidationError as exc:
                lookup_errors.update(exc.errors)
            try:
                residents = disclosure_residents_by_pesel(user=request.user, pesels=data["residents"])
            except ServiceValidationError as exc:
                lookup_errors.update(exc.errors)
            try:
                # Without a requester or persons the service refuses, reporting the other fields' errors too.
                disclosure = data_disclosure_record(
                    actor=request.user,
                    requester=requester,
                    requester_kind=data["requester_kind"],
                    legal_basis=data["legal_basis"],
                    justification=data["justification"],
                    residents=residents,
                    scope=data["scope"],
                    decision=data["decision"],
                    refusal_reason=data["refusal_reason"],
                )
            except ServiceValidationError as exc:
                form.add_service_errors({**exc.errors, **lookup_errors})
            else:
                messages.success(request, _("Disclosure of data recorded."))
                return HttpResponseRedirect(reverse("population:disclosure-detail", args=[disclosure.pk]))
        return render(request, "population/disclosure_form.html", {"form": form}, status=422)


class DisclosureDetailView(BackOfficeView):
    permission_required = "population.disclose_data"

    def get(self, request, pk: int):
        try:
            disclosure = access_disclosure_by_id(user=request.user, disclosure_id=pk)
        except NotFoundOrForbidden:
            raise Http404 from None
        residents = disclosure.residents.select_related("party").order_by("party__surname", "pk")
        return render(request, "population/disclosure_detail.html", {"disclosure": disclosure, "residents": residents})
