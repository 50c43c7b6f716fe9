"""Publishing a session on the public page: the office reviews the wording first.

Plain functions, no Flask request. The wording offered for review is the record with
personal data masked (`petitions.privacy.redact`, names reduced to initials); the office may
edit it; a text that still carries a phone, an ID number, an e-mail or a house address is
refused. Publishing and unpublishing are written to the audit trail.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.audit import trail
from portal.calendar.models import DialogueSession, SessionStatus
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.petitions.models import Petition
from portal.petitions.privacy import masked_text, personal_names, redact
from portal.reports.models import PublishedPetition, PublishedSession
from portal.tracker.models import Assignment
from portal.types import utcnow

NOT_CONCLUDED = N_("Chỉ công khai buổi đối thoại đã kết thúc.")
STILL_PERSONAL = N_("Nội dung còn thông tin cá nhân (số điện thoại, số định danh, thư điện tử "
                    "hoặc địa chỉ nhà): hãy sửa trước khi công khai.")
TOO_LONG = N_("Nội dung công khai không được dài quá %(n)s ký tự.")
MAX_TEXT = 10000


@dataclass
class Line:
    """One petition as the review shows it: the record, and the wording to publish."""

    petition: Petition
    text: str
    published: bool


def publication(meeting: DialogueSession) -> PublishedSession | None:
    return db.session.get(PublishedSession, meeting.id)


def review(meeting: DialogueSession) -> tuple[str, list[Line]]:
    """The conclusion and each petition as it would go out: what was published, or the
    record with personal data masked."""
    found = publication(meeting)
    published = {p.petition_id: p.text for p in found.petitions} if found else {}
    petitions = db.session.scalars(
        select(Petition).options(joinedload(Petition.field),
                                 joinedload(Petition.assignment).joinedload(Assignment.agency))
        .where(Petition.session_id == meeting.id).order_by(Petition.id)).all()
    # The public is a MASKED reader (privacy.RULES): numbers, addresses and the meeting's
    # people's names masked in the wording offered.
    names = personal_names(meeting.id)
    lines = [Line(p, published.get(p.id, masked_text(p.content, names)),
                  p.id in published if found else True) for p in petitions]
    conclusion = found.conclusion if found else masked_text(meeting.conclusion or "", names)
    return conclusion, lines


def _checked(text: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(TOO_LONG, 422, field, n=MAX_TEXT)
    if redact(text) != text:
        raise DomainError(STILL_PERSONAL, 422, field)
    return text


def publish(meeting: DialogueSession, user, conclusion: str,
            texts: dict[int, str]) -> PublishedSession:
    """Publish (or publish again) the session with this wording: `texts` maps the id of each
    petition to publish to its public text; the others are not shown."""
    if meeting.status != SessionStatus.CONCLUDED:
        raise DomainError(NOT_CONCLUDED)
    own = set(db.session.scalars(select(Petition.id).where(Petition.session_id == meeting.id)))
    found = publication(meeting)
    if found is None:
        found = PublishedSession(session_id=meeting.id)
        db.session.add(found)
    found.conclusion = _checked(conclusion, "conclusion")
    found.published_at, found.published_by_id = utcnow(), user.id
    wanted = {pid: _checked(text, f"p-{pid}-text") for pid, text in texts.items() if pid in own}
    found.petitions = [PublishedPetition(petition_id=pid, session_id=meeting.id, text=text)
                       for pid, text in sorted(wanted.items())]
    trail.record("publish", "DialogueSession", meeting.id, {"petitions": sorted(wanted)})
    return found


def unpublish(meeting: DialogueSession, user) -> None:
    """Take the session off the public page."""
    found = publication(meeting)
    if found is not None:
        db.session.delete(found)
        trail.record("unpublish", "DialogueSession", meeting.id, {})
