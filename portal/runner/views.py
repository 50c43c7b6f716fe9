"""The meeting-day runner: the secretary console that walks the five stages live.

Every action posts with htmx and answers the re-rendered `runner` component.
"""
from __future__ import annotations

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.access import READERS, RUNNERS, roles_required
from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.htmx import render
from portal.labels import STAGE_LABELS, label
from portal.petitions.forms import PetitionForm
from portal.petitions.models import Channel, Petition
from portal.petitions.services import fill_petition
from portal.runner import stages
from portal.runner.forms import AdvanceForm, AssignForm, ConclusionForm, agency_choices
from portal.runner.models import TimelineEntry
from portal.timefmt import local_today
from portal.tracker import lifecycle
from portal.tracker.models import AnswerMode, Assignment

bp = Blueprint("runner", __name__, url_prefix="/runner")


def _meeting(session_id: int) -> DialogueSession:
    meeting = db.session.get(DialogueSession, session_id)
    if meeting is None:
        abort(404)
    return meeting


def _petitions(meeting: DialogueSession) -> list[Petition]:
    return list(
        db.session.scalars(
            select(Petition)
            .options(
                joinedload(Petition.field),
                selectinload(Petition.assignment).joinedload(Assignment.agency),
            )
            .where(Petition.session_id == meeting.id)
            .order_by(Petition.id)
        )
    )


def _component(meeting: DialogueSession, *, status: int = 200, error: str | None = None,
               needs_confirmation: bool = False, petition_form: PetitionForm | None = None,
               assign_errors: dict[int, AssignForm] | None = None,
               conclusion_form: ConclusionForm | None = None):
    petitions = _petitions(meeting)
    agencies = agency_choices()
    assign_forms = {}
    for petition in petitions:
        if petition.assignment is None:
            assign_forms[petition.id] = (assign_errors or {}).get(petition.id) or AssignForm(
                formdata=None, agencies=agencies, mode=AnswerMode.IN_WRITING.value,
                prefix=f"p{petition.id}",
            )
    timeline = db.session.scalars(
        select(TimelineEntry).where(TimelineEntry.session_id == meeting.id)
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc()).limit(30)
    ).all()
    return render(
        "runner/console.html",
        "runner",
        status=status,
        meeting=meeting,
        stages=stages.STAGES,
        stage_labels=STAGE_LABELS,
        stage_times={t.stage: t for t in stages.stage_times(meeting)},
        petitions=petitions,
        assign_forms=assign_forms,
        petition_form=petition_form
        or PetitionForm(formdata=None, channel=Channel.AT_DIALOGUE.value),
        conclusion_form=conclusion_form
        or ConclusionForm(formdata=None, conclusion=meeting.conclusion, version=meeting.version),
        advance_form=AdvanceForm(formdata=None),
        timeline=timeline,
        error=error,
        needs_confirmation=needs_confirmation,
    )


@bp.get("/<int:session_id>")
@roles_required(*READERS)
def console(session_id: int):
    """The secretary console: stage bar, the current stage's panel, the timeline."""
    return _component(_meeting(session_id))


def _refuse(meeting: DialogueSession, err: Exception, **kwargs):
    db.session.rollback()
    message = getattr(err, "message", str(err))
    return _component(meeting, status=409, error=message,
                      needs_confirmation=getattr(err, "needs_confirmation", False), **kwargs)


@bp.post("/<int:session_id>/start")
@roles_required(*RUNNERS)
def start(session_id: int):
    """Open the meeting (Khai mạc)."""
    meeting = _meeting(session_id)
    try:
        stages.start(meeting, current_user.id)
    except stages.StageError as err:
        return _refuse(meeting, err)
    db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/advance")
@roles_required(*RUNNERS)
def advance(session_id: int):
    """Go to the next stage; entering the conclusion with unassigned petitions asks to confirm."""
    meeting = _meeting(session_id)
    form = AdvanceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        stages.advance(meeting, current_user.id, confirm=form.confirm.data == "1")
    except stages.StageError as err:
        return _refuse(meeting, err)
    db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/petitions")
