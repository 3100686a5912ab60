"""Declarations and information (IN-1, DN-1, IR-1, DR-1, IL-1, DL-1, DT-1 with their annexes), recorded by a clerk
or taken from an ePUAP / e-Doręczenia document registered in EZD: the form's content becomes a proposed change of
the register, which the clerk reviews and accepts (or rejects with a reason)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Declaration(models.Model):
    class Form(models.TextChoices):
        IN_1 = "IN-1", _("IN-1 information on real estate (natural person)")
        DN_1 = "DN-1", _("DN-1 property tax declaration")
        IR_1 = "IR-1", _("IR-1 information on agricultural land")
        DR_1 = "DR-1", _("DR-1 agricultural tax declaration")
        IL_1 = "IL-1", _("IL-1 information on forests")
        DL_1 = "DL-1", _("DL-1 forest tax declaration")
        DT_1 = "DT-1", _("DT-1 transport tax declaration")

    class Purpose(models.TextChoices):
        FIRST = "first", _("first filing")
        CORRECTION = "correction", _("correction")
        CHANGE = "change", _("change during the year")

    class Status(models.TextChoices):
        RECEIVED = "received", _("received (to review)")
        ACCEPTED = "accepted", _("accepted into the register")
        REJECTED = "rejected", _("rejected")

    TRANSITIONS = {
        Status.RECEIVED: {Status.ACCEPTED, Status.REJECTED},
        Status.ACCEPTED: set(),
        Status.REJECTED: {Status.RECEIVED},
    }

    form = models.CharField(_("form"), max_length=5, choices=Form.choices)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.FIRST)
    party = models.ForeignKey("core.Party", verbose_name=_("taxpayer"), on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField(_("tax year"))
    event_date = models.DateField(_("date of the event (purchase, sale, registration)"), null=True, blank=True)
    filed_on = models.DateField(_("filed on"))
    deadline = models.DateField(_("filing deadline"), null=True, blank=True)
    late = models.BooleanField(_("filed late"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    incoming_entry = models.ForeignKey(
        "documents.IncomingEntry", verbose_name=_("entry in the RPW"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
    )  # fmt: skip
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("case"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payload = models.JSONField(_("form content"), default=dict, blank=True)
    proposal = models.JSONField(_("proposed change of the register"), default=dict, blank=True)
    problems = models.JSONField(_("problems found"), default=list, blank=True)
    decision_reason = models.TextField(_("why rejected"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_on", "-id"]
        verbose_name = _("declaration")
        verbose_name_plural = _("declarations")

    def __str__(self) -> str:
        return f"{self.form} {self.party} {self.year}"
