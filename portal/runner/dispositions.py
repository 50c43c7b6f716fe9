"""Every petition of a session is accounted for (Phân công trả lời): each one, registered
beforehand or raised from the floor, gets a disposition (hướng xử lý):

* assigned, to answer in writing by a deadline;
* answered on the spot (trả lời trực tiếp tại buổi đối thoại);
* not raised at the meeting: assigned in writing afterwards, or closed with a reason;
* answered in writing before the meeting (the office's mark, `portal.petitions.answers`):
  already closed with the prepared answer when the meeting opens, and left so.

Until the meeting closes, the chair may change or undo what was decided; each change is in
the meeting's timeline and, for an assignment, in the tracker's steps. Plain commands: no
Flask request, no commit. The suggested deadline is N working days (per kind of dialogue,
set by the office) from the meeting's day, never on a day off.
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal.calendar.models import DialogueSession, SessionKind
from portal.calendar.rules import working_calendar
from portal.documents.models import Setting
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.petitions.models import AnswerPlan, Petition
from portal.runner import stages
from portal.timefmt import local_today, to_local
from portal.tracker import lifecycle
from portal.tracker.models import AnswerMode, Assignment

PENDING = "pending"  # chưa có hướng xử lý
IN_WRITING = "in_writing"  # giao trả lời bằng văn bản
ON_THE_SPOT = "on_the_spot"  # trả lời trực tiếp tại buổi
LATER_IN_WRITING = "later_in_writing"  # không nêu tại buổi: giao trả lời bằng văn bản sau
CLOSED = "closed"  # không nêu tại buổi: kết thúc, có lý do
ANSWERED_BEFORE = "answered_before"  # đã trả lời bằng văn bản trước buổi đối thoại

# As the record (timeline, minutes) writes them: always Vietnamese.
RECORD_TEXT = {
    PENDING: "Chưa có hướng xử lý",
    IN_WRITING: "Giao trả lời bằng văn bản",
    ON_THE_SPOT: "Trả lời trực tiếp tại buổi đối thoại",
    LATER_IN_WRITING: "Không nêu tại buổi; giao trả lời bằng văn bản sau buổi đối thoại",
    CLOSED: "Không nêu tại buổi; kết thúc",
    ANSWERED_BEFORE: "Đã trả lời bằng văn bản trước buổi đối thoại",
}

TIME_LIMITS_KEY = "answer_working_days"
DEFAULT_WORKING_DAYS = 15

NOT_RAISED_ON_THE_SPOT = N_("Ý kiến không nêu tại buổi không thể trả lời trực tiếp; hãy chọn "
                            "trả lời bằng văn bản.")
NO_REASON = N_("Vui lòng nêu lý do kết thúc ý kiến.")
RAISED_CANNOT_CLOSE = N_("Ý kiến đã nêu tại buổi cần được phân công trả lời.")
ALREADY_DISPOSED = N_("Ý kiến này đã có hướng xử lý.")
NOT_ASSIGNED = N_("Ý kiến này chưa được phân công.")
NOT_CLOSED = N_("Ý kiến này không ở trạng thái đã kết thúc.")
ASSIGNMENT_CHANGED = N_("Phân công vừa được người khác thay đổi; phân công hiện tại hiển thị "
                        "bên dưới. Vui lòng kiểm tra rồi thao tác lại.")
BAD_DAYS = N_("Từ 1 đến 120 ngày làm việc.")
CLOSED_BEFORE = N_("Ý kiến này đã được trả lời bằng văn bản trước buổi đối thoại.")


def disposition(petition: Petition) -> str:
    """What was decided about the petition (one of the constants above)."""
    assignment = petition.assignment
    if assignment is not None:
        if petition.answer_plan == AnswerPlan.BEFORE_MEETING:
            return ANSWERED_BEFORE
        if assignment.mode == AnswerMode.ON_THE_SPOT:
            return ON_THE_SPOT
        return IN_WRITING if petition.raised_at_meeting else LATER_IN_WRITING
    if (petition.closed_reason or "").strip():
        return CLOSED
    return PENDING


def undisposed(meeting: DialogueSession) -> list[Petition]:
    """The session's petitions with no disposition yet, in their order."""
    return list(db.session.scalars(
        select(Petition)
        .outerjoin(Assignment, Assignment.petition_id == Petition.id)
        .where(Petition.session_id == meeting.id, Assignment.id.is_(None),
               Petition.closed_reason == "")
        .order_by(Petition.id)))


