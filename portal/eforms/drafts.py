"""The built, unsigned document between the preview and "sign and send": a file in a private directory (never under
MEDIA_ROOT, never served) named by a random token kept in the resident's session together with the form kind, the
party and the summary shown on the preview. A draft is used once; drafts older than :data:`MAX_AGE` are removed
whenever a new one is saved, and a draft outlives neither the session nor a different resident."""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

SESSION_KEY = "portal_eform_drafts"
MAX_AGE = 2 * 3600
MAX_PER_SESSION = 5


def draft_dir() -> Path:
    """``PORTAL_EFORMS_DRAFT_DIR`` or var/portal-eforms (created with 0700)."""
    configured = getattr(settings, "PORTAL_EFORMS_DRAFT_DIR", None)
    directory = Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "portal-eforms"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


@dataclass
class Draft:
    token: str
    kind: str
    party_id: int
    summary: list
    document: bytes


def _path(token: str) -> Path:
    return draft_dir() / f"{token}.xml"


def _purge_old() -> None:
    limit = time.time() - MAX_AGE
    for path in [*draft_dir().glob("*.xml"), *draft_dir().glob("*.claimed")]:
        try:
            if path.stat().st_mtime < limit:
                path.unlink()
        except FileNotFoundError:
            pass


def save(request, *, kind: str, party_id: int, summary: list, document: bytes) -> str:
    """Keep the document for the preview; returns the token (the session holds at most a few drafts)."""
    _purge_old()
    token = secrets.token_urlsafe(24)
    path = _path(token)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(document)
    drafts = dict(request.session.get(SESSION_KEY) or {})
    drafts[token] = {"kind": kind, "party": party_id, "summary": summary, "created": time.time()}
    while len(drafts) > MAX_PER_SESSION:
        oldest = min(drafts, key=lambda t: drafts[t]["created"])
        _path(oldest).unlink(missing_ok=True)
        drafts.pop(oldest)
    request.session[SESSION_KEY] = drafts
    return token


def load(request, token: str, *, kind: str, party_id: int) -> Draft | None:
    """The resident's own draft of this form kind; None when unknown, expired, of another form or another party."""
    meta = (request.session.get(SESSION_KEY) or {}).get(token or "")
    if not meta or meta["kind"] != kind or meta["party"] != party_id:
        return None
    if time.time() - meta["created"] > MAX_AGE:
        discard(request, token)
        return None
    try:
        document = _path(token).read_bytes()
    except (FileNotFoundError, ValueError, OSError):
        return None
    return Draft(token=token, kind=kind, party_id=party_id, summary=meta["summary"], document=document)


def claim(request, token: str, *, kind: str, party_id: int) -> Draft | None:
    """Take the draft for signing: the file is renamed first, so that a second (double-clicked) request finds
    nothing and cannot send the document twice. :func:`release` gives it back when the sending failed."""
    draft = load(request, token, kind=kind, party_id=party_id)
    if draft is None:
        return None
    try:
        _path(token).rename(_claimed(token))
    except FileNotFoundError:
        return None
    return draft


def release(token: str) -> None:
    """The sending failed: the draft can be signed again."""
    with contextlib.suppress(FileNotFoundError):
        _claimed(token).rename(_path(token))


def _claimed(token: str) -> Path:
    return draft_dir() / f"{token}.claimed"


def discard(request, token: str) -> None:
    drafts = dict(request.session.get(SESSION_KEY) or {})
    if drafts.pop(token, None) is not None:
        request.session[SESSION_KEY] = drafts
    if token and all(c.isalnum() or c in "-_" for c in token):
        _path(token).unlink(missing_ok=True)
        _claimed(token).unlink(missing_ok=True)
