"""Appeals (odwołania) against tax decisions, OP art. 220–234.

An appeal is lodged within 14 days of delivery (art. 223 §2) with the organ that issued the decision, addressed to the
SKO; the organ forwards it with the files within 30 days (art. 227 §1). While a timely appeal is pending the decision
does not become final; the SKO's ruling decides: upheld, the proceedings discontinued (the appeal withdrawn) or the
appeal found late → the decision is final; revoked (remanded or discontinued) → the decision is cancelled and its
charge reduced in finance.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DecisionAppeal(models.Model):
    class Status(models.TextChoices):
        LODGED = "lodged", _("lodged")
        FORWARDED = "forwarded", _("forwarded to the SKO")
        DECIDED = "decided", _("decided by the SKO")

    class Outcome(models.TextChoices):
        UPHELD = "upheld", _("decision upheld")
        WITHDRAWN = "withdrawn", _("appeal withdrawn (proceedings discontinued)")
        LATE = "late", _("appeal lodged too late")
        REVOKED_REMANDED = "revoked_remanded", _("decision revoked, case remanded")
        REVOKED = "revoked", _("decision revoked, proceedings discontinued")

    TRANSITIONS = {
        Status.LODGED: {Status.FORWARDED, Status.DECIDED},  # decided unforwarded: withdrawn, or late (art. 228)
        Status.FORWARDED: {Status.DECIDED},
        Status.DECIDED: set(),
    }
    FINAL_OUTCOMES = {Outcome.UPHELD, Outcome.WITHDRAWN, Outcome.LATE}

    decision = models.ForeignKey("taxes.Decision", on_delete=models.PROTECT, related_name="appeals")
    party = models.ForeignKey("core.Party", verbose_name=_("appellant"), on_delete=models.PROTECT, related_name="+")
    lodged_on = models.DateField(_("lodged on"))
    late = models.BooleanField(_("lodged after the appeal period"), default=False)
    incoming_entry = models.ForeignKey(
        "documents.IncomingEntry", verbose_name=_("entry in the register of incoming mail"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.LODGED)
    forwarded_on = models.DateField(_("forwarded on"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    ruling_delivered_on = models.DateField(_("SKO ruling delivered on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("appeal against a tax decision")
        verbose_name_plural = _("appeals against tax decisions")
        ordering = ["-lodged_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="decided") | ~models.Q(outcome=""), name="taxes_appeal_decided_has_outcome"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision} – {self.lodged_on:%d.%m.%Y}"

    @property
    def pending(self) -> bool:
        return self.status != self.Status.DECIDED and not self.late
