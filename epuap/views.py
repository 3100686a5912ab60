"""Back office of the office's ePUAP adapter: status, inbound documents, quarantine decisions. Thin views."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.views import BackOfficeView
from epuap import selectors, services
from epuap.models import InboundDocument


class InboundFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("all")), *InboundDocument.Status.choices],
    )


class ReleaseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Note (why the document is accepted)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason (sent to the sender)"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AdapterStatusView(BackOfficeView):
    permission_required = "epuap.view_adapter_status"

    def get(self, request):
        context = {
            "states": selectors.adapter_status(),
            "quarantined": selectors.quarantined_documents().count(),
        }
        return render(request, "epuap/status.html", context)


class InboundListView(BackOfficeView):
    permission_required = "epuap.view_inbounddocument"

    def get(self, request):
        form = InboundFilterForm(request.GET or None)
        status = query = ""
        if form.is_valid():
            status, query = form.cleaned_data["status"], form.cleaned_data["q"]
        page = Paginator(selectors.inbound_documents(status=status, query=query), 25).get_page(request.GET.get("page"))
        return render(request, "epuap/inbound_list.html", {"form": form, "page": page, "quarantine_view": False})


class QuarantineListView(BackOfficeView):
    permission_required = "epuap.view_inbounddocument"

    def get(self, request):
        page = Paginator(selectors.quarantined_documents(), 25).get_page(request.GET.get("page"))
        return render(request, "epuap/quarantine.html", {"page": page})


def _document(request, pk: int, purpose: str) -> InboundDocument:
    try:
        return selectors.access_inbound_document(user=request.user, document_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


class InboundDetailView(BackOfficeView):
    permission_required = "epuap.view_inbounddocument"

    def get(self, request, pk: int):
        document = _document(request, pk, "back office view")
        return _detail(request, document)


def _detail(request, document, *, release_form=None, reject_form=None, status=200):
    context = {
        "doc": document,
        "rendered": selectors.inbound_render(document),
        "release_form": release_form or ReleaseForm(),
        "reject_form": reject_form or RejectForm(),
        "can_decide": document.status == InboundDocument.Status.QUARANTINED
        and request.user.has_perm("epuap.decide_quarantine"),
    }
    return render(request, "epuap/inbound_detail.html", context, status=status)


class InboundDownloadView(BackOfficeView):
    permission_required = "epuap.view_inbounddocument"

    def get(self, request, pk: int):
        document = _document(request, pk, "download of the original")
        name = get_valid_filename(document.file_name or f"dokument-{document.pk}.xml") or f"dokument-{document.pk}.xml"
        # Served as an attachment with a neutral type: the bytes are untrusted and must not render in the browser.
        response = HttpResponse(bytes(document.content), content_type="application/octet-stream")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["X-Content-Type-Options"] = "nosniff"
        return response


class _DecisionView(BackOfficeView):
    permission_required = ("epuap.view_inbounddocument", "epuap.decide_quarantine")
    form_class: type[forms.Form]
    field: str

    def decide(self, request, document, value):
        raise NotImplementedError

    def post(self, request, pk: int):
        document = _document(request, pk, "quarantine decision")
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                self.decide(request, document, form.cleaned_data[self.field])
            except ServiceValidationError as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return HttpResponseRedirect(reverse("epuap:inbound-detail", args=[document.pk]))
            else:
                return HttpResponseRedirect(reverse("epuap:inbound-detail", args=[document.pk]))
        kwargs = {"release_form": form} if self.field == "note" else {"reject_form": form}
        return _detail(request, document, status=422, **kwargs)


class InboundReleaseView(_DecisionView):
    form_class = ReleaseForm
    field = "note"

    def decide(self, request, document, value):
        services.inbound_release(actor=request.user, document=document, note=value)
        messages.success(request, _("The document was accepted."))


class InboundRejectView(_DecisionView):
    form_class = RejectForm
    field = "reason"

    def decide(self, request, document, value):
        doc = services.inbound_reject(actor=request.user, document=document, reason=value)
        if doc.notice_channel == InboundDocument.NoticeChannel.EPUAP:
            messages.success(request, _("The document was rejected; the sender was notified through ePUAP."))
        else:
            messages.warning(request, _("The document was rejected; the sender must be notified by a paper letter."))
