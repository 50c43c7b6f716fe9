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

import re
import time
import uuid

from flask import (Blueprint, Response, abort, current_app, g, jsonify, make_response,
                   request, url_for)
from flask_babel import force_locale, get_locale, gettext
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal import web
from portal.access import requires
from portal.auth.polls import unchanged_poll
from portal.calendar.models import DialogueSession, SessionKind
from portal.errors import N_, DomainError, NeedsConfirmation
from portal.extensions import db
from portal.htmx import is_fragment_request, render
from portal.labels import STAGE_LABELS
from portal.papers import script
from portal.petitions.forms import PetitionForm
from portal.petitions import privacy
from portal.petitions.models import Channel, Petition, SubmitterKind
from portal.preparation.models import InviteeKind
from portal.runner import (amendments, attendance, briefing, dispositions, floor, kiosk,
                           live, services, speakers, stages)
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


CSRF_MARK = "csrf-mark-d1c5b7"
KEY_MARK = "client-key-mark-d1c5b7"


def _render_key(session_id: int, revision: int | None) -> tuple:
    """Who sees the same component: the meeting at its revision, the view, the role and the
    agency (what `may` answers), the language, the second (countdowns carry the time)."""
    user = current_user
    return ("runner", session_id, revision, _view(), user.role.value,
            getattr(user, "agency_id", None), str(get_locale()), int(floor.now().timestamp()))


def _fill_marks(body: str) -> str:
    """The cached component with this request's CSRF token and a fresh key per form."""
    body = body.replace(CSRF_MARK, generate_csrf())
    return re.sub(KEY_MARK, lambda _m: uuid.uuid4().hex, body)


def _cached_component(session_id: int, revision: int | None):
    """The runner fragment of this revision as rendered in this second, if it was."""
    if not is_fragment_request():
        return None
    body = live.renders.get(_render_key(session_id, revision))
    if body is None:
        return None
    return _component_response(make_response(_fill_marks(body)))


def _component_response(response):
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    return response


def _component(meeting: DialogueSession, *, status: int = 200, error: DomainError | None = None,
               forms: dict | None = None):
    """Render the runner component (or the whole page) with everything the stage needs. The
    plain fragment (no message, no form as typed) is rendered once per revision and second
    and shared (`live.renders`)."""
    revision = stages.revision(meeting.id)
    if status != 200 or error is not None or forms or not is_fragment_request():
        return _render_component(meeting, revision, status=status, error=error, forms=forms)
    def make() -> str:
        real = generate_csrf()
        g.csrf_token, g.client_key_mark = CSRF_MARK, KEY_MARK
        try:
            return _render_component(meeting, revision).get_data(as_text=True)
        finally:
            g.csrf_token = real
            g.pop("client_key_mark", None)

    body = live.renders.get_or_make(_render_key(meeting.id, revision), make)
    return _component_response(make_response(_fill_marks(body)))


def _render_component(meeting: DialogueSession, revision: int | None, *, status: int = 200,
                      error: DomainError | None = None, forms: dict | None = None):
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
        locality=current_speaker.locality if current_speaker else "",
        locality_id=(current_speaker.locality_id or 0) if current_speaker else 0)
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
        viewer=privacy.meeting_viewer(current_user, meeting.id),
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
    """The secretary console (or, with ?view=chair, the chair's large-type view); 304 while
    the revision is the one the page has (If-None-Match), the shared render of this
    revision when there is one; 404 for no such meeting."""
    revision = live.revision(current_app, session_id)
    if revision is None:
        abort(404)
    if request.headers.get("If-None-Match") == _etag(session_id, revision, _view()):
        return _not_modified()
    return _cached_component(session_id, revision) or _component(_meeting(session_id))


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


def _screen_etag(session_id: int) -> str | None:
    """The logged-in hall screen's ETag now, as the listener heard it (None: ask)."""
    revision = live.hub.known(session_id)
    return None if revision is None else f'"s{session_id}-{revision}"'


