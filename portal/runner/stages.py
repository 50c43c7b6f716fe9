"""The meeting-day stage machine (plan 5.2): five stages, in order, then closed.

Commands on the model, no Flask request: the views, the CLI and the tests share them. A
refused move raises `StageError` (a `DomainError`, 409 unless it says otherwise); a move
allowed only once the user confirms it raises `ConfirmationNeeded`. Nothing here commits.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask import has_request_context
from sqlalchemy import func, select, update

from portal.calendar import lifecycle as sessions
from portal.calendar.models import DialogueSession
from portal.errors import LOCKED, N_, DomainError, NeedsConfirmation
from portal.extensions import db
from portal.labels import STAGE_LABELS as SHOWN_LABELS
from portal.petitions.models import Petition
from portal.runner import floor, live
from portal.runner.models import TimelineEntry
from portal.tracker.models import Assignment
from portal.types import utcnow

OPENING = "opening"
BRIEFING = "briefing"
DISCUSSION = "discussion"
ASSIGNMENT = "assignment"
CONCLUSION = "conclusion"
STAGES = (OPENING, BRIEFING, DISCUSSION, ASSIGNMENT, CONCLUSION)

# The labels of DOMAIN.md as the record writes them (the timeline, the minutes: always
# Vietnamese); the UI translates its own copy, `portal.labels.STAGE_LABELS`.
STAGE_LABELS = {
    OPENING: "Khai mạc",
    BRIEFING: "Chủ trì thông báo",
    DISCUSSION: "Thảo luận, đối thoại",
    ASSIGNMENT: "Phân công trả lời",
    CONCLUSION: "Kết luận",
}

LAST_STAGE = N_("Đây là bước cuối: hãy lưu kết luận và bế mạc.")
UNASSIGNED = N_("Còn %(n)s ý kiến chưa có hướng xử lý (%(names)s). Vẫn chuyển sang kết luận?")
ONLY_AT = N_("Chỉ thực hiện được ở bước: %(stages)s.")
NEEDS_CONCLUSION = N_("Cần nhập kết luận của người chủ trì trước khi bế mạc.")
UNDISPOSED_AT_CLOSE = N_("Còn %(n)s ý kiến chưa có hướng xử lý (%(names)s): biên bản sẽ ghi "
                         "các ý kiến này là chưa có hướng xử lý. Vẫn bế mạc?")


class StageError(DomainError):
    """A move the meeting day refuses; its message goes through the catalog."""

    @property
    def needs_confirmation(self) -> bool:
        """True when the move is allowed once the user confirms it (the console then shows
        the confirm button)."""
        return isinstance(self, NeedsConfirmation)


class ConfirmationNeeded(StageError, NeedsConfirmation):
    """The move goes through once confirmed (entering the conclusion, or closing, with
    petitions left with no disposition); `confirm_endpoint` is the action to post again
    with `confirm=1`."""

    def __init__(self, msgid, *args, confirm_endpoint: str = "runner.advance", **params):
        super().__init__(msgid, *args, **params)
        self.confirm_endpoint = confirm_endpoint


class _StageNames:
    """The names of some stages, joined and translated when the message is shown (in
    Vietnamese outside a request: the CLI, the logs)."""

    def __init__(self, stages: tuple[str, ...]):
        self.stages = stages

    def __str__(self) -> str:
        labels = SHOWN_LABELS if has_request_context() else STAGE_LABELS
        return ", ".join(str(labels[s]) for s in self.stages)


@dataclass(frozen=True)
class StageTime:
    stage: str
    started_at: object
    ended_at: object | None


def actor_id(user) -> int | None:
    return getattr(user, "id", None)


def log(meeting: DialogueSession, action: str, user, detail: str = "",
        petition_id: int | None = None) -> TimelineEntry:
    """Timestamp an action into the meeting's timeline (in Vietnamese: the minutes are built
    from it) and tell the screens something changed."""
    entry = TimelineEntry(
        session_id=meeting.id,
        action=action,
        stage=meeting.stage,
        detail=detail,
        petition_id=petition_id,
        actor_id=actor_id(user),
        at=utcnow(),
    )
    db.session.add(entry)
    bump(meeting)
    return entry


def bump(meeting: DialogueSession) -> None:
    """Advance the live revision in SQL (no read-modify-write), so concurrent actions from
    several workers never overwrite each other's bump nor trip the row's version check; the
    open screens hear of it once the change commits (`portal.runner.live`)."""
    statement = (
        update(DialogueSession)
        .where(DialogueSession.id == meeting.id)
        .values(live_revision=DialogueSession.live_revision + 1)
        .execution_options(synchronize_session=False)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        # The same statement tells every worker on every host, at commit (live push).
        statement = statement.returning(DialogueSession.live_revision, func.pg_notify(
            live.CHANNEL, func.concat(DialogueSession.id, ":", DialogueSession.live_revision)))
    else:
        statement = statement.returning(DialogueSession.live_revision)
    revision = db.session.execute(statement).scalar()
    if revision is not None:
        live.bumped(db.session, meeting.id, revision)


def revision(session_id: int) -> int | None:
    """The live revision alone: the cheap query behind the screens' ETag."""
    return db.session.scalar(
        select(DialogueSession.live_revision).where(DialogueSession.id == session_id)
    )


