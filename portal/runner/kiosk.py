"""Kiosk links of the hall screen (màn hình hội trường): a secret address per meeting.

The hall's PC is not logged in: the office creates a link with its own secret token for one
meeting and opens it on the projector's browser; the token is the secret, and revoking the
link makes the address stop working at once (404), also for a screen that is polling.
A link shows only what the hall may see (`templates/runner/screen.html`): the stage, the
speaker's name and countdown, the queue's names, the petition being answered with phone numbers, ID numbers and e-mail addresses masked. It shows the hall in the link's
language (the meeting's, Vietnamese unless the office chose otherwise), never the browser's.
"""
from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.calendar.models import DialogueSession
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.types import UTCDateTime, utcnow

LANGUAGES = ("vi", "en")
MEETING_LANGUAGE = "vi"  # the language a meeting is held in (the hall screen's default)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{32,64}")

NO_LINK = N_("Không tìm thấy đường dẫn màn hình hội trường này.")
ALREADY_REVOKED = N_("Đường dẫn này đã bị thu hồi.")
BAD_LANGUAGE = N_("Ngôn ngữ không hợp lệ.")


class KioskLink(db.Model):
    """A secret address that shows one meeting's hall screen without a login."""

    __tablename__ = "kiosk_link"
    __audit_exclude__ = ("token",)  # the secret never goes into the audit trail

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(120), default="", server_default="")
    language: Mapped[str] = mapped_column(String(5), default=MEETING_LANGUAGE,
                                          server_default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    session: Mapped[DialogueSession] = relationship()
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


def new_token() -> str:
    """43 URL-safe characters (256 bits)."""
    return secrets.token_urlsafe(32)


def links(meeting: DialogueSession) -> list[KioskLink]:
    """The meeting's links, newest first (id tiebreak), the revoked ones too."""
    return list(db.session.scalars(
        select(KioskLink).where(KioskLink.session_id == meeting.id)
        .order_by(KioskLink.created_at.desc(), KioskLink.id.desc())))


def create(meeting: DialogueSession, user, label: str = "", language: str = "vi") -> KioskLink:
    """A new link for the hall screen of `meeting` (command; the caller commits)."""
    if language not in LANGUAGES:
        raise DomainError(BAD_LANGUAGE, 422, "language")
    link = KioskLink(session_id=meeting.id, token=new_token(), label=(label or "").strip(),
                     language=language, created_by_id=user.id)
    db.session.add(link)
    return link


def revoke(meeting: DialogueSession, user, link_id: int) -> KioskLink:
    """Revoke a link: its address answers 404 from now on (command; the caller commits)."""
    link = db.session.get(KioskLink, link_id)
    if link is None or link.session_id != meeting.id:
        raise DomainError(NO_LINK, 404)
    if link.revoked_at is not None:
        raise DomainError(ALREADY_REVOKED, 409)
    link.revoked_at = utcnow()
    link.revoked_by_id = user.id
    from portal.runner import stages

    stages.bump(meeting)  # its open screen hears it at once, refetches, and gets the 404
    return link


def lookup(session_id: int, token: str):
    """(link id, meeting id, language, live revision) of an active token of this meeting, or
    None (another meeting's token opens only that one): one query, the whole cost of an
    unchanged screen's poll."""
    if not TOKEN_PATTERN.fullmatch(token or ""):
        return None
    return db.session.execute(
        select(KioskLink.id, KioskLink.session_id, KioskLink.language,
               DialogueSession.live_revision)
        .join(DialogueSession, DialogueSession.id == KioskLink.session_id)
        .where(KioskLink.token == token, KioskLink.session_id == session_id,
               KioskLink.revoked_at.is_(None))
    ).first()


# --- an unchanged poll, from the last lookup ---------------------------------------------

TRUST_SECONDS = 10.0
_checked: dict[tuple[int, str], tuple[float, int]] = {}  # (meeting, token) -> (when, link)
_checked_lock = threading.Lock()


def checked(session_id: int, token: str, found) -> str:
    """Note a successful `lookup` of this token (now) and answer its ETag."""
    with _checked_lock:
        if len(_checked) > 10_000:
            _checked.clear()
        _checked[(session_id, token)] = (time.monotonic(), found.id)
    return f'"k{found.id}-{found.live_revision}"'


def recent_etag(session_id: int, token: str, revision: int | None) -> str | None:
    """The ETag of the token's screen at `revision` (as the listener heard it), when the
    token was looked up within TRUST_SECONDS; else None (look it up). A revoke bumps the
    meeting's revision, so a revoked link's poll never matches and is looked up (404)."""
    if revision is None:
        return None
    with _checked_lock:
        found = _checked.get((session_id, token))
    if found is None or time.monotonic() - found[0] > TRUST_SECONDS:
        return None
    return f'"k{found[1]}-{revision}"'


def forget_checked() -> None:
    with _checked_lock:
        _checked.clear()


# --- what the hall may read of a petition's free text -----------------------------------

_PATTERNS = (
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # e-mail addresses
    re.compile(r"(?<!\d)(?:\+84|0)(?:[ .]?\d){9}(?!\d)"),  # mobile numbers
    re.compile(r"(?<!\d)\d{12}(?!\d)|(?<!\d)\d{9}(?!\d)"),  # CCCD (12) and CMND (9)
    re.compile(r"(?i)\b(?:số\s+)?\d{1,4}[a-z]?(?:/\d{1,4})*\s+(?:đường|phố|ngõ|ngách|hẻm)\s+"
               r"[\wÀ-ỹ]+(?:\s+[A-ZÀ-Ỹ][\wÀ-ỹ]*)*"),  # a house number with a street
)


def hall_text(text: str) -> str:
    """The text with phone numbers, ID numbers, e-mail addresses and house numbers masked
    (Decree 13/2023): a projector is a public place."""
    for pattern in _PATTERNS:
        text = pattern.sub("***", text or "")
    return text
