"""The meeting-day runner (plan 5.2): the secretary console, the chair's view, the room screen.

Every action posts with htmx through the one change path (`portal.web.change`) and answers
the re-rendered `runner` component: the meeting is loaded with its row locked, so the
actions on one meeting take turns; the action's client key is claimed before the command
runs, so a retry racing the original is applied once and answers the component; a refused
move, a form with errors, a text saved meanwhile answer the component with the message
(409/422) and what was typed. Each change bumps the meeting's live revision; the screens
poll with If-None-Match and get 304 while nothing changed, so they stay in step across
gunicorn workers for the price of one query.
"""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, g, jsonify, make_response, request,
                   url_for)
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import web
from portal.access import requires
from portal.calendar.models import DialogueSession, SessionKind
from portal.errors import N_, DomainError, NeedsConfirmation
from portal.extensions import db
from portal.htmx import render
from portal.labels import STAGE_LABELS
from portal.papers import script
from portal.petitions.forms import PetitionForm
from portal.petitions.models import Channel, Petition, SubmitterKind
from portal.preparation.models import InviteeKind
from portal.runner import (amendments, attendance, briefing, dispositions, floor, kiosk,
                           services, speakers, stages)
from portal.runner.forms import (
    ActionForm,
    AmendmentForm,
    AssignForm,
    CloseUnraisedForm,
    TimeLimitsForm,
    ConclusionForm,
    DirectiveForm,
    DoorForm,
    KioskForm,
    LimitForm,
    NotesForm,
    SpeakerForm,
    agency_choices,
)
from portal.runner.models import Amendment, TimelineEntry
from portal.runner.services import text_base
from portal.timefmt import local_today, to_local
from portal.tracker.labels import status_label
from portal.tracker.models import AnswerMode, Assignment
from portal.types import utcnow

bp = Blueprint("runner", __name__, url_prefix="/runner")

VIEWS = ("console", "chair")

MOVED_ON = N_("Buổi đối thoại vừa được người khác cập nhật; màn hình đã được tải lại. Vui lòng "
              "kiểm tra rồi thao tác lại.")


def _meeting(session_id: int) -> DialogueSession:
    meeting = db.session.get(DialogueSession, session_id)
    if meeting is None:
        abort(404)
    return meeting


def _meeting_or_none(session_id: int) -> DialogueSession | None:
    return db.session.get(DialogueSession, session_id)


def _locked_meeting(session_id: int) -> DialogueSession | None:
    """The meeting of an action, its row locked until the change commits (PostgreSQL): two
    actions on one meeting take turns, so the second sees what the first saved."""
    return db.session.get(DialogueSession, session_id, with_for_update=True)


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


def _component(meeting: DialogueSession, *, status: int = 200, error: DomainError | None = None,
               forms: dict | None = None):
    """Render the runner component (or the whole page) with everything the stage needs."""
    forms = forms or {}
    view = _view()
    petitions = _petitions(meeting)
    agencies = agency_choices() if meeting.stage in (stages.ASSIGNMENT, stages.CONCLUSION) \
        else []
    assign_forms, change_forms, close_forms = _disposition_forms(meeting, petitions, agencies,
                                                                 forms)
    queue = speakers.queue(meeting.id) if meeting.stage == stages.DISCUSSION else []
    current_speaker = speakers.current(queue)
    now = floor.now()
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
        f"runner/{view}.html",  # the secretary's console, or the chair's view
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
        change_forms=change_forms,
        close_forms=close_forms,
        suggested_deadline=dispositions.suggested_deadline(meeting) if agencies else None,
        time_limit_days=dispositions.time_limits()[meeting.kind.value] if agencies else None,
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
        kind_totals=floor.totals_by_kind(queue, now),
        saved_times=_saved_times(meeting),
        now=now,
        text_base=text_base,
        timeline=timeline,
        # the script's lines of the stage on now (the hall screen has none)
        script_lines=[] if meeting.is_locked else script.runner_lines(meeting, current_user),
        error=error,
        needs_confirmation=isinstance(error, NeedsConfirmation),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _saved_times(meeting: DialogueSession) -> dict[str, str]:
    """When each of the day's texts was last saved, by the id of its form ("notes-opening",
    "conclusion-form", "directive-<petition>"), as hh:mm:ss: the page shows «Đã lưu …»."""
    forms = {services.NOTES[which]: f"notes-{which.split('_')[0]}" for which in services.NOTES}
    found: dict[str, str] = {}
    rows = db.session.execute(
        select(TimelineEntry.action, TimelineEntry.detail, TimelineEntry.petition_id,
               TimelineEntry.at)
        .where(TimelineEntry.session_id == meeting.id,
               TimelineEntry.action.in_(("notes", "conclusion", "directive")))
        .order_by(TimelineEntry.at, TimelineEntry.id))
    for action, detail, petition_id, at in rows:
        key = forms.get(detail) if action == "notes" else (
            "conclusion-form" if action == "conclusion" else f"directive-{petition_id}")
        if key:
            found[key] = to_local(at).strftime("%H:%M:%S")
    return found


