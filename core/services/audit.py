"""Writing and verifying the hash-chained audit log."""

import datetime
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from core.context import current_ip, current_request_id, current_task_id
from core.models import AuditChainCheck, AuditChainHead, AuditEvent
from core.models.audit import GENESIS_HASH


def _normalise(details: dict[str, Any] | None) -> dict[str, Any]:
    """What the database will give back: JSON types only (Decimal/date become strings)."""
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


def compute_hash(event: AuditEvent) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "request_id": event.request_id,
        "task_id": event.task_id,
        "ip": event.ip,
        "details": event.details,
        "prev_hash": event.prev_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    object_repr: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, inside the caller's transaction.

    Callers are services that change data: they call this in the same ``transaction.atomic`` block,
    so that the change and its event commit (or roll back) together. The chain head row is locked, so
    concurrent writers append one after another.
    """
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
        object_repr = object_repr or str(obj)
    user = actor if getattr(actor, "is_authenticated", False) else None
    # No savepoint of its own: inside a service's transaction a failure here must fail the whole change anyway
    # (a change never commits without its event), and two round trips per event are saved.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        event = AuditEvent(
            seq=head.seq + 1,
            occurred_at=timezone.now(),
            actor=user,
            actor_label=(user.get_username() if user else (actor if isinstance(actor, str) else "system")),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=str(object_repr)[:300],
            request_id=current_request_id(),
            task_id=current_task_id(),
            ip=AuditEvent._meta.get_field("ip").get_prep_value(current_ip()),
            details=_normalise(details),
            prev_hash=head.hash,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=1).update(seq=event.seq, hash=event.hash)
    return event


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS_HASH})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@dataclass
class ChainVerdict:
    ok: bool
    events_checked: int
    head_seq: int
    head_hash: str
    problems: list[str] = field(default_factory=list)


def _iter_events(batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        chunk = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not chunk:
            return
        yield from chunk
        last = chunk[-1].seq


def audit_verify(*, max_problems: int = 50) -> ChainVerdict:
    """Recompute the chain: a modified event, a deleted one or a missing tail is reported."""
    problems: list[str] = []
    prev_hash = GENESIS_HASH
    expected_seq = 1
    count = 0
    for event in _iter_events():
        count += 1
        if event.seq != expected_seq:
            problems.append(f"events {expected_seq}..{event.seq - 1} are missing (deleted)")
        if event.prev_hash != prev_hash:
            problems.append(f"event {event.seq}: previous-hash link broken")
        if compute_hash(event) != event.hash:
            problems.append(f"event {event.seq}: content does not match its hash (modified)")
        prev_hash = event.hash
        expected_seq = event.seq + 1
        if len(problems) >= max_problems:
            break
    head = AuditChainHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS_HASH)
    if len(problems) < max_problems and (head_seq != expected_seq - 1 or head_hash != prev_hash):
        problems.append(
            f"chain head says event {head_seq} is the last, the log ends at {expected_seq - 1} (tail deleted)"
        )
    return ChainVerdict(
        ok=not problems, events_checked=count, head_seq=head_seq, head_hash=head_hash, problems=problems
    )


def audit_verify_and_record(*, task_id: str = "") -> AuditChainCheck:
    verdict = audit_verify()
    return AuditChainCheck.objects.create(
        ok=verdict.ok,
        events_checked=verdict.events_checked,
        head_seq=verdict.head_seq,
        head_hash=verdict.head_hash,
        problems=verdict.problems,
        task_id=task_id,
    )
