"""Assessment runs (dry run → review → issue, resumable) and decisions (ustalająca, zmieniająca, wygaszająca) with
their items per object, amounts per tax and installments; the self-assessments of legal persons (DN-1, DR-1, DL-1,
DT-1) are recorded as decisions of kind ``self_assessment`` (no document, posted directly).

Due dates: each installment has its statutory date and, once the decision is delivered, the effective date (OP
art. 47 §2: 14 days after delivery when delivered less than 14 days before it; weekend/holiday shift).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from taxes.models.reference import Tax


class AssessmentRun(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft (computing)")
        DRY_RUN = "dry_run", _("dry run (to review)")
        ISSUING = "issuing", _("issuing")
        ISSUED = "issued", _("issued")
        FAILED = "failed", _("failed")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.DRY_RUN, Status.FAILED, Status.CANCELLED},
        Status.DRY_RUN: {Status.ISSUING, Status.DRAFT, Status.CANCELLED},
        Status.ISSUING: {Status.ISSUED, Status.FAILED},
        Status.FAILED: {Status.DRAFT, Status.ISSUING, Status.CANCELLED},
        Status.ISSUED: set(),
        Status.CANCELLED: set(),
    }
    ACTIVE = (Status.DRAFT, Status.DRY_RUN, Status.ISSUING, Status.FAILED)

    year = models.PositiveIntegerField(_("tax year"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    case = models.ForeignKey(
        "documents.Case", verbose_name=_("collective case"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-year", "-created_at"]
        verbose_name = _("assessment run")
        verbose_name_plural = _("assessment runs")
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                condition=Q(status__in=["draft", "dry_run", "issuing", "failed"]),
                name="assessment_run_one_active_per_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"


class Proposal(models.Model):
    """One decision unit's computed decisions in a dry run, with last year's figure and the anomaly flags.

    A decision unit is a set of jointly and severally liable holders (co-owners, spouses; upol art. 3 ust. 4):
    ``unit`` is their sorted party ids joined by "-" ("12-57"; a sole taxpayer: "12"), ``party`` the addressee (the
    others are the co-obligors, in ``taxes["co_obligors"]``). ``taxes["decisions"]`` holds one element per tax
    liability (one decision each); ``total`` is their sum. ``decision`` is the first issued decision (all of them:
    :class:`ProposalDecision`)."""

    run = models.ForeignKey(AssessmentRun, on_delete=models.CASCADE, related_name="proposals")
    party = models.ForeignKey("core.Party", on_delete=models.PROTECT, related_name="+")
    unit = models.CharField(_("decision unit"), max_length=200, default="")
    total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    previous_total = models.DecimalField(_("last year"), max_digits=14, decimal_places=2, null=True, blank=True)
    difference = models.DecimalField(_("difference"), max_digits=14, decimal_places=2, default=0)
    taxes = models.JSONField(_("per tax"), default=dict)  # {"property": "727", ...} and details for the decision
    flags = models.JSONField(_("anomalies"), default=list)
    channel = models.CharField(_("delivery channel"), max_length=20, blank=True)
    decision = models.OneToOneField(
        "taxes.Decision", null=True, blank=True, on_delete=models.SET_NULL, related_name="proposal"
    )

    class Meta:
        ordering = ["run", "party"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        constraints = [models.UniqueConstraint(fields=["run", "unit"], name="proposal_one_per_unit")]

    def __str__(self) -> str:
        return f"{self.party}: {self.total}"


class ProposalDecision(models.Model):
    """The decisions issued from a proposal: ``position`` is the index in ``taxes["decisions"]``. The unique
    (proposal, position) is the backstop of a resumed issue: never a decision twice."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="issued")
    position = models.PositiveSmallIntegerField()
    decision = models.OneToOneField("taxes.Decision", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["proposal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "position"], name="proposal_decision_unique_position")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}/{self.position}: {self.decision_id}"


class Decision(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", _("decision fixing the tax")
        CHANGING = "changing", _("changing decision")
        ENDING = "ending", _("decision ending the obligation")
        SELF_ASSESSMENT = "self_assessment", _("self-assessment (declaration)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        ISSUED = "issued", _("issued (in EZD)")
        DELIVERED = "delivered", _("delivered")
        FINAL = "final", _("final")
        CANCELLED = "cancelled", _("cancelled")

    TRANSITIONS = {
        Status.DRAFT: {Status.ISSUED, Status.CANCELLED},
        Status.ISSUED: {Status.DELIVERED, Status.CANCELLED},
        Status.DELIVERED: {Status.FINAL, Status.CANCELLED},  # cancelled: revoked on appeal (taxes.models.appeals)
        Status.FINAL: {Status.DELIVERED},  # a timely appeal received after the decision was marked final (by post)
        Status.CANCELLED: set(),
    }

    run = models.ForeignKey(AssessmentRun, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    number = models.CharField(_("number"), max_length=50, blank=True)
    party = models.ForeignKey("core.Party", verbose_name=_("addressee"), on_delete=models.PROTECT, related_name="+")
    co_obligors = models.ManyToManyField("core.Party", verbose_name=_("jointly liable"), blank=True, related_name="+")
    year = models.PositiveIntegerField(_("tax year"))
    period_from = models.DateField(_("from"))
    period_to = models.DateField(_("to"))
    issue_date = models.DateField(_("issue date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    total = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)
    changes = models.ForeignKey(
        "self", verbose_name=_("changes the decision"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="changed_by",
    )  # fmt: skip
    declaration = models.ForeignKey(
        "taxes.Declaration", null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    bank_account = models.CharField(_("individual bank account"), max_length=26, blank=True)
    qr_payload = models.CharField(_("payment QR code content"), max_length=300, blank=True)
    document = models.ForeignKey(
        "documents.OutgoingDocument", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    final_on = models.DateField(_("final on"), null=True, blank=True)
    posted_at = models.DateTimeField(_("posted to finance at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "-id"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="decision_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"


class DecisionTax(models.Model):
    """The amount of one tax in a decision: exact sum of its items and the rounded tax (OP art. 63 §1)."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="taxes")
    tax = models.CharField(_("tax"), max_length=15, choices=Tax.choices)
    exact = models.DecimalField(_("computed"), max_digits=16, decimal_places=4)
    amount = models.DecimalField(_("tax"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["decision", "tax"]
        verbose_name = _("tax in a decision")
        verbose_name_plural = _("taxes in a decision")
        constraints = [models.UniqueConstraint(fields=["decision", "tax"], name="decision_tax_unique")]

    def __str__(self) -> str:
        return f"{self.tax}: {self.amount}"


class DecisionItem(models.Model):
    """One line of the calculation table: an object version × its rate for some months."""

    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="items")
    tax = models.CharField(_("tax"), max_length=15, choices=Tax.choices)
    object = models.ForeignKey("taxes.TaxObject", on_delete=models.PROTECT, related_name="+")
    version = models.ForeignKey("taxes.ObjectVersion", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("rate category"), max_length=40)
    base = models.DecimalField(_("base"), max_digits=16, decimal_places=4)
    rate = models.DecimalField(_("rate"), max_digits=12, decimal_places=4)
    months = models.PositiveSmallIntegerField(_("months"))
    share = models.CharField(_("share"), max_length=20, default="1/1")
    amount = models.DecimalField(_("amount (exact)"), max_digits=16, decimal_places=4)

    class Meta:
        ordering = ["decision", "tax", "id"]
        verbose_name = _("decision item")
        verbose_name_plural = _("decision items")

    def __str__(self) -> str:
        return f"{self.category}: {self.base} × {self.rate}"


class DecisionInstallment(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="installments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("statutory due date"))
    effective_due_date = models.DateField(_("due date after delivery"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["decision", "number"]
        verbose_name = _("installment")
        verbose_name_plural = _("installments")
        constraints = [models.UniqueConstraint(fields=["decision", "number"], name="decision_installment_unique")]

    def __str__(self) -> str:
        return f"{self.number}: {self.amount} ({self.due_date:%d.%m.%Y})"
