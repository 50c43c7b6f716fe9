"""The life of an assignment (phân công), the same for the office and the agency (DOMAIN.md).

    assigned → in progress → answered → done (accepted)
                                      ↘ returned → (in progress →) answered again …
    assigned/in progress/returned → beyond authority → reported upward → upper answered

Beside the states: the agency asks for an extension, the office grants it (the deadline in
effect moves, the original one is kept) or refuses it; the lead agency asks a coordinating
agency for its input, which that agency's officer gives; the office urges (đôn đốc).

ACTIONS is the one table of who may do what from which state. Every action writes an
AssignmentStep (who, when, from, to, text): the per-petition timeline, and is a new
version of the assignment (two people acting on the same version: one of them is refused).
Who is told about a step is `portal.tracker.notify`'s rule, applied here. A refused action
raises TransitionError (a DomainError) with a Vietnamese reason. Plain functions: no Flask
request here, no commit.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.text import vn_order
from portal.auth.models import Role, User
from portal.errors import FORBIDDEN, N_, DomainError
from portal.extensions import db
from portal.tracker import notify
from portal.tracker.models import (
    Assignment,
    AssignmentStatus,
    AssignmentStep,
    CitizenVerdict,
    CoordinatorInput,
    Extension,
    ExtensionStatus,
    VerdictChannel,
)
from portal.timefmt import to_local
from portal.types import utcnow

S = AssignmentStatus
OPEN = (S.ASSIGNED, S.IN_PROGRESS, S.RETURNED)  # the agency still owes an answer
CLOSED = (S.DONE, S.UPPER_ANSWERED)

WRONG_STATE = N_("Thao tác không phù hợp với trạng thái hiện tại của nhiệm vụ.")


class TransitionError(DomainError):
    """A refused action, with its reason in Vietnamese (str) or translated (`message`).
    `status` is the HTTP answer (403 not yours, 409 not now, 422 bad data) and `field` the
    form field the reason belongs to, if any: `portal.web.change` shows it there."""


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[AssignmentStatus, ...]
    target: AssignmentStatus | None  # None: the state does not change
    roles: tuple[Role, ...]
    agency_only: bool  # the actor must be an officer of the lead (assigned) agency
    label: object  # what the timeline and the button say


def _a(name, sources, target, roles, agency_only, label) -> Action:
    return Action(name, tuple(sources), target, tuple(roles), agency_only, label)


OFFICER, OFFICE = (Role.OFFICER,), (Role.OFFICE,)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in (
        # the lead agency
        _a("start", (S.ASSIGNED, S.RETURNED), S.IN_PROGRESS, OFFICER, True,
           _l("Bắt đầu xử lý")),
        _a("answer", OPEN, S.ANSWERED, OFFICER, True, _l("Trả lời")),
        _a("request_extension", OPEN, None, OFFICER, True, _l("Xin gia hạn")),
        _a("request_input", OPEN, None, OFFICER, True, _l("Đề nghị cơ quan phối hợp cho ý kiến")),
        # a coordinating agency asked for its input (checked against the open request)
        _a("give_input", (*OPEN, S.ANSWERED), None, OFFICER, False, _l("Ý kiến phối hợp")),
        # the office
        _a("accept", (S.ANSWERED,), S.DONE, OFFICE, False, _l("Chấp nhận, hoàn thành")),
        _a("return", (S.ANSWERED,), S.RETURNED, OFFICE, False, _l("Trả lại để bổ sung")),
        _a("grant_extension", (*OPEN, S.ANSWERED), None, OFFICE, False, _l("Đồng ý gia hạn")),
        _a("refuse_extension", (*OPEN, S.ANSWERED), None, OFFICE, False,
           _l("Không đồng ý gia hạn")),
        _a("remind", OPEN, None, OFFICE, False, _l("Đôn đốc")),
        _a("mark_beyond_authority", (*OPEN, S.ANSWERED), S.BEYOND_AUTHORITY, OFFICE, False,
           _l("Xác định vượt thẩm quyền")),
        _a("report_upward", (S.BEYOND_AUTHORITY,), S.REPORTED_UPWARD, OFFICE, False,
           _l("Báo cáo cấp có thẩm quyền")),
        _a("record_upper_answer", (S.REPORTED_UPWARD,), S.UPPER_ANSWERED, OFFICE, False,
           _l("Ghi nhận trả lời của cấp có thẩm quyền")),
        # the citizen's verdict on the accepted answer (not satisfied: a new round)
        _a("record_verdict", (S.DONE,), None, OFFICE, False,
           _l("Ghi nhận ý kiến của người dân về kết quả")),
    )
}

# Steps that are not actions of the table: how an assignment began.
STEP_LABELS = {
    "assign": _l("Giao nhiệm vụ"),
    "answer_on_the_spot": _l("Trả lời trực tiếp tại buổi đối thoại"),
    "auto_remind": _l("Tự động nhắc hạn"),
    "reassign": _l("Thay đổi phân công tại buổi đối thoại"),
    "agency_merged": _l("Chuyển cơ quan do sắp xếp tổ chức"),
    **{name: action.label for name, action in ACTIONS.items()},
}


def step_label(name: str) -> str:
    found = STEP_LABELS.get(name)
    return str(found) if found is not None else name


@dataclass
class Facts:
    """What some actions depend on besides the state: the pending extension request and the
    agencies whose input is still awaited."""

    pending_extension: Extension | None = None
    awaited_agencies: set[int] = field(default_factory=set)


def facts(assignment: Assignment) -> Facts:
    """Two queries: the pending extension, the agencies asked for input and not yet answered."""
    pending = db.session.scalar(
        select(Extension).where(Extension.assignment_id == assignment.id,
                                Extension.status == ExtensionStatus.REQUESTED)
        .order_by(Extension.id.desc()).limit(1))
    awaited = set(db.session.scalars(
        select(CoordinatorInput.agency_id).where(CoordinatorInput.assignment_id == assignment.id,
                                                 CoordinatorInput.answered_at.is_(None))))
    return Facts(pending, awaited)


def _refusal(user: User, assignment: Assignment, action: Action, known: Facts):
    """Why `user` may not take `action` now (a TransitionError), or None if they may."""
    if user.role not in action.roles or (
        action.agency_only and user.agency_id != assignment.agency_id
    ):
        return TransitionError(FORBIDDEN, 403)
    if action.name == "give_input" and user.agency_id not in known.awaited_agencies:
        return TransitionError(N_("Bạn không có quyền cho ý kiến phối hợp: cơ quan của bạn "
                                  "không được đề nghị hoặc đã trả lời."), 403)
    if assignment.status not in action.sources:
        return TransitionError(WRONG_STATE)
    if action.name == "request_extension" and known.pending_extension is not None:
        return TransitionError(N_("Đã có đề nghị gia hạn đang chờ Văn phòng xem xét."))
    if action.name in ("grant_extension", "refuse_extension") and known.pending_extension is None:
        return TransitionError(N_("Không có đề nghị gia hạn nào đang chờ xem xét."))
    return None


def can(user: User, assignment: Assignment, name: str, known: Facts | None = None) -> bool:
    return _refusal(user, assignment, ACTIONS[name], known or facts(assignment)) is None


def allowed_actions(user: User, assignment: Assignment,
                    known: Facts | None = None) -> list[str]:
    """The names of the actions `user` may take on the assignment now: they drive the buttons."""
    known = known or facts(assignment)
    return [name for name, action in ACTIONS.items()
            if _refusal(user, assignment, action, known) is None]


def _required(value: str, message, field_name: str = "text") -> str:
    value = (value or "").strip()
    if not value:
        raise TransitionError(message, 422, field_name)
    return value


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _step(assignment: Assignment, name: str, user: User | None, before, text: str,
          at: datetime) -> AssignmentStep:
    step = AssignmentStep(
        assignment_id=assignment.id, action=name,
        from_status=before.value if before is not None else None,
        to_status=assignment.status.value, text=text, actor_id=user.id if user else None, at=at)
    db.session.add(step)
    return step


def apply(assignment: Assignment, name: str, user: User, text: str = "", *,
          known: Facts | None = None, **data) -> AssignmentStep:
    """Take action `name` on the assignment, write its step and tell whoever must know
    (`notify.after_step`); raise TransitionError if refused. The assignment's version moves
    on with every step, so a second action taken from the same version fails at the flush
    (StaleDataError: someone acted meanwhile).

    Extra data by action: request_extension `deadline` (date); request_input `agency`
    (an Agency); report_upward `upper_body`, `report_number`, `report_date`;
    record_upper_answer `answered_on` (date).
    """
    action = ACTIONS[name]
    known = known or facts(assignment)
    refusal = _refusal(user, assignment, action, known)
    if refusal is not None:
        raise refusal
    now = utcnow()
    before = assignment.status
    text = (text or "").strip()
    handler = _HANDLERS.get(name)
    if handler is not None:
        text = handler(assignment, user, text, now, known, **data)
    if action.target is not None:
        assignment.status = action.target
    # Also when only a request row was added (an extension, an input): one step, one version.
    assignment.version = assignment.version + 1
    step = _step(assignment, name, user, before, text, now)
    notify.after_step(assignment, step, action.label, requested=data.get("agency"))
    return step


# --------------------------------------------------------------------------- the handlers
# Each checks its data, changes the assignment and returns the step's text.

def _answer(a: Assignment, user: User, text: str, now, known) -> str:
    a.answer = _required(text, N_("Vui lòng nhập nội dung trả lời."), "answer")
    a.answered_at = now
    a.answered_by_id = user.id
    return text


def _return(a: Assignment, user: User, text: str, now, known) -> str:
    a.review_note = _required(text, N_("Vui lòng nêu lý do trả lại."), "reason")
    a.reviewed_at = now
    return text


def _accept(a: Assignment, user: User, text: str, now, known) -> str:
    a.reviewed_at = now
    return text


def _request_extension(a: Assignment, user: User, text: str, now, known,
                       deadline: date | None = None) -> str:
    if deadline is None:
        raise TransitionError(N_("Vui lòng nhập hạn đề nghị."), 422, "new_deadline")
    if deadline <= a.deadline:
        raise TransitionError(N_("Hạn đề nghị phải sau hạn hiện tại (%(d)s)."), 422,
                              "new_deadline", d=_vn(a.deadline))
    reason = _required(text, N_("Vui lòng nêu lý do xin gia hạn."), "reason")
    extension = Extension(assignment_id=a.id, reason=reason, requested_deadline=deadline,
                          old_deadline=a.deadline, requested_by_id=user.id, requested_at=now)
    db.session.add(extension)
    known.pending_extension = extension
    return f"Đề nghị gia hạn đến {_vn(deadline)}. Lý do: {reason}"


def _grant_extension(a: Assignment, user: User, text: str, now, known) -> str:
    extension = known.pending_extension
    old = a.deadline
    if a.original_deadline is None:
        a.original_deadline = old
    a.deadline = extension.requested_deadline
    extension.status = ExtensionStatus.GRANTED
    extension.decided_by_id, extension.decided_at, extension.decision_note = user.id, now, text
    known.pending_extension = None
    line = f"Gia hạn từ {_vn(old)} đến {_vn(a.deadline)}."
    return f"{line} {text}" if text else line


def _refuse_extension(a: Assignment, user: User, text: str, now, known) -> str:
    reason = _required(text, N_("Vui lòng nêu lý do không đồng ý gia hạn."), "note")
    extension = known.pending_extension
    extension.status = ExtensionStatus.REFUSED
    extension.decided_by_id, extension.decided_at, extension.decision_note = user.id, now, reason
    known.pending_extension = None
    return (f"Không đồng ý gia hạn đến {_vn(extension.requested_deadline)}; "
            f"giữ hạn {_vn(a.deadline)}. Lý do: {reason}")


def _request_input(a: Assignment, user: User, text: str, now, known, agency=None) -> str:
    if agency is None:
        raise TransitionError(N_("Vui lòng chọn cơ quan phối hợp."), 422, "coordinator_id")
    if agency.id == a.agency_id:
        raise TransitionError(N_("Cơ quan phối hợp phải khác cơ quan chủ trì."), 422,
                              "coordinator_id")
    if agency.id in known.awaited_agencies:
        raise TransitionError(N_("Đã đề nghị cơ quan này cho ý kiến, đang chờ trả lời."), 422,
                              "coordinator_id")
    request = _required(text, N_("Vui lòng nêu nội dung đề nghị phối hợp."), "text")
    if agency not in a.coordinators:
        a.coordinators.append(agency)  # it now sees the item in its "Phối hợp" queue
    db.session.add(CoordinatorInput(assignment_id=a.id, agency_id=agency.id,
                                    requested_by_id=user.id, requested_at=now))
    known.awaited_agencies.add(agency.id)
    return f"Đề nghị {agency.name} cho ý kiến: {request}"


def _give_input(a: Assignment, user: User, text: str, now, known) -> str:
    given = _required(text, N_("Vui lòng nhập ý kiến phối hợp."), "text")
    request = db.session.scalar(
        select(CoordinatorInput).where(CoordinatorInput.assignment_id == a.id,
                                       CoordinatorInput.agency_id == user.agency_id,
                                       CoordinatorInput.answered_at.is_(None))
        .order_by(CoordinatorInput.id).limit(1))
    request.text, request.answered_by_id, request.answered_at = given, user.id, now
    known.awaited_agencies.discard(user.agency_id)
    return given


def _mark_beyond_authority(a: Assignment, user: User, text: str, now, known) -> str:
    a.beyond_authority = True
    return text


def _report_upward(a: Assignment, user: User, text: str, now, known, upper_body: str = "",
                   report_number: str = "", report_date: date | None = None) -> str:
    body = _required(upper_body, N_("Vui lòng nhập cơ quan có thẩm quyền."), "upper_body")
    number = _required(report_number, N_("Vui lòng nhập số văn bản báo cáo."), "report_number")
    if report_date is None:
        raise TransitionError(N_("Vui lòng nhập ngày văn bản báo cáo."), 422, "report_date")
    a.upper_body, a.report_number, a.report_date = body, number, report_date
    line = f"Báo cáo {body} tại văn bản số {number} ngày {_vn(report_date)}."
    return f"{line} {text}" if text else line


def _record_upper_answer(a: Assignment, user: User, text: str, now, known,
                         answered_on: date | None = None) -> str:
    answer = _required(text, N_("Vui lòng nhập nội dung trả lời của cấp có thẩm quyền."),
                       "text")
    if answered_on is None:
        raise TransitionError(N_("Vui lòng nhập ngày trả lời."), 422, "answered_on")
    a.upper_answer, a.upper_answered_at = answer, answered_on
    return f"{a.upper_body} trả lời ngày {_vn(answered_on)}: {answer}"


VERDICT_WORDS = {"satisfied": "Người dân hài lòng", "not_satisfied": "Người dân chưa hài lòng",
                 "not_reached": "Chưa liên hệ được người dân"}
CHANNEL_WORDS = {"call": "qua điện thoại", "letter": "bằng văn bản",
                 "next_session": "tại buổi đối thoại sau"}


def _record_verdict(a: Assignment, user: User, text: str, now, known, verdict: str = "",
                    channel: str = "", deadline: date | None = None) -> str:
    """Satisfied or not reached: recorded, the item stays done. Not satisfied: the matter
    reopens as a new round, assigned again to the same agency with its own deadline."""
    if verdict not in VERDICT_WORDS:
        raise TransitionError(N_("Vui lòng chọn ý kiến của người dân."), 422, "verdict")
    if channel not in CHANNEL_WORDS:
        raise TransitionError(N_("Vui lòng chọn cách ghi nhận ý kiến."), 422, "channel")
    a.citizen_verdict, a.verdict_channel = CitizenVerdict(verdict), VerdictChannel(channel)
    a.verdict_note, a.verdict_at = text, now
    line = f"{VERDICT_WORDS[verdict]} ({CHANNEL_WORDS[channel]})."
    if verdict == "not_satisfied":
        note = _required(text, N_("Vui lòng ghi rõ người dân chưa hài lòng điều gì."), "note")
        if deadline is None:
            raise TransitionError(N_("Vui lòng nhập hạn trả lời của vòng mới."), 422,
                                  "deadline")
        if deadline <= to_local(now).date():
            raise TransitionError(N_("Hạn của vòng mới phải sau hôm nay."), 422, "deadline")
        a.round += 1
        a.status = S.ASSIGNED
        a.deadline = a.original_deadline = deadline
        a.answer, a.answered_at, a.answered_by_id, a.reviewed_at = "", None, None, None
        return (f"{line} Mở lại vòng {a.round}, hạn {_vn(deadline)}. {note}")
    return f"{line} {text}".strip()


_HANDLERS = {
    "answer": _answer,
    "return": _return,
    "accept": _accept,
    "request_extension": _request_extension,
    "grant_extension": _grant_extension,
    "refuse_extension": _refuse_extension,
    "request_input": _request_input,
    "give_input": _give_input,
    "mark_beyond_authority": _mark_beyond_authority,
    "report_upward": _report_upward,
    "record_upper_answer": _record_upper_answer,
    "record_verdict": _record_verdict,
}


# --------------------------------------------------------------------------- how it begins

def on_assigned(assignment: Assignment, user: User | None) -> AssignmentStep:
    """Call once the new assignment is flushed (it has an id): keeps the original deadline,
    starts a beyond-authority item in BEYOND_AUTHORITY, writes the first step."""
    if assignment.original_deadline is None:
        assignment.original_deadline = assignment.deadline
    if assignment.status is None:
        assignment.status = S.ASSIGNED
    if assignment.beyond_authority and assignment.status == S.ASSIGNED:
        assignment.status = S.BEYOND_AUTHORITY
    step = _step(assignment, "assign", user, None, "", utcnow())
    notify.assigned(assignment)  # the agencies are told at once
    return step


def record_on_the_spot(assignment: Assignment, answer: str, user: User) -> AssignmentStep:
    """An answer given at the meeting, recorded by the office: the assignment is closed."""
    now = utcnow()
    before = assignment.status or S.ASSIGNED
    assignment.answer = answer.strip()
    assignment.answered_at = now
    assignment.answered_by_id = user.id
    assignment.status = S.DONE
    return _step(assignment, "answer_on_the_spot", user, before, assignment.answer, now)


# --------------------------------------------------------------------------- assigning

from portal.admin.models import Agency  # noqa: E402 - appended with `assign` below
from portal.errors import N_, DomainError  # noqa: E402
from portal.tracker.models import AnswerMode  # noqa: E402

ALREADY_ASSIGNED = N_("Ý kiến này đã được phân công.")
NO_AGENCY = N_("Vui lòng chọn cơ quan.")
NO_DEADLINE = N_("Vui lòng nhập hạn trả lời bằng văn bản.")
NO_SPOT_ANSWER = N_("Vui lòng ghi nội dung trả lời tại buổi đối thoại.")
LEAD_IS_COORDINATOR = N_("Cơ quan chủ trì không đồng thời là cơ quan phối hợp.")
ENDED_AGENCY = N_("%(name)s đã ngừng hoạt động hoặc đã sáp nhập; chọn cơ quan đang hoạt động.")


def _checked(mode, agency_id, deadline, coordinators, answer):
    """The mode, the lead agency and the coordinating agencies of an assignment being made
    or changed, checked. Raises DomainError (422) at the field that is wrong."""
    mode = AnswerMode(mode)
    agency = db.session.get(Agency, agency_id) if agency_id else None
    if agency is None:
        raise DomainError(NO_AGENCY, 422, "agency_id")
    if not agency.is_active:  # a deactivated or merged agency gets no new work
        raise DomainError(ENDED_AGENCY, 422, "agency_id", name=agency.name)
    if deadline is None:
        raise DomainError(NO_DEADLINE, 422, "deadline")
    if mode == AnswerMode.ON_THE_SPOT and not (answer or "").strip():
        raise DomainError(NO_SPOT_ANSWER, 422, "answer")
    coordinator_ids = [i for i in (coordinators or []) if i]
    if agency.id in coordinator_ids:
        raise DomainError(LEAD_IS_COORDINATOR, 422, "coordinators")
    helpers = list(db.session.scalars(
        select(Agency).where(Agency.id.in_(coordinator_ids))
        .order_by(vn_order(Agency.name), Agency.id)
    )) if coordinator_ids else []
    ended = next((a for a in helpers if not a.is_active), None)
    if ended is not None:
        raise DomainError(ENDED_AGENCY, 422, "coordinators", name=ended.name)
    return mode, agency, helpers


def assign(petition, user, *, agency_id, mode, deadline, coordinators, beyond_authority,
           answer=""):
    """Give a petition to a lead agency to answer (with any coordinating agencies, by their
    ids): in writing by `deadline`, or on the spot with the `answer` given there (the
    assignment is then done). Writes the first steps; returns the new assignment.
    Raises DomainError: already assigned (409), a missing agency, deadline or answer (422)."""
    if petition.assignment is not None:
        raise DomainError(ALREADY_ASSIGNED)
    mode, agency, helpers = _checked(mode, agency_id, deadline, coordinators, answer)
    assignment = Assignment(petition_id=petition.id, agency_id=agency.id, mode=mode,
                            deadline=deadline, original_deadline=deadline,
                            beyond_authority=bool(beyond_authority))
    db.session.add(assignment)
    assignment.petition, assignment.agency, assignment.coordinators = petition, agency, helpers
    db.session.flush()
    on_assigned(assignment, user)
    if mode == AnswerMode.ON_THE_SPOT:
        record_on_the_spot(assignment, answer, user)
    return assignment


# --------------------------------------------------------------------------- changed live
# At the meeting the chair may change or undo an assignment until the meeting closes, as
# long as the agency has not acted on it yet (after closing: an amendment).

CHANGED_BY_AGENCY = N_("Cơ quan được giao đã xử lý nhiệm vụ này; không thay đổi phân công "
                       "được nữa.")
# The steps an assignment has before the agency acts on it.
_UNTOUCHED_STEPS = ("assign", "answer_on_the_spot", "reassign")


def untouched(assignment: Assignment) -> bool:
    """Nobody but the meeting has acted on it: only its first steps, no request rows."""
    actions = set(db.session.scalars(
        select(AssignmentStep.action).where(AssignmentStep.assignment_id == assignment.id)))
    if not actions <= set(_UNTOUCHED_STEPS):
        return False
    for model in (Extension, CoordinatorInput):
        if db.session.scalar(select(model.id).where(model.assignment_id == assignment.id)
                             .limit(1)) is not None:
            return False
    from portal.tracker.models import Attachment

    return db.session.scalar(select(Attachment.id).where(
        Attachment.assignment_id == assignment.id).limit(1)) is None


def _describe(a: Assignment) -> str:
    if a.mode == AnswerMode.ON_THE_SPOT:
        text = f"{a.agency.name} trả lời trực tiếp tại buổi đối thoại"
    else:
        text = f"{a.agency.name} trả lời bằng văn bản, hạn {_vn(a.deadline)}"
    if a.coordinators:
        text += "; phối hợp: " + ", ".join(c.name for c in a.coordinators)
    if a.beyond_authority:
        text += "; vượt thẩm quyền"
    return text


def reassign(assignment: Assignment, user, *, agency_id, mode, deadline, coordinators,
             beyond_authority, answer="") -> AssignmentStep:
    """Change an untouched assignment (lead agency, mode, deadline, coordinators, answer on
    the spot): one "reassign" step saying what it was and what it is now. Raises
    DomainError: the agency already acted (409), missing agency, deadline or answer (422)."""
    if not untouched(assignment):
        raise DomainError(CHANGED_BY_AGENCY)
    mode, agency, helpers = _checked(mode, agency_id, deadline, coordinators, answer)
    before_text, before_status = _describe(assignment), assignment.status
    before_agency = assignment.agency_id
    assignment.agency_id, assignment.agency = agency.id, agency
    assignment.coordinators = helpers
    assignment.mode, assignment.deadline = mode, deadline
    assignment.original_deadline = deadline
    assignment.beyond_authority = bool(beyond_authority)
    now = utcnow()
    if mode == AnswerMode.ON_THE_SPOT:
        assignment.answer = answer.strip()
        assignment.answered_at, assignment.answered_by_id = now, user.id
        assignment.status = S.DONE
    else:
        assignment.answer, assignment.answered_at, assignment.answered_by_id = "", None, None
        assignment.status = S.BEYOND_AUTHORITY if assignment.beyond_authority else S.ASSIGNED
    text = f"Trước: {before_text}. Nay: {_describe(assignment)}."
    step = _step(assignment, "reassign", user, before_status, text, now)
    notify.reassigned(assignment, before_agency)  # the old agency and the new are told
    return step


def withdraw(assignment: Assignment) -> str:
    """Undo an untouched assignment made at the meeting: the tracker item it created goes
    with everything hanging on it, so nothing dangles: its steps, the notifications that link
    to it (the agencies told of it are told it was withdrawn instead) and the reminder job's
    records of it (an id used again is reminded afresh). The meeting's timeline keeps the
    record. Returns what it was. Raises DomainError (409) once the agency has acted."""
    from sqlalchemy import delete

    from portal.jobs.models import ReminderSent

    if not untouched(assignment):
        raise DomainError(CHANGED_BY_AGENCY)
    what = _describe(assignment)
    notify.withdrawn(assignment)
    db.session.execute(delete(ReminderSent).where(
        ReminderSent.key.like(f"a{assignment.id}:%")).execution_options(
        synchronize_session=False))
    for step in db.session.scalars(select(AssignmentStep).where(
            AssignmentStep.assignment_id == assignment.id)):
        db.session.delete(step)
    assignment.coordinators = []
    petition = assignment.petition
    db.session.delete(assignment)
    db.session.flush()
    if petition is not None:
        db.session.expire(petition, ["assignment"])
    return what


# --------------------------------------------------------------------------- before the meeting
# A petition registered in advance that the advising agency answered in writing before the
# meeting (the office's mark) is an item that begins and ends there: assigned to the
# advising agency, answered with the prepared answer, accepted by the office.

_BEFORE_STEPS = ("assign", "answer_before_meeting", "accept")
STEP_LABELS["answer_before_meeting"] = _l("Đã trả lời bằng văn bản trước buổi đối thoại")
NOT_CLOSED_BEFORE = N_("Nhiệm vụ này đã được xử lý thêm sau khi trả lời trước buổi đối thoại; "
                       "không hủy được nữa.")


def close_before_meeting(petition, user, *, agency_id: int, answer: str,
                         answered_at: datetime | None, deadline: date) -> Assignment:
    """The advising agency's `answer`, given in writing before the meeting, closes the
    petition: an accepted assignment with its three steps (no one is notified: there is
    nothing left to do). Raises DomainError (409) if the petition is already assigned."""
    if petition.assignment is not None:
        raise DomainError(ALREADY_ASSIGNED)
    now = utcnow()
    answered_at = answered_at or now
    assignment = Assignment(petition_id=petition.id, agency_id=agency_id,
                            mode=AnswerMode.IN_WRITING, deadline=deadline,
                            original_deadline=deadline, status=S.ASSIGNED,
                            answer=answer.strip(), answered_at=answered_at,
                            reviewed_at=now)
    db.session.add(assignment)
    assignment.petition = petition
    db.session.flush()
    _step(assignment, "assign", user, None, "", now)
    assignment.status = S.ANSWERED
    _step(assignment, "answer_before_meeting", user, S.ASSIGNED, assignment.answer, now)
    assignment.status = S.DONE
    _step(assignment, "accept", user, S.ANSWERED, "", now)
    return assignment


def closed_before_meeting(assignment: Assignment) -> bool:
    """Whether the item was closed before the meeting and nothing happened to it since."""
    actions = list(db.session.scalars(
        select(AssignmentStep.action).where(AssignmentStep.assignment_id == assignment.id)
        .order_by(AssignmentStep.id)))
    return tuple(actions) == _BEFORE_STEPS


def reopen_before_meeting(assignment: Assignment) -> None:
    """Take back a closing before the meeting (the office changed its mark): the item and
    its steps go. Raises DomainError (409) once anything else happened to it."""
    if not closed_before_meeting(assignment):
        raise DomainError(NOT_CLOSED_BEFORE)
    for step in db.session.scalars(select(AssignmentStep).where(
            AssignmentStep.assignment_id == assignment.id)):
        db.session.delete(step)
    petition = assignment.petition
    db.session.delete(assignment)
    db.session.flush()
    if petition is not None:
        db.session.expire(petition, ["assignment"])
