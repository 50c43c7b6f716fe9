"""Queries of the follow-up tracker, always scoped to what the user may see, and its
notifications. Plain functions: the views, the dashboard and the reminders share them.

Who sees an assignment: the office, the chair, administrators and observers see all; an
agency officer sees those of their agency (lead) and those their agency coordinates on
(cơ quan phối hợp); nobody else sees any (an officer without an agency sees none).

Every list ends its order with an id, so two rows that tie on the visible sort (two
sessions starting at the same time, two agencies of one name) keep their places from one
request to the next.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import Select, case, false, func, or_, select, update
from sqlalchemy.orm import contains_eager

from portal.text import vn_order
from portal.access import READERS, officer_agency
from portal.admin.models import Agency, AgencyKind
from portal.admin.models import Field as PetitionField
from portal.auth.models import Role, User
from portal.calendar.models import DialogueSession
from portal.calendar.rules import WorkingCalendar, working_calendar
from portal.extensions import db
from portal.revision import cached, kept_by_session
from portal.petitions.models import Petition
from portal.tracker import deadlines
from portal.tracker.models import (
    Assignment,
    AssignmentStatus,
    AssignmentStep,
    Attachment,
    CoordinatorInput,
    Extension,
    Notification,
    assignment_coordinator,
)
from portal.timefmt import format_date
from portal.types import utcnow

READ_ALL = READERS  # see every agency's assignments

# The officer's queue (hàng việc) tabs; staff use the filters instead.
TABS = ("open", "due_soon", "late", "all", "coordination")
LATENESS = ("late", "due_soon")


def _coordinated_by(agency_id: int):
    return select(assignment_coordinator.c.assignment_id).where(
        assignment_coordinator.c.agency_id == agency_id)


def _with_rows(query: Select) -> Select:
    # Inner joins (every foreign key here is NOT NULL) let the planner walk the deadline
    # index and stop after one page instead of sorting every row; the joined rows fill
    # the relationships the list shows, so no query per row.
    return (
        query.join(Assignment.petition).join(Petition.field).join(Petition.session)
        .join(Assignment.agency)
        .options(contains_eager(Assignment.agency),
                 contains_eager(Assignment.petition).contains_eager(Petition.field),
                 contains_eager(Assignment.petition).contains_eager(Petition.session))
    )


def scope(query: Select, user: User, *, lead_only: bool = False) -> Select:
    """Narrow a query on Assignment to what `user` may see (lead_only: an officer's own
    agency's items, not those it coordinates on)."""
    agency_id = officer_agency(user)  # -1 for an officer without an agency: nothing
    if agency_id is not None:
        if lead_only:
            return query.where(Assignment.agency_id == agency_id)
        return query.where(or_(Assignment.agency_id == agency_id,
                               Assignment.id.in_(_coordinated_by(agency_id))))
    if user.role in READ_ALL:
        return query
    return query.where(false())


def visible_assignments(user: User) -> Select:
    """Assignments `user` may see, with agency, petition, field and session loaded."""
    return scope(_with_rows(select(Assignment)), user)


def is_coordinator(user: User, assignment: Assignment) -> bool:
    return (user.role == Role.OFFICER and user.agency_id != assignment.agency_id
            and any(a.id == user.agency_id for a in assignment.coordinators))


# --------------------------------------------------------------------------- the list

@dataclass
class Filters:
    """What the list shows: the officer's tab and the filters, all combinable."""

    tab: str = ""
    session_id: int | None = None
    agency_id: int | None = None
    field_id: int | None = None
    status: AssignmentStatus | None = None
    lateness: str = ""

    def args(self, **override) -> dict:
        """The non-empty filters as query-string arguments (for links and the pager)."""
        values = dict(tab=self.tab, session=self.session_id, agency=self.agency_id,
                      field=self.field_id, status=self.status.value if self.status else None,
                      lateness=self.lateness)
        values.update(override)
        return {k: v for k, v in values.items() if v not in (None, "")}


@dataclass(frozen=True)
class Today:
    """Today, the working-day calendar around it and the due-soon window."""

    day: date
    cal: WorkingCalendar
    due_days: int

    @classmethod
    def of(cls, day: date, due_days: int = deadlines.DUE_SOON_WORKING_DAYS) -> "Today":
        return cls(day, working_calendar(day - timedelta(days=366), day + timedelta(days=90)),
                   due_days)

    @property
    def due_limit(self) -> date:
        return deadlines.due_soon_limit(self.day, self.cal, self.due_days)

    def lateness(self, assignment: Assignment) -> str | None:
        return deadlines.lateness(assignment, self.day, self.cal, self.due_days)


def lateness_clause(kind: str, today: Today):
    if kind == "late":
        return deadlines.late_clause(today.day)
    if kind == "due_soon":
        return deadlines.due_soon_clause(today.day, today.due_limit)
    if kind == "late_or_due_soon":
        return or_(deadlines.late_clause(today.day),
                   deadlines.due_soon_clause(today.day, today.due_limit))
    raise ValueError(kind)


def _narrow(query: Select, user: User, filters: Filters, today: Today | None) -> Select:
    """Scope and filters; the query must join Petition when a session or field is asked."""
    officer = user.role == Role.OFFICER
    if officer and filters.tab == "coordination":
        agency_id = officer_agency(user)
        query = query.where(Assignment.id.in_(_coordinated_by(agency_id)),
                            Assignment.agency_id != agency_id)
    else:
        query = scope(query, user, lead_only=officer)
    if filters.tab == "open":
        query = query.where(Assignment.status.in_(deadlines.OPEN_STATES))
    elif filters.tab in ("late", "due_soon"):
        query = query.where(lateness_clause(filters.tab, today))
    if filters.session_id is not None:
        query = query.where(Petition.session_id == filters.session_id)
    if filters.agency_id is not None and not officer:
        query = query.where(Assignment.agency_id == filters.agency_id)
    if filters.field_id is not None:
        query = query.where(Petition.field_id == filters.field_id)
    if filters.status is not None:
        query = query.where(Assignment.status == filters.status)
    if filters.lateness:
        query = query.where(lateness_clause(filters.lateness, today))
    return query


def _as_filters(filters) -> Filters:
    if not isinstance(filters, Filters):  # the older call: filtered(user, status)
        return Filters(tab="all", status=filters)
    return filters


def filtered(user: User, filters: Filters | AssignmentStatus | None,
             today: Today | None = None) -> Select:
    """The list of `user` under `filters`, by deadline (then id), rows loaded for display."""
    filters = _as_filters(filters)
    query = _narrow(_with_rows(select(Assignment)), user, filters, today)
    return query.order_by(Assignment.deadline, Assignment.id)


def _bare(columns: Select, user: User, filters: Filters, today: Today | None) -> Select:
    """`columns` over the items `filtered` lists, without the joins the display needs
    (every foreign key is NOT NULL, so they change no row): Petition only when a session or
    field is asked."""
    query = columns.select_from(Assignment)
    if filters.session_id is not None or filters.field_id is not None:
        query = query.join(Petition, Petition.id == Assignment.petition_id)
    return _narrow(query, user, filters, today)


def count(user: User, filters: Filters | AssignmentStatus | None, today: Today | None = None,
          *conditions) -> int:
    """How many items `filtered` lists (and meet `conditions`)."""
    query = _bare(select(func.count(Assignment.id)), user, _as_filters(filters), today)
    return db.session.scalar(query.where(*conditions)) or 0


def keys(user: User, filters: Filters | AssignmentStatus | None,
         today: Today | None = None) -> Select:
    """The (deadline, id) of the items `filtered` lists, unordered: counting rows off it
    (an old "?page=N" link) reads the deadline index, not the joined rows."""
    return _bare(select(Assignment.deadline, Assignment.id), user, _as_filters(filters), today)


def _sum(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def queue_counts(user: User, today: Today) -> dict[str, int]:
    """An officer's tab counts, in one query (the agency's rows by its index, the
    coordinated ones by theirs); all 0 for an officer without an agency."""
    if user.role != Role.OFFICER:
        return {}
    if user.agency_id is None:
        return dict.fromkeys(TABS, 0)
    coordinated = (select(func.count()).select_from(Assignment)
                   .where(Assignment.id.in_(_coordinated_by(user.agency_id)),
                          Assignment.agency_id != user.agency_id).scalar_subquery())
    row = db.session.execute(select(
        func.count(),
        _sum(Assignment.status.in_(deadlines.OPEN_STATES)),
        _sum(lateness_clause("due_soon", today)),
        _sum(lateness_clause("late", today)),
        coordinated,
    ).select_from(Assignment).where(Assignment.agency_id == user.agency_id)).one()
    return dict(zip(("all", "open", "due_soon", "late", "coordination"), map(int, row)))


def awaited_inputs(user: User, assignment_ids: list[int]) -> set[int]:
    """Which of these items wait for the input of the user's agency (one query)."""
    if user.role != Role.OFFICER or user.agency_id is None or not assignment_ids:
        return set()
    return set(db.session.scalars(select(CoordinatorInput.assignment_id).where(
        CoordinatorInput.agency_id == user.agency_id, CoordinatorInput.answered_at.is_(None),
        CoordinatorInput.assignment_id.in_(assignment_ids))))


def count_due(user: User, filters: Filters, today: Today) -> int:
    """How many items under `filters` are late or due soon (the "remind all" button)."""
    return count(user, filters, today, lateness_clause("late_or_due_soon", today))


def to_remind(user: User, filters: Filters, today: Today, *, selected: list[int] | None = None,
              limit: int = 2000) -> list[Assignment]:
    """The items a bulk reminder goes to: the `selected` ids the user may see, or every late
    or due-soon item under `filters`, the least recently reminded first (at most `limit`)."""
    if selected is not None:
        query = filtered(user, Filters(tab="all"), today).where(
            Assignment.id.in_(selected[:limit]))
    else:
        query = (filtered(user, filters, today)
                 .where(lateness_clause("late_or_due_soon", today)).order_by(None)
                 .order_by(case((Assignment.last_reminded_at.is_(None), 0), else_=1),
                           Assignment.last_reminded_at, Assignment.deadline, Assignment.id)
                 .limit(limit))
    return list(db.session.scalars(query).unique())


def list_counts(user: User, filters: Filters, today: Today, *, reminding: bool,
                staff: bool) -> dict:
    """What the list shows beside its rows: the total under `filters`, an officer's tab
    counts, the late or due-soon count (for who may remind) and the filters' choices (for
    the staff). Kept per data revision (`portal.revision`): one query while nothing counted
    changed, instead of counting every row the filters match."""
    args = tuple(sorted(filters.args(tab=filters.tab).items()))
    key = (user.role, user.agency_id, officer_agency(user), args, today.day, today.due_days,
           reminding, staff)

    def compute() -> dict:
        if officer_agency(user) is None and user.role in READ_ALL:
            total, urgent = sum_by_session(user, filters, today,
                                           (args, today.day, today.due_limit))
            due = urgent if reminding else 0
        else:
            total = count(user, filters, today)
            due = count_due(user, filters, today) if reminding else 0
        return {"total": total, "counts": queue_counts(user, today), "due": due,
                "choices": filter_choices() if staff else None}

    return cached("tracker.list", key, compute)


def sum_by_session(user: User, filters: Filters, today: Today, key) -> tuple[int, int]:
    """How many items `user` (a reader of every agency's: READ_ALL, who all see the same,
    so kept under `key` alone) sees under `filters`, and how many of them are late or due
    soon: the sums of each session's counts, kept against its token (`kept_by_session`).
    After an agency's answer only that session's items are counted again (a few thousand
    index entries at 100,000 petitions, not every assignment)."""
    urgent = lateness_clause("late_or_due_soon", today)

    def count_sessions(session_ids: list[int] | None) -> dict[int, tuple[int, int]]:
        query = _bare(select(Assignment.session_id, func.count(Assignment.id), _sum(urgent)),
                      user, filters, today)
        if session_ids is not None:
            query = query.where(Assignment.session_id.in_(session_ids))
        return {sid: (int(n), int(due)) for sid, n, due in
                db.session.execute(query.group_by(Assignment.session_id))}

    parts = kept_by_session("tracker.sessions", key, count_sessions, (0, 0)).values()
    return sum(n for n, _due in parts), sum(due for _n, due in parts)


def filter_choices() -> dict[str, list[tuple[int, str]]]:
    """Sessions, agencies and fields offered by the filters (three queries)."""
    sessions = db.session.execute(
        select(DialogueSession.id, DialogueSession.title, DialogueSession.starts_at)
        .where(select(Petition.id).join(Assignment, Assignment.petition_id == Petition.id)
               .where(Petition.session_id == DialogueSession.id).exists())
        .order_by(DialogueSession.starts_at.desc(), DialogueSession.id.desc()).limit(300))
    agencies = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.kind != AgencyKind.UPPER)
        .order_by(Agency.kind, vn_order(Agency.name), Agency.id))
    fields = db.session.execute(
        select(PetitionField.id, PetitionField.name)
        .order_by(PetitionField.position, PetitionField.name, PetitionField.id))
    return {
        "sessions": [(r.id, f"{format_date(r.starts_at)} — {r.title}") for r in sessions],
        "agencies": [(r.id, r.name) for r in agencies],
        "fields": [(r.id, r.name) for r in fields],
    }


