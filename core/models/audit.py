"""The append-only, hash-chained audit log."""

from django.conf import settings
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The audit log is append-only: events cannot be updated.")

    def delete(self):
        raise PermissionError("The audit log is append-only: events cannot be deleted.")


class AuditEvent(models.Model):
    """One thing that happened: who did what to which object, when, from where.

    Written by services (core.services.audit.audit_log) in the same transaction as the change. Each
    event stores the hash of its predecessor; ``manage.py audit_verify`` recomputes the chain. The
    database refuses UPDATE (and, on PostgreSQL, DELETE) of rows with a trigger.
    """

    seq = models.BigIntegerField(_("sequence number"), unique=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=300, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
            # The metryka sprawy reads the events with details["case_id"] (documents).
            models.Index(KeyTransform("case_id", "details"), name="audit_details_case_idx"),
        ]
        permissions = [("verify_audit_chain", _("Can verify the audit log chain"))]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PermissionError("The audit log is append-only: events cannot be updated.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only: events cannot be deleted.")


class AuditChainHead(models.Model):
    """A single row holding the last sequence number and hash; locked to append to the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton")]

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash[:12]}"


class AuditChainCheck(models.Model):
    """The verdict of one verification of the chain (nightly task or manage.py audit_verify)."""

    checked_at = models.DateTimeField(_("checked at"), auto_now_add=True)
    ok = models.BooleanField(_("chain intact"))
    events_checked = models.BigIntegerField(_("events checked"))
    head_seq = models.BigIntegerField(_("last sequence number"))
    head_hash = models.CharField(_("last hash"), max_length=64)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)

    class Meta:
        ordering = ["-checked_at"]
        verbose_name = _("audit chain check")
        verbose_name_plural = _("audit chain checks")

    def __str__(self) -> str:
        return f"{self.checked_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'BROKEN'}"


class Heartbeat(models.Model):
    """Written by the periodic heartbeat task: proves that beat and a worker are alive."""

    source = models.CharField(max_length=50, unique=True)
    last_seen = models.DateTimeField()
    task_id = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return f"{self.source} {self.last_seen:%Y-%m-%d %H:%M:%S}"