# --- the one change path, as the runner answers it ------------------------------------------

def _answer(meeting: DialogueSession, _result=None):
    """done=: the change is committed (or the client key was already applied): the component."""
    return _component(meeting)


def _autosaved(text):
    """done= of a text form: the component; for a save made while typing (`autosave=1`), only
    the fingerprint of the text now saved (the base of the next save) and the time, so the
    page keeps the caret where it is and says «Đã lưu hh:mm:ss»."""

    def done(meeting: DialogueSession, _result=None):
        if request.form.get("autosave") != "1":
            return _component(meeting)
        response = jsonify(base=text_base(text["current"](meeting) or ""),
                           saved_at=to_local(utcnow()).strftime("%H:%M:%S"))
        response.headers["Cache-Control"] = "no-store"
        return response

    return done


def _texts(current, field_name: str):
    """A text form: the saved text now (meeting -> str) and the form's field for it. A 409
    shows the current text beside the typed one (web.Difference), and the form then carries
    the current text's base, so a second save, having seen it, goes through."""
    return {"current": current, "field": field_name}


def _refused(slot=None, text=None):
    """invalid=: the component again with the message, the form as typed in its slot.
    `slot` is the forms' key ("notes", ("assign", id), …, or a callable giving it);
    `text` (from `_texts`) marks a text form whose conflicts show both texts."""

    def invalid(meeting, form, status, error):
        key = slot() if callable(slot) else slot
        if text is not None and status == 409 and isinstance(
                error, (services.TextChanged, web.Stale)):
            current = text["current"](meeting) or ""
            field = getattr(form, text["field"])
            form.base.data = text_base(current)
            if not getattr(error, "current", None):
                error.current = [web.Difference(str(field.label.text), current,
                                                field.data or "")]
        elif isinstance(error, web.Stale):
            error = DomainError(MOVED_ON)  # not a text form: no typed text to show beside
        return _component(meeting, status=status, error=error,
                          forms={key: form} if key is not None and form is not None else None)

    return invalid


def runner_change(form=lambda meeting: ActionForm(), **refusal):
    """Declare a runner action: the policy's `meeting.run`, the meeting loaded (and locked),
    the form validated, the client key claimed (a retry is applied once), the command,
    one commit, the component (a text form saved while typing: `_autosaved`)."""
    text = refusal.get("text")
    return web.change(allow="meeting.run", load=_locked_meeting, form=form, once=True,
                      invalid=_refused(**refusal),
                      done=_autosaved(text) if text is not None else _answer)


def _petition_slot(name: str):
    return lambda: (name, request.view_args["petition_id"])


# ---- pages -----------------------------------------------------------------------------

@bp.get("/<int:session_id>")
@requires("meeting.watch")
def console(session_id: int):
    """The secretary console (or, with ?view=chair, the chair's large-type view)."""
    meeting = _meeting(session_id)
    if request.headers.get("If-None-Match") == _etag(meeting.id, stages.revision(meeting.id),
                                                     _view()):
        return _not_modified()
    return _component(meeting)


@bp.get("/<int:session_id>/chair")
@requires("meeting.watch")
def chair(session_id: int):
    """The chair's view (`runner/chair.html`): what is on now, the one next action, the
    chair's decisions (assign, answer on the spot, conclude); none of the secretary's forms."""
    g.forced_view = "chair"
    return _component(_meeting(session_id))


