"""The host briefing (Chủ trì thông báo): the results of the previous related meeting,
assembled from the follow-up tracker so the chair can read them aloud."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession, SessionStatus
from portal.extensions import db
from portal.petitions.models import Petition
from portal.timefmt import to_local
from portal.tracker.models import Assignment, AssignmentStatus


@dataclass
class Tally:
    assigned: int = 0
    on_time: int = 0  # answered by the deadline
    late: int = 0  # answered after the deadline
    open: int = 0  # not answered yet
    overdue: int = 0  # of the open ones, past the deadline

    def add(self, assignment: Assignment, today: date) -> None:
        self.assigned += 1
        answered = assignment.answered_at
        if answered is not None or assignment.status == AssignmentStatus.DONE:
            day = to_local(answered).date() if answered else assignment.deadline
            if day <= assignment.deadline:
                self.on_time += 1
            else:
                self.late += 1
        else:
            self.open += 1
            if assignment.deadline < today:
                self.overdue += 1


@dataclass
class PreviousResults:
    session: DialogueSession
    total: Tally = field(default_factory=Tally)
    by_agency: dict[str, Tally] = field(default_factory=dict)


def previous_session(meeting: DialogueSession) -> DialogueSession | None:
    """The latest earlier held meeting of the same program (or kind), if any."""
    query = select(DialogueSession).where(
        DialogueSession.starts_at < meeting.starts_at,
        DialogueSession.id != meeting.id,
        DialogueSession.status.in_((SessionStatus.CONCLUDED, SessionStatus.IN_PROGRESS)),
    )
    if meeting.program_id is not None:
        query = query.where(DialogueSession.program_id == meeting.program_id)
    else:
        query = query.where(DialogueSession.kind == meeting.kind)
    return db.session.scalar(
        query.order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc()).limit(1))


def previous_results(meeting: DialogueSession, today: date) -> PreviousResults | None:
    """How the previous related meeting's petitions were resolved, in total and by agency."""
    previous = previous_session(meeting)
    if previous is None:
        return None
    assignments = db.session.scalars(
        select(Assignment).options(joinedload(Assignment.agency))
        .join(Petition, Petition.id == Assignment.petition_id)
        .where(Petition.session_id == previous.id)
        .order_by(Assignment.id)
    ).all()
    result = PreviousResults(previous)
    for assignment in assignments:
        result.total.add(assignment, today)
        result.by_agency.setdefault(assignment.agency.name, Tally()).add(assignment, today)
    result.by_agency = dict(sorted(result.by_agency.items()))
    return result
