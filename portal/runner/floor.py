"""Who has the floor: the speakers' queue of a meeting and the turn under way.

The bottom of the runner's modules (models only): the stage machine ends the turn when the
discussion is left or the meeting closed, and the queue's commands (`speakers`) build on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.petitions.models import SubmitterKind
from portal.runner.models import Speaker, SpeakerStatus
from portal.types import utcnow


def now() -> datetime:
    """The floor's clock (the server's, so every worker and screen agree); tests replace it."""
    return utcnow()


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
    at = now()
    resume(speaker, at)  # a pause running at the end of the turn is not speaking time
    speaker.status = SpeakerStatus.DONE
    speaker.ended_at = at


def pause(speaker: Speaker, at: datetime) -> bool:
    """Freeze the speaker's countdown from `at`; False when it was already frozen."""
    if speaker.paused_at is not None:
        return False
    speaker.paused_at = at
    return True


def resume(speaker: Speaker, at: datetime) -> bool:
    """Let the countdown run again: the pause's seconds are added to the pauses' total."""
    if speaker.paused_at is None:
        return False
    speaker.paused_seconds = (speaker.paused_seconds or 0) + max(
        0, int((at - speaker.paused_at).total_seconds()))
    speaker.paused_at = None
    return True


@dataclass(frozen=True)
class KindTotal:
    """The speaking time of one kind of participant (citizens, businesses, …)."""

    kind: SubmitterKind
    turns: int
    seconds: int


def totals_by_kind(speakers: list[Speaker], at: datetime) -> list[KindTotal]:
    """The speaking time per kind of participant, in the kinds' order; only the kinds that
    spoke (the turn under way counts up to `at`, pauses left out)."""
    found: dict[SubmitterKind, list[int]] = {}
    for speaker in speakers:
        if speaker.started_at is None or speaker.status == SpeakerStatus.SKIPPED:
            continue
        row = found.setdefault(speaker.kind, [0, 0])
        row[0] += 1
        row[1] += speaker.spoken_seconds(at)
    return [KindTotal(kind, *found[kind]) for kind in SubmitterKind if kind in found]


def end_current_turn(meeting: DialogueSession) -> Speaker | None:
    """End whoever has the floor (the screens stop their countdown, the minutes list the
    turn); the speaker whose turn ended, or None."""
    speaking = current(queue(meeting.id))
    if speaking is not None:
        end_turn(speaking)
    return speaking