def _not_modified():
    response = make_response("", 304)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:session_id>/screen")
@requires("meeting.watch")
def screen(session_id: int):
    """The hall screen for a logged-in PC, in the meeting's language (Vietnamese). Polled
    every second; 304 with no body while nothing changed; once closed, a final frame."""
    revision = stages.revision(session_id)
    if revision is None:
        abort(404)
    etag = f'"s{session_id}-{revision}"'
    if request.headers.get("If-None-Match") == etag:
        return _not_modified()
    return _hall_screen(_meeting(session_id), etag, kiosk.MEETING_LANGUAGE,
                        url_for("runner.screen", session_id=session_id))


@bp.get("/<int:session_id>/hall/<token>")
def kiosk_screen(session_id: int, token: str):
    """The hall screen at a kiosk link: no login, the token is the secret (an unknown or
    revoked token, or another meeting's, is 404; a polling screen then reloads onto the 404
    page). Shows only what the hall may see, in the link's language. One query while nothing
    changed (304)."""
    found = kiosk.lookup(session_id, token)
    if found is None:
        if not request.headers.get("HX-Request"):
            abort(404)
        response = make_response("", 404)
        response.headers["HX-Refresh"] = "true"  # the polling screen reloads onto the 404
        response.headers["Cache-Control"] = "no-store"
        return response
    etag = f'"k{found.id}-{found.live_revision}"'
    if request.headers.get("If-None-Match") == etag:
        return _not_modified()
    return _hall_screen(_meeting(found.session_id), etag, found.language,
                        url_for("runner.kiosk_screen", session_id=session_id, token=token))


def _seconds_left(speaker, limit: int, now) -> int:
    spoken = speaker.spoken_seconds(now) if hasattr(speaker, "spoken_seconds") else int(
        (now - speaker.started_at).total_seconds())
    return limit - spoken


def _hall_screen(meeting: DialogueSession, etag: str, language: str, poll_url: str):
    """The hall screen (`runner/screen.html`): the stage, the speaker and the countdown, the
    queue's names, the petition being answered (personal numbers masked). A closed meeting
    answers its final frame, which polls no more (286 stops an htmx poll)."""
    queue = speakers.queue(meeting.id)
    current_speaker = speakers.current(queue)
    current_petition = db.session.get(Petition, meeting.current_petition_id) \
        if meeting.current_petition_id and not meeting.is_locked else None
    now = utcnow()
    with force_locale(language):
        response = render(
            "runner/screen.html", "screen", meeting=meeting, etag=etag, poll_url=poll_url,
            screen_lang=language, stage_labels=STAGE_LABELS, stages=stages.STAGES,
            waiting=[s for s in queue if s.status.value == "queued"],
            has_speakers=bool(queue), current_speaker=current_speaker,
            seconds_left=_seconds_left(current_speaker, meeting.speaking_limit_seconds, now)
            if current_speaker is not None else None,
            petition_text=kiosk.hall_text(current_petition.content)
            if current_petition is not None else "",
            current_petition=current_petition)
    if meeting.is_locked and request.headers.get("HX-Request"):
        response.status_code = 286
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = etag
    return response


# ---- kiosk links (the office) ------------------------------------------------------------

def _kiosk_page(meeting: DialogueSession, *, status: int = 200, form=None,
                error: DomainError | None = None):
    return render("runner/kiosk.html", "kiosk_links", status=status, meeting=meeting,
                  links=kiosk.links(meeting), form=form or KioskForm(formdata=None),
                  error=error)


@bp.get("/<int:session_id>/kiosk")
@requires("kiosk.manage")
def kiosk_links(session_id: int):
    """The meeting's kiosk links: create one for the hall's PC, copy it, revoke it."""
    return _kiosk_page(_meeting(session_id))


def _kiosk_refused(meeting, form, status, error):
    return _kiosk_page(meeting, status=status, form=form if isinstance(form, KioskForm)
                       else None, error=error)


def _kiosk_done(meeting, _link=None):
    return web.saved(redirect=url_for("runner.kiosk_links", session_id=meeting.id),
                     fragment=lambda: _kiosk_page(meeting))


