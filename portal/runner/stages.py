"""The meeting-day stage machine (plan 5.2): five stages, in order, then closed.

Plain functions on the model, no Flask: the views, the CLI and the tests share them.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update

from portal.calendar.models import DialogueSession, SessionStatus
from portal.extensions import db
from portal.petitions.models import Petition
from portal.runner.models import TimelineEntry
from portal.tracker.models import Assignment
from portal.types import utcnow

OPENING = "opening"
BRIEFING = "briefing"
DISCUSSION = "discussion"
ASSIGNMENT = "assignment"
CONCLUSION = "conclusion"
STAGES = (OPENING, BRIEFING, DISCUSSION, ASSIGNMENT, CONCLUSION)

# The UI labels of DOMAIN.md; translated in templates through the `stage_label` helper.
STAGE_LABELS = {
    OPENING: "Khai mạc",
    BRIEFING: "Chủ trì thông báo",
    DISCUSSION: "Thảo luận, đối thoại",
    ASSIGNMENT: "Phân công trả lời",
    CONCLUSION: "Kết luận",
}


class StageError(Exception):
    """A move the stage machine refuses; `message` is shown to the user as it is."""

    def __init__(self, message: str, needs_confirmation: bool = False):
        super().__init__(message)
        self.message = message
        self.needs_confirmation = needs_confirmation


@dataclass(frozen=True)
class StageTime:
    stage: str
    started_at: object
    ended_at: object | None


def log(meeting: DialogueSession, action: str, actor_id: int | None, detail: str = "",
        petition_id: int | None = None, client_key: str | None = None) -> TimelineEntry:
    """Timestamp an action into the meeting's timeline and tell the screens something changed."""
    entry = TimelineEntry(
        session_id=meeting.id,
        action=action,
        stage=meeting.stage,
        detail=detail,
        petition_id=petition_id,
        actor_id=actor_id,
        at=utcnow(),
        client_key=client_key or None,
    )
    db.session.add(entry)
    bump(meeting)
    return entry


def bump(meeting: DialogueSession) -> None:
    """Advance the live revision in SQL (no read-modify-write), so concurrent actions from
    several workers never overwrite each other's bump nor trip the row's version check."""
    db.session.execute(
        update(DialogueSession)
        .where(DialogueSession.id == meeting.id)
        .values(live_revision=DialogueSession.live_revision + 1)
        .execution_options(synchronize_session=False)
    )


def revision(session_id: int) -> int | None:
    """The live revision alone: the cheap query behind the screens' ETag."""
    return db.session.scalar(
        select(DialogueSession.live_revision).where(DialogueSession.id == session_id)
    )


def unassigned_count(meeting: DialogueSession) -> int:
    return db.session.scalar(
        select(func.count(Petition.id))
        .outerjoin(Assignment, Assignment.petition_id == Petition.id)
        .where(Petition.session_id == meeting.id, Petition.raised_at_meeting,
               Assignment.id.is_(None))
    ) or 0


def start(meeting: DialogueSession, actor_id: int | None) -> None:
    """Open the meeting: the first stage begins."""
    if meeting.is_locked:
        raise StageError("Buổi đối thoại đã kết thúc, biên bản đã khóa.")
    if meeting.status == SessionStatus.CANCELLED:
        raise StageError("Buổi đối thoại đã bị hủy.")
    if meeting.stage is not None:
        raise StageError("Buổi đối thoại đã được khai mạc.")
    meeting.status = SessionStatus.IN_PROGRESS
    meeting.stage = OPENING
    meeting.stage_started_at = utcnow()
    log(meeting, "stage", actor_id, STAGE_LABELS[OPENING])


def advance(meeting: DialogueSession, actor_id: int | None, confirm: bool = False) -> str:
    """Move to the next stage. Entering the conclusion with unassigned petitions needs `confirm`."""
    if meeting.is_locked:
        raise StageError("Buổi đối thoại đã kết thúc, biên bản đã khóa.")
    if meeting.stage is None:
        raise StageError("Buổi đối thoại chưa khai mạc.")
    index = STAGES.index(meeting.stage)
    if index == len(STAGES) - 1:
        raise StageError("Đây là bước cuối: hãy lưu kết luận và bế mạc.")
    target = STAGES[index + 1]
    if target == CONCLUSION and not confirm:
        pending = unassigned_count(meeting)
        if pending:
            raise StageError(
                f"Còn {pending} ý kiến chưa được phân công trả lời. Vẫn chuyển sang kết luận?",
                needs_confirmation=True,
            )
    if meeting.stage == DISCUSSION:
        _end_current_turn(meeting)
    meeting.stage = target
    meeting.stage_started_at = utcnow()
    log(meeting, "stage", actor_id, STAGE_LABELS[target])
    return target


def _end_current_turn(meeting: DialogueSession) -> None:
    """Leaving the floor discussion (or closing) ends whoever still had the floor, so the
    screens stop their countdown and the minutes list the turn."""
    from portal.runner import speakers  # the queue module builds on this one

    speakers.stop(meeting)


def require_stage(meeting: DialogueSession, *stages: str) -> None:
    if meeting.is_locked:
        raise StageError("Buổi đối thoại đã kết thúc, biên bản đã khóa.")
    if meeting.stage not in stages:
        names = ", ".join(STAGE_LABELS[s] for s in stages)
        raise StageError(f"Chỉ thực hiện được ở bước: {names}.")


def close(meeting: DialogueSession, actor_id: int | None) -> None:
    """End the meeting and lock its record; needs the chair's conclusion."""
    require_stage(meeting, CONCLUSION)
    if not meeting.conclusion.strip():
        raise StageError("Cần nhập kết luận của người chủ trì trước khi bế mạc.")
    _end_current_turn(meeting)
    meeting.current_petition_id = None
    meeting.closed_at = utcnow()
    meeting.status = SessionStatus.CONCLUDED
    log(meeting, "closed", actor_id, "Bế mạc")


def stage_times(meeting: DialogueSession) -> list[StageTime]:
    """When each stage started and ended, from the timeline (one query)."""
    entries = db.session.execute(
        select(TimelineEntry.action, TimelineEntry.stage, TimelineEntry.at)
        .where(TimelineEntry.session_id == meeting.id,
               TimelineEntry.action.in_(("stage", "closed")))
        .order_by(TimelineEntry.at, TimelineEntry.id)
    ).all()
    result: list[StageTime] = []
    for action, stage, at in entries:
        if result and result[-1].ended_at is None:
            last = result[-1]
            result[-1] = StageTime(last.stage, last.started_at, at)
        if action == "stage":
            result.append(StageTime(stage, at, None))
    return result
