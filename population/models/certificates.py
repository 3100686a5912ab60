"""Certificates (zaświadczenia) and disclosures of data (udostępnianie danych) from the register."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Certificate(models.Model):
    """A zaświadczenie o zameldowaniu (current or historical), issued as a PDF with a verification code."""

    class Kind(models.TextChoices):
        CURRENT = "current", _("current registration")
        HISTORICAL = "historical", _("registration history")

    number = models.CharField(_("number"), max_length=40, unique=True)
    resident = models.ForeignKey(
        "population.Resident", verbose_name=_("resident"), on_delete=models.PROTECT, related_name="certificates"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    as_of = models.DateField(_("state as of"))
    requester = models.ForeignKey(
        "core.Party", verbose_name=_("requested by"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    case_mark = models.CharField(_("case mark"), max_length=60, blank=True)
    fee_code = models.CharField(_("fee"), max_length=50, blank=True)
    fee_amount = models.DecimalField(_("fee amount"), max_digits=14, decimal_places=2)
    fee_exemption = models.CharField(_("fee exemption"), max_length=300, blank=True)
    verification_code = models.CharField(_("verification code"), max_length=20, unique=True)
    pdf = models.FileField(_("PDF"), upload_to="population/certificates/%Y/")
    pdf_sha256 = models.CharField(max_length=64)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        permissions = [("issue_certificate", _("Can issue certificates from the residents register"))]

    def __str__(self) -> str:
        return self.number


class DataDisclosure(models.Model):
    """Data from the register given to an authorised requester, with the legal basis recorded."""

    class RequesterKind(models.TextChoices):
        PUBLIC_BODY = "public_body", _("public body (art. 46)")
        LEGAL_INTEREST = "legal_interest", _("person with a legal interest")
        FACTUAL_INTEREST = "factual_interest", _("factual interest with the data subject's consent")

    class Decision(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED = "refused", _("refused (decision)")

    requester = models.ForeignKey("core.Party", verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+")
    requester_kind = models.CharField(_("requester kind"), max_length=20, choices=RequesterKind.choices)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    justification = models.TextField(_("justification of the interest"), blank=True)
    residents = models.ManyToManyField("population.Resident", verbose_name=_("residents"), related_name="disclosures")
    scope = models.CharField(_("scope of data"), max_length=300)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    fee_amount = models.DecimalField(_("fee"), max_digits=14, decimal_places=2)
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at"]
        verbose_name = _("data disclosure")
        verbose_name_plural = _("data disclosures")
        permissions = [("disclose_data", _("Can disclose data from the residents register"))]

    def __str__(self) -> str:
        return f"{self.requester} {self.decided_at:%d.%m.%Y}"