@bp.post("/<int:session_id>/kiosk")
@web.change(allow="kiosk.manage", load=_meeting_or_none, form=lambda meeting: KioskForm(),
            once=True, invalid=_kiosk_refused, done=_kiosk_done)
def create_kiosk_link(meeting, form):
    """Create a kiosk link (a new secret address) for the meeting's hall screen."""
    return kiosk.create(meeting, current_user, form.label.data, form.language.data)


@bp.post("/<int:session_id>/kiosk/<int:link_id>/revoke")
@web.change(allow="kiosk.manage", load=_meeting_or_none, form=lambda meeting: ActionForm(),
            once=True, invalid=_kiosk_refused, done=_kiosk_done)
def revoke_kiosk_link(meeting, form, link_id: int):
    """Revoke a kiosk link: its address stops working at once, also on a polling screen."""
    return kiosk.revoke(meeting, current_user, link_id)


@bp.get("/<int:session_id>/briefing")
@requires("meeting.watch")
def briefing_print(session_id: int):
    """The host briefing with the previous meeting's results, laid out to print or read aloud."""
    meeting = _meeting(session_id)
    return render("runner/briefing.html", "briefing", meeting=meeting,
                  previous=briefing.previous_results(meeting, local_today()))


# ---- stage machine ---------------------------------------------------------------------

@bp.post("/<int:session_id>/start")
@runner_change()
def start(meeting, form):
    """Open the meeting (Khai mạc)."""
    stages.start(meeting, current_user)


@bp.post("/<int:session_id>/advance")
@runner_change()
def advance(meeting, form):
    """Go to the next stage; entering the conclusion with unassigned petitions asks to confirm."""
    stages.advance(meeting, current_user, confirm=form.confirm.data == "1")


@bp.post("/<int:session_id>/close")
@runner_change()
def close(meeting, form):
    """Close the meeting, lock its record (Bế mạc) and draft its conclusion notice and minutes
    for the office to edit and issue."""
    services.close(meeting, current_user, current_app.config)


# ---- opening and briefing --------------------------------------------------------------

@bp.post("/<int:session_id>/notes/<any(opening_notes, briefing):which>")
@runner_change(form=lambda meeting: NotesForm(), slot="notes",
               text=_texts(lambda m: getattr(m, request.view_args["which"]), "text"))
def save_notes(meeting, form, which: str):
    """Save the opening's reasons and program, or the host briefing text (based-on check)."""
    services.save_notes(meeting, current_user, which, form.text.data, form.base.data)


@bp.post("/<int:session_id>/attendance/<int:invitee_id>")
@runner_change()
def check_in(meeting, form, invitee_id: int):
    """Mark an invitee present."""
    attendance.check_in(meeting, current_user, invitee_id)


@bp.post("/<int:session_id>/attendance")
@runner_change(form=lambda meeting: DoorForm(prefix="door"), slot="door")
def add_at_door(meeting, form):
    """Add someone who came without an invitation."""
    return attendance.add_at_door(meeting, current_user, InviteeKind(form.kind.data),
                                  form.name.data, form.position.data, form.organisation.data)


# ---- floor discussion ------------------------------------------------------------------

@bp.post("/<int:session_id>/speakers")
@runner_change(form=lambda meeting: SpeakerForm(prefix="sp"), slot="speaker")
def add_speaker(meeting, form):
    """Add a speaker to the queue in a few keystrokes."""
    return speakers.add(meeting, current_user, form.name.data, SubmitterKind(form.kind.data),
                        form.locality.data)


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/move/<any(up, down):direction>")
@runner_change()
def move_speaker(meeting, form, speaker_id: int, direction: str):
    """Move a waiting speaker up or down the queue."""
    speakers.move(meeting, current_user, speaker_id, -1 if direction == "up" else 1)


@bp.post("/<int:session_id>/speakers/next")
@runner_change()
def next_speaker(meeting, form):
    """Give the floor to the next waiting speaker (ends the current one's turn)."""
    speakers.start(meeting, current_user)


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/start")
@runner_change()
def start_speaker(meeting, form, speaker_id: int):
    """Give the floor to this speaker."""
    speakers.start(meeting, current_user, speaker_id)