# --------------------------------------------------------------------------- one assignment

@dataclass
class Record:
    """Everything the assignment page shows beside the assignment: the timeline with its
    attachments, the extension history, the coordinators' input and the people named."""

    steps: list[AssignmentStep]
    attachments: dict[int | None, list[Attachment]]
    extensions: list[Extension]
    inputs: list[CoordinatorInput]
    users: dict[int, User] = field(default_factory=dict)

    def person(self, user_id: int | None) -> str:
        user = self.users.get(user_id) if user_id else None
        if user is None:
            return ""
        return user.full_name + (f" ({user.agency.short_name})" if user.agency else "")


def record_of(assignment: Assignment) -> Record:
    """Five queries, whatever the length of the history."""
    steps = list(db.session.scalars(
        select(AssignmentStep).where(AssignmentStep.assignment_id == assignment.id)
        .order_by(AssignmentStep.at, AssignmentStep.id)))
    attachments: dict[int | None, list[Attachment]] = {}
    for att in db.session.scalars(select(Attachment).where(
            Attachment.assignment_id == assignment.id).order_by(Attachment.id)):
        attachments.setdefault(att.step_id, []).append(att)
    extensions = list(db.session.scalars(
        select(Extension).where(Extension.assignment_id == assignment.id)
        .order_by(Extension.requested_at, Extension.id)))
    inputs = list(db.session.scalars(
        select(CoordinatorInput).where(CoordinatorInput.assignment_id == assignment.id)
        .options(contains_eager(CoordinatorInput.agency))
        .join(CoordinatorInput.agency).order_by(CoordinatorInput.requested_at,
                                                CoordinatorInput.id)))
    ids = {s.actor_id for s in steps}
    ids |= {e.requested_by_id for e in extensions} | {e.decided_by_id for e in extensions}
    ids |= {i.requested_by_id for i in inputs} | {i.answered_by_id for i in inputs}
    ids |= {assignment.answered_by_id}
    ids.discard(None)
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_(ids)).order_by(User.id))} if ids else {}
    return Record(steps, attachments, extensions, inputs, users)


