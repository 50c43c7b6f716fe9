"""The schedule calendar (lịch tiếp xúc, đối thoại).

Month grid, year overview and list of the sessions a user may see, filtered by kind,
leader, status and agency (every state is a shareable URL); sessions created, edited,
rescheduled, cancelled and restored, with conflicts flagged before saving; iCalendar
feeds at secret URLs; and the petitions registered before a meeting.
"""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.access import READERS, STAFF, roles_required
from portal.admin.models import Agency
from portal.auth.models import Role, User
from portal.calendar import conflicts as conflict_rules
from portal.calendar import ical, services
from portal.calendar.forms import (
    ANY,
    CalendarFilterForm,
    CancelForm,
    FeedForm,
    ListRangeForm,
    RescheduleForm,
    RestoreForm,
    SessionForm,
)
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.calendar.rules import working_calendar
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to, render
from portal.labels import label
from portal.petitions.models import Petition
from portal.timefmt import LOCAL_TZ, local_to_utc, local_today

try:  # the preparation package counts the overdue checklist steps, when it is there
    from portal.preparation.services import overdue_counts
except ImportError:  # pragma: no cover - depends on the other package
    overdue_counts = None

bp = Blueprint("calendar", __name__, url_prefix="/calendar")

VIEWS = ("month", "year", "list")
LIST_PAGE_SIZE = 25
# How far back a feed reaches: calendar clients keep what they already have.
FEED_HISTORY = timedelta(days=400)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


# --------------------------------------------------------------------------- the calendar views


@dataclass
class CalendarState:
    """What the calendar shows: the view, the period, the page and the filters."""

    view: str
    year: int
    month: int
    start: date | None = None
    end: date | None = None
    page: int = 1
    filters: dict[str, str] = field(default_factory=dict)  # query-string filters, non-empty

    def url(self, **changes) -> str:
        """The shareable URL of this state, with `changes` (view, year, month, start, end,
        page) applied; the filters are kept."""
        view = changes.get("view", self.view)
        year = changes.get("year", self.year)
        month = changes.get("month", self.month)
        args = dict(self.filters)
        if view == "month":
            args["month"] = f"{year:04d}-{month:02d}"
        elif view == "year":
            args.update(view="year", year=str(year))
        else:
            args["view"] = "list"
            start = changes.get("start", self.start)
            end = changes.get("end", self.end)
            if start:
                args["from"] = start.strftime("%d-%m-%Y")
            if end:
                args["to"] = end.strftime("%d-%m-%Y")
            page = changes.get("page", self.page if "start" not in changes else 1)
            if page and page > 1:
                args["page"] = str(page)
        return url_for("calendar.index", **args)


def _month_arg() -> tuple[int, int] | None:
    raw = request.args.get("month", "")
    try:
        parsed = datetime.strptime(raw, "%Y-%m")
    except ValueError:
        return None
    return parsed.year, parsed.month


def _year_arg() -> int | None:
    raw = request.args.get("year", "")
    return int(raw) if raw.isdigit() and 1900 <= int(raw) <= 2200 else None


def _read_state(form: CalendarFilterForm, range_form: ListRangeForm, today: date,
                officer: bool) -> CalendarState:
    view = request.args.get("view", "month")
    view = view if view in VIEWS else "month"
    year_month = _month_arg()
    year = _year_arg()
    if year_month is None:
        year_month = (year, 1) if year and year != today.year else (today.year, today.month)
    if year is None:
        year = year_month[0]
    filters = {name: form.value(name) for name in ("kind", "host", "status", "agency")}
    if officer:
        filters.pop("agency")
    state = CalendarState(view=view, year=year if view == "year" else year_month[0],
                          month=year_month[1],
                          filters={k: v for k, v in filters.items() if v != ANY})
    if view == "list":
        state.start = range_form.start.data
        state.end = range_form.end.data
        if not request.args.get("from") and not request.args.get("to"):
            state.start = today
        page = request.args.get("page", "1")
        state.page = int(page) if page.isdigit() and int(page) > 0 else 1
    return state


def _session_filter(state: CalendarState) -> services.SessionFilter:
    f = state.filters
    wanted = services.SessionFilter(
        kind=SessionKind(f["kind"]) if f.get("kind") else None,
        host=f.get("host") or None,
        status=SessionStatus(f["status"]) if f.get("status") else None,
        agency_id=int(f["agency"]) if f.get("agency") else None,
    )
    return services.scoped_filter(current_user, wanted)


