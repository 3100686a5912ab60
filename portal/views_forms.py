"""E-forms of the residents' portal (issue 10 point 4): IN-1, DO-1, a request for a certificate of no arrears and a
general letter with attachments.

Each form: fill (server-side validation, errors summarised at the top) → preview of exactly what will be signed →
"Podpisz profilem zaufanym i wyślij" (the simulated podpis zaufany, the office's ePUAP box, the UPP) → the
submission's page with the UPP (number, date, download). The sender is always the logged-in resident's party.
Submitting (preview and signature) is rate limited per resident and address (``portal.ratelimit``)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError
from core.services.audit import audit_log
from finance import selectors as finance_selectors
from portal import ratelimit
from portal.eforms import documents as D
from portal.eforms import drafts, sending, submissions
from portal.eforms import forms as F
from portal.mixins import ResidentView

#: room for the XAdES signature the document gets before the platform checks its size
SIGNATURE_ROOM = 16 * 1024
#: the letter's own fields in a multipart upload (its text is at most 10 000 characters)
MAX_LETTER_OVERHEAD = 256 * 1024

KINDS = {
    "in1": {"url": "portal:forms-in1", "template": "portal/forms/in1.html", "title": submissions.FORM_LABELS["in1"]},
    "do1": {"url": "portal:forms-do1", "template": "portal/forms/do1.html", "title": submissions.FORM_LABELS["do1"]},
    "certificate": {
        "url": "portal:forms-certificate",
        "template": "portal/forms/certificate.html",
        "title": submissions.FORM_LABELS["certificate"],
    },
    "letter": {
        "url": "portal:forms-letter",
        "template": "portal/forms/letter.html",
        "title": submissions.FORM_LABELS["letter"],
    },
}


def _too_many(request):
    return render(
        request,
        "portal/message.html",
        {
            "title": _("Too many submissions"),
            "message": _("You have sent too many forms in a short time. Please wait a few minutes and try again."),
            "kind": "error",
        },
        status=429,
    )


def _allowed(request, scope: str) -> bool:
    return ratelimit.allow(request, f"eform-{scope}:{request.user.pk}")


def _header(party, sender) -> D.Header:
    address = party.registered_address
    place = address.locality.name if address is not None and address.locality_id else ""
    return D.Header(
        sender=sender, recipient_name=sending.office_name(), place=place,
        created=timezone.localdate(),
    )  # fmt: skip


def _error_summary(*forms_) -> list[tuple[str, str]]:
    """(anchor, message) of every error, in the order of the forms (non-field errors link to the form itself)."""
    items = []
    for form in forms_:
        if form is None:
            continue
        if isinstance(form, F.forms.BaseFormSet):
            for message in form.non_form_errors():
                items.append(("objects", message))
            for sub in form.forms:
                items += _error_summary(sub)
            continue
        for name, errors in form.errors.items():
            anchor = form[name].auto_id if name in form.fields else "eform"
            items += [(anchor, message) for message in errors]
    return items


def _post_copy(request) -> dict:
    """The POSTed text fields (files excluded) to fill the form again when the resident corrects it."""
    return {key: request.POST.getlist(key) for key in request.POST if key != "csrfmiddlewaretoken"}


class FormsIndexView(ResidentView):
    def get(self, request):
        party = self.party(request)
        rows = submissions.submissions_for(party)
        forms_ = [(kind, meta["url"], meta["title"]) for kind, meta in KINDS.items()]
        return render(request, "portal/forms/index.html", {"party": party, "forms": forms_, "submissions": rows})


class EFormView(ResidentView):
    """One form: GET shows it (or a draft to correct), POST validates it and shows the preview."""

    kind = ""

    def build(self, request, data=None, files=None, party=None):
        """(forms to render, valid, summary rows, document builder) — implemented per form."""
        raise NotImplementedError

    def context(self, request, party) -> dict:
        return {}

    def _render(self, request, party, forms_, *, status=200, errors=None):
        meta = KINDS[self.kind]
        ctx = {
            "party": party, "kind": self.kind, "title": meta["title"], "action": reverse(meta["url"]),
            "errors": errors or [], **forms_, **self.context(request, party),
        }  # fmt: skip
        return render(request, meta["template"], ctx, status=status)

    def get(self, request):
        party = self.party(request)
        try:
            sending.sender_of(party)
        except ApplicationError as exc:
            return render(request, "portal/forms/unavailable.html", {"message": exc.message}, status=403)
        data = None
        token = request.GET.get("popraw", "")
        draft = drafts.load(request, token, kind=self.kind, party_id=party.pk) if token else None
        if draft is not None:
            data = QueryDict(mutable=True)
            for key, values in (request.session[drafts.SESSION_KEY][token].get("post") or {}).items():
                data.setlist(key, values)
        forms_, _valid, _summary, _builder = self.build(request, data=data, party=party)
        return self._render(request, party, forms_)

    def post(self, request):
        party = self.party(request)
        try:
            sender = sending.sender_of(party)
        except ApplicationError as exc:
            return render(request, "portal/forms/unavailable.html", {"message": exc.message}, status=403)
        if not _allowed(request, "preview"):
            return _too_many(request)
        forms_, valid, summary, builder = self.build(request, data=request.POST, files=request.FILES, party=party)
        if not valid:
            return self._render(request, party, forms_, status=400, errors=_error_summary(*forms_.values()))
        try:
            document = builder(_header(party, sender))
        except D.DocumentInvalid as exc:  # the office's XSD refuses what the form let through: say so, send nothing
            forms_["form"].add_error(None, _("The form does not match the office's layout: %(errors)s") % {
                "errors": "; ".join(exc.errors)})  # fmt: skip
            return self._render(request, party, forms_, status=400, errors=_error_summary(*forms_.values()))
        limit = settings.EPUAP_MAX_DOCUMENT_BYTES - SIGNATURE_ROOM
        if len(document) > limit:
            message = _("The document is too large for ePUAP (%(size)s; the limit is %(limit)s).")
            forms_["form"].add_error(None, message % {"size": filesizeformat(len(document)),
                                                      "limit": filesizeformat(limit)})  # fmt: skip
            return self._render(request, party, forms_, status=400, errors=_error_summary(*forms_.values()))
        token = drafts.save(request, kind=self.kind, party_id=party.pk, summary=summary, document=document)
        stored = request.session[drafts.SESSION_KEY]
        stored[token]["post"] = _post_copy(request)
        request.session[drafts.SESSION_KEY] = stored
        return render(
            request,
            "portal/forms/preview.html",
            {
                "party": party, "sender": sender, "kind": self.kind, "title": KINDS[self.kind]["title"],
                "token": token, "summary": summary, "xml": D.preview_xml(document), "size": len(document),
                "form_url": reverse(KINDS[self.kind]["url"]),
                "sign_url": reverse("portal:forms-sign", args=[self.kind]),
            },
        )  # fmt: skip


def _rows(*pairs) -> list[list[str]]:
    return [[str(label), str(value)] for label, value in pairs if value not in (None, "")]


def _choice(choices, value) -> str:
    return str(dict(choices).get(value, value))


def _num(value) -> str:
    """A decimal as the resident reads it (Polish: 1 234,50)."""
    return number_format(value, decimal_pos=2, use_l10n=True, force_grouping=True) if value is not None else ""


def _date(value) -> str:
    return f"{value:%d.%m.%Y}" if value else ""


class In1View(EFormView):
    kind = "in1"

    def build(self, request, data=None, files=None, party=None):
        form = F.In1Form(data=data)
        objects = F.In1ObjectFormSet(data=data, prefix="obj")
        valid = data is not None and form.is_valid() and objects.is_valid()
        summary, builder = [], None
        if valid:
            d = F.in1_data(form, objects)
            summary = _rows(
                (_("Tax year"), d.year), (_("Purpose of the information"), _choice(F.PURPOSE_CHOICES, d.purpose)),
                (_("Date of the event"), _date(d.event_date)), (_("Your legal title"), _choice(F.ROLE_CHOICES, d.role)),
                (_("Your share"), d.share),
            )  # fmt: skip
            categories = dict(F.LAND_CATEGORIES + F.BUILDING_CATEGORIES)
            for number, obj in enumerate(d.objects, start=1):
                low = _("; of height 1.40–2.20 m: %(low)s m²") % {"low": _num(obj.area_low)} if obj.area_low else ""
                summary.append([
                    _("Object %(n)s") % {"n": number},
                    _("%(category)s, precinct %(precinct)s, parcel %(parcel)s, %(area)s m²%(low)s") % {
                        "category": categories[obj.category], "precinct": obj.precinct, "parcel": obj.parcel,
                        "area": _num(obj.area), "low": low},
                ])  # fmt: skip

            def builder(header, d=d):
                return D.in1_document(d, header)

        return {"form": form, "objects": objects}, valid, summary, builder


class Do1View(EFormView):
    kind = "do1"

    def build(self, request, data=None, files=None, party=None):
        initial = {}
        address = getattr(party, "registered_address", None)
        if data is None and address is not None:
            initial = {
                "locality": address.locality.name if address.locality_id else "",
                "street": address.street.full_name if address.street_id else "",
                "number": address.building_number, "flat": address.flat_number or "",
                "event_date": timezone.localdate(),
            }  # fmt: skip
        form = F.Do1Form(data=data, initial=initial)
        valid = data is not None and form.is_valid()
        summary, builder = [], None
        if valid:
            d = form.as_data()
            summary = _rows(
                (_("Purpose of the declaration"), _choice(F.PURPOSE_CHOICES, d.purpose)),
                (_("Date of the event"), _date(d.event_date)), (_("Address of the property"), D.do1_address(d)),
                (_("Method of the fee"), _choice(F.METHOD_CHOICES, d.method)), (_("Number of residents"), d.residents),
                (_("Water used a month (m³)"), _num(d.water_m3)),
                (_("Usable area of the dwelling (m²)"), _num(d.dwelling_m2)),
                (_("Number of households"), d.households),
                (_("I collect waste separately"), _("yes") if d.selective else _("no")),
                (_("I compost bio-waste in a home composter (discount)"), _("yes") if d.composts else _("no")),
            )  # fmt: skip

            def builder(header, d=d):
                return D.do1_document(d, header)

        return {"form": form}, valid, summary, builder


class CertificateView(EFormView):
    kind = "certificate"

    def context(self, request, party) -> dict:
        try:
            duty = finance_selectors.parameter("certificate_stamp_duty", timezone.localdate())
        except LookupError:
            duty = None
        return {"stamp_duty": duty}

    def build(self, request, data=None, files=None, party=None):
        form = F.CertificateForm(data=data)
        valid = data is not None and form.is_valid()
        summary, builder = [], None
        if valid:
            d = form.as_data()
            summary = _rows(
                (_("Purpose of the certificate"), d.purpose),
                (_("Taxes and fees to be stated"), ", ".join(label for _code, label in d.receivables)),
                (_("Number of copies"), d.copies),
                (_("Basis of the exemption from the stamp duty"), d.fee_exemption_basis),
            )  # fmt: skip

            def builder(header, d=d):
                return D.certificate_document(d, header)

        return {"form": form}, valid, summary, builder


class LetterView(EFormView):
    kind = "letter"

    def post(self, request):
        # the upload is bounded before Django reads it: 3 attachments of 5 MB and the letter itself
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
        if declared > F.MAX_ATTACHMENTS * F.MAX_ATTACHMENT_BYTES + MAX_LETTER_OVERHEAD:
            return render(
                request, "portal/forms/unavailable.html", {"retry": KINDS[self.kind]["url"], "message": _(
                    "The files sent are too large: at most %(n)s attachments of %(size)s each.") % {
                    "n": F.MAX_ATTACHMENTS, "size": filesizeformat(F.MAX_ATTACHMENT_BYTES)}},
                status=413,
            )  # fmt: skip
        return super().post(request)

    def context(self, request, party) -> dict:
        return {"max_attachments": F.MAX_ATTACHMENTS}

    def build(self, request, data=None, files=None, party=None):
        form = F.LetterForm(data=data, files=files)
        valid = data is not None and form.is_valid()
        summary, builder = [], None
        if valid:
            d = form.as_data()
            summary = _rows(
                (_("Kind of letter"), _choice(F.LETTER_KIND_CHOICES, d.kind)), (_("Subject"), d.subject),
                (_("Content"), "\n\n".join(D.letter_paragraphs(d.text))),
            )  # fmt: skip
            for number, attachment in enumerate(d.attachments, start=1):
                summary.append([
                    _("Attachment %(n)s") % {"n": number},
                    f"{attachment.file_name} ({attachment.mime}, {len(attachment.content)} B)",
                ])  # fmt: skip

            def builder(header, d=d):
                return D.letter_document(d, header)

        return {"form": form}, valid, summary, builder


class SignView(ResidentView):
    """POST: sign the previewed draft with podpis zaufany and send it; then the submission's page with the UPP."""

    def post(self, request, kind: str):
        if kind not in KINDS:
            raise Http404
        party = self.party(request)
        token = request.POST.get("token", "")
        if drafts.load(request, token, kind=kind, party_id=party.pk) is None:
            messages.error(request, _("The form has expired or was already sent; fill it in again."))
            return redirect(KINDS[kind]["url"])
        if not _allowed(request, "send"):
            return _too_many(request)
        draft = drafts.claim(request, token, kind=kind, party_id=party.pk)
        if draft is None:  # a second click while the first request is sending it
            messages.error(request, _("The form has expired or was already sent; fill it in again."))
            return redirect(KINDS[kind]["url"])
        try:
            sent = sending.sign_and_send(actor=request.user, party=party, kind=kind, document=draft.document)
        except ApplicationError as exc:
            drafts.release(draft.token)
            return render(
                request, "portal/forms/unavailable.html", {"message": exc.message, "retry": KINDS[kind]["url"]},
                status=502 if exc.code == "platform" else 409,
            )  # fmt: skip
        drafts.discard(request, draft.token)
        messages.success(
            request,
            _("The form has been signed and sent to the office. UPP number: %(upp)s.") % {"upp": sent.upp_identifier},
        )
        return redirect("portal:forms-sent", document_id=sent.document_id)