@roles_required(*RUNNERS)
def add_petition(session_id: int):
    """Record what a speaker raised from the floor (Thảo luận, đối thoại)."""
    meeting = _meeting(session_id)
    try:
        stages.require_stage(meeting, stages.DISCUSSION)
    except stages.StageError as err:
        return _refuse(meeting, err)
    form = PetitionForm()
    if not form.validate_on_submit():
        return _component(meeting, status=422, petition_form=form)
    petition = Petition(session_id=meeting.id, raised_at_meeting=True)
    fill_petition(petition, form, current_user.id)
    db.session.add(petition)
    db.session.flush()
    stages.log(meeting, "petition", current_user.id,
               f"{petition.submitter_name}: {petition.content[:200]}", petition.id)
    db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/raise")
@roles_required(*RUNNERS)
def raise_petition(session_id: int, petition_id: int):
    """Mark a petition registered before the meeting as raised at it."""
    meeting = _meeting(session_id)
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.session_id != meeting.id:
        abort(404)
    try:
        stages.require_stage(meeting, stages.DISCUSSION)
    except stages.StageError as err:
        return _refuse(meeting, err)
    if not petition.raised_at_meeting:
        petition.raised_at_meeting = True
        stages.log(meeting, "petition_raised", current_user.id, petition.submitter_name,
                   petition.id)
        db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/assign")
@roles_required(*RUNNERS)
def assign(session_id: int, petition_id: int):
    """Assign a petition to a lead agency, on the spot (with the answer) or in writing."""
    meeting = _meeting(session_id)
    petition = db.session.get(Petition, petition_id)
    if petition is None or petition.session_id != meeting.id:
        abort(404)
    try:
        stages.require_stage(meeting, stages.ASSIGNMENT, stages.CONCLUSION)
    except stages.StageError as err:
        return _refuse(meeting, err)
    if petition.assignment is not None:
        return _component(meeting, status=409, error=_("Ý kiến này đã được phân công."))
    form = AssignForm(prefix=f"p{petition.id}")
    if not form.validate_on_submit():
        return _component(meeting, status=422, assign_errors={petition.id: form})
    mode = AnswerMode(form.mode.data)
    assignment = Assignment(
        petition_id=petition.id,
        agency_id=form.agency_id.data,
        mode=mode,
        deadline=form.deadline.data if mode == AnswerMode.IN_WRITING else local_today(),
    )
    if not petition.raised_at_meeting:
        petition.raised_at_meeting = True
    db.session.add(assignment)
    db.session.flush()
    if mode == AnswerMode.ON_THE_SPOT:
        lifecycle.record_on_the_spot(assignment, form.answer.data, current_user)
    stages.log(meeting, "assigned", current_user.id,
               f"{assignment.agency.name} — {label(mode)}", petition.id)
    db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/conclusion")
@roles_required(*RUNNERS)
def save_conclusion(session_id: int):
    """Save the chair's conclusion (Kết luận); a stale version is refused with the current text."""
    meeting = _meeting(session_id)
    try:
        stages.require_stage(meeting, stages.CONCLUSION)
    except stages.StageError as err:
        return _refuse(meeting, err)
    form = ConclusionForm()
    if not form.validate_on_submit():
        return _component(meeting, status=422, conclusion_form=form)
    if form.version.data and form.version.data != str(meeting.version):
        form.version.data = str(meeting.version)  # a second save, having seen it, overwrites
        return _component(
            meeting, status=409, conclusion_form=form,
            error=_("Kết luận vừa được người khác cập nhật. Nội dung hiện tại được hiển thị "
                    "bên dưới; nội dung bạn nhập vẫn còn trong ô soạn thảo."),
        )
    meeting.conclusion = form.conclusion.data.strip()
    stages.log(meeting, "conclusion", current_user.id, "Cập nhật kết luận")
    db.session.commit()
    return _component(meeting)


@bp.post("/<int:session_id>/close")
@roles_required(*RUNNERS)
def close(session_id: int):
    """Close the meeting and lock its record (Bế mạc)."""
    meeting = _meeting(session_id)
    form = AdvanceForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        stages.close(meeting, current_user.id)
    except stages.StageError as err:
        return _refuse(meeting, err)
    db.session.commit()
    return _component(meeting)


