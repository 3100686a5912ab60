"""Portal: "My taxes and fees" (issue 10 point 2).

* ``/portal/podatki/`` (``portal:taxes``) — per year (newest first) the statement (assessed, corrections, arrears
  from previous years, interest to today, payments, balance) and the resident's accounts by receivable type; the
  individual bank account and a transfer QR code for what is due.
* ``/portal/podatki/<year>/`` (``portal:taxes-year``) — the year in detail: per account its installments (due
  dates, paid, unpaid, interest, status), payments and how they were allocated, charges and corrections; the
  decisions (with the calculation table and the PDF), the waste fee's computation, the declarations.
* ``/portal/podatki/decyzja/<pk>.pdf`` (``portal:taxes-decision-pdf``) and ``/portal/podatki/decyzja-odpady/<pk>.pdf``
  (``portal:taxes-waste-decision-pdf``) — the resident's own delivered decision (404 for any other), logged.
* ``/portal/podatki/deklaracja/<pk>.pdf`` (``portal:taxes-declaration-pdf``) and
  ``/portal/podatki/deklaracja-odpady/<pk>.pdf`` (``portal:taxes-waste-declaration-pdf``) — the resident's own
  declaration: the PDF it came with in EZD, else a visualisation of the data stored (404 for any other), logged.

Reads go through ``finance.selectors_portal`` and ``taxes.selectors_portal`` with the resident's own party only; the
figures for the page and the API (``portal.api.taxes``) are built here by :func:`summary_data` and
:func:`year_data`.
"""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import NotFoundOrForbidden
from finance import selectors_portal as fsp
from portal.mixins import ResidentView
from taxes import selectors_portal as tsp

ZERO = Decimal("0.00")
MIN_YEAR, MAX_YEAR = 2000, 2100
QR_TITLE_MAX = 32


def today() -> datetime.date:
    return timezone.localdate()


def _qr(account: str, amount: Decimal, title: str) -> tuple[str, str]:
    """(payload, PNG as base64) of the Polish transfer QR code (taxes' helpers); ("", "") without an account."""
    if not account or amount <= 0:
        return "", ""
    from taxes.services.assessment import qr_payload
    from taxes.services.decisions import qr_png

    payload = qr_payload(account=account, amount=amount, title=title[:QR_TITLE_MAX])
    return payload, base64.b64encode(qr_png(payload)).decode()


def _payment_title(party) -> str:
    ident = getattr(party, "pesel", "") or getattr(party, "nip", "") or ""
    return f"{_('Taxes and fees')} {ident}".strip()


def summary_data(party, *, as_of: datetime.date) -> dict:
    """The figures of the "My taxes and fees" page: years (newest first), each with its statement and accounts;
    the individual bank account, the total due and its QR code."""
    accounts = fsp.party_accounts_detail(party, as_of=as_of)
    years = sorted(set(fsp.party_years(accounts)) | tsp.party_tax_years(party), reverse=True)
    level_nrb, nrb_of = fsp.party_payment_accounts(party, accounts)
    rows = [
        {
            "year": year,
            "statement": fsp.year_statement(accounts, year, as_of=as_of),
            "accounts": [{"account": a, "nrb": nrb_of.get(a.id, "")} for a in accounts if a.year == year],
        }
        for year in years
    ]
    total_due = fsp.party_total_due(accounts)
    overpayment = sum((a.overpayment for a in accounts), ZERO)
    nrb = level_nrb or next((n for n in nrb_of.values() if n), "")
    payload, png = _qr(nrb, total_due, _payment_title(party))
    return {
        "as_of": as_of,
        "years": rows,
        "total_due": total_due,
        "overpayment": overpayment,
        "bank_account": nrb,
        "qr_payload": payload,
        "qr_png": png,
    }


def year_data(party, *, year: int, as_of: datetime.date) -> dict:
    """The figures of one year: the statement, the accounts in detail, the decisions, waste fee and declarations."""
    accounts = fsp.party_accounts_detail(party, as_of=as_of)
    own = [a for a in accounts if a.year == year]
    _level, nrb_of = fsp.party_payment_accounts(party, own)
    taxes = tsp.party_tax_year(party, year=year)
    entries = []
    for a in own:
        due = max(a.balance, ZERO)
        payload, png = _qr(nrb_of.get(a.id, ""), due, f"{a.receivable_name} {a.year}")
        entries.append({"account": a, "nrb": nrb_of.get(a.id, ""), "due": due, "qr_payload": payload, "qr_png": png})
    return {
        "as_of": as_of,
        "year": year,
        "statement": fsp.year_statement(accounts, year, as_of=as_of),
        "accounts": entries,
        "taxes": taxes,
        "has_data": bool(own or taxes.decisions or taxes.waste_decisions or taxes.declarations),
    }


def check_year(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise Http404
    return year


class TaxesView(ResidentView):
    def get(self, request):
        party = self.party(request)
        data = summary_data(party, as_of=today())
        return render(request, "portal/taxes/index.html", {**data, "party": party})


class TaxesYearView(ResidentView):
    def get(self, request, year: int):
        party = self.party(request)
        data = year_data(party, year=check_year(year), as_of=today())
        return render(request, "portal/taxes/year.html", {**data, "party": party})


class DecisionPdfView(ResidentView):
    read = staticmethod(tsp.decision_pdf)
    id_argument = "decision_id"
    http_method_names = ["get"]  # HEAD would render the PDF and log a read that delivered nothing

    def get(self, request, pk: int):
        party = self.party(request)
        try:
            name, content = self.read(user=request.user, party=party, **{self.id_argument: pk})
        except NotFoundOrForbidden:
            raise Http404 from None
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        return response


class WasteDecisionPdfView(DecisionPdfView):
    read = staticmethod(tsp.waste_decision_pdf)


class DeclarationPdfView(DecisionPdfView):
    """The resident's own tax declaration: the PDF held in EZD or a visualisation of the data stored."""

    read = staticmethod(tsp.declaration_pdf)
    id_argument = "declaration_id"


class WasteDeclarationPdfView(DeclarationPdfView):
    read = staticmethod(tsp.waste_declaration_pdf)


urlpatterns = [
    path("podatki/", TaxesView.as_view(), name="taxes"),
    path("podatki/<int:year>/", TaxesYearView.as_view(), name="taxes-year"),
    path("podatki/decyzja/<int:pk>.pdf", DecisionPdfView.as_view(), name="taxes-decision-pdf"),
    path("podatki/decyzja-odpady/<int:pk>.pdf", WasteDecisionPdfView.as_view(), name="taxes-waste-decision-pdf"),
    path("podatki/deklaracja/<int:pk>.pdf", DeclarationPdfView.as_view(), name="taxes-declaration-pdf"),
    path(
        "podatki/deklaracja-odpady/<int:pk>.pdf", WasteDeclarationPdfView.as_view(), name="taxes-waste-declaration-pdf"
    ),
]
