"""The public page (trang công khai), when the Office switches it on: the schedule and, per
concluded session, its conclusion and how each petition was resolved.

No login. Never a citizen's name, contact or ID number: a person shows as "Công dân N.V.A.",
an organisation by its kind only. Pages are the same for everyone (no CSRF token, no
account), so proxies and browsers may keep them for a minute (Cache-Control, ETag).
"""
from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession, SessionStatus
from portal.documents.models import Document, DocumentStatus, DocumentType, Setting
from portal.extensions import db
from portal.labels import label
from portal.petitions.models import Petition
from portal.petitions.privacy import PERSONAL_KINDS
from portal.reports.figures import initials
from portal.reports.words import PUBLIC_STATUS
from portal.reports.models import PublishedPetition, PublishedSession
from portal.tracker.models import Assignment, AssignmentStatus
from portal.types import utcnow

bp = Blueprint("public", __name__, url_prefix="/public")

PUBLIC_PAGE_KEY = "public_page"
UPCOMING_LIMIT = 20
RECENT_LIMIT = 12
PAGE_SIZE = 50
MAX_AGE = 60


def public_page_enabled() -> bool:
    """Whether the Office has switched the public page on (Setting "public_page")."""
    return switched_on(db.session.get(Setting, PUBLIC_PAGE_KEY))


def switched_on(setting: Setting | None) -> bool:
    """Whether the public page's setting row (None: there is none) says it is on."""
    value = setting.value if setting is not None else None
    return isinstance(value, dict) and value.get("enabled") is True


def switch_public_page(enabled: bool, user) -> bool:
    """Switch the public page on or off (the command of the dashboard's switch; it does not
    commit). The setting's version guards against a switch made from a stale page."""
    setting = db.session.get(Setting, PUBLIC_PAGE_KEY)
    if setting is None:
        setting = Setting(key=PUBLIC_PAGE_KEY, value={})
        db.session.add(setting)
    setting.value = {**(setting.value or {}), "enabled": enabled}
    return enabled


def public_submitter(petition: Petition) -> str:
    """ "Công dân N.V.A." for a person; the kind alone for an organisation or a delegate."""
    kind = label(petition.submitter_kind)
    if petition.submitter_kind in PERSONAL_KINDS:
        letters = initials(petition.submitter_name)
        return f"{kind} {letters}" if letters else kind
    return kind


def public_status(assignment: Assignment | None) -> str:
    text = str(PUBLIC_STATUS[assignment.status if assignment is not None else None])
    if assignment is not None and assignment.status == AssignmentStatus.REPORTED_UPWARD \
            and assignment.upper_body:
        text += f" ({assignment.upper_body})"
    return text


def _cacheable(body: str):
    response = make_response(body)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.add_etag()
    return response.make_conditional(request)


def _require_enabled() -> None:
    if not public_page_enabled():
        abort(404)


def _notices(session_ids: list[int]) -> dict[int, Document]:
    """The latest issued conclusion notice (thông báo kết luận) of each session, one query."""
    if not session_ids:
        return {}
    docs = db.session.scalars(
        select(Document).where(Document.session_id.in_(session_ids),
                               Document.doc_type == DocumentType.TB,
                               Document.status == DocumentStatus.ISSUED)
        .order_by(Document.issued_on, Document.id))
    return {doc.session_id: doc for doc in docs}  # later ones win


@bp.get("/")
def index():
    """The schedule (upcoming and recent sessions) and the recent sessions' conclusions;
    404 while the page is switched off."""
    _require_enabled()
    now = utcnow()
    visible = DialogueSession.status != SessionStatus.CANCELLED
    upcoming = db.session.scalars(
        select(DialogueSession).where(visible, DialogueSession.starts_at >= now)
        .order_by(DialogueSession.starts_at, DialogueSession.id).limit(UPCOMING_LIMIT)).all()
    recent = db.session.scalars(
        select(DialogueSession).where(visible, DialogueSession.starts_at < now)
        .order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc())
        .limit(RECENT_LIMIT)).all()
    concluded = [s.id for s in recent if s.status == SessionStatus.CONCLUDED]
    published = {p.session_id: p for p in db.session.scalars(
        select(PublishedSession).where(PublishedSession.session_id.in_(concluded)))} \
        if concluded else {}
    concluded = [sid for sid in concluded if sid in published]
    counts = dict(db.session.execute(
        select(PublishedPetition.session_id, func.count(PublishedPetition.petition_id))
        .where(PublishedPetition.session_id.in_(concluded))
        .group_by(PublishedPetition.session_id)).all()) if concluded else {}
    body = render_template("public/index.html", upcoming=upcoming, recent=recent,
                           counts=counts, notices=_notices(concluded), published=published,
                           concluded=SessionStatus.CONCLUDED)
    return _cacheable(body)


@bp.get("/sessions/<int:session_id>")
def meeting(session_id: int):
    """A concluded session: its conclusion and how each petition was resolved (50 a page);
    404 while the page is off or when the session is not concluded."""
    _require_enabled()
    meeting = db.session.get(DialogueSession, session_id)
    published = db.session.get(PublishedSession, session_id)
    if meeting is None or meeting.status != SessionStatus.CONCLUDED or published is None:
        abort(404)  # only what the office reviewed and published is public
    page = db.paginate(
        select(PublishedPetition).options(
            joinedload(PublishedPetition.petition).joinedload(Petition.field),
            joinedload(PublishedPetition.petition).joinedload(Petition.assignment)
            .joinedload(Assignment.agency))
        .where(PublishedPetition.session_id == meeting.id)
        .order_by(PublishedPetition.petition_id),
        per_page=PAGE_SIZE, error_out=False)
    body = render_template("public/session.html", meeting=meeting, page=page,
                           published=published,
                           notice=_notices([meeting.id]).get(meeting.id),
                           submitter=public_submitter, status_text=public_status)
    return _cacheable(body)
