"""The meeting day's commands beside the stage machine and the queue: the texts read and
written on the day (opening notes, briefing, directives, conclusion), what is raised from the
floor, the room screen, the assignments, the closing.

Each command takes the meeting, the user and the values, applies the day's rules (the stage,
the lock, the text a save was based on), writes the timeline and raises a `StageError` (a
`DomainError`) when it refuses. No Flask request in here, no commit: `portal.web.change`
commits once, and turns a row changed meanwhile into a 409.
"""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import date

from sqlalchemy import select

from portal.calendar.models import DialogueSession
from portal.documents.conclusion import draft_conclusion_notice
from portal.documents.minutes import draft_minutes
from portal.errors import N_
from portal.extensions import db
from portal.petitions.models import Petition
from portal.petitions.services import fill_petition
from portal.runner import dispositions, floor, stages
from portal.runner.models import TimelineEntry
from portal.tracker.models import AnswerMode, Assignment
from portal.types import utcnow

# The timeline is part of the record the minutes are built from: it is always written in
# Vietnamese, whatever the language of the person acting.
MODE_TEXT = {AnswerMode.ON_THE_SPOT: "Trả lời trực tiếp tại buổi đối thoại",
             AnswerMode.IN_WRITING: "Trả lời bằng văn bản"}
NOTES = {"opening_notes": "Cập nhật nội dung khai mạc",
         "briefing": "Cập nhật nội dung chủ trì thông báo"}

NOTES_CHANGED = N_("Nội dung vừa được người khác cập nhật. Bản hiện tại hiển thị bên dưới; "
                   "nội dung bạn nhập vẫn còn trong ô soạn thảo.")
CONCLUSION_CHANGED = N_("Kết luận vừa được người khác cập nhật. Nội dung hiện tại được hiển thị "
                        "bên dưới; nội dung bạn nhập vẫn còn trong ô soạn thảo.")
DIRECTIVE_CHANGED = N_("Chỉ đạo vừa được người khác cập nhật: %(text)s")
NO_CONCLUSION = N_("Vui lòng nhập kết luận.")
BAD_LIMIT = N_("Từ 1 đến 60 phút.")
NOT_HERE = N_("Không tìm thấy ý kiến này trong buổi đối thoại.")
NO_SUCH_NOTES = N_("Không tìm thấy nội dung này.")


class TextChanged(stages.StageError):
    """The text was saved by someone else since the form was opened (409): the form shows
    the current text beside the typed one, and a second save, having seen it, goes through."""


def text_base(text: str | None) -> str:
    """A short fingerprint of the text a form started from: a save is refused when the stored
    text no longer has this fingerprint (someone else changed it meanwhile)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest()[:16]


def _check_base(current: str | None, base: str | None, message: str, **params) -> None:
    """Refuse a save based on a text that is no longer the saved one (no base: no check)."""
    if base and base != text_base(current):
        raise TextChanged(message, 409, **params)


def _petition_of(meeting: DialogueSession, petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.session_id != meeting.id:
        raise stages.StageError(NOT_HERE, 404)
    return petition


def _log_text(meeting: DialogueSession, action: str, user, detail: str,
              petition_id: int | None = None) -> None:
    """Timestamp a saved text. The runner saves a text as it is typed: the saves of one text
    by one person in a row update the timeline's last entry instead of adding one per pause
    in the typing (the screens are told all the same)."""
    last = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.session_id == meeting.id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(1)
    ).first()
    if (last is not None and last.action == action and last.petition_id == petition_id
            and last.actor_id == stages.actor_id(user) and last.stage == meeting.stage
            and (action != "notes" or last.detail == detail)):
        last.detail = detail
        last.at = utcnow()
        stages.bump(meeting)
        return
    stages.log(meeting, action, user, detail, petition_id)


# --- opening and briefing ----------------------------------------------------------------

def save_notes(meeting: DialogueSession, user, which: str, text: str,
               base: str | None = None) -> None:
    """Save the opening's reasons and program, or the host briefing text (based-on check)."""
    if which not in NOTES:
        raise stages.StageError(NO_SUCH_NOTES, 404)
    stages.require_open(meeting)
    _check_base(getattr(meeting, which), base, NOTES_CHANGED)
    text = (text or "").strip()
    if text == (getattr(meeting, which) or ""):
        return  # saved already (an autosave after a pause that changed nothing)
    setattr(meeting, which, text)
    _log_text(meeting, "notes", user, NOTES[which])


