"""Helpers of the online-payment tests: the gateway's callback routed to the Django test client, and a resident
with property-tax installments."""

from __future__ import annotations

import datetime
import json
import urllib.parse
from decimal import Decimal

from django.test import Client

from core import roles
from epuap.transport import HttpResponseData
from finance.gateway_sim import notify, signing
from finance.models import ReceivableType
from finance.services.accounts import account_get_or_create, charge_post

D = Decimal


class GatewayTransport:
    """The gateway's POST to the merchant → the Django test client, the signature header passed as sent."""

    def __init__(self):
        self.client = Client()
        self.calls: list[tuple[str, bytes, dict]] = []

    def __call__(self, method, url, headers, body):
        self.calls.append((url, body, headers))
        path = urllib.parse.urlsplit(url).path
        response = self.client.post(
            path, data=body, content_type=headers["Content-Type"],
            HTTP_X_GATEWAY_SIGNATURE=headers.get(notify.SIGNATURE_HEADER, ""),
        )  # fmt: skip
        return HttpResponseData(response.status_code, response.get("Content-Type", ""), response.content)


def post_callback(client, body: dict | bytes, *, signature: str | None = None):
    raw = body if isinstance(body, bytes) else json.dumps(body, sort_keys=True).encode()
    return client.post(
        "/portal/platnosci/powiadomienie/", data=raw, content_type="application/json",
        HTTP_X_GATEWAY_SIGNATURE=signing.sign(raw) if signature is None else signature,
    )  # fmt: skip


def charge(party, code: str, installments: list[tuple[datetime.date, str]], *, actor, year: int, ref: str = ""):
    account = account_get_or_create(
        party=party, receivable_type=ReceivableType.objects.get(code=code), year=year, source_ref=ref
    )
    items = [(due, D(amount)) for due, amount in installments]
    charge_post(
        actor=actor, account=account, amount=sum(a for _d, a in items), installments=items,
        value_date=min(d for d, _a in items) - datetime.timedelta(days=30), description="Decyzja",
    )  # fmt: skip
    return account


def resident(make_user, person, username: str):
    return make_user(roles.RESIDENT, party=person, username=username)
