"""Rules and queries of the preparation (công tác chuẩn bị, plan 5.1) that know nothing of HTTP.

The checklist of a session is built from its kind's default steps (ChecklistTemplateItem),
each due a number of working days before the meeting; progress is the share of steps done;
a step not done whose due date has passed is overdue. Every list here is one query, in a
fixed order (its visible sort, then the id).

The changes themselves are the commands of `portal.preparation.checklist` and
`portal.preparation.invitations`; they use the rules here.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import contains_eager, joinedload

from portal.text import vn_order
from portal.access import in_scope, may, officer_agency
from portal.calendar.lifecycle import is_open_for_preparation
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.calendar.rules import WorkingCalendar, working_calendar
from portal.errors import FORBIDDEN, N_, DomainError
from portal.extensions import db
from portal.petitions.models import Petition
from portal.admin.models import Agency
from portal.preparation.models import (
    ChecklistItem,
    ChecklistTemplateItem,
    Invitee,
    InviteeKind,
    Reply,
)
from portal.timefmt import local_to_utc, to_local

__all__ = [
    "ACTIVE_STATUSES",
    "DEFAULT_STEPS",
    "ChecklistExists",
    "SessionProgress",
    "build_checklist",
    "due_date_before",
    "ensure_default_templates",
    "is_open_for_preparation",
    "mark_customized",
    "meeting_day",
    "open_items_for_agency",
    "overdue_counts",
    "overdue_items",
    "progress",
    "invite_agencies",
    "require",
    "officer_may_see",
    "reply_counts",
    "require_open",
    "set_done",
    "set_reply",
    "upcoming_sessions",
    "visible_invitees",
    "visible_items",
]

# Sessions whose preparation still matters: a cancelled or concluded session has no
# overdue step (its open steps are moot) and is not on the preparation dashboard.
ACTIVE_STATUSES = (SessionStatus.TENTATIVE, SessionStatus.SCHEDULED, SessionStatus.IN_PROGRESS)

NOT_OPEN = N_("Buổi đối thoại đã kết thúc hoặc đã bị hủy: công tác chuẩn bị không còn "
              "thay đổi được.")
DUE_AFTER_MEETING = N_("Hạn hoàn thành không được sau ngày họp (%(day)s).")
DELEGATE_REQUIRED = N_("Vui lòng nhập họ tên người dự thay.")


def require(user, action: str, obj=None, missing: str = N_("Không tìm thấy mục này.")) -> None:
    """Refuse what the policy does not allow `user` (403), and an item outside an officer's
    agency (404, `missing`: for them it does not exist)."""
    if not may(user, action):
        raise DomainError(FORBIDDEN, 403)
    if obj is not None and not in_scope(user, obj):
        raise DomainError(missing, 404)


def require_open(session: DialogueSession) -> None:
    """Refuse (409) a change of the preparation of a session no longer open for it (the
    session's lifecycle says: closed or cancelled)."""
    if not is_open_for_preparation(session):
        raise DomainError(NOT_OPEN, 409)


def check_due_date(due: date | None, day: date) -> None:
    """A step is due on the meeting day at the latest (422 at the due date field)."""
    if due is not None and due > day:
        raise DomainError(DUE_AFTER_MEETING, 422, "due_date", day=day.strftime("%d/%m/%Y"))


_KINDS = (SessionKind.CITIZEN_RECEPTION, SessionKind.VOTER_CONTACT, SessionKind.BUSINESS,
          SessionKind.COOPERATIVE)

# The steps of plan 5.1, in order: (title, owned by the agency concerned?, working days
# before the meeting per kind: citizen reception, voter contact, business, cooperative).
# The monthly reception comes round every month, so its steps are short; a voter contact
# is organised with the People's Council and its invitations go out two weeks ahead.
DEFAULT_STEPS: tuple[tuple[str, bool, tuple[int, int, int, int]], ...] = (
    ("Rà soát nội dung tiếp xúc, đối thoại", False, (15, 25, 20, 20)),
    ("Xác định quy mô, thành phần, đối tượng tham dự", False, (12, 20, 15, 15)),
    ("Lựa chọn địa điểm, thời gian tổ chức", False, (12, 20, 15, 15)),
    ("Tổng hợp, phân loại ý kiến, kiến nghị của người dân, doanh nghiệp", False, (10, 15, 12, 12)),
    ("Giao cơ quan, đơn vị, địa phương tham mưu, giải quyết ý kiến, kiến nghị", False,
     (8, 12, 10, 10)),
    ("Chuẩn bị nội dung tham mưu, trả lời các ý kiến, kiến nghị được giao", True, (3, 5, 5, 5)),
    ("Xây dựng chương trình buổi tiếp xúc, đối thoại", False, (7, 12, 10, 10)),
    ("Xây dựng kịch bản buổi tiếp xúc, đối thoại", False, (4, 7, 5, 5)),
    ("Chuẩn bị tài liệu, hồ sơ", False, (2, 3, 3, 3)),
    ("Ban hành giấy mời", False, (5, 10, 7, 7)),
)


def default_steps(kind: SessionKind) -> list[ChecklistTemplateItem]:
    """The built-in default steps of one kind, as unsaved template items."""
    column = _KINDS.index(SessionKind(kind))
    return [
        ChecklistTemplateItem(kind=SessionKind(kind), position=position, title=title,
                              days_before=days[column], owned_by_agency=by_agency)
        for position, (title, by_agency, days) in enumerate(DEFAULT_STEPS, start=1)
    ]


def ensure_default_templates() -> int:
    """Add the built-in steps for every kind that has no template item; returns how many.

    One query to find the kinds that have steps. Adds to the session; the caller commits.
    """
    present = set(db.session.scalars(select(ChecklistTemplateItem.kind).distinct()))
    added = 0
    for kind in _KINDS:
        if kind not in present:
            items = default_steps(kind)
            db.session.add_all(items)
            added += len(items)
    if added:
        db.session.flush()
    return added


def templates_of(kind: SessionKind) -> list[ChecklistTemplateItem]:
    return list(db.session.scalars(
        select(ChecklistTemplateItem)
        .where(ChecklistTemplateItem.kind == SessionKind(kind))
        .order_by(ChecklistTemplateItem.position, ChecklistTemplateItem.id)
    ))


def renumber(items: list[ChecklistTemplateItem]) -> None:
    """Positions 1, 2, 3 … in the list's order."""
    for position, item in enumerate(items, start=1):
        if item.position != position:
            item.position = position


def move_template(item: ChecklistTemplateItem, step: int) -> None:
    """Move a default step up (step -1) or down (+1) among its kind's steps."""
    items = templates_of(item.kind)
    index = next(i for i, other in enumerate(items) if other.id == item.id)
    target = min(max(index + step, 0), len(items) - 1)
    items.insert(target, items.pop(index))
    renumber(items)


# --------------------------------------------------------------------------- due dates


def meeting_day(session: DialogueSession) -> date:
    """The meeting's calendar day in Việt Nam."""
    return to_local(session.starts_at).date()


def working_calendar_before(day: date, max_days_before: int) -> WorkingCalendar:
    """A working calendar wide enough to count `max_days_before` working days back from `day`."""
    # Two calendar days per working day covers weekends and the longest Tết break.
    return working_calendar(day - timedelta(days=2 * max(max_days_before, 0) + 21), day)


def due_date_before(day: date, days_before: int, calendar: WorkingCalendar) -> date:
    """The working day `days_before` working days before `day`; never after `day` itself."""
    if days_before <= 0:
        return day
    return min(calendar.add_working_days(day, -days_before), day)


class ChecklistExists(DomainError):
    """The session already has a checklist: it is edited, not created again (409)."""

    def __init__(self) -> None:
        super().__init__(N_("Buổi đối thoại này đã có danh mục công việc."), 409)


def agencies_concerned(session_id: int) -> list[int]:
    """Agencies invited to the session or asked to advise on its petitions (two queries)."""
    invited = db.session.scalars(
        select(Invitee.agency_id).where(Invitee.session_id == session_id,
                                        Invitee.kind == InviteeKind.AGENCY,
                                        Invitee.agency_id.is_not(None))
        .order_by(Invitee.id)
    ).all()
    advising = db.session.scalars(
        select(Petition.advising_agency_id).where(Petition.session_id == session_id,
                                                  Petition.advising_agency_id.is_not(None))
        .distinct()
    ).all()
    return list(dict.fromkeys([*invited, *sorted(advising)]))


def build_checklist(session: DialogueSession) -> list[ChecklistItem]:
    """Create the session's checklist from its kind's default steps (added, not committed).

    Due dates are counted back in working days from the meeting day. A step owned by "the
    agency" becomes one item per agency concerned (invited, or advising on a petition);
    with none known yet it is one item of the Office, noted so, to hand over later.
    Raises ChecklistExists if the session has items already.
    """
    exists = db.session.scalar(
        select(ChecklistItem.id).where(ChecklistItem.session_id == session.id).limit(1))
    if exists is not None:
        raise ChecklistExists()
    ensure_default_templates()
    steps = templates_of(session.kind)
    day = meeting_day(session)
    calendar = working_calendar_before(day, max((s.days_before for s in steps), default=0))
    agencies = agencies_concerned(session.id) if any(s.owned_by_agency for s in steps) else []
    items: list[ChecklistItem] = []
    for step in steps:
        due = due_date_before(day, step.days_before, calendar)
        owners: list[int | None] = list(agencies) if step.owned_by_agency else [None]
        note = ""
        if step.owned_by_agency and not owners:
            owners = [None]
            note = "Chưa xác định cơ quan phụ trách: chọn cơ quan khi đã giao nhiệm vụ."
        for owner in owners:
            items.append(ChecklistItem(session_id=session.id, position=len(items) + 1,
                                       title=step.title, owner_agency_id=owner, due_date=due,
                                       note=note))
    db.session.add_all(items)
    mark_customized(session)
    return items


def mark_customized(session: DialogueSession) -> None:
    """A prepared session is left alone when its plan is regenerated."""
    if not session.is_customized:
        session.is_customized = True


def set_done(item: ChecklistItem, done: bool, user_id: int | None, now: datetime) -> None:
    """Tick (recording who and when) or untick a step; ticking twice keeps the first tick."""
    if done and item.done_at is None:
        item.done_at = now
        item.done_by_id = user_id
    elif not done and item.done_at is not None:
        item.done_at = None
        item.done_by_id = None


# --------------------------------------------------------------------------- progress


def _overdue(today: date):
    return and_(ChecklistItem.done_at.is_(None), ChecklistItem.due_date < today)


def overdue_counts(session_ids: list[int], today: date) -> dict[int, int]:
    """Overdue steps per session, one query; every id is a key (0 when none).

    Cancelled and concluded sessions count none.
    """
    ids = list(dict.fromkeys(session_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(ChecklistItem.session_id, func.count(ChecklistItem.id))
        .join(DialogueSession, DialogueSession.id == ChecklistItem.session_id)
        .where(ChecklistItem.session_id.in_(ids), _overdue(today),
               DialogueSession.status.in_(ACTIVE_STATUSES))
        .group_by(ChecklistItem.session_id)
    )
    counts = dict.fromkeys(ids, 0)
    counts.update({session_id: n for session_id, n in rows})
    return counts


def progress(session_id: int) -> tuple[int, int]:
    """(steps done, steps in all) of one session, one query."""
    done, total = db.session.execute(
        select(func.count(ChecklistItem.done_at), func.count(ChecklistItem.id))
        .where(ChecklistItem.session_id == session_id)
    ).one()
    return done, total


@dataclass(frozen=True)
class SessionProgress:
    """A session with its checklist figures, for the dashboard."""

    session: DialogueSession
    done: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def upcoming_sessions(today: date, days: int = 60) -> list[SessionProgress]:
    """Sessions of the next `days` days (today included) not cancelled or concluded, each with
    its progress and overdue count; one query."""
    start = local_to_utc(today, time.min)
    end = local_to_utc(today + timedelta(days=days + 1), time.min)
    figures = (
        select(ChecklistItem.session_id.label("session_id"),
               func.count(ChecklistItem.id).label("total"),
               func.count(ChecklistItem.done_at).label("done"),
               func.sum(case((_overdue(today), 1), else_=0)).label("overdue"))
        .group_by(ChecklistItem.session_id)
        .subquery()
    )
    rows = db.session.execute(
        select(DialogueSession, figures.c.total, figures.c.done, figures.c.overdue)
        .outerjoin(figures, figures.c.session_id == DialogueSession.id)
        .where(DialogueSession.starts_at >= start, DialogueSession.starts_at < end,
               DialogueSession.status.in_(ACTIVE_STATUSES))
        .order_by(DialogueSession.starts_at, DialogueSession.id)
    )
    return [SessionProgress(session, done or 0, total or 0, int(overdue or 0))
            for session, total, done, overdue in rows]


def overdue_items(today: date, limit: int = 20) -> list[ChecklistItem]:
    """The oldest overdue steps of active sessions, with their session and owner; one query."""
    return list(db.session.scalars(
        select(ChecklistItem)
        .join(ChecklistItem.session)
        .options(contains_eager(ChecklistItem.session), joinedload(ChecklistItem.owner_agency))
        .where(_overdue(today), DialogueSession.status.in_(ACTIVE_STATUSES))
        .order_by(ChecklistItem.due_date, ChecklistItem.id)
        .limit(limit)
    ))


def open_items_for_agency(agency_id: int) -> list[ChecklistItem]:
    """An agency's steps not yet done, of sessions still being prepared; one query."""
    return list(db.session.scalars(
        select(ChecklistItem)
        .join(ChecklistItem.session)
        .options(contains_eager(ChecklistItem.session))
        .where(ChecklistItem.owner_agency_id == agency_id, ChecklistItem.done_at.is_(None),
               DialogueSession.status.in_(ACTIVE_STATUSES))
        .order_by(ChecklistItem.due_date, ChecklistItem.id)
    ))


# --------------------------------------------------------------------------- what a user sees


def visible_items(user, session: DialogueSession) -> list[ChecklistItem]:
    """The session's steps `user` may see (an officer: their agency's), in order, with owner
    and ticker; one query."""
    query = (
        select(ChecklistItem)
        .options(joinedload(ChecklistItem.owner_agency), joinedload(ChecklistItem.done_by))
        .where(ChecklistItem.session_id == session.id)
        .order_by(ChecklistItem.position, ChecklistItem.id)
    )
    agency_id = officer_agency(user)
    if agency_id is not None:
        query = query.where(ChecklistItem.owner_agency_id == agency_id)
    return list(db.session.scalars(query))


_KIND_ORDER = case({kind: n for n, kind in enumerate(InviteeKind)},
                   value=Invitee.kind, else_=len(InviteeKind))


def visible_invitees(user, session: DialogueSession) -> list[Invitee]:
    """The session's invitees `user` may see (an officer: their agency's): agencies first,
    then delegates, citizens, businesses, each in the order they were invited; one query."""
    query = (select(Invitee).where(Invitee.session_id == session.id)
             .order_by(_KIND_ORDER, Invitee.id))
    agency_id = officer_agency(user)
    if agency_id is not None:
        query = query.where(Invitee.agency_id == agency_id)
    return list(db.session.scalars(query))


def officer_may_see(user, session: DialogueSession) -> bool:
    """Everyone who reads preparation sees every session's; an officer only a session where
    a step or an invitation is their agency's (another session does not exist for them)."""
    agency_id = officer_agency(user)
    if agency_id is None:
        return True
    step = db.session.scalar(select(ChecklistItem.id).where(
        ChecklistItem.session_id == session.id, ChecklistItem.owner_agency_id == agency_id
    ).limit(1))
    if step is not None:
        return True
    invited = db.session.scalar(select(Invitee.id).where(
        Invitee.session_id == session.id, Invitee.agency_id == agency_id).limit(1))
    return invited is not None


def agency_invitations(agency_id: int) -> list[Invitee]:
    """An agency's invitations to sessions still being prepared, soonest first; one query."""
    return list(db.session.scalars(
        select(Invitee)
        .join(Invitee.session)
        .options(contains_eager(Invitee.session))
        .where(Invitee.agency_id == agency_id, DialogueSession.status.in_(ACTIVE_STATUSES))
        .order_by(DialogueSession.starts_at, DialogueSession.id, Invitee.id)
    ))


# --------------------------------------------------------------------------- invitations


def invite_agencies(session: DialogueSession, agency_ids: list[int]) -> list[Invitee]:
    """Invite agencies not yet invited to the session, under their current names (two queries)."""
    already = set(db.session.scalars(
        select(Invitee.agency_id).where(Invitee.session_id == session.id,
                                        Invitee.agency_id.is_not(None))))
    wanted = [i for i in dict.fromkeys(agency_ids) if i not in already]
    if not wanted:
        return []
    agencies = db.session.scalars(
        select(Agency).where(Agency.id.in_(wanted))
        .order_by(vn_order(Agency.name), Agency.id)).all()
    invitees = [Invitee(session_id=session.id, kind=InviteeKind.AGENCY, agency_id=agency.id,
                        name=agency.name, reply=Reply.PENDING) for agency in agencies]
    db.session.add_all(invitees)
    mark_customized(session)
    return invitees


def set_reply(invitee: Invitee, reply: Reply, delegate_name: str, now: datetime) -> None:
    """Record an attendance reply; the delegate's name is kept only for a delegated reply."""
    reply = Reply(reply)
    invitee.reply = reply
    invitee.delegate_name = delegate_name.strip() if reply == Reply.DELEGATED else ""
    invitee.replied_at = None if reply == Reply.PENDING else now


def reply_counts(invitees: list[Invitee]) -> dict[Reply, int]:
    """How many invitees gave each reply (every reply a key)."""
    counts = dict.fromkeys(Reply, 0)
    for invitee in invitees:
        counts[invitee.reply] += 1
    return counts