@bp.post("/<int:session_id>/speakers/stop")
@runner_change()
def stop_speaker(meeting, form):
    """End the current speaker's turn."""
    speakers.stop(meeting, current_user)


@bp.post("/<int:session_id>/speakers/pause")
@runner_change()
def pause_speaker(meeting, form):
    """Freeze the countdown of whoever has the floor."""
    speakers.pause(meeting, current_user)


@bp.post("/<int:session_id>/speakers/resume")
@runner_change()
def resume_speaker(meeting, form):
    """Let the paused speaker's countdown run again."""
    speakers.resume(meeting, current_user)


@bp.post("/<int:session_id>/speakers/<int:speaker_id>/skip")
@runner_change()
def skip_speaker(meeting, form, speaker_id: int):
    """Take a waiting speaker out of the queue."""
    speakers.skip(meeting, current_user, speaker_id)


@bp.post("/<int:session_id>/limit")
@runner_change(form=lambda meeting: LimitForm(), slot="limit")
def set_limit(meeting, form):
    """Set the per-speaker time limit of this meeting."""
    services.set_limit(meeting, current_user, form.minutes.data)


@bp.post("/<int:session_id>/petitions")
@runner_change(form=lambda meeting: PetitionForm(), slot="petition")
def add_petition(meeting, form):
    """Record what a speaker raised: a petition linked to the speaker, classified by field."""
    return services.record_petition(meeting, current_user, form)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/raise")
@runner_change()
def raise_petition(meeting, form, petition_id: int):
    """Mark a petition registered before the meeting as raised at it."""
    services.raise_petition(meeting, current_user, petition_id)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/current")
@runner_change()
def set_current(meeting, form, petition_id: int):
    """Show this petition on the room screen as the one being answered (again: stop)."""
    services.show_on_screen(meeting, current_user, petition_id)


# ---- assignment and conclusion ---------------------------------------------------------

def _disposition_forms(meeting: DialogueSession, petitions: list[Petition], agencies: list,
                       forms: dict):
    """The forms of the assignment stage, by petition: assign (every petition with no
    disposition, registered or raised; the deadline suggested), change (an assigned one,
    prefilled, carrying the assignment's version), close (one not raised)."""
    assign_forms, change_forms, close_forms = {}, {}, {}
    if not agencies:
        return assign_forms, change_forms, close_forms
    suggested = dispositions.suggested_deadline(meeting)
    for petition in petitions:
        prefix = f"p{petition.id}"
        assignment = petition.assignment
        if assignment is not None:
            change_forms[petition.id] = forms.get(("assign", petition.id)) or AssignForm(
                formdata=None, agencies=agencies, prefix=prefix, agency_id=assignment.agency_id,
                mode=assignment.mode.value, deadline=assignment.deadline,
                coordinators=[a.id for a in assignment.coordinators], answer=assignment.answer,
                beyond_authority=assignment.beyond_authority,
                not_raised=not petition.raised_at_meeting, assignment_version=assignment.version)
        elif not petition.closed_reason:
            assign_forms[petition.id] = forms.get(("assign", petition.id)) or AssignForm(
                formdata=None, agencies=agencies, mode=AnswerMode.IN_WRITING.value,
                deadline=suggested, not_raised=not petition.raised_at_meeting, prefix=prefix)
            if not petition.raised_at_meeting:
                close_forms[petition.id] = forms.get(("close", petition.id)) or \
                    CloseUnraisedForm(formdata=None, prefix=f"c{petition.id}")
    return assign_forms, change_forms, close_forms


@bp.context_processor
def _disposition_helpers():
    """What the assignment stage and the briefing print: dispositions, states, gists."""
    return {"disposition": dispositions.disposition, "status_label": status_label,
            "answer_gist": briefing.gist, "answer_of": briefing.answer_of}


def _assign_form(meeting):
    return AssignForm(prefix=f"p{request.view_args['petition_id']}")


