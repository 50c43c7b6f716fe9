"""Open items carried forward (tồn đọng): what earlier sessions of the same kind and leader
(for voter contacts, also the same locality) still owe, across years.

Plain functions, no Flask: the host briefing reads them, and preparation can list them as
«Tồn đọng» for the next session. A session's "leader" is its host, compared without case,
diacritics or runs of spaces; a host written with the title ("Phó Chủ tịch Phan Thế Tuấn")
matches the bare name ("Phan Thế Tuấn").
"""
from __future__ import annotations

from itertools import groupby

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.text import vn_order
from portal.admin.models import Agency
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.extensions import db
from portal.petitions.models import Petition
from portal.text import fold
from portal.tracker.models import Assignment, AssignmentStatus

HELD = (SessionStatus.CONCLUDED, SessionStatus.IN_PROGRESS)
# Done for good: everything else is still owed by someone (the agency, the office's review,
# the competent body).
SETTLED = (AssignmentStatus.DONE, AssignmentStatus.UPPER_ANSWERED)


def _key(text: str) -> str:
    return " ".join(fold(text or "").split())


def same_leader(a: str, b: str) -> bool:
    """One leader's name, with or without the title before it."""
    a, b = _key(a), _key(b)
    if not a or not b:
        return False
    return a == b or a.endswith(" " + b) or b.endswith(" " + a)


def is_related(earlier: DialogueSession, meeting: DialogueSession) -> bool:
    """Same kind and leader; for voter contacts with a locality, the same locality."""
    if earlier.kind != meeting.kind or not same_leader(earlier.host, meeting.host):
        return False
    if meeting.kind == SessionKind.VOTER_CONTACT and _key(meeting.locality):
        return _key(earlier.locality) == _key(meeting.locality)
    return True


def related_sessions(meeting: DialogueSession) -> list[DialogueSession]:
    """The earlier held sessions related to `meeting`, latest first (any year)."""
    candidates = db.session.scalars(
        select(DialogueSession).where(
            DialogueSession.kind == meeting.kind,
            DialogueSession.starts_at < meeting.starts_at,
            DialogueSession.id != meeting.id,
            DialogueSession.status.in_(HELD))
        .order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc()))
    return [s for s in candidates if is_related(s, meeting)]


def open_items(meeting: DialogueSession,
               sessions: list[DialogueSession] | None = None) -> list[Assignment]:
    """Every assignment of an earlier related session not settled yet, by agency name, then
    deadline and id (petition, session, agency and coordinators loaded)."""
    sessions = related_sessions(meeting) if sessions is None else sessions
    if not sessions:
        return []
    return list(db.session.scalars(
        select(Assignment)
        .join(Petition, Petition.id == Assignment.petition_id)
        .join(Agency, Agency.id == Assignment.agency_id)
        .options(joinedload(Assignment.agency),
                 joinedload(Assignment.petition).joinedload(Petition.session),
                 selectinload(Assignment.coordinators))
        .where(Petition.session_id.in_([s.id for s in sessions]),
               Assignment.status.not_in(SETTLED))
        .order_by(vn_order(Agency.name), Agency.id, Assignment.deadline, Assignment.id)
    ).unique())


def open_items_by_agency(meeting: DialogueSession,
                         sessions: list[DialogueSession] | None = None
                         ) -> list[tuple[Agency, list[Assignment]]]:
    """`open_items`, grouped by lead agency (in the agencies' name order)."""
    items = open_items(meeting, sessions)
    return [(agency, list(group))
            for agency, group in groupby(items, key=lambda a: a.agency)]
