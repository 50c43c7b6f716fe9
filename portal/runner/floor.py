"""Who has the floor: the speakers' queue of a meeting and the turn under way.

The bottom of the runner's modules (models only): the stage machine ends the turn when the
discussion is left or the meeting closed, and the queue's commands (`speakers`) build on it.
"""
from __future__ import annotations

from sqlalchemy import select

from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.runner.models import Speaker, SpeakerStatus
from portal.types import utcnow


def queue(meeting_id: int) -> list[Speaker]:
    """Everyone in the queue, in speaking order (one query)."""
    return list(db.session.scalars(
        select(Speaker).where(Speaker.session_id == meeting_id)
        .order_by(Speaker.position, Speaker.id)
    ))


def current(speakers: list[Speaker]) -> Speaker | None:
    """The one speaking now, if anyone."""
    return next((s for s in speakers if s.status == SpeakerStatus.SPEAKING), None)


def end_turn(speaker: Speaker) -> None:
    speaker.status = SpeakerStatus.DONE
    speaker.ended_at = utcnow()


def end_current_turn(meeting: DialogueSession) -> Speaker | None:
    """End whoever has the floor (the screens stop their countdown, the minutes list the
    turn); the speaker whose turn ended, or None."""
    speaking = current(queue(meeting.id))
    if speaking is not None:
        end_turn(speaking)
    return speaking