@bp.get("/<int:session_id>/screen")
@unchanged_poll(_screen_etag)
@requires("meeting.watch")
def screen(session_id: int):
    """The hall screen for a logged-in PC, in the meeting's language (Vietnamese). It follows
    the meeting's event stream and polls as a fallback; 304 with no body while nothing
    changed (the login check and, while the listener hears every change, nothing else);
    once closed, a final frame."""
    revision = live.revision(current_app, session_id)
    if revision is None:
        abort(404)
    etag = f'"s{session_id}-{revision}"'
    if request.headers.get("If-None-Match") == etag:
        return _not_modified()
    return _hall_answer(session_id, revision, etag, kiosk.MEETING_LANGUAGE,
                        url_for("runner.screen", session_id=session_id),
                        url_for("runner.events", session_id=session_id, frames="hall"))


@bp.get("/<int:session_id>/hall/<token>")
def kiosk_screen(session_id: int, token: str):
    """The hall screen at a kiosk link: no login, the token is the secret (an unknown or
    revoked token, or another meeting's, is 404; a polling screen then reloads onto the 404
    page). Shows only what the hall may see, in the link's language. One query while nothing
    changed (304), none at all within kiosk.TRUST_SECONDS of
    the last query (a revoke bumps the revision, so the ETag no longer matches)."""
    sent = request.headers.get("If-None-Match")
    if sent and sent == kiosk.recent_etag(session_id, token, live.hub.known(session_id)):
        return _not_modified()
    found = kiosk.lookup(session_id, token)
    if found is None:
        if not request.headers.get("HX-Request"):
            abort(404)
        response = make_response("", 404)
        response.headers["HX-Refresh"] = "true"  # the polling screen reloads onto the 404
        response.headers["Cache-Control"] = "no-store"
        return response
    etag = kiosk.checked(session_id, token, found)
    if sent == etag:
        return _not_modified()
    return _hall_answer(found.session_id, found.live_revision, etag, found.language,
                        url_for("runner.kiosk_screen", session_id=session_id, token=token),
                        url_for("runner.kiosk_events", session_id=session_id, token=token))


def _hall_answer(session_id: int, revision: int, etag: str, language: str, poll_url: str,
                 events_url: str):
    """The hall screen's frame as an answer (`_hall_frame`)."""
    body, status = _hall_frame(session_id, revision, etag, language, poll_url, events_url)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = etag
    return response


def _hall_frame(session_id: int, revision: int, etag: str, language: str, poll_url: str,
                events_url: str) -> tuple[str, int]:
    """The hall screen's frame (body, status), rendered once per revision, address and
    second, and shared by every screen that asks meanwhile, and by the event streams that
    push it (it holds nothing per person: no form, no token of a session)."""
    key = ("hall", session_id, revision, language, poll_url, is_fragment_request(),
           bool(request.headers.get("HX-Request")), int(floor.now().timestamp()))

    def make():
        response = _hall_screen(_meeting(session_id), etag, language, poll_url, events_url)
        return response.get_data(as_text=True), response.status_code

    return live.renders.get_or_make(key, make)


# ---- the live stream (server-sent events) ----------------------------------------------

@bp.get("/<int:session_id>/events")
@requires("meeting.watch")
def events(session_id: int):
    """The meeting's live stream (text/event-stream) for the pages that watch it, with their
    access check: «changed» with the revision at once and after each change (the console
    and the chair's view then fetch their own component), or for the hall screen
    (`?frames=hall`) the new frame itself («frame»); «ping» while nothing happens. It ends
    once the login session ends (a last «changed», then «closed»). 404 for no such
    meeting."""
    revision = live.revision(current_app, session_id)
    if revision is None:
        abort(404)
    from portal.access import POLICY
    from portal.auth.services import session_user

    login_id, config = current_user.login_session_id, current_app.config

    def still_watching():
        user = session_user(login_id, config, passive=True)
        if user is None or user.role not in POLICY["meeting.watch"]:
            return None
        return stages.revision(session_id)

    frame = None
    if request.args.get("frames") == "hall":
        poll_url = url_for("runner.screen", session_id=session_id)
        events_url = url_for("runner.events", session_id=session_id, frames="hall")

        def frame(now: int):
            return _hall_frame(session_id, now, f'"s{session_id}-{now}"',
                               kiosk.MEETING_LANGUAGE, poll_url, events_url)

    return _stream(session_id, revision, still_watching, frame, url_for(
        "runner.screen", session_id=session_id), who=("login", session_id, login_id))


