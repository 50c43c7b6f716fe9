"""The floor-discussion queue: add, reorder, start and stop speakers (plain functions)."""
from __future__ import annotations

from sqlalchemy import func, select

from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.petitions.models import SubmitterKind
from portal.runner import stages
from portal.runner.models import Speaker, SpeakerStatus
from portal.types import utcnow


class QueueError(stages.StageError):
    pass


def queue(meeting_id: int) -> list[Speaker]:
    """Everyone in the queue, in speaking order (one query)."""
    return list(db.session.scalars(
        select(Speaker).where(Speaker.session_id == meeting_id)
        .order_by(Speaker.position, Speaker.id)
    ))


def current(speakers: list[Speaker]) -> Speaker | None:
    return next((s for s in speakers if s.status == SpeakerStatus.SPEAKING), None)


def add(meeting: DialogueSession, name: str, kind: SubmitterKind, locality: str) -> Speaker:
    stages.require_stage(meeting, stages.DISCUSSION)
    last = db.session.scalar(
        select(func.max(Speaker.position)).where(Speaker.session_id == meeting.id)
    )
    speaker = Speaker(session_id=meeting.id, name=name.strip(), kind=kind,
                      locality=locality.strip(), position=(last or 0) + 1)
    db.session.add(speaker)
    return speaker


def _get(meeting: DialogueSession, speaker_id: int) -> Speaker:
    speaker = db.session.get(Speaker, speaker_id)
    if speaker is None or speaker.session_id != meeting.id:
        raise QueueError("Không tìm thấy người phát biểu trong danh sách.")
    return speaker


def move(meeting: DialogueSession, speaker_id: int, delta: int) -> None:
    """Move a waiting speaker up (delta -1) or down (+1) among those still waiting."""
    stages.require_stage(meeting, stages.DISCUSSION)
    waiting = [s for s in queue(meeting.id) if s.status == SpeakerStatus.QUEUED]
    index = next((i for i, s in enumerate(waiting) if s.id == speaker_id), None)
    if index is None:
        raise QueueError("Chỉ sắp xếp được người đang chờ phát biểu.")
    other = index + delta
    if 0 <= other < len(waiting):
        a, b = waiting[index], waiting[other]
        a.position, b.position = b.position, a.position
        if a.position == b.position:  # equal positions from concurrent adds: spread them
            for i, s in enumerate(waiting):
                s.position = i + 1
            a.position, b.position = b.position, a.position


def start(meeting: DialogueSession, speaker_id: int | None = None) -> Speaker:
    """Give the floor to a speaker (the next waiting one by default); stops whoever spoke."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speakers = queue(meeting.id)
    speaking = current(speakers)
    if speaker_id is None:
        target = next((s for s in speakers if s.status == SpeakerStatus.QUEUED), None)
        if target is None:
            raise QueueError("Không còn ai trong danh sách chờ phát biểu.")
    else:
        target = _get(meeting, speaker_id)
        if target.status == SpeakerStatus.SPEAKING:
            return target
    if speaking is not None:
        stop_speaker(speaking)
    target.status = SpeakerStatus.SPEAKING
    target.started_at = utcnow()
    target.ended_at = None
    return target


def stop_speaker(speaker: Speaker) -> None:
    speaker.status = SpeakerStatus.DONE
    speaker.ended_at = utcnow()


def stop(meeting: DialogueSession) -> Speaker | None:
    """End the current speaker's turn."""
    speaking = current(queue(meeting.id))
    if speaking is not None:
        stop_speaker(speaking)
    return speaking


def skip(meeting: DialogueSession, speaker_id: int) -> Speaker:
    speaker = _get(meeting, speaker_id)
    if speaker.status != SpeakerStatus.QUEUED:
        raise QueueError("Chỉ bỏ qua được người đang chờ phát biểu.")
    speaker.status = SpeakerStatus.SKIPPED
    return speaker