def _overdue(session_ids: list[int], today: date) -> dict[int, int]:
    if overdue_counts is None or not session_ids:
        return {}
    return overdue_counts(session_ids, today)


def _month_context(state: CalendarState, wanted, today: date) -> dict:
    first, last = services.month_weeks(state.year, state.month)
    sessions = services.sessions_between(first, last + timedelta(days=1), wanted)
    cal = working_calendar(first, last)
    prev_y, prev_m = services.shift_month(state.year, state.month, -1)
    next_y, next_m = services.shift_month(state.year, state.month, 1)
    return dict(
        weeks=services.month_grid(state.year, state.month, sessions, cal, today),
        overdue=_overdue([s.id for s in sessions], today),
        prev_url=state.url(year=prev_y, month=prev_m),
        next_url=state.url(year=next_y, month=next_m),
        today_url=state.url(year=today.year, month=today.month),
        session_total=sum(1 for s in sessions if s.starts_at.astimezone(LOCAL_TZ).month
                          == state.month),
    )


def _year_context(state: CalendarState, wanted, today: date) -> dict:
    counts = services.sessions_per_day(state.year, wanted)
    cal = working_calendar(date(state.year, 1, 1) - timedelta(days=7),
                          date(state.year, 12, 31) + timedelta(days=7))
    return dict(
        months=services.year_grid(state.year, counts, cal, today),
        prev_url=state.url(year=state.year - 1),
        next_url=state.url(year=state.year + 1),
        today_url=state.url(year=today.year, month=today.month),
        session_total=sum(counts.values()),
    )


def _list_context(state: CalendarState, wanted, today: date) -> dict:
    page = db.paginate(services.list_query(state.start, state.end, wanted), page=state.page,
                       per_page=LIST_PAGE_SIZE, error_out=False)
    ids = [s.id for s in page.items]
    return dict(
        page=page,
        petitions=services.petition_counts(ids),
        overdue=_overdue(ids, today),
        today_url=state.url(start=today, end=None),
    )


@bp.get("/")
@login_required
def index():
    """The schedule as a month grid (default), a year overview or a list, filtered.

    An htmx request (navigation, a filter changed) gets only the `calendar` block and an
    HX-Push-Url with the state's canonical URL. An officer sees only the sessions their
    agency takes part in, whatever agency the URL names. A bad date range answers 422 with
    the field's error.
    """
    officer = current_user.role == Role.OFFICER
    today = local_today()
    form = CalendarFilterForm(request.args, hosts=services.hosts(),
                              agencies=[] if officer else services.agencies())
    range_form = ListRangeForm(request.args)
    state = _read_state(form, range_form, today, officer)
    status = 200
    if state.view == "list":
        if not range_form.validate():
            status = 422
            state.start = None if range_form.start.errors else state.start
            state.end = None if range_form.end.errors else state.end
        for bound in (range_form.start, range_form.end):  # shown as dd/mm/yyyy
            if bound.data and not bound.errors:
                bound.raw_data = [bound.format(bound.data)]
    wanted = _session_filter(state)
    context = {"month": _month_context, "year": _year_context, "list": _list_context}
    view_urls = {
        "month": state.url(view="month"),
        "year": state.url(view="year"),
        "list": state.url() if state.view == "list" else
        state.url(view="list", start=date(state.year, state.month, 1), end=None),
    }
    response = render(
        "calendar/index.html",
        "calendar",
        status=status,
        form=form,
        range_form=range_form,
        state=state,
        today=today,
        officer=officer,
        can_edit=current_user.role in STAFF,
        can_open=current_user.role in READERS,
        view_urls=view_urls,
        **context[state.view](state, wanted, today),
    )
    if is_fragment_request():
        response.headers["HX-Push-Url"] = state.url()
    return response


# --------------------------------------------------------------------------- sessions


def _get_session(session_id: int) -> DialogueSession:
    found = db.session.get(DialogueSession, session_id)
    if found is None:
        abort(404)
    return found


def _when_of(form) -> tuple[datetime, datetime | None] | None:
    """The start and end instants a form describes, or None while its date or time is bad."""
    if not form.day.data or not form.start_time.data:
        return None
    starts_at = local_to_utc(form.day.data, form.start_time.data)
    end = form.end_time.data
    ends_at = local_to_utc(form.day.data, end) if end and end > form.start_time.data else None
    return starts_at, ends_at