@bp.post("/<int:session_id>/petitions/<int:petition_id>/assign")
@runner_change(form=_assign_form, slot=_petition_slot("assign"))
def assign(meeting, form, petition_id: int):
    """Assign a petition of the session (registered or raised) to a lead agency
    (+ coordinators), on the spot or in writing; an assigned one is changed (until the
    meeting closes; the form's assignment version must be the current one: 409)."""
    version = form.assignment_version.data
    return services.assign(meeting, current_user, petition_id, agency_id=form.agency_id.data,
                           mode=form.mode.data, deadline=form.deadline.data,
                           coordinators=form.coordinators.data,
                           beyond_authority=form.beyond_authority.data,
                           answer=form.answer.data, raised=not form.not_raised.data,
                           version=int(version) if (version or "").isdigit() else None)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/unassign")
@runner_change()
def unassign(meeting, form, petition_id: int):
    """Undo a petition's assignment (until the meeting closes, if the agency has not acted)."""
    dispositions.undo(meeting, current_user, petition_id)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/close")
@runner_change(form=lambda meeting: CloseUnraisedForm(
    prefix=f"c{request.view_args['petition_id']}"), slot=_petition_slot("close"))
def close_unraised(meeting, form, petition_id: int):
    """Close a petition not raised at the meeting, with a reason (no assignment)."""
    dispositions.close_unraised(meeting, current_user, petition_id, form.reason.data)


@bp.post("/<int:session_id>/petitions/<int:petition_id>/reopen")
@runner_change()
def reopen_petition(meeting, form, petition_id: int):
    """Take back the closing of a petition not raised: it waits for a disposition again."""
    dispositions.reopen(meeting, current_user, petition_id)


# ---- the office's time limits (the suggested deadline) ---------------------------------

def _time_limits_page(form: TimeLimitsForm | None = None, *, status: int = 200, error=None,
                      saved: bool = False):
    if form is None:
        setting = dispositions.time_limits_setting()
        form = TimeLimitsForm(formdata=None, version=setting.version if setting else "",
                              **dispositions.time_limits())
    return render("runner/time_limits.html", "time_limits", status=status, form=form,
                  error=error, saved=saved)


@bp.get("/time-limits")
@requires("time_limit.edit")
def time_limits():
    """The working days an agency has to answer in writing, per kind of dialogue."""
    return _time_limits_page()


@bp.post("/time-limits")
@web.change(allow="time_limit.edit", form=lambda _obj: TimeLimitsForm(),
            versioned=lambda _obj: dispositions.time_limits_setting(), once=True,
            invalid=lambda _obj, form, status, error: _time_limits_page(
                form, status=status, error=error),
            done=lambda _obj, _result=None: web.saved(
                gettext("Đã lưu thời hạn trả lời."), redirect=url_for("runner.time_limits"),
                fragment=lambda: _time_limits_page(saved=True)))
def save_time_limits(form):
    """Save the working days per kind; the assignment stage suggests deadlines from them."""
    dispositions.set_time_limits(current_user, {
        kind.value: getattr(form, kind.value).data for kind in SessionKind})


def _directive_now(meeting) -> str:
    petition = db.session.get(Petition, request.view_args["petition_id"])
    return petition.directive if petition is not None else ""


@bp.post("/<int:session_id>/petitions/<int:petition_id>/directive")
@runner_change(form=lambda meeting: DirectiveForm(prefix=f"d{request.view_args['petition_id']}"),
               slot=_petition_slot("directive"),
               text=_texts(_directive_now, "directive"))
def save_directive(meeting, form, petition_id: int):
    """The chair's directive on one petition (based-on check)."""
    services.save_directive(meeting, current_user, petition_id, form.directive.data,
                            form.base.data)


@bp.post("/<int:session_id>/conclusion")
@runner_change(form=lambda meeting: ConclusionForm(), slot="conclusion",
               text=_texts(lambda m: m.conclusion, "conclusion"))
def save_conclusion(meeting, form):
    """Save the chair's conclusion; a save based on an older text is refused with the current."""
    services.save_conclusion(meeting, current_user, form.conclusion.data, form.base.data)


@bp.post("/<int:session_id>/amendments")
@runner_change(form=lambda meeting: AmendmentForm(), slot="amendment")
def amend(meeting, form):
    """A correction to the closed record: a separate, reasoned, audited amendment."""
    return amendments.amend(meeting, current_user, form.target.data, form.text.data,
                            form.reason.data, form.petition_id.data)