def unassigned_count(meeting: DialogueSession) -> int:
    """The session's petitions with no disposition yet (registered or raised; neither
    assigned nor closed with a reason): see `portal.runner.dispositions`."""
    return db.session.scalar(
        select(func.count(Petition.id))
        .outerjoin(Assignment, Assignment.petition_id == Petition.id)
        .where(Petition.session_id == meeting.id, Assignment.id.is_(None),
               Petition.closed_reason == "")
    ) or 0


def _undisposed_names(meeting: DialogueSession) -> str:
    rows = db.session.execute(
        select(Petition.id, Petition.submitter_name)
        .outerjoin(Assignment, Assignment.petition_id == Petition.id)
        .where(Petition.session_id == meeting.id, Assignment.id.is_(None),
               Petition.closed_reason == "")
        .order_by(Petition.id)).all()
    return "; ".join(f"#{pid} {name}" for pid, name in rows)


def require_open(meeting: DialogueSession) -> None:
    """Refuse any change of the day's record once the meeting is closed."""
    if meeting.is_locked:
        raise StageError(LOCKED)


def require_stage(meeting: DialogueSession, *stages: str) -> None:
    require_open(meeting)
    if meeting.stage not in stages:
        raise StageError(ONLY_AT, stages=_StageNames(stages))


def start(meeting: DialogueSession, user) -> None:
    """Open the meeting (Khai mạc): the session's `open` move (in progress; refused once
    opened, cancelled or closed), and the first stage begins."""
    sessions.open_meeting(meeting, user)
    meeting.stage = OPENING
    meeting.stage_started_at = utcnow()
    log(meeting, "stage", user, STAGE_LABELS[OPENING])


def advance(meeting: DialogueSession, user, confirm: bool = False) -> str:
    """Move to the next stage. Entering the conclusion with unassigned petitions needs `confirm`."""
    require_open(meeting)
    if meeting.stage is None:
        raise StageError(sessions.NOT_OPEN)
    index = STAGES.index(meeting.stage)
    if index == len(STAGES) - 1:
        raise StageError(LAST_STAGE)
    target = STAGES[index + 1]
    if target == CONCLUSION and not confirm:
        pending = unassigned_count(meeting)
        if pending:
            raise ConfirmationNeeded(UNASSIGNED, n=pending, names=_undisposed_names(meeting))
    if meeting.stage == DISCUSSION:
        floor.end_current_turn(meeting)
    meeting.stage = target
    meeting.stage_started_at = utcnow()
    log(meeting, "stage", user, STAGE_LABELS[target])
    return target


def close(meeting: DialogueSession, user, confirm: bool = False) -> None:
    """End the meeting and lock its record (Bế mạc): needs the conclusion stage and the
    chair's conclusion, then the session's `close` move (concluded, locked). Petitions with
    no disposition still need `confirm` (the message names them)."""
    require_stage(meeting, CONCLUSION)
    if not meeting.conclusion.strip():
        raise StageError(NEEDS_CONCLUSION)
    if not confirm:
        pending = unassigned_count(meeting)
        if pending:
            raise ConfirmationNeeded(UNDISPOSED_AT_CLOSE, n=pending,
                                     names=_undisposed_names(meeting),
                                     confirm_endpoint="runner.close")
    floor.end_current_turn(meeting)
    meeting.current_petition_id = None
    sessions.close_meeting(meeting, user)
    log(meeting, "closed", user, "Bế mạc")


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
