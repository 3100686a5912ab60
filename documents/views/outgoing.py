"""Back-office views: outgoing documents (drafts from templates, versions, approval path, signing).

Thin views: permission, a form collecting input, one service call, a template. The rules live in
``documents.services.outgoing`` and ``documents.services.signing``.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, NotFoundOrForbidden, ServiceValidationError
from core.views import BackOfficeView
from documents.forms_outgoing import (
    ApprovalStartForm,
    CancelForm,
    DecisionForm,
    DraftForm,
    SignForm,
    VersionForm,
    context_from,
)
from documents.models import ApprovalStep, OutgoingDocument
from documents.selectors import access_case, access_document
from documents.services import outgoing as svc
from documents.services import signing
from documents.services.templates import active_templates


def _document(request, pk: int, purpose: str) -> OutgoingDocument:
    try:
        return access_document(user=request.user, document_id=pk, purpose=purpose)
    except NotFoundOrForbidden:
        raise Http404 from None


def _detail_url(document) -> str:
    return reverse("documents:outgoing-detail", args=[document.pk])


class OutgoingCreateView(BackOfficeView):
    permission_required = ("documents.handle_case", "documents.view_outgoingdocument")

    def _case(self, request, case_id):
        try:
            case = access_case(user=request.user, case_id=case_id, purpose="draft")
        except NotFoundOrForbidden:
            raise Http404 from None
        if not svc.can_edit(request.user, case):
            raise PermissionDenied
        return case

    def _template(self, request, templates):
        wanted = request.POST.get("template") or request.GET.get("template")
        by_pk = {str(t.pk): t for t in templates}
        return by_pk.get(str(wanted)) or (templates[0] if templates else None)

    def _render(self, request, case, templates, template, form, status=200):
        context = {"case": case, "templates": templates, "template": template, "form": form}
        return render(request, "documents/outgoing/draft_form.html", context, status=status)

    def get(self, request, case_id: int):
        case = self._case(request, case_id)
        templates = active_templates()
        template = self._template(request, templates)
        form = DraftForm(case=case, template=template) if template else None
        return self._render(request, case, templates, template, form)

    def post(self, request, case_id: int):
        case = self._case(request, case_id)
        templates = active_templates()
        template = self._template(request, templates)
        if template is None:
            raise Http404
        form = DraftForm(request.POST, case=case, template=template)
        if form.is_valid():
            try:
                document = svc.draft_create(
                    actor=request.user,
                    case=case,
                    template=template,
                    title=form.cleaned_data["title"],
                    recipients=list(form.cleaned_data["recipients"]),
                    context=context_from(form),
                )
            except ServiceValidationError as exc:
                form.add_service_errors(
                    {f"ctx_{k}" if f"ctx_{k}" in form.fields else k: v for k, v in exc.errors.items()}
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The draft was created."))
                return HttpResponseRedirect(_detail_url(document))
        return self._render(request, case, templates, template, form, status=400)


class OutgoingDetailView(BackOfficeView):
    permission_required = "documents.view_outgoingdocument"

    def get(self, request, pk: int):
        document = _document(request, pk, "detail")
        user = request.user
        steps = list(document.approval_steps.select_related("approver", "version").order_by("-round", "order"))
        signature = signing.signature_check(document) if document.signed_xml else None
        context = {
            "document": document,
            "versions": list(document.versions.select_related("created_by").order_by("-number")),
            "steps": steps,
            "recipients": list(document.recipients.all()),
            "can_edit": document.template_id is not None
            and document.status in ("draft", "returned")
            and svc.can_edit(user, document.case),
            "can_start_approval": document.status in ("draft", "returned") and svc.can_edit(user, document.case),
            "can_decide": svc.can_decide(user, document),
            "can_sign": signing.can_sign(user, document),
            "can_cancel": document.status in ("draft", "returned", "in_approval", "approved")
            and svc.can_edit(user, document.case),
            "decision_form": DecisionForm(),
            "sign_form": SignForm(),
            "cancel_form": CancelForm(),
            "signature": signature,
        }
        return render(request, "documents/outgoing/detail.html", context)


class OutgoingEditView(BackOfficeView):
    permission_required = ("documents.handle_case", "documents.view_outgoingdocument")

    def _load(self, request, pk):
        document = _document(request, pk, "edit")
        if document.template is None or not svc.can_edit(request.user, document.case):
            raise PermissionDenied
        return document, svc.latest_version(document)

    def _render(self, request, document, form, status=200):
        return render(
            request, "documents/outgoing/version_form.html", {"document": document, "form": form}, status=status
        )

    def get(self, request, pk: int):
        document, latest = self._load(request, pk)
        form = VersionForm(template=document.template, context=latest.context, initial={"title": document.title})
        return self._render(request, document, form)

    def post(self, request, pk: int):
        document, latest = self._load(request, pk)
        form = VersionForm(request.POST, template=document.template, context=latest.context)
        if form.is_valid():
            try:
                version = svc.draft_update(
                    actor=request.user,
                    document=document,
                    context=context_from(form),
                    title=form.cleaned_data["title"],
                    comment=form.cleaned_data["comment"],
                )
            except ServiceValidationError as exc:
                form.add_service_errors(
                    {f"ctx_{k}" if f"ctx_{k}" in form.fields else k: v for k, v in exc.errors.items()}
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Version %(n)s was saved.") % {"n": version.number})
                return HttpResponseRedirect(_detail_url(document))
        return self._render(request, document, form, status=400)


class OutgoingFileView(BackOfficeView):
    permission_required = "documents.view_outgoingdocument"

    def get(self, request, pk: int, number: int, fmt: str):
        document = _document(request, pk, f"download {fmt}")
        version = document.versions.filter(number=number).first()
        if version is None or fmt not in ("pdf", "xml"):
            raise Http404
        content = version.pdf if fmt == "pdf" else version.xml
        if not content:
            raise Http404
        return _file(bytes(content), fmt, f"{slugify(document.case.mark)}-{document.pk}-v{version.number}.{fmt}")


class OutgoingSignedXmlView(BackOfficeView):
    permission_required = "documents.view_outgoingdocument"

    def get(self, request, pk: int):
        document = _document(request, pk, "download signed xml")
        if not document.signed_xml:
            raise Http404
        return _file(bytes(document.signed_xml), "xml", f"{slugify(document.case.mark)}-{document.pk}-signed.xml")


def _file(content: bytes, fmt: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf" if fmt == "pdf" else "application/xml")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class OutgoingApprovalStartView(BackOfficeView):
    permission_required = ("documents.handle_case", "documents.view_outgoingdocument")

    def _render(self, request, document, form, status=200):
        return render(
            request, "documents/outgoing/approval_form.html", {"document": document, "form": form}, status=status
        )

    def get(self, request, pk: int):
        document = _document(request, pk, "approval")
        if not svc.can_edit(request.user, document.case):
            raise PermissionDenied
        return self._render(request, document, ApprovalStartForm())

    def post(self, request, pk: int):
        document = _document(request, pk, "approval")
        if not svc.can_edit(request.user, document.case):
            raise PermissionDenied
        form = ApprovalStartForm(request.POST)
        if form.is_valid():
            try:
                svc.approval_start(actor=request.user, document=document, approvers=form.approvers())
            except ServiceValidationError as exc:
                form.add_error(None, " ".join(m for msgs in exc.errors.values() for m in msgs) or exc.message)
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("The document was sent for approval."))
                return HttpResponseRedirect(_detail_url(document))
        return self._render(request, document, form, status=400)


class OutgoingDecisionView(BackOfficeView):
    permission_required = ("documents.approve_document", "documents.view_outgoingdocument")

    def post(self, request, pk: int):
        document = _document(request, pk, "decision")
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a decision."))
            return HttpResponseRedirect(_detail_url(document))
        try:
            svc.approval_decide(
                actor=request.user,
                document=document,
                approve=form.cleaned_data["decision"] == "approve",
                comment=form.cleaned_data["comment"],
            )
        except ServiceValidationError as exc:
            messages.error(request, " ".join(m for msgs in exc.errors.values() for m in msgs) or exc.message)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your decision was recorded."))
        return HttpResponseRedirect(_detail_url(document))


class OutgoingSignView(BackOfficeView):
    permission_required = ("documents.sign_document", "documents.view_outgoingdocument")

    def post(self, request, pk: int):
        document = _document(request, pk, "sign")
        form = SignForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose how the document is signed."))
            return HttpResponseRedirect(_detail_url(document))
        service = (
            signing.document_sign if form.cleaned_data["manner"] == "xades" else signing.document_mark_signed_on_paper
        )
        try:
            service(actor=request.user, document=document)
        except NotFoundOrForbidden:
            raise Http404 from None
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The document was signed."))
        return HttpResponseRedirect(_detail_url(document))


class OutgoingCancelView(BackOfficeView):
    permission_required = ("documents.handle_case", "documents.view_outgoingdocument")

    def post(self, request, pk: int):
        document = _document(request, pk, "cancel")
        form = CancelForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for cancelling."))
            return HttpResponseRedirect(_detail_url(document))
        try:
            svc.document_cancel(actor=request.user, document=document, reason=form.cleaned_data["reason"])
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The document was cancelled."))
        return HttpResponseRedirect(_detail_url(document))


class ApprovalQueueView(BackOfficeView):
    """My approvals: the documents whose pending step is mine."""

    permission_required = "documents.approve_document"

    def get(self, request):
        steps = (
            ApprovalStep.objects.filter(
                approver=request.user,
                status=ApprovalStep.Status.PENDING,
                document__status=OutgoingDocument.Status.IN_APPROVAL,
            )
            .select_related("document", "document__case", "document__created_by", "version")
            .order_by("document__case__due_date", "document__updated_at")
        )
        return render(request, "documents/outgoing/approvals.html", {"steps": steps})


urlpatterns = [
    path("cases/<int:case_id>/outgoing/new/", OutgoingCreateView.as_view(), name="outgoing-create"),
    path("outgoing/approvals/", ApprovalQueueView.as_view(), name="outgoing-approvals"),
    path("outgoing/<int:pk>/", OutgoingDetailView.as_view(), name="outgoing-detail"),
    path("outgoing/<int:pk>/edit/", OutgoingEditView.as_view(), name="outgoing-edit"),
    path(
        "outgoing/<int:pk>/versions/<int:number>/<str:fmt>/", OutgoingFileView.as_view(), name="outgoing-version-file"
    ),
    path("outgoing/<int:pk>/signed.xml", OutgoingSignedXmlView.as_view(), name="outgoing-signed-xml"),
    path("outgoing/<int:pk>/approval/", OutgoingApprovalStartView.as_view(), name="outgoing-approval"),
    path("outgoing/<int:pk>/decision/", OutgoingDecisionView.as_view(), name="outgoing-decision"),
    path("outgoing/<int:pk>/sign/", OutgoingSignView.as_view(), name="outgoing-sign"),
    path("outgoing/<int:pk>/cancel/", OutgoingCancelView.as_view(), name="outgoing-cancel"),
]