def attachment_for(user: User, attachment_id: int) -> Attachment | None:
    """The attachment if `user` may see its assignment, else None."""
    return db.session.scalar(
        scope(select(Attachment).join(Assignment, Assignment.id == Attachment.assignment_id),
              user).where(Attachment.id == attachment_id))


def coordinator_agency_choices(assignment: Assignment) -> list[tuple[int, str]]:
    """Agencies the lead agency may ask for input: active departments and localities, its
    coordinators first."""
    rows = db.session.execute(
        select(Agency.id, Agency.name)
        .where(Agency.is_active, Agency.id != assignment.agency_id,
               Agency.kind.in_((AgencyKind.DEPARTMENT, AgencyKind.LOCALITY)))
        .order_by(Agency.kind, vn_order(Agency.name), Agency.id))
    mine = {a.id for a in assignment.coordinators}
    rows = list(rows)
    return ([(r.id, r.name) for r in rows if r.id in mine]
            + [(r.id, r.name) for r in rows if r.id not in mine])


def upper_bodies() -> list[str]:
    """Names of the competent bodies on file, offered when reporting upward."""
    return list(db.session.scalars(
        select(Agency.name).where(Agency.kind == AgencyKind.UPPER, Agency.is_active)
        .order_by(vn_order(Agency.name), Agency.id)))


