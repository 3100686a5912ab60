"""Pages of the simulated payment gateway (TEST ENVIRONMENT ONLY): /sim/platnosci/.

``start`` — the payer arrives from the merchant with the signed order parameters; the transaction is recorded once
per merchant order; the payer chooses a bank. ``bank`` — the simulated bank's page: "Pay" authorises (the time is
recorded as the authorisation time), "Reject / error" rejects. Either way the merchant is notified asynchronously
(a signed callback enqueued on commit) and the browser goes back to the merchant's ``return_url`` (after a
rejection through the gateway's own failure page). The gateway's own forms are CSRF-protected.
"""

from __future__ import annotations

import secrets
import urllib.parse
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from finance.gateway_sim import signing
from finance.gateway_sim.banks import BANKS
from finance.models import GatewayTransaction

PARAMS = ("amount", "currency", "description", "merchant", "notify_url", "order", "return_url")


def _error(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "finance/gateway_sim/error.html", {"message": message}, status=status)


def _absolute_url(url: str) -> bool:
    parsed = urllib.parse.urlsplit(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "finance/gateway_sim/index.html", {"banks": BANKS})


def _params(request: HttpRequest, token: str) -> dict[str, str] | None:
    params = {name: request.GET.get(name, "") for name in PARAMS}
    if params["order"] != token or not signing.valid(signing.canonical(params), request.GET.get("sig", "")):
        return None
    try:
        amount = Decimal(params["amount"])
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        return None
    if params["currency"] != "PLN" or not all(_absolute_url(params[k]) for k in ("return_url", "notify_url")):
        return None
    return params


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, token: str) -> HttpResponse:
    """Choose a bank. GET with the merchant's signed parameters (records the transaction); POST: the chosen bank."""
    if request.method == "GET":
        params = _params(request, token)
        if params is None:
            return _error(request, _("The payment request is invalid or its signature does not match."))
        tx = GatewayTransaction.objects.filter(merchant_order=token).first()
        if tx is None:
            tx, _created = GatewayTransaction.objects.get_or_create(
                merchant_order=token,
                defaults={
                    "transaction_id": "SIM-" + secrets.token_hex(12).upper(),
                    "amount": Decimal(params["amount"]),
                    "description": params["description"][:140],
                    "return_url": params["return_url"][:500],
                    "notify_url": params["notify_url"][:500],
                },
            )
        elif tx.amount != Decimal(params["amount"]):
            return _error(request, _("This order was already started with another amount."))
        if tx.status != GatewayTransaction.Status.NEW:
            return render(request, "finance/gateway_sim/finished.html", {"tx": tx})
        return render(
            request, "finance/gateway_sim/choose.html",
            {"tx": tx, "banks": BANKS, "merchant": params["merchant"], "error": ""},
        )  # fmt: skip
    tx = get_object_or_404(GatewayTransaction, merchant_order=token)
    if tx.status != GatewayTransaction.Status.NEW:
        return render(request, "finance/gateway_sim/finished.html", {"tx": tx})
    bank = request.POST.get("bank", "")
    if bank not in BANKS:
        return render(
            request, "finance/gateway_sim/choose.html",
            {"tx": tx, "banks": BANKS, "merchant": "", "error": _("Choose your bank.")}, status=400,
        )  # fmt: skip
    GatewayTransaction.objects.filter(pk=tx.pk, status=GatewayTransaction.Status.NEW).update(bank=bank)
    return redirect("gateway_sim:bank", token=token)


@require_http_methods(["GET", "POST"])
def bank(request: HttpRequest, token: str) -> HttpResponse:
    """The simulated bank: authorise ("Pay") or reject the payment; then notify the merchant asynchronously."""
    from finance.tasks_gateway import gateway_notify

    tx = get_object_or_404(GatewayTransaction, merchant_order=token)
    if tx.status != GatewayTransaction.Status.NEW:
        return render(request, "finance/gateway_sim/finished.html", {"tx": tx})
    if tx.bank not in BANKS:
        return render(request, "finance/gateway_sim/choose.html", {"tx": tx, "banks": BANKS, "error": ""})
    if request.method == "GET":
        return render(request, "finance/gateway_sim/bank.html", {"tx": tx, "bank_name": BANKS[tx.bank]})
    action = request.POST.get("action", "")
    if action not in ("pay", "reject"):
        return render(
            request, "finance/gateway_sim/bank.html",
            {"tx": tx, "bank_name": BANKS[tx.bank], "error": _("Choose whether to pay or to reject.")}, status=400,
        )  # fmt: skip
    with transaction.atomic():
        tx = GatewayTransaction.objects.select_for_update().get(pk=tx.pk)
        if tx.status == GatewayTransaction.Status.NEW:
            now = timezone.now()
            if action == "pay":
                tx.status, tx.authorised_at = GatewayTransaction.Status.AUTHORISED, now
            else:
                tx.status = GatewayTransaction.Status.REJECTED
            tx.finished_at = now
            tx.save(update_fields=["status", "authorised_at", "finished_at"])
            pk = tx.pk
            transaction.on_commit(lambda: gateway_notify.delay(pk))
    if tx.status == GatewayTransaction.Status.REJECTED:
        return render(request, "finance/gateway_sim/failed.html", {"tx": tx, "bank_name": BANKS[tx.bank]})
    return HttpResponseRedirect(tx.return_url)
