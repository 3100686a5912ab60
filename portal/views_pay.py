"""Portal: pay online (issue 10 point 3) — /portal/platnosci/.

``pay`` lists what the resident owes now (their own party only) with the individual bank account and the transfer
QR code; choosing items creates a payment order (finance service) and sends the browser to the payment gateway.
``pay-result`` shows the resident's own order (404 for another's): pending → paid / failed, refreshing itself
without JavaScript while pending. ``pay-notify`` is the gateway's signed server-to-server callback (CSRF-exempt,
authenticated by its HMAC signature instead of a session).
"""

from __future__ import annotations

import base64

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.exceptions import ApplicationError, ServiceValidationError
from finance.domain.nrb import format_nrb
from finance.domain.rounding import ZERO
from finance.services import online_payments
from portal.mixins import ResidentView
from taxes.services.assessment import qr_payload
from taxes.services.decisions import qr_png


def transfer_rows(party, items) -> list[dict]:
    """The individual accounts with the amount due and the QR code (PNG as a data URI) of each."""
    rows = []
    for t in online_payments.transfer_details(party, items):
        payload = qr_payload(account=t.nrb, amount=t.amount, title=t.title)
        rows.append(
            {
                "type_name": t.type_name, "year": t.year, "nrb": format_nrb(t.nrb), "amount": t.amount,
                "title": t.title,
                "qr": "data:image/png;base64," + base64.b64encode(qr_png(payload)).decode("ascii"),
            }
        )  # fmt: skip
    return rows


class PayView(ResidentView):
    template_name = "portal/pay/index.html"

    def _render(self, request, party, *, chosen=None, errors=None, status=200):
        items = online_payments.due_items(party)
        overdue = [i for i in items if i.overdue or (i.due_date and i.due_date <= timezone.localdate())]
        context = {
            "items": items,
            "chosen": set(chosen if chosen is not None else [i.key for i in overdue]),
            "total": sum((i.amount for i in items), ZERO),
            "total_due": sum((i.amount for i in overdue), ZERO),
            "transfers": transfer_rows(party, items) if items else [],
            "orders": online_payments.orders_of_party(party, limit=10),
            "error_messages": [m for messages in (errors or {}).values() for m in messages],
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._render(request, self.party(request))

    def post(self, request: HttpRequest) -> HttpResponse:
        party = self.party(request)
        keys = request.POST.getlist("items")
        if request.POST.get("scope") == "all_due":
            today = timezone.localdate()
            keys = [i.key for i in online_payments.due_items(party) if i.due_date and i.due_date <= today]
        try:
            order = online_payments.payment_order_create(actor=request.user, party=party, keys=keys)
        except ServiceValidationError as exc:
            return self._render(request, party, chosen=keys, errors=exc.errors, status=400)
        except ApplicationError as exc:
            raise PermissionDenied(str(exc)) from None
        return_url = request.build_absolute_uri(reverse("portal:pay-result", kwargs={"token": order.token}))
        notify_url = request.build_absolute_uri(reverse("portal:pay-notify"))
        return redirect(online_payments.gateway_redirect_url(order, return_url=return_url, notify_url=notify_url))


class PayResultView(ResidentView):
    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        order = online_payments.order_of_party(self.party(request), token)
        if order is None:
            raise Http404
        context = {
            "order": order,
            "allocations": online_payments.order_allocations(order),
            "refresh": order.status == order.Status.PENDING,
        }
        return render(request, "portal/pay/result.html", context)


@csrf_exempt
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """The gateway's callback: 200 when processed or already processed; 400 for a bad signature, a bad body or a
    refused callback (another amount …, logged)."""
    result = online_payments.gateway_callback_receive(
        body=request.body, signature=request.headers.get(online_payments.SIGNATURE_HEADER, "")
    )
    if result.http_status == 200:
        return JsonResponse({"status": "ok", "outcome": result.outcome})
    return JsonResponse({"status": "error", "detail": result.message}, status=result.http_status)


urlpatterns = [
    path("platnosci/", PayView.as_view(), name="pay"),
    path("platnosci/powiadomienie/", notify, name="pay-notify"),
    path("platnosci/<str:token>/wynik/", PayResultView.as_view(), name="pay-result"),
]
