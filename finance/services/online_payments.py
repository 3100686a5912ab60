"""Online payments through a payment gateway — the office's side (issue 10, point 3).

1. :func:`due_items` — what a resident owes now: every open installment (principal + interest to the day) and open
   reminder costs on the accounts where the resident is obligor or co-obligor.
2. :func:`payment_order_create` — the resident chooses items; a :class:`~finance.models.PaymentOrder` (pending) for
   their exact sum is written and :func:`gateway_redirect_url` sends the browser to the gateway with the order's
   parameters signed (HMAC-SHA256, the shared secret ``PAYMENT_GATEWAY_SECRET``).
3. :func:`gateway_callback_receive` — the gateway's asynchronous, signed callback (JSON body, header
   ``X-Gateway-Signature``). Authorised: a finance :class:`~finance.models.Payment` (bank source) dated on the
   **authorisation day** (OP art. 60 §1 — the day the payer's account is debited), allocated at once by
   :func:`finance.services.payments.payment_allocate` like a bank payment (indicating the receivable type / scope of
   the chosen items when they share one). Rejected: the order fails, nothing in finance. Idempotent by the
   gateway's transaction id (the order row is locked; a repeated or concurrent callback creates nothing new). A
   callback whose amount differs from the order's is refused and logged (audit ``callback_refused``).

Format of the callback: docs/formats/payment-gateway-callback.md.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
import secrets
import urllib.parse
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import ApplicationError, ServiceValidationError
from core.services.audit import audit_log
from finance import selectors
from finance.domain.rounding import ZERO
from finance.models import AccountEntry, Installment, Payment, PaymentOrder
from finance.services.payments import open_items, payment_allocate
from finance.services.virtual_accounts import virtual_account_of

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Gateway-Signature"
PORTAL_PERM = "core.use_portal"
MAX_ITEMS = 200
CLOCK_SKEW = datetime.timedelta(minutes=5)


# --- signing (the secret shared with the gateway) -------------------------------------------------------------


def gateway_secret() -> bytes:
    """``PAYMENT_GATEWAY_SECRET``; without it a key derived from ``SECRET_KEY`` (the simulated gateway derives the
    same one)."""
    configured = getattr(settings, "PAYMENT_GATEWAY_SECRET", "")
    if configured:
        return configured.encode()
    return hashlib.sha256(b"magistrat-payment-gateway:" + settings.SECRET_KEY.encode()).hexdigest().encode()


def sign(data: bytes) -> str:
    return hmac.new(gateway_secret(), data, hashlib.sha256).hexdigest()


def signature_valid(data: bytes, signature: str) -> bool:
    return bool(signature) and hmac.compare_digest(sign(data), signature.strip().lower())


def redirect_canonical(params: dict[str, str]) -> bytes:
    """The signed text of the redirect to the gateway: ``key=value`` lines of every parameter but ``sig``, sorted."""
    return "\n".join(f"{k}={params[k]}" for k in sorted(params) if k != "sig").encode()


# --- what is due ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DueItem:
    """One thing the resident can pay now: an installment (``i:<id>``) or reminder costs (``c:<entry id>``)."""

    key: str
    kind: str  # installment / costs
    account_id: int
    type_id: int
    type_code: str
    type_name: str
    source_ref: str
    year: int
    number: int | None
    due_date: datetime.date | None
    principal: Decimal
    interest: Decimal
    amount: Decimal
    overdue: bool


def due_items(party, *, on: datetime.date | None = None) -> list[DueItem]:
    """Everything ``party`` owes as of ``on`` (today): open installments with interest to that day, oldest due date
    first, then open reminder costs (no personal data — the caller has checked that ``party`` is the reader's)."""
    on = on or timezone.localdate()
    accounts = selectors.party_accounts(party)
    if not accounts:
        return []
    items = open_items(accounts, on=on)
    numbers = dict(Installment.objects.filter(pk__in=[i.id for i in items.installments]).values_list("pk", "number"))
    result = []
    for inst in items.installments:
        account = items.account_of_installment[inst.id]
        result.append(
            DueItem(
                key=f"i:{inst.id}", kind="installment", account_id=account.pk, type_id=account.receivable_type_id,
                type_code=account.receivable_type.code, type_name=account.receivable_type.name,
                source_ref=account.source_ref, year=account.year, number=numbers.get(inst.id),
                due_date=inst.due_date, principal=inst.principal, interest=inst.interest,
                amount=inst.principal + inst.interest, overdue=inst.due_date < on,
            )
        )  # fmt: skip
    result.sort(key=lambda d: (d.due_date, d.type_name, d.key))
    cost_dates = dict(AccountEntry.objects.filter(pk__in=[c.id for c in items.costs]).values_list("pk", "value_date"))
    for cost in items.costs:
        account = items.account_of_cost[cost.id]
        result.append(
            DueItem(
                key=f"c:{cost.id}", kind="costs", account_id=account.pk, type_id=account.receivable_type_id,
                type_code=account.receivable_type.code, type_name=account.receivable_type.name,
                source_ref=account.source_ref, year=account.year, number=None, due_date=cost_dates.get(cost.id),
                principal=cost.amount, interest=ZERO, amount=cost.amount, overdue=True,
            )
        )  # fmt: skip
    return result


@dataclass(frozen=True)
class TransferDetails:
    """How to pay one receivable by transfer: the individual account (NRB) and the amount due now."""

    type_name: str
    year: int | None
    nrb: str
    amount: Decimal
    title: str


def transfer_details(party, items: list[DueItem]) -> list[TransferDetails]:
    """The individual bank account (virtual account) for each receivable the resident owes (scoped to the
    obligation when it has its own account, else the obligor's), with the amount due — for those who pay by
    transfer. Items without any virtual account are left out."""
    from finance.models import ReceivableType

    groups: dict[tuple[int, str], list[DueItem]] = {}
    for item in items:
        groups.setdefault((item.type_id, item.source_ref), []).append(item)
    types = ReceivableType.objects.in_bulk([type_id for type_id, _ref in groups])
    found: dict[str, TransferDetails] = {}
    for (type_id, ref), group in groups.items():
        account = virtual_account_of(party=party, receivable_type=types[type_id], source_ref=ref, fallback=True)
        if account is None:
            continue
        amount = sum((i.amount for i in group), ZERO)
        years = {i.year for i in group}
        year = years.pop() if len(years) == 1 else None
        previous = found.get(account.nrb)
        if previous is not None:  # one obligor-level account for several receivables
            found[account.nrb] = TransferDetails(
                _("Taxes and fees"), None, account.nrb, previous.amount + amount, previous.title
            )
            continue
        title = f"{group[0].type_name} {year}" if year else group[0].type_name
        found[account.nrb] = TransferDetails(group[0].type_name, year, account.nrb, amount, title[:32])
    return list(found.values())


# --- the order -----------------------------------------------------------------------------------------------


def _require_resident(actor, party) -> None:
    if not (actor and actor.is_authenticated and actor.has_perm(PORTAL_PERM) and actor.party_id == party.pk):
        raise ApplicationError(_("You may pay only your own dues."), code="forbidden")


def payment_order_create(*, actor, party, keys: list[str]) -> PaymentOrder:
    """A pending order to pay the chosen due items (``keys`` from :func:`due_items`) for their exact sum as of
    today. When all items are of one receivable type (and one scope), the payment will indicate it."""
    _require_resident(actor, party)
    keys = list(dict.fromkeys(k.strip() for k in keys if k and k.strip()))
    if not keys:
        raise ServiceValidationError(
            _("Choose what you want to pay."), errors={"items": [_("Choose at least one item.")]}
        )
    if len(keys) > MAX_ITEMS:
        raise ServiceValidationError(
            _("Choose what you want to pay."), errors={"items": [_("Too many items in one payment.")]}
        )
    with transaction.atomic():
        due = {item.key: item for item in due_items(party)}
        unknown = [k for k in keys if k not in due]
        if unknown:
            raise ServiceValidationError(
                _("Choose what you want to pay."),
                errors={"items": [_("Some of the chosen items are no longer due. Refresh the list and choose again.")]},
            )
        chosen = [due[k] for k in keys]
        amount = sum((i.amount for i in chosen), ZERO)
        if amount <= 0:
            raise ServiceValidationError(
                _("Choose what you want to pay."), errors={"items": [_("The amount to pay must be positive.")]}
            )
        type_ids = {i.type_id for i in chosen}
        refs = {i.source_ref for i in chosen}
        indicated_type = type_ids.pop() if len(type_ids) == 1 else None
        indicated_ref = refs.pop() if indicated_type and len(refs) == 1 else ""
        token = secrets.token_hex(16)
        title = (_("Payment %(token)s") % {"token": token[:12].upper()})[:140]
        order = PaymentOrder.objects.create(
            token=token, party=party, amount=amount, title=title, indicated_type_id=indicated_type,
            indicated_ref=indicated_ref, created_by=actor,
            items=[
                {
                    "key": i.key, "kind": i.kind, "account": i.account_id, "type": i.type_code,
                    "type_name": i.type_name, "year": i.year, "number": i.number,
                    "due_date": i.due_date.isoformat() if i.due_date else None,
                    "principal": str(i.principal), "interest": str(i.interest), "amount": str(i.amount),
                }
                for i in chosen
            ],
        )  # fmt: skip
        audit_log(
            actor=actor, action="finance.online_payment.ordered", obj=order,
            details={"amount": str(amount), "items": keys, "party": party.pk},
        )  # fmt: skip
    return order


def gateway_redirect_url(order: PaymentOrder, *, return_url: str, notify_url: str) -> str:
    """Where the browser goes to pay: the gateway's page of the order with its parameters and their signature."""
    base = getattr(settings, "PAYMENT_GATEWAY_URL", "/sim/platnosci/")
    params = {
        "amount": f"{order.amount:.2f}",
        "currency": "PLN",
        "description": order.title,
        "merchant": getattr(settings, "MAGISTRAT_OFFICE_NAME", ""),
        "notify_url": notify_url,
        "order": order.token,
        "return_url": return_url,
    }
    params["sig"] = sign(redirect_canonical(params))
    return f"{base.rstrip('/')}/{order.token}/?{urllib.parse.urlencode(params)}"


def order_of_party(party, token: str) -> PaymentOrder | None:
    """The resident's own order (``None`` for another's or a missing one — the caller answers 404 for both)."""
    if not token or len(token) > 64:
        return None
    return PaymentOrder.objects.select_related("payment").filter(token=token, party=party).first()


def orders_of_party(party, *, limit: int = 20) -> list[PaymentOrder]:
    return list(PaymentOrder.objects.filter(party=party).order_by("-created_at", "-id")[:limit])


def order_allocations(order: PaymentOrder) -> list[dict]:
    """How the order's payment was allocated: one row per account entry (receivable, year, installment, component,
    amount)."""
    if order.payment_id is None:
        return []
    rows = []
    entries = (
        AccountEntry.objects.filter(payment_id=order.payment_id)
        .exclude(kind=AccountEntry.Kind.INTEREST)
        .select_related("account__receivable_type", "installment")
        .order_by("id")
    )
    for e in entries:
        rows.append(
            {
                "type_name": e.account.receivable_type.name, "year": e.account.year,
                "number": e.installment.number if e.installment_id else None,
                "component": e.get_component_display(), "amount": e.amount, "kind": e.kind,
            }
        )  # fmt: skip
    return rows


# --- the callback --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackResult:
    """What the callback endpoint answers: ``outcome`` paid / failed / duplicate / refused / invalid."""

    outcome: str
    http_status: int
    message: str = ""


def _parse(body: bytes) -> dict:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ValueError("not JSON") from None
    if not isinstance(data, dict):
        raise ValueError("not an object")
    for name in ("order", "transaction_id", "status", "amount", "currency"):
        if not isinstance(data.get(name), str) or not data[name] or len(data[name]) > 64:
            raise ValueError(f"missing or bad {name}")
    if data["status"] not in ("authorised", "rejected"):
        raise ValueError("bad status")
    try:
        amount = Decimal(data["amount"])
    except InvalidOperation:
        raise ValueError("bad amount") from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValueError("bad amount")
    data["amount"] = amount
    moment = None
    if data["status"] == "authorised":
        try:
            moment = datetime.datetime.fromisoformat(str(data.get("authorised_at", "")))
        except ValueError:
            raise ValueError("bad authorised_at") from None
        if timezone.is_naive(moment):
            raise ValueError("authorised_at without a time zone")
    data["authorised_at"] = moment
    return data


def _refuse(order: PaymentOrder, reason: str, data: dict) -> CallbackResult:
    audit_log(
        actor="system", action="finance.online_payment.callback_refused", obj=order,
        details={"reason": reason, "transaction_id": data["transaction_id"], "amount": str(data["amount"]),
                 "status": data["status"]},
    )  # fmt: skip
    logger.warning("payment gateway callback refused for order %s: %s", order.token, reason)
    return CallbackResult("refused", 400, reason)


def gateway_callback_receive(*, body: bytes, signature: str) -> CallbackResult:
    """Process one signed callback of the gateway (see the module docstring). Never raises for a bad callback:
    a bad signature or body → ``invalid`` (400, nothing written); another amount, currency or transaction for a
    settled order → ``refused`` (400, audit event only); a repeat → ``duplicate`` (200, nothing new)."""
    if not signature_valid(body, signature):
        logger.warning("payment gateway callback with a bad signature refused")
        return CallbackResult("invalid", 400, "bad signature")
    try:
        data = _parse(body)
    except ValueError as exc:
        logger.warning("payment gateway callback refused: %s", exc)
        return CallbackResult("invalid", 400, str(exc))
    with transaction.atomic():
        order = PaymentOrder.objects.select_for_update().filter(token=data["order"]).first()
        if order is None:
            logger.warning("payment gateway callback for an unknown order %s", data["order"][:64])
            return CallbackResult("invalid", 400, "unknown order")
        if order.status != PaymentOrder.Status.PENDING:
            if order.transaction_id == data["transaction_id"]:
                return CallbackResult("duplicate", 200, order.status)
            return _refuse(order, "order already settled by another transaction", data)
        if data["currency"] != "PLN":
            return _refuse(order, "currency differs from the order", data)
        if data["amount"] != order.amount:
            return _refuse(order, "amount differs from the order", data)
        if PaymentOrder.objects.filter(transaction_id=data["transaction_id"]).exists():
            return _refuse(order, "transaction already used for another order", data)
        order.transaction_id = data["transaction_id"]
        order.bank = str(data.get("bank", ""))[:100]
        if data["status"] == "rejected":
            order.status = PaymentOrder.Status.FAILED
            order.save(update_fields=["transaction_id", "bank", "status", "updated_at"])
            audit_log(
                actor="system", action="finance.online_payment.failed", obj=order,
                details={"transaction_id": order.transaction_id},
            )  # fmt: skip
            return CallbackResult("failed", 200)
        moment = data["authorised_at"]
        if moment > timezone.now() + CLOCK_SKEW or moment < order.created_at - CLOCK_SKEW:
            return _refuse(order, "authorisation time outside the order's life", data)
        day = timezone.localtime(moment).date()
        payment = Payment.objects.create(
            source=Payment.Source.BANK, party=order.party, indicated_type_id=order.indicated_type_id,
            indicated_ref=order.indicated_ref, amount=order.amount, payment_date=day, received_on=day,
            title=(_("Online payment %(transaction)s, order %(order)s")
                   % {"transaction": order.transaction_id, "order": order.token})[:500],
            status=Payment.Status.UNIDENTIFIED,
        )  # fmt: skip
        payment_allocate(payment=payment, actor=None)
        order.status = PaymentOrder.Status.PAID
        order.authorised_at = moment
        order.payment = payment
        order.save(update_fields=["transaction_id", "bank", "status", "authorised_at", "payment", "updated_at"])
        audit_log(
            actor="system", action="finance.online_payment.paid", obj=order,
            details={"transaction_id": order.transaction_id, "payment": payment.pk, "amount": str(order.amount),
                     "payment_date": day.isoformat()},
        )  # fmt: skip
    return CallbackResult("paid", 200)