class SubmissionView(ResidentView):
    def _submission(self, request, document_id):
        party = self.party(request)
        row = submissions.submission_for(party, str(document_id))
        if row is None:
            raise Http404
        return party, row

    def get(self, request, document_id):
        party, row = self._submission(request, document_id)
        return render(request, "portal/forms/sent.html", {"party": party, "submission": row})


def _download(content: bytes, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class UppDownloadView(SubmissionView):
    def get(self, request, document_id):
        party, row = self._submission(request, document_id)
        if not row.upp_content:
            raise Http404
        audit_log(actor=request.user, action="portal.eform.upp_downloaded", obj=party,
                  details={"document_id": row.document_id, "upp": row.upp_identifier})  # fmt: skip
        return _download(row.upp_content, f"UPP-{row.upp_identifier}.xml")


class DocumentDownloadView(SubmissionView):
    def get(self, request, document_id):
        _party, row = self._submission(request, document_id)
        return _download(row.content, row.file_name)


urlpatterns = [
    path("formularze/", FormsIndexView.as_view(), name="forms"),
    path("formularze/in-1/", In1View.as_view(), name="forms-in1"),
    path("formularze/do-1/", Do1View.as_view(), name="forms-do1"),
    path("formularze/zaswiadczenie/", CertificateView.as_view(), name="forms-certificate"),
    path("formularze/pismo/", LetterView.as_view(), name="forms-letter"),
    path("formularze/<slug:kind>/podpisz/", SignView.as_view(), name="forms-sign"),
    path("formularze/wyslane/<uuid:document_id>/", SubmissionView.as_view(), name="forms-sent"),
    path("formularze/wyslane/<uuid:document_id>/upp.xml", UppDownloadView.as_view(), name="forms-upp"),
    path("formularze/wyslane/<uuid:document_id>/dokument.xml", DocumentDownloadView.as_view(), name="forms-document"),
]
