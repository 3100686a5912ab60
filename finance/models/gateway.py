"""Online payments: the office's payment orders (:class:`PaymentOrder`) and the simulated payment gateway's own
state (:class:`GatewayTransaction`, used only by ``finance.gateway_sim`` — the gateway is a separate system that
talks to the office only over HTTP: a signed redirect in, a signed callback out)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PaymentOrder(models.Model):
    """A resident's order to pay chosen installments / costs online: pending until the gateway's signed callback
    says it was authorised (then ``payment`` is the finance payment, dated on the authorisation day) or rejected."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the payment")
        PAID = "paid", _("paid")
        FAILED = "failed", _("payment failed")

    token = models.CharField(_("order number"), max_length=32, unique=True)
    party = models.ForeignKey("core.Party", verbose_name=_("payer"), on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    items = models.JSONField(_("items paid"), default=list)
    title = models.CharField(_("title"), max_length=140)
    indicated_type = models.ForeignKey(
        "finance.ReceivableType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    indicated_ref = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PENDING)
    transaction_id = models.CharField(_("gateway transaction"), max_length=64, blank=True, default="")
    authorised_at = models.DateTimeField(_("authorised at"), null=True, blank=True)
    bank = models.CharField(_("bank"), max_length=100, blank=True)
    payment = models.OneToOneField(
        "finance.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="online_order"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("online payment order")
        verbose_name_plural = _("online payment orders")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_order_amount_positive"),
            models.UniqueConstraint(
                fields=["transaction_id"], condition=~Q(transaction_id=""), name="payment_order_unique_transaction"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(payment__isnull=False), name="payment_order_paid_has_payment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.token} ({self.amount})"


class GatewayTransaction(models.Model):
    """The simulated payment gateway's record of one payment (its own table: not the office's data)."""

    class Status(models.TextChoices):
        NEW = "new", _("new")
        AUTHORISED = "authorised", _("authorised")
        REJECTED = "rejected", _("rejected")

    transaction_id = models.CharField(max_length=64, unique=True)
    merchant_order = models.CharField(max_length=64, unique=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    description = models.CharField(max_length=140, blank=True)
    return_url = models.CharField(max_length=500)
    notify_url = models.CharField(max_length=500)
    bank = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    authorised_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)
    notify_attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("gateway transaction (simulation)")
        verbose_name_plural = _("gateway transactions (simulation)")

    def __str__(self) -> str:
        return self.transaction_id
