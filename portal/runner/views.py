"""The meeting-day runner (plan 5.2): the secretary console, the chair's view, the room screen.

Every action posts with htmx and answers the re-rendered `runner` component. Each change
bumps the meeting's live revision; the screens poll with If-None-Match and get 304 while
nothing changed, so they stay in step across gunicorn workers for the price of one query.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, current_app, g, make_response, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from portal.access import READERS, RUNNERS, roles_required
from portal.admin.models import Agency
from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.htmx import render
from portal.labels import STAGE_LABELS
from portal.petitions.forms import PetitionForm
from portal.petitions.models import Channel, Petition, SubmitterKind
from portal.petitions.services import fill_petition
from portal.preparation.models import Invitee, InviteeKind
from portal.runner import amendments, attendance, briefing, speakers, stages
from portal.runner.forms import (
    ActionForm,
    AmendmentForm,
    AssignForm,
    ConclusionForm,
    DirectiveForm,
    DoorForm,
    LimitForm,
    NotesForm,
    SpeakerForm,
    agency_choices,
    text_base,
)
from portal.runner.models import Amendment, TimelineEntry
from portal.timefmt import local_today
from portal.tracker import lifecycle
from portal.tracker.models import AnswerMode, Assignment
from portal.types import utcnow

bp = Blueprint("runner", __name__, url_prefix="/runner")

VIEWS = ("console", "chair")


def _meeting(session_id: int) -> DialogueSession:
    meeting = db.session.get(DialogueSession, session_id)
    if meeting is None:
        abort(404)
    return meeting


def _view() -> str:
    view = g.get("forced_view") or request.values.get("view", "console")
    return view if view in VIEWS else "console"


def _petitions(meeting: DialogueSession) -> list[Petition]:
    return list(db.session.scalars(
        select(Petition)
        .options(
            joinedload(Petition.field),
            joinedload(Petition.speaker),
            selectinload(Petition.assignment).joinedload(Assignment.agency),
            selectinload(Petition.assignment).selectinload(Assignment.coordinators),
        )
        .where(Petition.session_id == meeting.id)
        .order_by(Petition.id)
    ))


def _etag(meeting_id: int, revision: int | None, view: str) -> str:
    role = current_user.role.value if current_user.is_authenticated else "anon"
    return f'"r{meeting_id}-{revision}-{view}-{role}-{get_locale()}"'


def _component(meeting: DialogueSession, *, status: int = 200, error: str | None = None,
               needs_confirmation: bool = False, forms: dict | None = None):
    """Render the runner component (or the whole page) with everything the stage needs."""
    forms = forms or {}
    view = _view()
    petitions = _petitions(meeting)
    agencies = agency_choices() if meeting.stage in (stages.ASSIGNMENT, stages.CONCLUSION) \
        else []
    assign_forms = {}
    for petition in petitions:
        if petition.assignment is None and petition.raised_at_meeting and agencies:
            assign_forms[petition.id] = forms.get(("assign", petition.id)) or AssignForm(
                formdata=None, agencies=agencies, mode=AnswerMode.IN_WRITING.value,
                prefix=f"p{petition.id}")
    queue = speakers.queue(meeting.id) if meeting.stage == stages.DISCUSSION else []
    current_speaker = speakers.current(queue)
    timeline = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.session_id == meeting.id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(40)
    ).all()
    petition_form = forms.get("petition") or PetitionForm(
        formdata=None, channel=Channel.AT_DIALOGUE.value,
        submitter_name=current_speaker.name if current_speaker else "",
        submitter_kind=(current_speaker.kind.value if current_speaker
                        else SubmitterKind.CITIZEN.value),
        locality=current_speaker.locality if current_speaker else "")
    revision = stages.revision(meeting.id)
    response = render(
        "runner/console.html",
        "runner",
        status=status,
        meeting=meeting,
        view=view,
        etag=_etag(meeting.id, revision, view),
        stages=stages.STAGES,
        stage_labels=STAGE_LABELS,
        stage_times={t.stage: t for t in stages.stage_times(meeting)},
        petitions=petitions,
        assign_forms=assign_forms,
        petition_form=petition_form,
        speaker_form=forms.get("speaker") or SpeakerForm(formdata=None, prefix="sp"),
        door_form=forms.get("door") or DoorForm(formdata=None, prefix="door"),
        limit_form=forms.get("limit") or LimitForm(
            formdata=None, minutes=max(1, meeting.speaking_limit_seconds // 60)),
        notes_form=forms.get("notes") or NotesForm(formdata=None),
        conclusion_form=forms.get("conclusion") or ConclusionForm(
            formdata=None, conclusion=meeting.conclusion, base=text_base(meeting.conclusion)),
        directive_forms={p.id: forms.get(("directive", p.id)) or DirectiveForm(
            formdata=None, directive=p.directive, base=text_base(p.directive),
            prefix=f"d{p.id}") for p in petitions if p.raised_at_meeting}
        if meeting.stage == stages.CONCLUSION else {},
        amendment_form=forms.get("amendment") or AmendmentForm(formdata=None),
        amendments=db.session.scalars(
            select(Amendment).options(joinedload(Amendment.created_by))
            .where(Amendment.session_id == meeting.id).order_by(Amendment.id)).all()
        if meeting.is_locked else [],
        action_form=ActionForm(formdata=None),
        roll=attendance.roll(meeting.id) if meeting.stage in (None, stages.OPENING) else [],
        previous=briefing.previous_results(meeting, local_today())
        if meeting.stage == stages.BRIEFING else None,
        queue=queue,
        current_speaker=current_speaker,
        now=utcnow(),
        text_base=text_base,
        timeline=timeline,
        error=error,
        needs_confirmation=needs_confirmation,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def runner_action(view):
    """Wrap a runner POST: load the meeting, apply a retried action once (by its client key),
    turn a refused move into a 409 with the message, commit, and answer the component."""

    @wraps(view)
    @roles_required(*RUNNERS)
    def wrapped(session_id: int, **kwargs):
        meeting = _meeting(session_id)
        if not ActionForm().validate_on_submit():  # CSRF (the global check runs first anyway)
            abort(400)
        key = (request.form.get("client_key") or "")[:64] or None
        if key and db.session.scalar(select(TimelineEntry.id).where(
                TimelineEntry.client_key == key)):
            return _component(meeting)  # already applied: the retry just refreshes
        g.client_key = key
        try:
            result = view(meeting, **kwargs)
        except stages.StageError as err:
            db.session.rollback()
            return _component(meeting, status=409, error=err.message,
                              needs_confirmation=err.needs_confirmation)
        if result is not None:  # a form with errors: nothing saved
            db.session.rollback()
            return result
        try:
            db.session.commit()
        except IntegrityError:  # the same key committed by a parallel retry
            db.session.rollback()
        return _component(meeting)

    return wrapped


# The timeline is part of the record the minutes are built from: it is always written in
# Vietnamese, whatever the language of the person acting.
MODE_TEXT = {AnswerMode.ON_THE_SPOT: "Trả lời trực tiếp tại buổi đối thoại",
             AnswerMode.IN_WRITING: "Trả lời bằng văn bản"}


def _log(meeting, action, detail="", petition_id=None):
    return stages.log(meeting, action, current_user.id, detail, petition_id,
                      client_key=g.pop("client_key", None))


def _petition_of(meeting: DialogueSession, petition_id: int) -> Petition:
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.session_id != meeting.id:
        abort(404)
    return petition


# ---- pages -----------------------------------------------------------------------------

@bp.get("/<int:session_id>")
@roles_required(*READERS)
def console(session_id: int):
    """The secretary console (or, with ?view=chair, the chair's large-type view)."""
    meeting = _meeting(session_id)
    if request.headers.get("If-None-Match") == _etag(meeting.id, stages.revision(meeting.id),
                                                     _view()):
        return _not_modified()
    return _component(meeting)


@bp.get("/<int:session_id>/chair")
@roles_required(*READERS)
def chair(session_id: int):
    """The chair's view: the same meeting in large type; the chair can assign and conclude."""
    g.forced_view = "chair"
    return _component(_meeting(session_id))


def _not_modified():
    response = make_response("", 304)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:session_id>/screen")
@roles_required(*READERS)
def screen(session_id: int):
    """The room screen: big type, the stage, the speaker and countdown, the queue, the petition
    being answered. Polled every second; 304 with no body while nothing changed."""
    revision = stages.revision(session_id)
    if revision is None:
        abort(404)
    etag = f'"s{session_id}-{revision}"'
    if request.headers.get("If-None-Match") == etag:
        return _not_modified()
    meeting = _meeting(session_id)
    queue = speakers.queue(meeting.id)
    current_petition = db.session.get(Petition, meeting.current_petition_id) \
        if meeting.current_petition_id else None
    response = render("runner/screen.html", "screen", meeting=meeting, etag=etag,
                      stage_labels=STAGE_LABELS, stages=stages.STAGES,
                      queue=[s for s in queue if s.status.value in ("queued", "speaking")],
                      current_speaker=speakers.current(queue),
                      current_petition=current_petition, now=utcnow())
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = etag
    return response


@bp.get("/<int:session_id>/briefing")
@roles_required(*READERS)
def briefing_print(session_id: int):
    """The host briefing with the previous meeting's results, laid out to print or read aloud."""
    meeting = _meeting(session_id)
    return render("runner/briefing.html", "briefing", meeting=meeting,
                  previous=briefing.previous_results(meeting, local_today()))


# ---- stage machine ---------------------------------------------------------------------

@bp.post("/<int:session_id>/start")
@runner_action
def start(meeting):
    """Open the meeting (Khai mạc)."""
    stages.start(meeting, current_user.id)


@bp.post("/<int:session_id>/advance")
@runner_action
def advance(meeting):
    """Go to the next stage; entering the conclusion with unassigned petitions asks to confirm."""
    stages.advance(meeting, current_user.id, confirm=request.form.get("confirm") == "1")


@bp.post("/<int:session_id>/close")
@runner_action
def close(meeting):
    """Close the meeting, lock its record (Bế mạc) and draft its conclusion notice and minutes
    for the office to edit and issue."""
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.documents.minutes import draft_minutes

    stages.close(meeting, current_user.id)
    db.session.flush()
    draft_conclusion_notice(meeting, current_user.id, current_app.config)
    draft_minutes(meeting, current_user.id, current_app.config)


# ---- opening and briefing --------------------------------------------------------------

@bp.post("/<int:session_id>/notes/<which>")
@runner_action
def save_notes(meeting, which: str):
    """Save the opening's reasons and program, or the host briefing text (version-checked)."""
    if which not in ("opening_notes", "briefing"):
        abort(404)
    if meeting.is_locked:
        raise stages.StageError(_("Buổi đối thoại đã kết thúc, biên bản đã khóa."))
    form = NotesForm()
    if not form.validate():
        return _component(meeting, status=422, forms={"notes": form})
    current = getattr(meeting, which)
    if form.base.data and form.base.data != text_base(current):
        form.base.data = text_base(current)
        return _component(meeting, status=409, forms={"notes": form}, error=_(
            "Nội dung vừa được người khác cập nhật. Bản hiện tại hiển thị bên dưới; "
            "nội dung bạn nhập vẫn còn trong ô soạn thảo."))
    setattr(meeting, which, (form.text.data or "").strip())
    _log(meeting, "notes", "Cập nhật nội dung khai mạc" if which == "opening_notes"
         else "Cập nhật nội dung chủ trì thông báo")


@bp.post("/<int:session_id>/attendance/<int:invitee_id>")
@runner_action
def check_in(meeting, invitee_id: int):
    """Mark an invitee present."""
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or invitee.session_id != meeting.id:
        abort(404)
    if meeting.is_locked:
        raise stages.StageError(_("Buổi đối thoại đã kết thúc, biên bản đã khóa."))
    present = attendance.check_in(meeting.id, invitee, current_user.id)
    _log(meeting, "attendance", f"Có mặt: {present.name}")


@bp.post("/<int:session_id>/attendance")
@runner_action
def add_at_door(meeting):
    """Add someone who came without an invitation."""
    if meeting.is_locked:
        raise stages.StageError(_("Buổi đối thoại đã kết thúc, biên bản đã khóa."))
    form = DoorForm(prefix="door")
    if not form.validate():
        return _component(meeting, status=422, forms={"door": form})
    present = attendance.add_at_door(meeting.id, InviteeKind(form.kind.data), form.name.data,
                                     form.position.data or "", form.organisation.data or "",
                                     current_user.id)
    _log(meeting, "attendance", f"Có mặt: {present.name}")


# ---- floor discussion ------------------------------------------------------------------

@bp.post("/<int:session_id>/speakers")
@runner_action
def add_speaker(meeting):
    """Add a speaker to the queue in a few keystrokes."""
    form = SpeakerForm(prefix="sp")
    if not form.validate():
        return _component(meeting, status=422, forms={"speaker": form})
    speaker = speakers.add(meeting, form.name.data, SubmitterKind(form.kind.data),
                           form.locality.data or "")
    _log(meeting, "speaker_added", f"Đăng ký phát biểu: {speaker.name}")


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/move/<direction>")
@runner_action
def move_speaker(meeting, speaker_id: int, direction: str):
    """Move a waiting speaker up or down the queue."""
    speakers.move(meeting, speaker_id, -1 if direction == "up" else 1)
    _log(meeting, "speaker_moved", "")


@bp.post("/<int:session_id>/speakers/next")
@runner_action
def next_speaker(meeting):
    """Give the floor to the next waiting speaker (stops the current one)."""
    speaker = speakers.start(meeting)
    _log(meeting, "speaker_started", f"Phát biểu: {speaker.name}")


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/start")
@runner_action
def start_speaker(meeting, speaker_id: int):
    """Give the floor to this speaker."""
    speaker = speakers.start(meeting, speaker_id)
    _log(meeting, "speaker_started", f"Phát biểu: {speaker.name}")


@bp.post("/<int:session_id>/speakers/stop")
@runner_action
def stop_speaker(meeting):
    """End the current speaker's turn."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaker = speakers.stop(meeting)
    if speaker is not None:
        _log(meeting, "speaker_stopped", f"Kết thúc phát biểu: {speaker.name}")


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/skip")
@runner_action
def skip_speaker(meeting, speaker_id: int):
    """Take a waiting speaker out of the queue."""
    stages.require_stage(meeting, stages.DISCUSSION)
    speaker = speakers.skip(meeting, speaker_id)
    _log(meeting, "speaker_skipped", f"Không phát biểu: {speaker.name}")


@bp.post("/<int:session_id>/limit")
@runner_action
def set_limit(meeting):
    """Set the per-speaker time limit of this meeting."""
    form = LimitForm()
    if not form.validate():
        return _component(meeting, status=422, forms={"limit": form})
    meeting.speaking_limit_seconds = form.minutes.data * 60
    _log(meeting, "limit", f"Thời gian phát biểu: {form.minutes.data} phút")


@bp.post("/<int:session_id>/petitions")
@runner_action
def add_petition(meeting):
    """Record what a speaker raised: a petition linked to the speaker, classified by field."""
    stages.require_stage(meeting, stages.DISCUSSION)
    form = PetitionForm()
    if not form.validate():
        return _component(meeting, status=422, forms={"petition": form})
    petition = Petition(session_id=meeting.id, raised_at_meeting=True)
    fill_petition(petition, form, current_user.id)
    speaker = speakers.current(speakers.queue(meeting.id))
    if speaker is not None and speaker.name == petition.submitter_name:
        petition.speaker_id = speaker.id
    db.session.add(petition)
    db.session.flush()
    _log(meeting, "petition", f"{petition.submitter_name}: {petition.content[:200]}", petition.id)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/raise")
@runner_action
def raise_petition(meeting, petition_id: int):
    """Mark a petition registered before the meeting as raised at it."""
    petition = _petition_of(meeting, petition_id)
    stages.require_stage(meeting, stages.DISCUSSION)
    if not petition.raised_at_meeting:
        petition.raised_at_meeting = True
        _log(meeting, "petition_raised", petition.submitter_name, petition.id)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/current")
@runner_action
def set_current(meeting, petition_id: int):
    """Show this petition on the room screen as the one being answered."""
    petition = _petition_of(meeting, petition_id)
    if meeting.is_locked:
        raise stages.StageError(_("Buổi đối thoại đã kết thúc, biên bản đã khóa."))
    meeting.current_petition_id = None if meeting.current_petition_id == petition.id \
        else petition.id
    _log(meeting, "current", petition.submitter_name, petition.id)


# ---- assignment and conclusion ---------------------------------------------------------

@bp.post("/<int:session_id>/petitions/<int:petition_id>/assign")
@runner_action
def assign(meeting, petition_id: int):
    """Assign a petition to a lead agency (+ coordinators), on the spot or in writing."""
    petition = _petition_of(meeting, petition_id)
    stages.require_stage(meeting, stages.ASSIGNMENT, stages.CONCLUSION)
    if petition.assignment is not None:
        raise stages.StageError(_("Ý kiến này đã được phân công."))
    form = AssignForm(prefix=f"p{petition.id}")
    if not form.validate():
        return _component(meeting, status=422, forms={("assign", petition.id): form})
    mode = AnswerMode(form.mode.data)
    deadline = form.deadline.data if mode == AnswerMode.IN_WRITING else local_today()
    assignment = Assignment(
        petition_id=petition.id, agency_id=form.agency_id.data, mode=mode,
        deadline=deadline, original_deadline=deadline,
        beyond_authority=form.beyond_authority.data,
    )
    if form.coordinators.data:
        assignment.coordinators = list(db.session.scalars(
            select(Agency).where(Agency.id.in_(form.coordinators.data))))
    petition.raised_at_meeting = True
    db.session.add(assignment)
    db.session.flush()
    lifecycle.on_assigned(assignment, current_user)
    if mode == AnswerMode.ON_THE_SPOT:
        lifecycle.record_on_the_spot(assignment, form.answer.data, current_user)
    detail = f"{assignment.agency.name} — {MODE_TEXT[mode]}"
    if assignment.beyond_authority:
        detail += " — vượt thẩm quyền"
    _log(meeting, "assigned", detail, petition.id)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/directive")
@runner_action
def save_directive(meeting, petition_id: int):
    """The chair's directive on one petition (version-checked)."""
    petition = _petition_of(meeting, petition_id)
    stages.require_stage(meeting, stages.CONCLUSION)
    form = DirectiveForm(prefix=f"d{petition.id}")
    if not form.validate():
        return _component(meeting, status=422, forms={("directive", petition.id): form})
    if form.base.data and form.base.data != text_base(petition.directive):
        form.base.data = text_base(petition.directive)
        return _component(meeting, status=409, forms={("directive", petition.id): form},
                          error=_("Chỉ đạo vừa được người khác cập nhật: %(text)s",
                                  text=petition.directive))
    petition.directive = (form.directive.data or "").strip()
    _log(meeting, "directive", petition.directive[:200], petition.id)


@bp.post("/<int:session_id>/conclusion")
@runner_action
def save_conclusion(meeting):
    """Save the chair's conclusion; a save based on an older text is refused with the current."""
    stages.require_stage(meeting, stages.CONCLUSION)
    form = ConclusionForm()
    if not form.validate():
        return _component(meeting, status=422, forms={"conclusion": form})
    if form.base.data and form.base.data != text_base(meeting.conclusion):
        form.base.data = text_base(meeting.conclusion)  # a second save, having seen it, wins
        return _component(meeting, status=409, forms={"conclusion": form}, error=_(
            "Kết luận vừa được người khác cập nhật. Nội dung hiện tại được hiển thị bên dưới; "
            "nội dung bạn nhập vẫn còn trong ô soạn thảo."))
    meeting.conclusion = form.conclusion.data.strip()
    _log(meeting, "conclusion", "Cập nhật kết luận")


@bp.post("/<int:session_id>/amendments")
@runner_action
def amend(meeting):
    """A correction to the closed record: a separate, reasoned, audited amendment."""
    form = AmendmentForm()
    if not form.validate():
        return _component(meeting, status=422, forms={"amendment": form})
    petition = db.session.get(Petition, form.petition_id.data) if form.petition_id.data else None
    amendment = amendments.amend(meeting, form.target.data, form.text.data, form.reason.data,
                                 current_user.id, petition)
    _log(meeting, "amendment", f"{amendments.TARGETS[amendment.target]}: {amendment.reason}",
         amendment.petition_id)
