"""The schedule calendar (lịch tiếp xúc, đối thoại): sessions and their petitions."""
from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import READERS, STAFF, roles_required
from portal.calendar import services
from portal.calendar.forms import SessionForm
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.petitions.forms import PetitionForm
from portal.petitions.models import Channel, Petition
from portal.petitions.services import fill_petition
from portal.timefmt import LOCAL_TZ, local_to_utc, local_today

bp = Blueprint("calendar", __name__, url_prefix="/calendar")


def _month_arg() -> tuple[int, int]:
    raw = request.args.get("month", "")
    try:
        parsed = datetime.strptime(raw, "%Y-%m")
        return parsed.year, parsed.month
    except ValueError:
        today = local_today()
        return today.year, today.month


@bp.get("/")
@roles_required(*READERS)
def index():
    """The month's sessions; htmx navigation between months swaps only the `month` block."""
    year, month = _month_arg()
    prev_y, prev_m = services.shift_month(year, month, -1)
    next_y, next_m = services.shift_month(year, month, 1)
    return render(
        "calendar/index.html",
        "month",
        year=year,
        month=month,
        rows=services.sessions_in_month(year, month),
        prev_month=f"{prev_y:04d}-{prev_m:02d}",
        next_month=f"{next_y:04d}-{next_m:02d}",
    )


def _get_session(session_id: int) -> DialogueSession:
    found = db.session.get(DialogueSession, session_id)
    if found is None:
        abort(404)
    return found


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_session():
    """Create a session; a bad form is shown again with its errors and what was typed (422)."""
    form = SessionForm()
    if form.validate_on_submit():
        item = DialogueSession(status=SessionStatus.SCHEDULED)
        _fill_session(item, form)
        db.session.add(item)
        db.session.commit()
        flash(_("Đã tạo buổi đối thoại."), "success")
        return redirect_to(url_for("calendar.session_detail", session_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("calendar/session_form.html", "form", form=form, item=None, status=status)


def _fill_session(item: DialogueSession, form: SessionForm) -> None:
    item.kind = SessionKind(form.kind.data)
    item.title = form.title.data.strip()
    item.starts_at = local_to_utc(form.day.data, form.start_time.data)
    item.ends_at = local_to_utc(form.day.data, form.end_time.data) if form.end_time.data else None
    item.venue = form.venue.data.strip()
    item.host = form.host.data.strip()
    item.content = (form.content.data or "").strip()


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_session(session_id: int):
    """Edit a session that is not yet closed."""
    item = _get_session(session_id)
    if item.is_locked:
        abort(409)
    form = SessionForm()
    if request.method == "GET":
        local_start = item.starts_at.astimezone(LOCAL_TZ)
        form.kind.data = item.kind.value
        form.title.data = item.title
        form.day.data = local_start.date()
        form.start_time.data = local_start.time()
        form.end_time.data = item.ends_at.astimezone(LOCAL_TZ).time() if item.ends_at else None
        form.venue.data = item.venue
        form.host.data = item.host
        form.content.data = item.content
    elif form.validate_on_submit():
        _fill_session(item, form)
        db.session.commit()
        flash(_("Đã lưu thay đổi."), "success")
        return redirect_to(url_for("calendar.session_detail", session_id=item.id))
    status = 422 if form.is_submitted() else 200
    return render("calendar/session_form.html", "form", form=form, item=item, status=status)


def _petitions_of(session_id: int) -> list[Petition]:
    return list(
        db.session.scalars(
            select(Petition)
            .options(joinedload(Petition.field), joinedload(Petition.assignment))
            .where(Petition.session_id == session_id)
            .order_by(Petition.id)
        ).unique()
    )


@bp.get("/sessions/<int:session_id>")
@roles_required(*READERS)
def session_detail(session_id: int):
    """A session's details, its petitions, and the form to register one."""
    item = _get_session(session_id)
    return render(
        "calendar/session_detail.html",
        "petitions",
        item=item,
        petitions=_petitions_of(item.id),
        form=PetitionForm(channel=Channel.WRITING.value),
    )


@bp.post("/sessions/<int:session_id>/petitions")
@roles_required(*STAFF)
def add_petition(session_id: int):
    """Register a petition before the meeting; answers the re-rendered petitions block."""
    item = _get_session(session_id)
    if item.is_locked:
        abort(409)
    form = PetitionForm()
    status = 200
    if form.validate_on_submit():
        petition = Petition(session_id=item.id)
        fill_petition(petition, form, current_user.id)
        db.session.add(petition)
        db.session.commit()
        form = PetitionForm(formdata=None, channel=Channel.WRITING.value)
        message = _("Đã ghi nhận ý kiến, kiến nghị.")
    else:
        status, message = 422, None
    return render(
        "calendar/session_detail.html",
        "petitions",
        status=status,
        item=item,
        petitions=_petitions_of(item.id),
        form=form,
        message=message,
    )

