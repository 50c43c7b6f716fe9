"""The schedule calendar (lịch tiếp xúc, đối thoại).

Month grid, year overview and list of the sessions a user may see, filtered by kind,
leader, status and agency (every state is a shareable URL); sessions created, edited,
rescheduled, cancelled and restored, with conflicts flagged before saving; iCalendar
feeds at secret URLs; and the petitions registered before a meeting.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from portal import web
from portal.access import officer_agency, requires
from portal.admin.localities import offer
from portal.admin.models import Agency
from portal.auth.models import User
from portal.calendar import conflicts as conflict_rules
from portal.calendar import ical, lifecycle, services
from portal.calendar.forms import (
    ANY,
    CalendarFilterForm,
    CancelForm,
    FeedForm,
    ListRangeForm,
    NewSessionForm,
    RescheduleForm,
    RestoreForm,
    SessionForm,
)
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.calendar.rules import working_calendar
from portal.extensions import db
from portal.htmx import is_fragment_request, render
from portal.labels import label
from portal.petitions.models import Petition
from portal.timefmt import LOCAL_TZ, local_today

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
@requires("calendar.read")
def index():
    """The schedule as a month grid (default), a year overview or a list, filtered.

    An htmx request (navigation, a filter changed) gets only the `calendar` block and an
    HX-Push-Url with the state's canonical URL. An officer sees only the sessions their
    agency takes part in, whatever agency the URL names. A bad date range answers 422 with
    the field's error.
    """
    officer = officer_agency(current_user) is not None
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
        view_urls=view_urls,
        **context[state.view](state, wanted, today),
    )
    if is_fragment_request():
        response.headers["HX-Push-Url"] = state.url()
    return response


# --------------------------------------------------------------------------- sessions


def _session_or_none(session_id: int) -> DialogueSession | None:
    return db.session.get(DialogueSession, session_id)


def _get_session(session_id: int) -> DialogueSession:
    found = _session_or_none(session_id)
    if found is None:
        abort(404)
    return found


def _movable(session_id: int, move: str) -> DialogueSession:
    """The session, if `move` is allowed on it now (409 otherwise): the GET of a form."""
    item = _get_session(session_id)
    if not lifecycle.can(item, move):
        abort(409)
    return item


class _AsTyped:
    """The session as its form names it (the local day beside the stored instants), so
    that a 409 lists the day someone else moved it to as well."""

    def __init__(self, item: DialogueSession):
        self._item = item

    @property
    def day(self) -> date:
        return services.local_day(self._item.starts_at)

    def __getattr__(self, name):
        return getattr(self._item, name)


def _typed_conflicts(form, item: DialogueSession | None, host: str | None) -> list:
    """The conflicts of what the form describes so far, while it is typed (nothing for a
    cancelled session); with only the date, whether that day is a day off."""
    if item is not None and item.status == SessionStatus.CANCELLED:
        return []
    if not form.day.data:
        return []
    start, end = form.start_time.data, form.end_time.data
    if not start:
        off = conflict_rules.day_off(form.day.data)
        return [off] if off else []
    when = lifecycle.When(form.day.data, start, end if end and end > start else None,
                          (form.venue.data or "").strip())
    return lifecycle.conflicts_of(when, host or "", item)


def _load_when(form, item: DialogueSession) -> None:
    local_start = item.starts_at.astimezone(LOCAL_TZ)
    form.day.data = local_start.date()
    form.start_time.data = local_start.time()
    form.end_time.data = item.ends_at.astimezone(LOCAL_TZ).time() if item.ends_at else None
    form.venue.data = item.venue
    form.version.data = item.version


def _form_page(template: str, form, item, *, status: int = 200, error=None,
               host: str | None = None):
    """A session form (create, edit, reschedule). A refused save lists the conflicts it
    found (`lifecycle.Conflicts`); a form with bad fields still lists those of what was
    typed."""
    conflicts = getattr(error, "conflicts", None)
    if conflicts is None and status == 422 and form.is_submitted():
        conflicts = _typed_conflicts(form, item, host)
    return render(template, "form", status=status, form=form, item=item,
                  conflicts=list(conflicts or ()), error=error,
                  check_url=url_for("calendar.check_conflicts",
                                    session_id=item.id if item is not None else None))


def _session_form_page(item, form, status=200, error=None):
    return _form_page("calendar/session_form.html", form, item, status=status, error=error,
                      host=form.host.data)


def _reschedule_page(item, form, status=200, error=None):
    return _form_page("calendar/reschedule.html", form, item, status=status, error=error,
                      host=item.host)


def _to_detail(message: str):
    def done(item, result):
        target = result if isinstance(result, DialogueSession) else item
        if target is None:  # a replay whose session is gone meanwhile
            return web.saved(str(message), redirect=url_for("calendar.index"))
        return web.saved(str(message), redirect=url_for("calendar.session_detail",
                                                        session_id=target.id))

    return done


@bp.get("/sessions/new")
@requires("session.edit")
def new_session_form():
    """The form to create a session (it carries a client key: a resubmit creates one)."""
    return _session_form_page(None, NewSessionForm(formdata=None))


@bp.post("/sessions/new")
@web.change(allow="session.edit", form=lambda _none: NewSessionForm(), once=True,
            invalid=_session_form_page, done=_to_detail(_l("Đã tạo buổi đối thoại.")))
def new_session(form):
    """Create a session. A bad form comes back with its errors and what was typed (422);
    conflicts come back listed (422) until "Vẫn lưu dù trùng lịch" is ticked."""
    return lifecycle.create(current_user, form.values(),
                            ignore_conflicts=form.ignore_conflicts.data)


@bp.get("/sessions/<int:session_id>/edit")
@requires("session.edit")
def edit_session_form(session_id: int):
    """The edit form of a session not yet closed (409 once closed), with its version."""
    item = _movable(session_id, "edit")
    form = SessionForm(formdata=None)
    form.kind.data = item.kind.value
    form.title.data = item.title
    form.host.data = item.host
    form.content.data = item.content
    form.locality.data = item.locality
    form.locality_id.data = item.locality_id or 0
    offer(form)
    _load_when(form, item)
    return _session_form_page(item, form)


@bp.post("/sessions/<int:session_id>/edit")
@web.change(allow="session.edit", load=_session_or_none, form=lambda _item: SessionForm(),
            versioned=_AsTyped, invalid=_session_form_page,
            done=_to_detail(_l("Đã lưu thay đổi.")))
def edit_session(item, form):
    """Save an edited session; marks it customized so that regenerating the plan leaves it
    be. Ticking "Xác nhận ngày giờ" confirms a tentative one. 409 with both texts when
    someone saved it meanwhile."""
    return lifecycle.save(item, current_user, form.values(),
                          confirm_date=form.confirm_date.data,
                          ignore_conflicts=form.ignore_conflicts.data)


@bp.get("/sessions/<int:session_id>/reschedule")
@requires("session.edit")
def reschedule_session_form(session_id: int):
    """The form to move a session not yet held to another date, time or venue."""
    item = _movable(session_id, "reschedule")
    form = RescheduleForm(formdata=None)
    _load_when(form, item)
    return _reschedule_page(item, form)


@bp.post("/sessions/<int:session_id>/reschedule")
@web.change(allow="session.edit", load=_session_or_none, form=lambda _item: RescheduleForm(),
            versioned=_AsTyped, invalid=_reschedule_page,
            done=_to_detail(_l("Đã lưu thay đổi.")))
def reschedule_session(item, form):
    """Move a session to another date, time or venue (dời lịch), conflicts checked."""
    return lifecycle.reschedule(item, current_user, form.when(),
                                confirm_date=form.confirm_date.data,
                                ignore_conflicts=form.ignore_conflicts.data)


@bp.get("/sessions/check")
@requires("session.edit")
def check_conflicts():
    """The live conflict check while a session form is filled in: answers the `conflicts`
    block for the date, times, venue and leader in the query string (the form's fields, sent
    by htmx as they change). It reads only, so it is a GET."""
    session_id = request.args.get("session_id", type=int)
    item = _get_session(session_id) if session_id else None
    form = SessionForm(formdata=request.args, meta={"csrf": False})
    host = form.host.data if "host" in request.args else (item.host if item else "")
    return render("calendar/session_form.html", "conflicts", form=form, item=item,
                  conflicts=_typed_conflicts(form, item, host), error=None,
                  check_url=url_for("calendar.check_conflicts", session_id=session_id))


def _cancel_page(item, form, status=200, error=None):
    return render("calendar/cancel.html", "form", status=status, form=form, item=item,
                  error=error)


@bp.get("/sessions/<int:session_id>/cancel")
@requires("session.edit")
def cancel_session_form(session_id: int):
    """The form to cancel a session not yet held, with a reason (409 once started)."""
    item = _movable(session_id, "cancel")
    form = CancelForm(formdata=None)
    form.version.data = item.version
    return _cancel_page(item, form)


@bp.post("/sessions/<int:session_id>/cancel")
@web.change(allow="session.edit", load=_session_or_none, form=lambda _item: CancelForm(),
            versioned=lambda item: item, invalid=_cancel_page,
            done=_to_detail(_l("Đã hủy buổi đối thoại.")))
def cancel_session(item, form):
    """Cancel a session with a reason (required, kept); 409 once it has started or closed."""
    return lifecycle.cancel(item, current_user, form.reason.data)


def _detail_page(item: DialogueSession, *, status: int = 200, error=None):
    count = db.session.scalar(
        select(func.count(Petition.id)).where(Petition.session_id == item.id))
    return render("calendar/session_detail.html", "petitions", status=status, item=item,
                  petition_count=count, moves=lifecycle.allowed_moves(item), error=error)


@bp.post("/sessions/<int:session_id>/restore")
@web.change(allow="session.edit", load=_session_or_none, form=lambda _item: RestoreForm(),
            versioned=lambda item: item,
            invalid=lambda item, form, status, error: _detail_page(item, status=status,
                                                                   error=error),
            done=_to_detail(_l("Đã khôi phục buổi đối thoại.")))
def restore_session(item, form):
    """Restore a cancelled session to the status it had before (409 if not cancelled)."""
    return lifecycle.restore(item, current_user)


@bp.get("/sessions/<int:session_id>")
@requires("session.read")
def session_detail(session_id: int):
    """A session's details and links to its preparation, petitions, runner and documents;
    the moves its lifecycle allows now drive the buttons."""
    return _detail_page(_get_session(session_id))


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
@requires("session.read")
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


def _feeds_page(status: int = 200, message: str | None = None):
    return render("calendar/feeds.html", "feeds", status=status, form=FeedForm(),
                  agencies=services.feed_agencies(current_user), message=message,
                  agency_limited=officer_agency(current_user) is not None)


@bp.get("/feeds")
@requires("feed.renew_own")
def feeds():
    """The "Lịch của tôi (iCalendar)" panel: the user's feed address and their agency's (or,
    for staff, every agency's), each created on demand and renewable."""
    return _feeds_page()


def _feed_saved(message: str):
    return web.saved(message, redirect=url_for("calendar.feeds"),
                     fragment=lambda: _feeds_page(message=message))


@bp.post("/feeds/me")
@web.change(allow="feed.renew_own", form=lambda _none: FeedForm(),
            done=lambda _none, renewed: _feed_saved(
                _("Đã tạo địa chỉ mới; địa chỉ cũ không còn dùng được.") if renewed
                else _("Đã tạo địa chỉ lịch của bạn.")))
def renew_my_feed(form):
    """Create or renew the user's own feed address; the old address stops working."""
    return services.renew_user_feed(current_user)


def _feed_agency_or_none(agency_id: int) -> Agency | None:
    """An agency whose feed the user manages; another agency is 404 for an officer."""
    agency = db.session.get(Agency, agency_id)
    if agency is None or not services.may_renew_agency_feed(current_user, agency):
        return None
    return agency


@bp.post("/feeds/agencies/<int:agency_id>")
@web.change(allow="feed.renew_agency", load=_feed_agency_or_none,
            form=lambda _agency: FeedForm(),
            done=lambda agency, renewed: _feed_saved(
                _("Đã tạo địa chỉ mới cho %(name)s; địa chỉ cũ không còn dùng được.",
                  name=agency.name) if renewed
                else _("Đã tạo địa chỉ lịch cho %(name)s.", name=agency.name)))
def renew_agency_feed(agency, form):
    """Create or renew an agency's feed address: staff for any agency, an officer for their
    own (another agency is 404); the old address stops working."""
    return services.renew_agency_feed(agency, current_user)