@bp.get("/<int:session_id>/hall/<token>/events")
def kiosk_events(session_id: int, token: str):
    """The live stream of a kiosk link's hall screen, pushing each new frame («frame»): the
    token is the secret (404 for an unknown or revoked one, or another meeting's), checked
    again before each frame; the stream ends once the link is revoked."""
    found = kiosk.lookup(session_id, token)
    if found is None:
        abort(404)
    link_id, language = found.id, found.language
    poll_url = url_for("runner.kiosk_screen", session_id=session_id, token=token)
    events_url = url_for("runner.kiosk_events", session_id=session_id, token=token)

    def still_valid():
        link = kiosk.lookup(session_id, token)
        return link.live_revision if link is not None else None

    def frame(now: int):
        return _hall_frame(session_id, now, f'"k{link_id}-{now}"', language, poll_url,
                           events_url)

    return _stream(session_id, found.live_revision, still_valid, frame, poll_url,
                   who=("kiosk", session_id, token))


def _stream(session_id: int, seen: int, check, frame=None, frame_url: str = "/",
            who: tuple = ()):
    """The event stream. It holds no database connection while it waits (the hub wakes it).
    After a change it sends, for a page that fetches its own (`frame` None), «changed» at
    once with no query; for the hall screen, `check()` first (the access still holds: one
    query; None when it is gone) then `frame(revision)`, the shared render, as «frame».
    While nothing happens, every HEARTBEAT_SECONDS it asks `check()` (None once the login
    session ended or the kiosk link was revoked: a last «changed», then «closed») and
    pings. After a change, the streams of the same `who` (a kiosk link, a login session)
    share one check per revision in this process (`live.checks`)."""
    app = current_app._get_current_object()

    def ask(render: bool, heard: int | None = None):
        """(revision now, frame or None), or None once access is gone."""
        with app.test_request_context(frame_url, headers={"HX-Request": "true"}):
            try:
                now = live.checks.get_or_make((who, heard), check) \
                    if who and heard is not None else check()
                if now is None or not render:
                    return None if now is None else (now, None)
                return now, frame(now)
            finally:
                db.session.remove()

    def pushed(now: int, rendered) -> str:
        body, status = rendered
        lines = "".join(f"data: {line}\n" for line in body.splitlines())
        closed = "event: closed\ndata: -1\n\n" if status == 286 else ""
        return f"id: {now}\nevent: frame\n{lines}\n{closed}"

    def frames():
        nonlocal seen
        yield f"retry: 1000\nevent: changed\ndata: {seen}\n\n"
        ends = time.monotonic() + live.STREAM_SECONDS
        while time.monotonic() < ends and not live.hub.closed:
            heard = live.hub.wait(session_id, seen, live.HEARTBEAT_SECONDS)
            if live.hub.closed:
                break
            if heard is not None and heard >= 0 and frame is None:
                seen = heard
                yield f"event: changed\ndata: {seen}\n\n"
                continue
            try:
                found = ask(render=heard is not None and frame is not None, heard=heard)
            except Exception:  # noqa: BLE001 - the database is away: the page polls
                app.logger.warning("live stream check failed", exc_info=True)
                return
            if found is None:
                yield "event: changed\ndata: -1\n\nevent: closed\ndata: -1\n\n"
                return
            now, rendered = found
            if rendered is not None:
                seen = now
                yield pushed(now, rendered)
            elif heard is None and now == seen:
                yield f"event: ping\ndata: {seen}\n\n"
            else:  # a change the hub could not tell (its listener reconnected)
                seen = now
                yield f"event: changed\ndata: {seen}\n\n"

    live.start(app)
    response = Response(frames(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _seconds_left(speaker, limit: int, now) -> int:
    spoken = speaker.spoken_seconds(now) if hasattr(speaker, "spoken_seconds") else int(
        (now - speaker.started_at).total_seconds())
    return limit - spoken


def _hall_screen(meeting: DialogueSession, etag: str, language: str, poll_url: str,
                 events_url: str):
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
            events_url=events_url,
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
                  previous=briefing.previous_results(meeting, local_today()),
                  viewer=privacy.meeting_viewer(current_user, meeting.id))


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
    for the office to edit and issue; petitions with no disposition ask to confirm first
    (409 naming them, with a «Vẫn bế mạc» button)."""
    services.close(meeting, current_user, current_app.config,
                   confirm=form.confirm.data == "1")


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