# --- floor discussion ----------------------------------------------------------------------

def set_limit(meeting: DialogueSession, user, minutes: int) -> None:
    """The per-speaker time limit of this meeting."""
    stages.require_open(meeting)
    if not 1 <= minutes <= 60:
        raise stages.StageError(BAD_LIMIT, 422, "minutes")
    meeting.speaking_limit_seconds = minutes * 60
    stages.log(meeting, "limit", user, f"Thời gian phát biểu: {minutes} phút")


def record_petition(meeting: DialogueSession, user, form) -> Petition:
    """What a speaker raised (a validated petition form): a petition raised at the meeting,
    linked to the speaker who has the floor when the names match."""
    stages.require_stage(meeting, stages.DISCUSSION)
    petition = Petition(session_id=meeting.id, raised_at_meeting=True)
    fill_petition(petition, form, user.id)
    speaker = floor.current(floor.queue(meeting.id))
    if speaker is not None and speaker.name == petition.submitter_name:
        petition.speaker_id = speaker.id
    db.session.add(petition)
    db.session.flush()
    stages.log(meeting, "petition", user, f"{petition.submitter_name}: {petition.content[:200]}",
               petition.id)
    return petition


def raise_petition(meeting: DialogueSession, user, petition_id: int) -> Petition:
    """Mark a petition registered before the meeting as raised at it."""
    petition = _petition_of(meeting, petition_id)
    stages.require_stage(meeting, stages.DISCUSSION)
    if not petition.raised_at_meeting:
        petition.raised_at_meeting = True
        stages.log(meeting, "petition_raised", user, petition.submitter_name, petition.id)
    return petition


def show_on_screen(meeting: DialogueSession, user, petition_id: int) -> None:
    """Show this petition on the room screen as the one being answered, or stop showing it."""
    petition = _petition_of(meeting, petition_id)
    stages.require_open(meeting)
    meeting.current_petition_id = None if meeting.current_petition_id == petition.id \
        else petition.id
    stages.log(meeting, "current", user, petition.submitter_name, petition.id)


# --- assignment and conclusion -------------------------------------------------------------

def assign(meeting: DialogueSession, user, petition_id: int, *, agency_id: int, mode,
           deadline: date | None, coordinators: list[int] | None = None,
           beyond_authority: bool = False, answer: str = "", raised: bool = True,
           version: int | None = None) -> Assignment:
    """Assign a petition of the session (registered or raised) to a lead agency
    (+ coordinators), on the spot or in writing by `deadline`; an assigned one is changed
    instead (`portal.runner.dispositions.decide`)."""
    return dispositions.decide(meeting, user, petition_id, agency_id=agency_id, mode=mode,
                               deadline=deadline, coordinators=coordinators,
                               beyond_authority=beyond_authority, answer=answer,
                               raised=raised, version=version)


def save_directive(meeting: DialogueSession, user, petition_id: int, text: str,
                   base: str | None = None) -> Petition:
    """The chair's directive on one petition (based-on check)."""
    petition = _petition_of(meeting, petition_id)
    stages.require_stage(meeting, stages.CONCLUSION)
    _check_base(petition.directive, base, DIRECTIVE_CHANGED, text=petition.directive or "")
    text = (text or "").strip()
    if text != (petition.directive or ""):
        petition.directive = text
        _log_text(meeting, "directive", user, petition.directive[:200], petition.id)
    return petition


def save_conclusion(meeting: DialogueSession, user, text: str, base: str | None = None) -> None:
    """The chair's conclusion; a save based on an older text is refused (TextChanged)."""
    stages.require_stage(meeting, stages.CONCLUSION)
    if not (text or "").strip():
        raise stages.StageError(NO_CONCLUSION, 422, "conclusion")
    _check_base(meeting.conclusion, base, CONCLUSION_CHANGED)
    if text.strip() != (meeting.conclusion or ""):
        meeting.conclusion = text.strip()
        _log_text(meeting, "conclusion", user, "Cập nhật kết luận")


def close(meeting: DialogueSession, user, config: Mapping | None = None,
          confirm: bool = False) -> None:
    """Close the meeting and lock its record (Bế mạc), then draft its conclusion notice and
    minutes for the office to edit and issue (`config`: the letterhead settings). Petitions
    with no disposition need `confirm`."""
    stages.close(meeting, user, confirm=confirm)
    db.session.flush()
    draft_conclusion_notice(meeting, stages.actor_id(user), config)
    draft_minutes(meeting, stages.actor_id(user), config)