def _conflicts_of(form, item: DialogueSession | None, host: str | None) -> list:
    """The conflicts of what the form describes (nothing for a cancelled session)."""
    if item is not None and item.status == SessionStatus.CANCELLED:
        return []
    when = _when_of(form)
    if when is None:  # no time yet: the day alone can still be a day off
        off = conflict_rules.day_off(form.day.data) if form.day.data else None
        return [off] if off else []
    return conflict_rules.find_conflicts(
        starts_at=when[0], ends_at=when[1], venue=(form.venue.data or "").strip(),
        host=(host or "").strip(), exclude_id=item.id if item is not None else None,
    )


def _stale(form, item: DialogueSession) -> bool:
    """True when someone else saved the session since the user opened the form."""
    return form.version.data is not None and form.version.data != item.version


def _apply_when(item: DialogueSession, form) -> None:
    item.starts_at, item.ends_at = _when_of(form)
    item.venue = form.venue.data.strip()
    if item.status == SessionStatus.TENTATIVE and form.confirm_date.data:
        item.status = SessionStatus.SCHEDULED


def _fill_session(item: DialogueSession, form: SessionForm) -> None:
    item.kind = SessionKind(form.kind.data)
    item.title = form.title.data.strip()
    item.host = form.host.data.strip()
    item.content = (form.content.data or "").strip()
    _apply_when(item, form)


def _load_when(form, item: DialogueSession) -> None:
    local_start = item.starts_at.astimezone(LOCAL_TZ)
    form.day.data = local_start.date()
    form.start_time.data = local_start.time()
    form.end_time.data = item.ends_at.astimezone(LOCAL_TZ).time() if item.ends_at else None
    form.venue.data = item.venue
    form.version.data = item.version


def _commit_or_conflict() -> bool:
    """Commit; False (and rolled back) if another person saved the row in between."""
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return False
    return True


def _form_page(template: str, form, item, *, conflicts=(), blocked=False, stale=False,
               status=200):
    return render(template, "form", status=status, form=form, item=item,
                  conflicts=list(conflicts), blocked=blocked, stale=stale,
                  check_url=url_for("calendar.check_conflicts",
                                    session_id=item.id if item is not None else None))


def _save_when(form, item: DialogueSession | None, host: str, template: str, apply):
    """The common path of create, edit and reschedule: validate, check conflicts, save.

    Returns a response: the form again (422 with field errors or with the conflicts and the
    "save anyway" box; 409 if someone else saved meanwhile), or a redirect once saved.
    """
    if item is not None and form.is_submitted() and _stale(form, item):
        return _form_page(template, form, item, stale=True, status=409)
    if not form.validate_on_submit():
        return _form_page(template, form, item, status=422 if form.is_submitted() else 200,
                          conflicts=_conflicts_of(form, item, host) if form.is_submitted()
                          else ())
    found = _conflicts_of(form, item, host)
    if found and not form.ignore_conflicts.data:
        return _form_page(template, form, item, conflicts=found, blocked=True, status=422)
    created = item is None
    if created:
        item = DialogueSession(status=SessionStatus.SCHEDULED)
        apply(item)
        db.session.add(item)
    else:
        item.is_customized = True
        apply(item)
    if not _commit_or_conflict():
        return _form_page(template, form, db.session.get(DialogueSession, item.id),
                          stale=True, status=409)
    flash(_("Đã tạo buổi đối thoại.") if created else _("Đã lưu thay đổi."), "success")
    return redirect_to(url_for("calendar.session_detail", session_id=item.id))


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*STAFF)
def new_session():
    """Create a session. A bad form comes back with its errors and what was typed (422);
    conflicts come back listed (422) until "Vẫn lưu dù trùng lịch" is ticked."""
    form = SessionForm()
    return _save_when(form, None, form.host.data or "", "calendar/session_form.html",
                      lambda item: _fill_session(item, form))


def _editable(session_id: int) -> DialogueSession:
    item = _get_session(session_id)
    if item.is_locked:
        abort(409)
    return item


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*STAFF)
def edit_session(session_id: int):
    """Edit a session that is not yet closed (409 once closed); marks it customized so that
    regenerating the plan leaves it be. Ticking "Xác nhận ngày giờ" confirms a tentative one."""
    item = _editable(session_id)
    form = SessionForm()
    if request.method == "GET":
        form.kind.data = item.kind.value
        form.title.data = item.title
        form.host.data = item.host
        form.content.data = item.content
        _load_when(form, item)
    return _save_when(form, item, form.host.data or "", "calendar/session_form.html",
                      lambda target: _fill_session(target, form))


