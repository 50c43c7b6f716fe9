"""The chair's dossier of a session: its page (the user's builds of it, newest first, and
the button to build one), and the start of a build, which answers with the build's
progress page. The office, the chair, administrators and observers may build any
session's; an agency officer only that of a session their agency is invited to or advises
on (any other is 404). Each user sees only their own builds (the file follows the rights
of the user who asked)."""
from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_login import current_user

from portal import web
from portal.access import requires
from portal.auth.models import Role
from portal.calendar.models import DialogueSession
from portal.dossier import build  # noqa: F401 - registers the "dossier" job kind
from portal.dossier.forms import StartForm
from portal.extensions import db
from portal.htmx import render
from portal.jobs import background
from portal.preparation.services import agencies_concerned

bp = Blueprint("dossier", __name__, url_prefix="/dossier")
KIND = "dossier"


def _meeting_or_none(session_id: int) -> DialogueSession | None:
    """The session, if the user may have its dossier (None: 404)."""
    meeting = db.session.get(DialogueSession, session_id)
    if meeting is None:
        return None
    if current_user.role == Role.OFFICER and (
            current_user.agency_id is None
            or current_user.agency_id not in agencies_concerned(meeting.id)):
        return None
    return meeting


def _page(meeting: DialogueSession, status: int = 200, error=None):
    return render("dossier/session.html", "dossier", status=status, meeting=meeting,
                  jobs=background.jobs_of(current_user, session_id=meeting.id, kind=KIND),
                  form=StartForm(formdata=None), error=error,
                  title=background.title_of)


@bp.get("/sessions/<int:session_id>")
@requires("dossier.build")
def session_page(session_id: int):
    """The user's dossier builds of the session and the button to build one (the `dossier`
    block for htmx: the session page loads it); 404 for an officer's other sessions."""
    meeting = _meeting_or_none(session_id)
    if meeting is None:
        abort(404)
    return _page(meeting)


@bp.post("/sessions/<int:session_id>")
@web.change(allow="dossier.build", load=_meeting_or_none, form=lambda _m: StartForm(),
            once=True, invalid=lambda meeting, form, status, error: _page(meeting, status, error),
            done=lambda meeting, job: web.saved(
                redirect=url_for("jobs.show", job_id=job.id) if job is not None
                else url_for("dossier.session_page", session_id=meeting.id)))
def start(meeting: DialogueSession, form):
    """Start building the dossier in the background; answers with its progress page (a
    resent click answers with the build it already started)."""
    return background.start(KIND, {"session_id": meeting.id}, current_user,
                            session_id=meeting.id)