# --------------------------------------------------------------------------- notifications

def _mine(user: User):
    mine = Notification.user_id == user.id
    if user.agency_id is not None:
        mine = or_(mine, Notification.agency_id == user.agency_id)
    return mine


def unread_count(user: User) -> int:
    """Unread notifications of the user and of their agency (one query)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    return db.session.scalar(select(func.count(Notification.id)).where(
        _mine(user), Notification.read_at.is_(None))) or 0


def notifications_for(user: User) -> Select:
    """The user's and their agency's notifications, newest first."""
    return select(Notification).where(_mine(user)).order_by(Notification.created_at.desc(),
                                                              Notification.id.desc())


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or every) unread notification of the user as read; how many changed."""
    query = update(Notification).where(_mine(user), Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()),
                                execution_options={"synchronize_session": False})
    return result.rowcount or 0


def notify_agency(agency_id: int, text: str, link: str = "") -> Notification:
    note = Notification(agency_id=agency_id, text=text[:5000], link=link[:300])
    db.session.add(note)
    return note


def notify_office(text: str, link: str = "") -> list[Notification]:
    """One notification to every active office account."""
    ids = db.session.scalars(select(User.id).where(User.role == Role.OFFICE,
                                                   User.is_active_account).order_by(User.id))
    notes = [Notification(user_id=uid, text=text[:5000], link=link[:300]) for uid in ids]
    db.session.add_all(notes)
    return notes


def mark_read_for(user, link: str) -> int:
    """Mark read the unread notifications of `user` (or their agency) that link to `link`."""
    result = db.session.execute(
        update(Notification).where(_mine(user), Notification.link == link,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount or 0
