"""Pure rules of an outgoing document's life: allowed status transitions and the approval path (akceptacja).

No ORM here: the services feed plain values in and apply the answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DRAFT = "draft"
IN_APPROVAL = "in_approval"
RETURNED = "returned"
APPROVED = "approved"
SIGNED = "signed"
DISPATCHED = "dispatched"
CANCELLED = "cancelled"

# from → the statuses it may go to. A draft may be signed directly only by a head of the case's unit
# (the signing service checks who; the table only says that the step exists).
ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({IN_APPROVAL, SIGNED, CANCELLED}),
    IN_APPROVAL: frozenset({APPROVED, RETURNED, CANCELLED}),
    RETURNED: frozenset({IN_APPROVAL, SIGNED, CANCELLED}),
    APPROVED: frozenset({SIGNED, CANCELLED}),
    SIGNED: frozenset({DISPATCHED}),
    DISPATCHED: frozenset(),
    CANCELLED: frozenset(),
}

# Statuses in which the author may add a version (after signing the content is frozen).
EDITABLE = frozenset({DRAFT, RETURNED})
# Statuses from which an approval round may start.
APPROVAL_STARTABLE = frozenset({DRAFT, RETURNED})


def transition_allowed(current: str, target: str) -> bool:
    return target in ALLOWED_TRANSITIONS.get(current, frozenset())


class PathInvalid(ValueError):
    """The approvers given do not form a valid path; ``reason`` is a code: empty, duplicate, author."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def validate_path(approver_ids: Sequence[int], *, author_id: int | None = None) -> list[int]:
    """The path in order: at least one approver, none twice, the author not approving his own draft."""
    path = list(approver_ids)
    if not path:
        raise PathInvalid("empty")
    if len(set(path)) != len(path):
        raise PathInvalid("duplicate")
    if author_id is not None and author_id in path:
        raise PathInvalid("author")
    return path


@dataclass(frozen=True)
class StepState:
    order: int
    approver_id: int
    status: str  # ApprovalStep.Status value


@dataclass(frozen=True)
class Decision:
    """What a decision does: new status of the decided step, the step to open next (order) or None,
    the orders of the steps superseded, and the document's new status (or None when it stays in approval)."""

    step_status: str
    next_pending: int | None
    superseded: tuple[int, ...]
    document_status: str | None


def current_step(steps: Sequence[StepState]) -> StepState | None:
    """The pending step of a round (the one whose approver decides now)."""
    return next((s for s in sorted(steps, key=lambda s: s.order) if s.status == "pending"), None)


def decide(steps: Sequence[StepState], *, approve: bool) -> Decision:
    """The outcome of the current approver's decision over the steps of the current round."""
    ordered = sorted(steps, key=lambda s: s.order)
    current = current_step(ordered)
    if current is None:
        raise ValueError("no pending step")
    waiting = [s.order for s in ordered if s.order > current.order and s.status == "waiting"]
    if not approve:
        return Decision("returned", None, tuple(waiting), RETURNED)
    if waiting:
        return Decision("approved", waiting[0], (), None)
    return Decision("approved", None, (), APPROVED)
