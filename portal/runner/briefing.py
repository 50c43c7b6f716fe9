"""The host briefing (Chủ trì thông báo): the results of the previous related meeting, item
by item (agency, status now, the answer's gist), and every item still open from earlier
related meetings, by agency, assembled from the follow-up tracker so the chair can read them
aloud. "Related" is `portal.tracker.carryover`: same kind and leader across years (voter
contacts: the same locality), not the program, which each year's plan renews. It also says
which of this meeting's advance petitions were already answered in writing before it."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.admin.models import Agency
from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.petitions import answers
from portal.petitions.models import Petition
from portal.timefmt import to_local
from portal.tracker import carryover
from portal.tracker.models import Assignment, AssignmentStatus

GIST = 240  # characters of an answer read aloud


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


def gist(text: str, limit: int = GIST) -> str:
    """The first `limit` characters of an answer, cut at a word, on one line."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


def answer_of(assignment: Assignment | None) -> str:
    """The answer as it stands: the competent body's, else the agency's."""
    if assignment is None:
        return ""
    return assignment.upper_answer or assignment.answer or ""


@dataclass
class PreviousResults:
    """The previous related meeting (None when there was none) with its petitions, and the
    open items of every earlier related meeting, by agency."""

    session: DialogueSession | None
    total: Tally = field(default_factory=Tally)
    by_agency: dict[str, Tally] = field(default_factory=dict)
    petitions: list[Petition] = field(default_factory=list)
    open_by_agency: list[tuple[Agency, list[Assignment]]] = field(default_factory=list)
    # This meeting's advance petitions closed before it with their prepared answers.
    answered_before: list[Petition] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return sum(len(items) for _agency, items in self.open_by_agency)

    def __bool__(self) -> bool:
        return self.session is not None or bool(self.open_by_agency)


def previous_session(meeting: DialogueSession) -> DialogueSession | None:
    """The latest earlier held meeting of the same kind and leader (any year)."""
    related = carryover.related_sessions(meeting)
    return related[0] if related else None


def previous_results(meeting: DialogueSession, today: date) -> PreviousResults:
    """How the previous related meeting's petitions stand, in total, by agency and one by
    one; and what earlier related meetings still owe."""
    related = carryover.related_sessions(meeting)
    result = PreviousResults(related[0] if related else None)
    result.answered_before = answers.answered_before_meeting(meeting)
    result.open_by_agency = carryover.open_items_by_agency(meeting, related)
    if result.session is None:
        return result
    result.petitions = list(db.session.scalars(
        select(Petition)
        .options(joinedload(Petition.assignment).joinedload(Assignment.agency),
                 joinedload(Petition.assignment).selectinload(Assignment.coordinators))
        .where(Petition.session_id == result.session.id)
        .order_by(Petition.id)).unique())
    for petition in result.petitions:
        assignment = petition.assignment
        if assignment is None:
            continue
        result.total.add(assignment, today)
        result.by_agency.setdefault(assignment.agency.name, Tally()).add(assignment, today)
    result.by_agency = dict(sorted(result.by_agency.items()))
    return result
