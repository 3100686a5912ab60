"""Who is acting: a user (checked against permissions) or a system label (a task, a handler).

Services take ``actor=`` either a user or a string such as ``"system:epuap-adapter"``; these two helpers are the
one place that tells them apart.
"""

from core.exceptions import NotFoundOrForbidden


def user_or_none(actor):
    """The user to store in a ``created_by``-style column: the actor if it is a logged-in user, else None."""
    return actor if getattr(actor, "is_authenticated", False) else None


def require_perm_or_not_found(user, perm: str) -> None:
    """An active, logged-in user holding ``perm``; anything else looks like a missing object (no leak)."""
    if not (user and user.is_authenticated and user.is_active and user.has_perm(perm)):
        raise NotFoundOrForbidden("not found")
