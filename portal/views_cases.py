"""My cases (issue 10 point 5): the cases in which the resident is a party, the letters sent to them, and the
letters delivered electronically opened here (which records their delivery).

Every id in a URL is checked against the resident's own party through documents.selectors_portal: a case or a
letter that is not theirs is a 404, exactly as one that does not exist. Reads are logged.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path

from core.services.audit import audit_log
from documents import selectors_portal as docs
from documents.services.portal_receipts import letter_collected_in_portal
from portal.mixins import ResidentView


class CasesView(ResidentView):
    def get(self, request):
        party = self.party(request)
        cases = docs.party_cases(party)
        letters = docs.party_letters(party)
        audit_log(actor=request.user, action="portal.cases.viewed", obj=party, details={"cases": len(cases)})
        return render(request, "portal/cases/list.html", {"cases": cases, "letters": letters})


class CaseDetailView(ResidentView):
    def get(self, request, pk: int):
        party = self.party(request)
        case = docs.party_case(party, pk)
        if case is None:
            raise Http404
        letters = docs.party_letters(party, case_id=case.id)
        audit_log(
            actor=request.user, action="portal.case.viewed", obj=party, details={"case": case.id, "mark": case.mark}
        )
        return render(request, "portal/cases/detail.html", {"case": case, "letters": letters})


class LetterView(ResidentView):
    """GET: the letter's card; POST (the "open" button): record the delivery if due, then the file."""

    def _letter(self, request, pk: int):
        party = self.party(request)
        letter = docs.party_letter(party, pk)
        if letter is None:
            raise Http404
        return party, letter

    def get(self, request, pk: int):
        party, letter = self._letter(request, pk)
        audit_log(actor=request.user, action="portal.letter.viewed", obj=party, details={"letter": letter.id})
        return render(request, "portal/cases/letter.html", {"letter": letter})

    def post(self, request, pk: int):
        party, letter = self._letter(request, pk)
        if not letter.can_open:
            raise Http404
        document = docs.party_letter_file(party, letter.id)
        if document is None:
            raise Http404
        delivered = letter_collected_in_portal(actor=request.user, party=party, letter_id=letter.id)
        audit_log(
            actor=request.user,
            action="portal.letter.opened",
            obj=party,
            details={"letter": letter.id, "delivered_now": delivered, "file": document.file_name},
        )
        response = HttpResponse(document.content, content_type=document.mime_type)
        response["Content-Disposition"] = f'attachment; filename="{document.file_name}"'
        response["Cache-Control"] = "no-store"
        return response


urlpatterns = [
    path("sprawy/", CasesView.as_view(), name="cases"),
    path("sprawy/<int:pk>/", CaseDetailView.as_view(), name="case"),
    path("sprawy/pismo/<int:pk>/", LetterView.as_view(), name="letter"),
]