def _petition(meeting: DialogueSession, petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.session_id != meeting.id:
        raise stages.StageError(N_("Không tìm thấy ý kiến này trong buổi đối thoại."), 404)
    return petition


def _require_not_closed_before(petition: Petition) -> None:
    if disposition(petition) == ANSWERED_BEFORE:
        raise stages.StageError(CLOSED_BEFORE, 409)


def _require_deciding(meeting: DialogueSession) -> None:
    stages.require_stage(meeting, stages.ASSIGNMENT, stages.CONCLUSION)


# --- the suggested deadline ----------------------------------------------------------------

def time_limits() -> dict[str, int]:
    """Working days to answer in writing, per kind of dialogue (the office's setting)."""
    setting = db.session.get(Setting, TIME_LIMITS_KEY)
    stored = setting.value if setting is not None and isinstance(setting.value, dict) else {}
    limits = {}
    for kind in SessionKind:
        try:
            limits[kind.value] = int(stored.get(kind.value, DEFAULT_WORKING_DAYS))
        except (TypeError, ValueError):
            limits[kind.value] = DEFAULT_WORKING_DAYS
    return limits


def time_limits_setting() -> Setting | None:
    return db.session.get(Setting, TIME_LIMITS_KEY)


def set_time_limits(user, limits: dict[str, int]) -> Setting:
    """The office sets the working days per kind (1–120 each); raises DomainError (422)."""
    for kind in SessionKind:
        days = limits.get(kind.value)
        if days is None or not 1 <= int(days) <= 120:
            raise DomainError(BAD_DAYS, 422, kind.value)
    value = {kind.value: int(limits[kind.value]) for kind in SessionKind}
    setting = time_limits_setting()
    if setting is None:
        setting = Setting(key=TIME_LIMITS_KEY, value=value)
        db.session.add(setting)
    else:
        setting.value = value
    db.session.flush()
    return setting


def suggest_deadline(kind, start: date, limits: dict[str, int] | None = None) -> date:
    """`start` plus the kind's working days, counted on the working calendar (weekends,
    holidays and the office's overrides skipped, so it never falls on a day off)."""
    days = (limits or time_limits())[SessionKind(kind).value]
    calendar = working_calendar(start, start + timedelta(days=days * 2 + 40))
    return calendar.add_working_days(start, days)


def suggested_deadline(meeting: DialogueSession, limits: dict[str, int] | None = None) -> date:
    """The deadline the assignment form offers: from the meeting's day (today if later)."""
    start = max(to_local(meeting.starts_at).date(), local_today())
    return suggest_deadline(meeting.kind, start, limits)


# --- the commands --------------------------------------------------------------------------

def decide(meeting: DialogueSession, user, petition_id: int, *, agency_id: int, mode,
           deadline: date | None, coordinators: list[int] | None = None,
           beyond_authority: bool = False, answer: str = "", raised: bool = True,
           version: int | None = None) -> Assignment:
    """Assign the petition (or change its assignment, made from `version`): in writing by
    `deadline`, or on the spot with `answer`. `raised` says whether it was raised at the
    meeting; one not raised can only be assigned in writing (afterwards)."""
    petition = _petition(meeting, petition_id)
    _require_deciding(meeting)
    _require_not_closed_before(petition)
    mode = AnswerMode(mode)
    if mode == AnswerMode.ON_THE_SPOT:
        if not raised:
            raise stages.StageError(NOT_RAISED_ON_THE_SPOT, 422, "mode")
        deadline = local_today()
    petition.raised_at_meeting = bool(raised)
    petition.closed_reason = ""
    assignment = petition.assignment
    values = dict(agency_id=agency_id, mode=mode, deadline=deadline,
                  coordinators=coordinators or [], beyond_authority=beyond_authority,
                  answer=answer or "")
    if assignment is None:
        assignment = lifecycle.assign(petition, user, **values)
        action = "assigned"
    else:
        if version is None:  # a form for a new assignment, from a page shown before
            raise stages.StageError(lifecycle.ALREADY_ASSIGNED)
        if version != assignment.version:
            raise stages.StageError(ASSIGNMENT_CHANGED, 409)
        lifecycle.reassign(assignment, user, **values)
        action = "reassigned"
    detail = f"{assignment.agency.name} — {RECORD_TEXT[disposition(petition)]}"
    if mode == AnswerMode.IN_WRITING:
        detail += f", hạn {assignment.deadline.strftime('%d/%m/%Y')}"
    if assignment.beyond_authority:
        detail += " — vượt thẩm quyền"
    if action == "reassigned":
        detail = f"Thay đổi phân công: {detail}"
    stages.log(meeting, action, user, detail, petition.id)
    return assignment


def undo(meeting: DialogueSession, user, petition_id: int) -> Petition:
    """Undo the petition's assignment (before closing, while the agency has not acted)."""
    petition = _petition(meeting, petition_id)
    _require_deciding(meeting)
    _require_not_closed_before(petition)
    if petition.assignment is None:
        raise stages.StageError(NOT_ASSIGNED)
    what = lifecycle.withdraw(petition.assignment)
    stages.log(meeting, "unassigned", user, f"Hủy phân công: {what}", petition.id)
    return petition


def close_unraised(meeting: DialogueSession, user, petition_id: int, reason: str) -> Petition:
    """A petition not raised at the meeting, closed there with a reason (no assignment)."""
    petition = _petition(meeting, petition_id)
    _require_deciding(meeting)
    reason = (reason or "").strip()
    if not reason:
        raise stages.StageError(NO_REASON, 422, "reason")
    if petition.raised_at_meeting:
        raise stages.StageError(RAISED_CANNOT_CLOSE, 409)
    if petition.assignment is not None:
        raise stages.StageError(ALREADY_DISPOSED)
    petition.closed_reason = reason
    stages.log(meeting, "closed_unraised", user, f"{RECORD_TEXT[CLOSED]}: {reason}",
               petition.id)
    return petition


def reopen(meeting: DialogueSession, user, petition_id: int) -> Petition:
    """Take back the closing of a petition not raised (it is pending again)."""
    petition = _petition(meeting, petition_id)
    _require_deciding(meeting)
    if not (petition.closed_reason or "").strip():
        raise stages.StageError(NOT_CLOSED)
    petition.closed_reason = ""
    stages.log(meeting, "reopened", user, "Mở lại ý kiến để phân công", petition.id)
    return petition
