"""Back-office screens of certificates of no arrears (``finance.issue_certificates``): list, request, detail (stamp
duty paid, issue, refuse), the PDF; and the public verification page (no login, no amounts). Thin: a form, a service
call, a template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.forms import ServiceErrorsForm
from core.views import BackOfficeView
from finance.models import Certificate
from finance.services.certificates import (
    access_certificate,
    certificate_fee_paid,
    certificate_issue,
    certificate_refuse,
    certificate_request,
    certificate_verify,
)

PERM = "finance.issue_certificates"


_ServiceForm = ServiceErrorsForm


class CertificateRequestForm(_ServiceForm):
    party = forms.IntegerField(label=gettext_lazy("Party (id)"), min_value=1)
    as_of = forms.DateField(
        label=gettext_lazy("State as of"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), required=False, max_length=300)
    fee_exempt = forms.BooleanField(label=gettext_lazy("Exempt from stamp duty"), required=False)
    fee_exemption_basis = forms.CharField(label=gettext_lazy("Basis of the exemption"), required=False, max_length=300)


class FeePaidForm(_ServiceForm):
    paid_on = forms.DateField(label=gettext_lazy("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=gettext_lazy("Proof of payment"), max_length=200)


class RefuseForm(_ServiceForm):
    reason = forms.CharField(label=gettext_lazy("Reason of the refusal"), widget=forms.Textarea(attrs={"rows": 3}))


def _access(request, pk: int, purpose: str, issued_only: bool = False) -> Certificate:
    """The certificate for this user, the read logged (``access_certificate``); 404 when not found or not allowed."""
    try:
        return access_certificate(user=request.user, certificate_id=pk, purpose=purpose, issued_only=issued_only)
    except NotFoundOrForbidden:
        raise Http404 from None


class CertificateListView(BackOfficeView):
    permission_required = PERM

    def get(self, request):
        qs = Certificate.objects.select_related("party", "case")
        status = request.GET.get("status", "")
        if status in Certificate.Status.values:
            qs = qs.filter(status=status)
        page = Paginator(qs, 50).get_page(request.GET.get("page"))
        return render(
            request, "finance/certificates/list.html",
            {"page": page, "status": status, "statuses": Certificate.Status.choices, "target": "#main"},
        )  # fmt: skip


class CertificateCreateView(BackOfficeView):
    permission_required = PERM
    template = "finance/certificates/new.html"

    def get(self, request):
        form = CertificateRequestForm(initial={"as_of": timezone.localdate(), "party": request.GET.get("party")})
        return render(request, self.template, {"form": form})

    def post(self, request):
        form = CertificateRequestForm(request.POST)
        if form.is_valid():
            try:
                certificate = certificate_request(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, _("Request %(number)s registered.") % {"number": certificate.number})
                return HttpResponseRedirect(reverse("finance:certificate-detail", args=[certificate.pk]))
        return render(request, self.template, {"form": form}, status=422)


class CertificateDetailView(BackOfficeView):
    permission_required = PERM

    def _render(self, request, certificate, fee_form=None, refuse_form=None, status=200):
        return render(
            request, "finance/certificates/detail.html",
            {
                "certificate": certificate,
                "fee_form": fee_form or FeePaidForm(initial={"paid_on": timezone.localdate()}),
                "refuse_form": refuse_form or RefuseForm(),
            },
            status=status,
        )  # fmt: skip

    def get(self, request, pk: int):
        return self._render(request, _access(request, pk, "detail"))

    def post(self, request, pk: int):
        certificate = get_object_or_404(Certificate.objects.select_related("party", "case"), pk=pk)
        action = request.POST.get("action")
        fee_form = refuse_form = None
        try:
            if action == "issue":
                certificate_issue(actor=request.user, certificate=certificate)
                messages.success(request, _("Certificate issued and handed over to the EZD."))
            elif action == "fee":
                fee_form = FeePaidForm(request.POST)
                if not fee_form.is_valid():
                    return self._render(request, certificate, fee_form=fee_form, status=422)
                certificate_fee_paid(actor=request.user, certificate=certificate, **fee_form.cleaned_data)
                messages.success(request, _("Payment of the stamp duty recorded."))
            elif action == "refuse":
                refuse_form = RefuseForm(request.POST)
                if not refuse_form.is_valid():
                    return self._render(request, certificate, refuse_form=refuse_form, status=422)
                certificate_refuse(actor=request.user, certificate=certificate, **refuse_form.cleaned_data)
                messages.success(request, _("Refusal recorded."))
            else:
                messages.error(request, _("Unknown action."))
                return self._render(request, certificate, status=400)
        except ServiceValidationError as exc:
            form = fee_form or refuse_form
            if form is not None:
                form.add_refusal(exc)
                return self._render(request, certificate, fee_form=fee_form, refuse_form=refuse_form, status=422)
            messages.error(request, exc.message)
            return self._render(request, certificate, status=422)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return self._render(request, certificate, status=422)
        return HttpResponseRedirect(reverse("finance:certificate-detail", args=[certificate.pk]))


class CertificatePdfView(BackOfficeView):
    permission_required = PERM

    def get(self, request, pk: int):
        certificate = _access(request, pk, "pdf", issued_only=True)
        response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="zaswiadczenie-{certificate.number.replace("/", "-")}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(never_cache, name="dispatch")
class CertificateVerifyView(View):
    """Public (no login): was a certificate with this code issued? Number, date, outcome, initials — no amounts."""

    def get(self, request):
        code = request.GET.get("code", "")
        verification = certificate_verify(code=code) if code else None
        response = render(
            request, "finance/certificates/verify.html", {"verification": verification, "code": code},
            status=404 if code and verification is None else 200,
        )  # fmt: skip
        response["X-Robots-Tag"] = "noindex"
        return response


urlpatterns = [
    path("certificates/", CertificateListView.as_view(), name="certificate-list"),
    path("certificates/new/", CertificateCreateView.as_view(), name="certificate-new"),
    path("certificates/verify/", CertificateVerifyView.as_view(), name="certificate-verify"),
    path("certificates/<int:pk>/", CertificateDetailView.as_view(), name="certificate-detail"),
    path("certificates/<int:pk>/pdf/", CertificatePdfView.as_view(), name="certificate-pdf"),
]
