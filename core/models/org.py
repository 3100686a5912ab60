from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgUnit(models.Model):
    """A komórka organizacyjna of the office; its symbol is used in case marks (e.g. FN.3120.1.2026)."""

    symbol = models.CharField(
        _("symbol"),
        max_length=10,
        unique=True,
        validators=[RegexValidator(r"^[A-Z][A-Z0-9-]{0,9}$", _("Use capital letters, digits and hyphens."))],
    )
    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent unit"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    head = models.ForeignKey(
        "core.User",
        verbose_name=_("head of unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_units",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["symbol"]
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")

    def __str__(self) -> str:
        return f"{self.symbol} – {self.name}"


class User(AbstractUser):
    """An employee of the office or a resident using the portal. Roles are Django groups (core.roles)."""

    org_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organisational unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    party = models.OneToOneField(
        "core.Party",
        verbose_name=_("party (for residents)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    job_title = models.CharField(_("job title"), max_length=200, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("access_backoffice", _("Can use the back office")),
            ("use_portal", _("Can use the residents' portal")),
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
