"""The floor-discussion queue: add, reorder, give the floor, end a turn, skip (commands).

Each command checks the stage, changes the queue and writes the timeline; a refusal is a
`QueueError` (a `StageError`). The queue itself and the turn under way are `floor`'s.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.calendar.models import DialogueSession
from portal.errors import N_
from portal.admin import localities
from portal.extensions import db
from portal.petitions.models import SubmitterKind
from portal.runner import stages
from portal.runner import floor
from portal.runner.floor import current, end_turn, queue
from portal.runner.models import Speaker, SpeakerStatus

__all__ = ["QueueError", "add", "current", "move", "pause", "queue", "resume", "skip", "start",
           "stop"]

NOT_IN_QUEUE = N_("Không tìm thấy người phát biểu trong danh sách.")
MOVE_WAITING_ONLY = N_("Chỉ sắp xếp được người đang chờ phát biểu.")
NOBODY_WAITING = N_("Không còn ai trong danh sách chờ phát biểu.")
SKIP_WAITING_ONLY = N_("Chỉ bỏ qua được người đang chờ phát biểu.")
NOBODY_SPEAKING = N_("Chưa có ai đang phát biểu.")


class QueueError(stages.StageError):
    pass


def add(meeting: DialogueSession, user, name: str, kind: SubmitterKind,
        locality: str = "", locality_id: int | None = None) -> Speaker:
    """Put someone at the end of the queue (from a commune or ward of the tree, or with the
    free text of where they come from)."""
    stages.require_stage(meeting, stages.DISCUSSION)
    last = db.session.scalar(
        select(func.max(Speaker.position)).where(Speaker.session_id == meeting.id)
    )
    speaker = Speaker(session_id=meeting.id, name=name.strip(), kind=kind,
                      position=(last or 0) + 1)
    localities.chosen(speaker, locality_id, locality)
    db.session.add(speaker)
    stages.log(meeting, "speaker_added", user, f"Đăng ký phát biểu: {speaker.name}")
    return speaker


def _get(meeting: DialogueSession, speaker_id: int) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.session_id != meeting.id:
        raise QueueError(NOT_IN_QUEUE, 404)
    return speaker


def move(meeting: DialogueSession, user, speaker_id: int, delta: int) -> None:
    """Move a waiting speaker up (delta -1) or down (+1) among those still waiting."""
    stages.require_stage(meeting, stages.DISCUSSION)
    waiting = [s for s in queue(meeting.id) if s.status == SpeakerStatus.QUEUED]
    index = next((i for i, s in enumerate(waiting) if s.id == speaker_id), None)
    if index is None:
        raise QueueError(MOVE_WAITING_ONLY)
    other = index + delta
    if 0 <= other < len(waiting):
        a, b = waiting[index], waiting[other]
        a.position, b.position = b.position, a.position
        if a.position == b.position:  # equal positions (older data): spread them first
            for i, s in enumerate(waiting):
                s.position = i + 1
            a.position, b.position = b.position, a.position
    stages.log(meeting, "speaker_moved", user, "")


def start(meeting: DialogueSession, user, speaker_id: int | None = None) -> Speaker:
    """Give the floor to a speaker (the next waiting one by default); ends whoever spoke."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speakers = queue(meeting.id)
    speaking = current(speakers)
    if speaker_id is None:
        target = next((s for s in speakers if s.status == SpeakerStatus.QUEUED), None)
        if target is None:
            raise QueueError(NOBODY_WAITING)
    else:
        target = _get(meeting, speaker_id)
        if target.status == SpeakerStatus.SPEAKING:
            return target
    if speaking is not None:
        end_turn(speaking)
    target.status = SpeakerStatus.SPEAKING
    target.started_at = floor.now()
    target.ended_at = None
    target.paused_at = None
    target.paused_seconds = 0
    stages.log(meeting, "speaker_started", user, f"Phát biểu: {target.name}")
    return target


def stop(meeting: DialogueSession, user) -> Speaker | None:
    """End the current speaker's turn (nothing to do when nobody has the floor)."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaking = current(queue(meeting.id))
    if speaking is not None:
        end_turn(speaking)
        stages.log(meeting, "speaker_stopped", user, f"Kết thúc phát biểu: {speaking.name}")
    return speaking


def skip(meeting: DialogueSession, user, speaker_id: int) -> Speaker:
    """Take a waiting speaker out of the queue."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaker = _get(meeting, speaker_id)
    if speaker.status != SpeakerStatus.QUEUED:
        raise QueueError(SKIP_WAITING_ONLY)
    speaker.status = SpeakerStatus.SKIPPED
    stages.log(meeting, "speaker_skipped", user, f"Không phát biểu: {speaker.name}")
    return speaker


def pause(meeting: DialogueSession, user) -> Speaker:
    """Freeze the countdown of whoever has the floor (the chair stops the clock: a question
    from the chair, a noise in the hall); a second pause changes nothing."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaking = current(queue(meeting.id))
    if speaking is None:
        raise QueueError(NOBODY_SPEAKING)
    if floor.pause(speaking, floor.now()):
        stages.log(meeting, "speaker_paused", user, f"Tạm dừng: {speaking.name}")
    return speaking


def resume(meeting: DialogueSession, user) -> Speaker:
    """Let the countdown of the paused speaker run again, from where it stopped."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaking = current(queue(meeting.id))
    if speaking is None:
        raise QueueError(NOBODY_SPEAKING)
    if floor.resume(speaking, floor.now()):
        stages.log(meeting, "speaker_resumed", user, f"Tiếp tục: {speaking.name}")
    return speaking