@bp.route("/sessions/<int:session_id>/reschedule", methods=["GET", "POST"])
@roles_required(*STAFF)
def reschedule_session(session_id: int):
    """Move a session to another date, time or venue (dời lịch), conflicts checked."""
    item = _editable(session_id)
    form = RescheduleForm()
    if request.method == "GET":
        _load_when(form, item)
    return _save_when(form, item, item.host, "calendar/reschedule.html",
                      lambda target: _apply_when(target, form))


@bp.post("/sessions/check")
@roles_required(*STAFF)
def check_conflicts():
    """The live conflict check while a session form is filled in: answers the `conflicts`
    block for the date, times, venue and leader posted; saves nothing."""
    session_id = request.args.get("session_id", type=int)
    item = _get_session(session_id) if session_id else None
    form = SessionForm()
    host = form.host.data if "host" in request.form else (item.host if item else "")
    return render("calendar/session_form.html", "conflicts", form=form, item=item,
                  conflicts=_conflicts_of(form, item, host), blocked=False, stale=False,
                  check_url=url_for("calendar.check_conflicts", session_id=session_id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@roles_required(*STAFF)
def cancel_session(session_id: int):
    """Cancel a session with a reason (required, kept); 409 once it has started or closed."""
    item = _editable(session_id)
    if item.status not in (SessionStatus.TENTATIVE, SessionStatus.SCHEDULED):
        abort(409)
    form = CancelForm()
    if request.method == "GET":
        form.version.data = item.version
    elif _stale(form, item):
        return render("calendar/cancel.html", "form", status=409, form=form, item=item,
                      stale=True)
    if form.validate_on_submit():
        item.status = SessionStatus.CANCELLED
        item.cancel_reason = form.reason.data.strip()
        item.is_customized = True
        if not _commit_or_conflict():
            return render("calendar/cancel.html", "form", status=409, form=form,
                          item=_get_session(session_id), stale=True)
        flash(_("Đã hủy buổi đối thoại."), "success")
        return redirect_to(url_for("calendar.session_detail", session_id=item.id))
    return render("calendar/cancel.html", "form", status=422 if form.is_submitted() else 200,
                  form=form, item=item, stale=False)


@bp.post("/sessions/<int:session_id>/restore")
@roles_required(*STAFF)
def restore_session(session_id: int):
    """Restore a cancelled session to the status it had before (409 if not cancelled)."""
    item = _editable(session_id)
    form = RestoreForm()
    if item.status != SessionStatus.CANCELLED or not form.validate() or _stale(form, item):
        abort(409)
    item.status = services.status_before_cancel(item.id)
    item.cancel_reason = ""
    item.is_customized = True
    if not _commit_or_conflict():
        abort(409)
    flash(_("Đã khôi phục buổi đối thoại."), "success")
    return redirect_to(url_for("calendar.session_detail", session_id=item.id))


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
    """A session's details and links to its preparation, petitions, runner and documents."""
    item = _get_session(session_id)
    count = db.session.scalar(
        select(func.count(Petition.id)).where(Petition.session_id == item.id))
    return render("calendar/session_detail.html", "petitions", item=item, petition_count=count)



# --------------------------------------------------------------------------- iCalendar


def _describe(item: DialogueSession) -> str:
    """An event's DESCRIPTION: the kind, the leader, the content; the reason if cancelled."""
    lines = [label(item.kind), _("Chủ trì: %(host)s", host=item.host)]
    if item.status == SessionStatus.TENTATIVE:
        lines.append(_("Ngày giờ dự kiến, chưa chốt."))
    if item.status == SessionStatus.CANCELLED and item.cancel_reason:
        lines.append(_("Đã hủy. Lý do: %(reason)s", reason=item.cancel_reason))
    if item.content:
        lines += ["", item.content]
    return "\n".join(lines)


def _ics_response(sessions: list[DialogueSession], name: str, filename: str | None):
    domain = current_app.config.get("ICAL_UID_DOMAIN") or request.host.split(":")[0]
    with force_locale("vi"):  # a calendar client's language is not the reader's choice
        body = ical.build_calendar(
            sessions, name=name, domain=domain, describe=_describe,
            last_modified=services.last_changes([s.id for s in sessions]),
        )
    response = make_response(body)
    response.headers["Content-Type"] = ical.CONTENT_TYPE
    disposition = "attachment" if filename else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename or "lich.ics"}"'
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/sessions/<int:session_id>.ics")
@roles_required(*READERS)
def session_ics(session_id: int):
    """One session as an .ics file to add to a calendar (a plain download)."""
    item = _get_session(session_id)
    return _ics_response([item], item.title, filename=f"buoi-doi-thoai-{item.id}.ics")


@bp.get("/feeds/<token>.ics")
def feed(token: str):
    """A user's or an agency's calendar feed. No login (calendar clients cannot log in): the
    token is the secret; an unknown token is 404. The feed holds what its owner may see:
    staff and observers every session, an officer or an agency the sessions it is involved
    in; nothing about citizens."""
    if not _TOKEN.fullmatch(token):
        abort(404)
    user = db.session.scalar(select(User).where(User.feed_token == token))
    if user is not None and user.is_active_account:
        query = services.visible_sessions(user=user)
        with force_locale("vi"):
            name = _("Lịch đối thoại — %(name)s", name=user.full_name)
    else:
        agency = db.session.scalar(select(Agency).where(Agency.feed_token == token))
        if agency is None or not agency.is_active:
            abort(404)
        query = services.visible_sessions(agency_id=agency.id)
        with force_locale("vi"):
            name = _("Lịch đối thoại — %(name)s", name=agency.name)
    since = datetime.now(timezone.utc) - FEED_HISTORY
    sessions = list(db.session.scalars(
        query.where(DialogueSession.starts_at >= since)
        .order_by(DialogueSession.starts_at, DialogueSession.id)
    ))
    return _ics_response(sessions, name, filename=None)


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


def _feed_agencies() -> list[Agency]:
    """The agencies whose feed the user manages: staff all, an officer their own."""
    if current_user.role in STAFF:
        return list(db.session.scalars(
            select(Agency).where(Agency.is_active).order_by(Agency.name)))
    if current_user.role == Role.OFFICER and current_user.agency is not None:
        return [current_user.agency]
    return []


def _feeds_page(status: int = 200, message: str | None = None):
    return render("calendar/feeds.html", "feeds", status=status, form=FeedForm(),
                  agencies=_feed_agencies(), message=message)


@bp.get("/feeds")
@login_required
def feeds():
    """The "Lịch của tôi (iCalendar)" panel: the user's feed address and their agency's (or,
    for staff, every agency's), each created on demand and renewable."""
    return _feeds_page()


@bp.post("/feeds/me")
@login_required
def renew_my_feed():
    """Create or renew the user's own feed address; the old address stops working."""
    form = FeedForm()
    if not form.validate():
        abort(400)
    renewed = current_user.feed_token is not None
    current_user.feed_token = new_feed_token()
    db.session.commit()
    message = _("Đã tạo địa chỉ mới; địa chỉ cũ không còn dùng được.") if renewed else \
        _("Đã tạo địa chỉ lịch của bạn.")
    if not is_fragment_request():
        flash(message, "success")
        return redirect_to(url_for("calendar.feeds"))
    return _feeds_page(message=message)


@bp.post("/feeds/agencies/<int:agency_id>")
@login_required
def renew_agency_feed(agency_id: int):
    """Create or renew an agency's feed address: staff for any agency, an officer for their
    own (another agency is 404); the old address stops working."""
    if current_user.role not in STAFF and current_user.role != Role.OFFICER:
        abort(403)
    agency = db.session.get(Agency, agency_id)
    if agency is None or (current_user.role == Role.OFFICER
                          and agency.id != current_user.agency_id):
        abort(404)
    form = FeedForm()
    if not form.validate():
        abort(400)
    renewed = agency.feed_token is not None
    agency.feed_token = new_feed_token()
    db.session.commit()
    message = (_("Đã tạo địa chỉ mới cho %(name)s; địa chỉ cũ không còn dùng được.",
                 name=agency.name) if renewed
               else _("Đã tạo địa chỉ lịch cho %(name)s.", name=agency.name))
    if not is_fragment_request():
        flash(message, "success")
        return redirect_to(url_for("calendar.feeds"))
    return _feeds_page(message=message)
