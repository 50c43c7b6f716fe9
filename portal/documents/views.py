"""Printable documents: the minutes PDF of a session."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response

from portal.access import READERS, roles_required
from portal.calendar.models import DialogueSession
from portal.documents.layout import render_pdf
from portal.documents.minutes import build_minutes
from portal.extensions import db

bp = Blueprint("documents", __name__, url_prefix="/documents")


@bp.get("/sessions/<int:session_id>/minutes.pdf")
@roles_required(*READERS)
def minutes_pdf(session_id: int):
    """The session's minutes as an A4 PDF (inline, so the browser can print it)."""
    meeting = db.session.get(DialogueSession, session_id)
    if meeting is None:
        abort(404)
    pdf = render_pdf(build_minutes(meeting, current_app.config),
                     current_app.config["PDF_FONT_DIRS"])
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="bien-ban-{meeting.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
