"""The figures of the dashboard and of the periodic reports (báo cáo định kỳ, III.2).

Plain functions, no Flask request. Every count is one SQL aggregate (GROUP BY with
SUM(CASE …)) grouped by session as well (`session_figures`), so a page issues the same few
queries whatever the number of petitions, and no petition row is loaded into Python except
the few listed by name. A page's counts are the sums of its sessions' parts: counted here
all at once, or kept per session between requests (portal.reports.summary).

Lateness is the tracker's (portal.tracker.deadlines), written as SQL:

* an open assignment (still owed by the agency) is late when today > its deadline;
* an answer is on time when it was given on or before the deadline day in Việt Nam, i.e.
  before 00:00 Asia/Ho_Chi_Minh of the next day. `answered_at` is stored as naive UTC, so
  the comparison is with that instant in UTC: deadline + 1 day − 7 hours (Việt Nam keeps
  UTC+7 all year, without daylight saving). `next_local_midnight_utc` compiles it for
  SQLite and PostgreSQL; tests check it against deadlines.py item by item.

Scope of a period report: the petitions of the dialogue sessions whose date falls in the
period (whatever became of them since), with the state of their assignments as of today.
"""
from __future__ import annotations

from bisect import bisect_right
from collections import Counter, namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, DateTime, and_, case, func, not_, or_, select, true, tuple_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

from portal.admin.models import Agency, Field, names_on
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.calendar.rules import working_calendar
from portal.extensions import db
from portal.petitions.models import Petition, SubmitterKind
from portal.petitions.privacy import PERSONAL_KINDS, mask_name, masked_text
from portal.timefmt import LOCAL_TZ, local_to_utc
from portal.tracker.deadlines import ANSWERED_STATES, OPEN_STATES, late_clause
from portal.tracker.models import CitizenVerdict, Assignment, AssignmentStatus

# A session counts as held once the meeting has been opened (runner) or concluded.
HELD_STATES = (SessionStatus.IN_PROGRESS, SessionStatus.CONCLUDED)
# Beyond the province's authority, in its three steps (the runner's flag marks it too).
BEYOND_STATES = (AssignmentStatus.BEYOND_AUTHORITY, AssignmentStatus.REPORTED_UPWARD,
                 AssignmentStatus.UPPER_ANSWERED)
OLDEST_OPEN_LIMIT = 10
MAX_PERIOD_YEARS = 5


# --------------------------------------------------------------------------- lateness in SQL


def _minutes_to_next_local_midnight() -> int:
    """Minutes from 00:00 UTC of a date to 00:00 local time of the next day (17 h for UTC+7)."""
    offset = datetime(2024, 1, 1, tzinfo=LOCAL_TZ).utcoffset()
    assert offset == datetime(2024, 7, 1, tzinfo=LOCAL_TZ).utcoffset(), "no DST expected"
    return int((timedelta(days=1) - offset).total_seconds() // 60)


NEXT_MIDNIGHT_MINUTES = _minutes_to_next_local_midnight()


class next_local_midnight_utc(FunctionElement):  # noqa: N801 - an SQL function's name
    """SQL: the naive UTC instant at which the local day after a DATE column begins."""

    type = DateTime()
    name = "next_local_midnight_utc"
    inherit_cache = True


@compiles(next_local_midnight_utc)
def _next_midnight_default(element, compiler, **kw):  # PostgreSQL and standard SQL
    (day,) = element.clauses
    return (f"(CAST({compiler.process(day, **kw)} AS TIMESTAMP) "
            f"+ INTERVAL '{NEXT_MIDNIGHT_MINUTES} minutes')")


@compiles(next_local_midnight_utc, "sqlite")
def _next_midnight_sqlite(element, compiler, **kw):
    # SQLAlchemy stores DATETIME as 'YYYY-MM-DD HH:MM:SS.ffffff'; datetime() gives
    # 'YYYY-MM-DD HH:MM:SS', which compares as text in the same order.
    (day,) = element.clauses
    return f"datetime({compiler.process(day, **kw)}, '+{NEXT_MIDNIGHT_MINUTES} minutes')"


class local_day(FunctionElement):  # noqa: N801 - an SQL function's name
    """SQL: the date in Việt Nam of a naive UTC timestamp column (text on SQLite)."""

    type = Date()
    name = "local_day"
    inherit_cache = True


LOCAL_OFFSET_MINUTES = 24 * 60 - NEXT_MIDNIGHT_MINUTES  # 420 for UTC+7


@compiles(local_day)
def _local_day_default(element, compiler, **kw):
    (moment,) = element.clauses
    return (f"CAST({compiler.process(moment, **kw)} "
            f"+ INTERVAL '{LOCAL_OFFSET_MINUTES} minutes' AS DATE)")


@compiles(local_day, "sqlite")
def _local_day_sqlite(element, compiler, **kw):
    (moment,) = element.clauses
    return f"date({compiler.process(moment, **kw)}, '+{LOCAL_OFFSET_MINUTES} minutes')"


def as_date(value) -> date:
    """A `local_day` as a date (SQLite answers 'YYYY-MM-DD')."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def is_open_sql() -> ColumnElement[bool]:
    return Assignment.status.in_(OPEN_STATES)


def answered_late_sql() -> ColumnElement[bool]:
    """Answered after the deadline day (NULL, i.e. false, when not answered)."""
    return Assignment.answered_at >= next_local_midnight_utc(Assignment.deadline)


def answered_on_time_sql() -> ColumnElement[bool]:
    return Assignment.answered_at < next_local_midnight_utc(Assignment.deadline)


def is_late_sql(today: date) -> ColumnElement[bool]:
    """deadlines.is_late in SQL: open past the deadline, or answered after it."""
    return or_(late_clause(today),
               and_(not_(is_open_sql()), Assignment.answered_at.is_not(None),
                    answered_late_sql()))


def on_time_sql() -> ColumnElement:
    """deadlines.on_time in SQL: true, false, or NULL when not answered."""
    return case((Assignment.answered_at.is_(None), None),
                (answered_on_time_sql(), True), else_=False)


# --------------------------------------------------------------------------- tallies


def _count(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group_columns(today: date) -> list:
    """Per (agency, status) group: its size and how many were answered on time, answered
    late, are open past the deadline, or carry the runner's "beyond authority" flag."""
    return [
        func.count(Assignment.id).label("n"),
        _count(answered_on_time_sql()).label("on_time"),
        _count(answered_late_sql()).label("late_answered"),
        _count(late_clause(today)).label("open_late"),
        _count(Assignment.beyond_authority.is_(True)).label("flagged"),
        _count(Assignment.citizen_verdict == CitizenVerdict.SATISFIED).label("satisfied"),
        _count(Assignment.citizen_verdict == CitizenVerdict.NOT_SATISFIED).label("unsatisfied"),
        _count(Assignment.round > 1).label("reopened"),
        # the earliest deadline, today or later, of its open ones: until that day has gone,
        # no other item of the group becomes late
        func.min(case((and_(is_open_sql(), Assignment.deadline >= today),
                       Assignment.deadline))).label("next_deadline"),
    ]


@dataclass
class Tally:
    """What became of a group of assignments (an agency's, a period's)."""

    assigned: int = 0
    answered: int = 0  # answered or accepted (Đã trả lời, Đã hoàn thành)
    on_time: int = 0  # of those, answered on or before the deadline day
    late_answered: int = 0  # of those, answered after it
    done: int = 0
    open: int = 0  # still owed by the agency (assigned, in progress, returned)
    open_late: int = 0  # of those, past the deadline
    beyond: int = 0  # beyond the province's authority
    reported_upward: int = 0
    upper_answered: int = 0
    satisfied: int = 0  # the citizen's verdict on the accepted answer
    unsatisfied: int = 0  # (a later round may have been accepted since)
    reopened: int = 0  # items that went to a second round or more

    def add(self, status: AssignmentStatus, row) -> None:
        """Count in one (status) group of `_group_columns`."""
        n = int(row.n)
        self.assigned += n
        if status in ANSWERED_STATES:
            self.answered += n
            self.on_time += int(row.on_time)
            self.late_answered += int(row.late_answered)
        if status == AssignmentStatus.DONE:
            self.done += n
        if status in OPEN_STATES:
            self.open += n
        self.open_late += int(row.open_late)  # late_clause: open ones only
        self.beyond += n if status in BEYOND_STATES else int(row.flagged)
        if status == AssignmentStatus.REPORTED_UPWARD:
            self.reported_upward += n
        if status == AssignmentStatus.UPPER_ANSWERED:
            self.upper_answered += n
        self.satisfied += int(row.satisfied)
        self.unsatisfied += int(row.unsatisfied)
        self.reopened += int(row.reopened)

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied / asked and reached; None when no verdict was recorded."""
        judged = self.satisfied + self.unsatisfied
        return self.satisfied / judged if judged else None

    @property
    def on_time_rate(self) -> float | None:
        """Answered on time / answered (with a known answer date); None when nothing answered."""
        judged = self.on_time + self.late_answered
        return self.on_time / judged if judged else None

    @property
    def open_in_time(self) -> int:
        return self.open - self.open_late

    @property
    def beyond_pending(self) -> int:
        """Beyond authority, not yet reported upward."""
        return self.beyond - self.reported_upward - self.upper_answered


@dataclass
class AgencyTally:
    name: str
    short_name: str
    tally: Tally
    agency_id: int = 0


@dataclass
class FieldCount:
    name: str
    petitions: int
    assigned: int
    satisfied: int = 0
    unsatisfied: int = 0

    @property
    def satisfaction_rate(self) -> float | None:
        judged = self.satisfied + self.unsatisfied
        return self.satisfied / judged if judged else None


# --------------------------------------------------------------------------- periods


def _local_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[00:00 local of start, 00:00 local of the day after end) as UTC instants."""
    return local_to_utc(start, time(0)), local_to_utc(end + timedelta(days=1), time(0))


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    last = (date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)) \
        - timedelta(days=1)
    return first, last


def month_bounds(year: int, month: int) -> tuple[date, date]:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return date(year, month, 1), nxt - timedelta(days=1)


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def period_too_long(start: date, end: date) -> bool:
    """More than MAX_PERIOD_YEARS years from start to end (both days included)."""
    return end >= add_years(start, MAX_PERIOD_YEARS)


@dataclass(frozen=True)
class Period:
    """A reporting period, both days included."""

    start: date
    end: date

    @property
    def label(self) -> str:
        """As the report's summary says it: "tháng 3 năm 2024", "quý I năm 2024", …"""
        start, end = self.start, self.end
        if start.year == end.year:
            if (start, end) == (date(start.year, 1, 1), date(start.year, 12, 31)):
                return f"năm {start.year}"
            for quarter in range(1, 5):
                if (start, end) == quarter_bounds(start.year, quarter):
                    return f"quý {ROMAN[quarter]} năm {start.year}"
            if start.month == end.month and (start, end) == month_bounds(start.year, start.month):
                return f"tháng {start.month} năm {start.year}"
            if (start, end) == (date(start.year, 1, 1), date(start.year, 6, 30)):
                return f"6 tháng đầu năm {start.year}"
        return f"từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def presets(today: date, year: int | None = None) -> list[tuple[str, Period]]:
    """The usual periods, keyed: this month ("month"), the quarters of `year` ("q1"–"q4"),
    the whole of `year` ("year") and the year before ("previous_year"); `year` is this year
    unless given."""
    year = year or today.year
    items = [("month", Period(*month_bounds(today.year, today.month)))]
    items += [(f"q{q}", Period(*quarter_bounds(year, q))) for q in range(1, 5)]
    items.append(("year", Period(date(year, 1, 1), date(year, 12, 31))))
    items.append(("previous_year", Period(date(year - 1, 1, 1), date(year - 1, 12, 31))))
    return items


# --------------------------------------------------------------------------- working days late


class LateDays:
    """Working days late, as deadlines.working_days_late, for many items at once.

    Builds the list of working days between the earliest deadline and `today` once (one
    query for the Office's overrides), then counts with bisect instead of day by day.
    """

    def __init__(self, earliest: date | None, today: date):
        self.today = today
        self.days: list[date] = []
        if earliest is not None and earliest < today:
            cal = working_calendar(earliest, today)
            day = earliest
            while day < today:
                day += timedelta(days=1)
                if cal.is_working_day(day):
                    self.days.append(day)

    def of(self, deadline: date, end: date | None = None) -> int:
        """Working days in (deadline, end], end being today unless given (an answer's day)."""
        end = end or self.today
        if end <= deadline:
            return 0
        return bisect_right(self.days, end) - bisect_right(self.days, deadline)


# --------------------------------------------------------------------------- masking


def masked_submitter(kind: SubmitterKind, name: str) -> str:
    """A person's name masked ("Nguyễn V. A."); an organisation's name as it is."""
    return mask_name(name) if kind in PERSONAL_KINDS else name


def initials(name: str) -> str:
    """ "Nguyễn Văn An" -> "N.V.A." (the public page shows no more of a person)."""
    return "".join(word[0].upper() + "." for word in (name or "").split())


# --------------------------------------------------------------------------- the dashboard


@dataclass
class OpenItem:
    """One outstanding assignment, as the lists show it (personal data masked)."""

    assignment_id: int
    petition_id: int
    session_day: date
    session_title: str
    field: str
    submitter: str
    content: str
    agency: str
    deadline: date
    status: AssignmentStatus
    days_late: int


@dataclass
class Dashboard:
    today: date
    by_status: list[tuple[AssignmentStatus, int]]
    by_field: list[FieldCount]
    by_agency: list[AgencyTally]
    oldest_open: list[OpenItem]
    sessions_held: int
    held_by_kind: list[tuple[SessionKind, int]]
    total: Tally = field(default_factory=Tally)
    ranking: list = field(default_factory=list)


# --------------------------------------------------------------------------- session by session

GROUP_FIELDS = ("n", "on_time", "late_answered", "open_late", "flagged", "satisfied",
                "unsatisfied", "reopened")  # the columns of `_group_columns`, in order


# One (agency, status) group's GROUP_FIELDS, read by name as `Tally.add` reads them.
GroupCounts = namedtuple("GroupCounts", GROUP_FIELDS)


@dataclass
class SessionFigures:
    """What one session's petitions and their assignments add up to, as of a day: the part
    of the dashboard's and the period reports' counts that is that session's. Every count
    is a sum of these parts, so after a change only the sessions it touched are counted
    again (portal.reports.summary keeps them per session revision).

    Only the open items past their deadline depend on the day, and they change only when
    one of the session's deadlines goes by: the part counted on a day holds every day up to
    its next open deadline (`holds_on`), so a new day counts again only the sessions whose
    deadline fell."""

    # (agency id, status) -> the GROUP_FIELDS of its assignments
    groups: dict[tuple[int, AssignmentStatus], list[int]] = field(default_factory=dict)
    # field id -> [petitions, assigned, satisfied, unsatisfied]
    fields: dict[int, list[int]] = field(default_factory=dict)
    # agency id -> [working days from assignment to answer, summed; answered assignments]
    days: dict[int, list[int]] = field(default_factory=dict)
    counted_on: date | None = None  # the day it was counted for
    next_deadline: date | None = None  # its open items' earliest deadline from that day on

    def holds_on(self, day: date) -> bool:
        """Whether its counts are those of `day` too: no open item of it was on time on the
        day it was counted and is late on `day` (late: the deadline is before the day)."""
        return (self.counted_on is not None and self.counted_on <= day
                and (self.next_deadline is None or day <= self.next_deadline))

    @property
    def open(self) -> int:
        """Its assignments still owed by an agency."""
        return sum(counts[0] for (_agency, status), counts in self.groups.items()
                   if status in OPEN_STATES)


@dataclass
class AgencyPart:
    """One agency's assignments of one session's petitions, as of a day: the piece of the
    session's part that changes when that agency answers (counted again alone then)."""

    counted_on: date
    # status -> the GROUP_FIELDS of its assignments
    groups: dict[AssignmentStatus, list[int]] = field(default_factory=dict)
    # field id -> [assigned, satisfied, unsatisfied]
    fields: dict[int, list[int]] = field(default_factory=dict)
    # [working days from assignment to answer, summed; answered assignments]
    days: list[int] = field(default_factory=lambda: [0, 0])
    next_deadline: date | None = None  # its open items' earliest deadline from that day on


@dataclass
class Counted:
    """What `count_parts` counted: per session its petitions by field, and per (session,
    agency) the agency's part."""

    petitions: dict[int, dict[int, int]] = field(default_factory=dict)
    agencies: dict[tuple[int, int], AgencyPart] = field(default_factory=dict)

    def of_session(self) -> dict[int, dict[int, AgencyPart]]:
        """{session id: {agency id: its part}}."""
        by_session: dict[int, dict[int, AgencyPart]] = {}
        for (sid, agency), part in self.agencies.items():
            by_session.setdefault(sid, {})[agency] = part
        return by_session


def count_parts(today: date, session_ids=None, pairs=()) -> Counted:
    """Count anew every session (`session_ids` None), or the given sessions whole and the
    given (session, agency) pairs: three queries grouped by session and agency, a row per
    status (or field, or pair of days); four when both are asked for. The assignments are
    read by the session copied on them (Assignment.session_id), from its index."""
    counted = Counted()
    whole = None if session_ids is None else list(session_ids)
    pairs = list(pairs)
    if whole == [] and not pairs:
        return counted

    def scope(query, sessions=whole, pairs=pairs):
        """Only the assignments of the sessions and pairs asked for."""
        if sessions is None:
            return query
        wanted = [Assignment.session_id.in_(sessions)] if sessions else []
        if pairs:
            wanted.append(and_(Assignment.session_id.in_(sorted({sid for sid, _a in pairs})),
                               tuple_(Assignment.session_id, Assignment.agency_id)
                               .in_(pairs)))
        return query.where(or_(*wanted))

    def part(sid: int, agency: int) -> AgencyPart:
        found = counted.agencies.get((sid, agency))
        if found is None:
            found = counted.agencies[(sid, agency)] = AgencyPart(counted_on=today)
        return found

    groups = scope(select(Assignment.session_id, Assignment.agency_id, Assignment.status,
                          *_group_columns(today))
                   .group_by(Assignment.session_id, Assignment.agency_id, Assignment.status))
    for row in db.session.execute(groups):
        piece = part(row.session_id, row.agency_id)
        piece.groups[AssignmentStatus(row.status)] = [
            int(getattr(row, name)) for name in GROUP_FIELDS]
        if row.next_deadline is not None and (piece.next_deadline is None
                                              or row.next_deadline < piece.next_deadline):
            piece.next_deadline = row.next_deadline
    verdicts = [func.count(Assignment.id).label("assigned"),
                _count(Assignment.citizen_verdict == CitizenVerdict.SATISFIED)
                .label("satisfied"),
                _count(Assignment.citizen_verdict == CitizenVerdict.NOT_SATISFIED)
                .label("unsatisfied")]
    if whole is None or whole:
        # The whole sessions' petitions by field, and by the agency each went to (none:
        # not assigned): their petitions per field, and each agency's part of them.
        fields = (select(Petition.session_id, Assignment.agency_id, Petition.field_id,
                         func.count(Petition.id).label("petitions"), *verdicts)
                  .select_from(Petition)
                  .outerjoin(Assignment, and_(Assignment.petition_id == Petition.id,
                                              Assignment.session_id == Petition.session_id))
                  .group_by(Petition.session_id, Assignment.agency_id, Petition.field_id))
        if whole is not None:
            fields = fields.where(Petition.session_id.in_(whole))
        for row in db.session.execute(fields):
            by_field = counted.petitions.setdefault(row.session_id, {})
            by_field[row.field_id] = by_field.get(row.field_id, 0) + int(row.petitions)
            if row.agency_id is not None:
                part(row.session_id, row.agency_id).fields[row.field_id] = [
                    int(row.assigned), int(row.satisfied), int(row.unsatisfied)]
    if pairs:
        fields = scope(select(Assignment.session_id, Assignment.agency_id, Petition.field_id,
                              *verdicts)
                       .select_from(Assignment)
                       .join(Petition, Petition.id == Assignment.petition_id)
                       .group_by(Assignment.session_id, Assignment.agency_id,
                                 Petition.field_id), sessions=[])
        for row in db.session.execute(fields):
            part(row.session_id, row.agency_id).fields[row.field_id] = [
                int(row.assigned), int(row.satisfied), int(row.unsatisfied)]
    for (sid, agency), days in _days_to_answer_by_pair(today, scope).items():
        part(sid, agency).days = days
    return counted


def compose(today: date, petitions: dict[int, int],
            agencies: dict[int, AgencyPart]) -> SessionFigures:
    """A session's part from its petitions by field and its agencies' parts (counted on
    `today` or, kept, on an earlier day they still hold on)."""
    whole = SessionFigures(counted_on=max((a.counted_on for a in agencies.values()),
                                          default=today))
    for field_id, n in petitions.items():
        whole.fields[field_id] = [n, 0, 0, 0]
    for agency, piece in agencies.items():
        for status, counts in piece.groups.items():
            whole.groups[(agency, status)] = list(counts)
        for field_id, counts in piece.fields.items():
            into = whole.fields.setdefault(field_id, [0, 0, 0, 0])
            for i, value in enumerate(counts, start=1):
                into[i] += value
        if piece.days[1]:
            whole.days[agency] = list(piece.days)
        if piece.next_deadline is not None and (whole.next_deadline is None
                                                or piece.next_deadline < whole.next_deadline):
            whole.next_deadline = piece.next_deadline
    return whole


def session_figures(today: date, session_ids=None) -> dict[int, SessionFigures]:
    """{session id: its figures} for the given sessions (an empty part for one without
    petitions), or for every session with petitions (`count_parts`, composed)."""
    counted = count_parts(today, session_ids)
    agencies = counted.of_session()
    sessions = set(session_ids) if session_ids is not None else set()
    sessions |= set(counted.petitions) | set(agencies)
    return {sid: compose(today, counted.petitions.get(sid, {}), agencies.get(sid, {}))
            for sid in sessions}


def _days_to_answer_by_pair(today: date, scope) -> dict[tuple[int, int], list[int]]:
    """Per session and agency, the working days from assignment to answer (answered ones),
    summed, and how many. One query grouped by session, agency and the two local days
    (assigned, answered), so Python sees a row per distinct pair of days, not per
    assignment."""
    assigned_day, answered_day = local_day(Assignment.created_at), local_day(
        Assignment.answered_at)
    query = scope(select(Assignment.session_id, Assignment.agency_id,
                         assigned_day.label("assigned"), answered_day.label("answered"),
                         func.count().label("n"))
                  .where(Assignment.answered_at.is_not(None))
                  .group_by(Assignment.session_id, Assignment.agency_id, assigned_day,
                            answered_day))
    rows = db.session.execute(query).all()
    if not rows:
        return {}
    late = LateDays(min(as_date(r.assigned) for r in rows) - timedelta(days=1), today)
    days_between: dict[tuple, int] = {}  # a few hundred pairs of days, many sessions each
    totals: dict[tuple[int, int], list[int]] = {}
    for session_id, agency, assigned, answered, n in rows:
        days = days_between.get((assigned, answered))
        if days is None:
            days = days_between[(assigned, answered)] = late.of(as_date(assigned),
                                                                as_date(answered))
        total = totals.setdefault((session_id, agency), [0, 0])
        total[0] += days * n
        total[1] += n
    return totals


def _summed(parts) -> SessionFigures:
    """The parts of several sessions added up, as if they were one."""
    total = SessionFigures()
    for part in parts:
        for into, of in ((total.groups, part.groups), (total.fields, part.fields),
                         (total.days, part.days)):
            for key, counts in of.items():
                kept = into.get(key)
                if kept is None:
                    into[key] = list(counts)
                else:
                    for i, value in enumerate(counts):
                        kept[i] += value
    return total


SessionParts = Callable[[date, list[int]], dict[int, SessionFigures]]


def fresh_parts(today: date, session_ids: list[int]) -> dict[int, SessionFigures]:
    """The sessions' figures counted now, in one pass over every session (the callers ask
    for all of them; `portal.reports.summary.kept_parts` keeps them)."""
    return session_figures(today)


def _field_counts(summed: SessionFigures) -> list[FieldCount]:
    """The fields with petitions, in the Office's order (one query: the fields' names)."""
    if not summed.fields:
        return []
    rows = db.session.execute(select(Field.id, Field.name)
                              .where(Field.id.in_(list(summed.fields)))
                              .order_by(Field.position, Field.name, Field.id))
    return [FieldCount(name, *summed.fields[field_id]) for field_id, name in rows]


def _tallies(summed: SessionFigures
             ) -> tuple[list[AgencyTally], Tally, list[tuple[AssignmentStatus, int]]]:
    """Per agency (most assignments first), the total, and the count by status (one query:
    the agencies' names)."""
    names = {}
    if summed.groups:
        names = {row.id: row for row in db.session.execute(
            select(Agency.id, Agency.name, Agency.short_name)
            .where(Agency.id.in_({agency for agency, _status in summed.groups})))}
    agencies: dict[int, AgencyTally] = {}
    total = Tally()
    by_status = dict.fromkeys(AssignmentStatus, 0)
    for (agency_id, status), counts in summed.groups.items():
        row = GroupCounts(*counts)
        named = names[agency_id]
        agency = agencies.setdefault(agency_id, AgencyTally(named.name, named.short_name,
                                                            Tally(), agency_id))
        agency.tally.add(status, row)
        total.add(status, row)
        by_status[status] += row.n
    rows = [agencies[key] for key in sorted(
        agencies, key=lambda key: (-agencies[key].tally.assigned, agencies[key].name, key))]
    return rows, total, list(by_status.items())


def _days_to_answer(summed: SessionFigures) -> dict[int, float]:
    """Per agency, the average working days from assignment to answer (answered ones)."""
    return {agency: days / n for agency, (days, n) in summed.days.items() if n}


def _open_items_query(scope=None):
    query = (select(Assignment.id, Assignment.deadline, Assignment.status,
                    Petition.id.label("petition_id"), Petition.submitter_kind,
                    Petition.submitter_name, Petition.content, Petition.content_masked,
                    Field.name.label("field_name"), Agency.name.label("agency_name"),
                    DialogueSession.starts_at, DialogueSession.title.label("session_title"))
             .select_from(Assignment)
             .join(Petition, Assignment.petition_id == Petition.id)
             .join(Field, Petition.field_id == Field.id)
             .join(Agency, Assignment.agency_id == Agency.id)
             .join(DialogueSession, Petition.session_id == DialogueSession.id)
             .where(is_open_sql())
             .order_by(Assignment.deadline, Assignment.id))
    if scope is not None:
        query = scope(query)
    return query


def _open_item(r, late: LateDays) -> OpenItem:
    return OpenItem(
        assignment_id=r.id, petition_id=r.petition_id,
        session_day=r.starts_at.astimezone(LOCAL_TZ).date(), session_title=r.session_title,
        field=r.field_name, submitter=masked_submitter(r.submitter_kind, r.submitter_name),
        # a report is an export (`privacy.RULES`): the free text masked for every reader
        content=_masked_content(r), agency=r.agency_name, deadline=r.deadline, status=r.status,
        days_late=late.of(r.deadline))


def _masked_content(r) -> str:
    """The kept masked copy (masked afresh for a row written around the ORM without it)."""
    if r.content_masked or not r.content:
        return r.content_masked
    return masked_text(r.content, [r.submitter_name] if r.submitter_kind in PERSONAL_KINDS
                       else [])


def _open_items(rows, today: date) -> list[OpenItem]:
    rows = list(rows)
    late = LateDays(min((r.deadline for r in rows), default=None), today)
    return [_open_item(r, late) for r in rows]


@dataclass(frozen=True)
class DashboardFilter:
    """The dashboard's narrowing: the sessions' period, kind of dialogue and leader."""

    start: date | None = None
    end: date | None = None
    kind: SessionKind | None = None
    leader: str = ""

    def clauses(self) -> list:
        """The conditions on DialogueSession of the sessions in scope (none for all)."""
        clauses = []
        if self.start is not None:
            clauses.append(DialogueSession.starts_at >= local_to_utc(self.start, time(0)))
        if self.end is not None:
            clauses.append(DialogueSession.starts_at
                           < local_to_utc(self.end + timedelta(days=1), time(0)))
        if self.kind is not None:
            clauses.append(DialogueSession.kind == self.kind)
        if self.leader:
            clauses.append(DialogueSession.host == self.leader)
        return clauses

    def sessions(self):
        """The sessions in scope as a subquery, or None for all of them."""
        clauses = self.clauses()
        return select(DialogueSession.id).where(*clauses) if clauses else None

    def scope(self):
        sessions = self.sessions()
        if sessions is None:
            return None
        return lambda query: query.where(Petition.session_id.in_(sessions))


@dataclass
class Ranked:
    """An agency's place: on-time rate, average working days to answer, satisfaction."""

    name: str
    assigned: int
    on_time_rate: float | None
    days_to_answer: float | None
    satisfaction_rate: float | None


def leaders() -> list[str]:
    """The leaders who chair sessions (the sessions' hosts), for the filter (one query)."""
    return [h for h in db.session.scalars(select(DialogueSession.host).distinct()
                                          .where(DialogueSession.host != "")
                                          .order_by(DialogueSession.host)) if h]


def ranking(by_agency: list[AgencyTally], days: dict[int, float], minimum: int) -> list[Ranked]:
    """Agencies with at least `minimum` assignments, best first: on-time rate, then fewer
    working days to answer, then satisfaction (a body with two items is not ranked, so it
    is neither first nor last by chance)."""
    ranked = [Ranked(a.name, a.tally.assigned, a.tally.on_time_rate, days.get(a.agency_id),
                     a.tally.satisfaction_rate)
              for a in by_agency if a.tally.assigned >= minimum]
    return sorted(ranked, key=lambda r: (
        -(r.on_time_rate if r.on_time_rate is not None else -1),
        r.days_to_answer if r.days_to_answer is not None else 1e9,
        -(r.satisfaction_rate if r.satisfaction_rate is not None else -1), r.name))


def dashboard(today: date, narrow: DashboardFilter | None = None,
              min_ranked: int = 5, parts: SessionParts = fresh_parts) -> Dashboard:
    """All the dashboard's figures over the sessions in scope (every one by default), the
    counts summed from the sessions' `parts`."""
    scope = narrow.scope() if narrow is not None else None
    clauses = narrow.clauses() if narrow is not None else []
    rows = db.session.execute(select(DialogueSession.id, DialogueSession.kind,
                                     DialogueSession.status,
                                     and_(*clauses) if clauses else true())).all()
    found = parts(today, [row[0] for row in rows])
    summed = _summed(found[sid] for sid, _kind, _status, inside in rows
                     if inside and sid in found)
    by_agency, total, by_status = _tallies(summed)
    held_kinds = Counter(SessionKind(kind) for _sid, kind, status, inside in rows
                         if inside and SessionStatus(status) in HELD_STATES)
    held = [(kind, held_kinds[kind]) for kind in SessionKind]
    return Dashboard(
        today=today,
        by_status=by_status,
        by_field=_field_counts(summed),
        by_agency=by_agency,
        total=total,
        oldest_open=_open_items(
            db.session.execute(_open_items_query(scope).limit(OLDEST_OPEN_LIMIT)), today),
        sessions_held=sum(n for _, n in held),
        held_by_kind=held,
        ranking=ranking(by_agency, _days_to_answer(summed), min_ranked),
    )


# --------------------------------------------------------------------------- the period report


@dataclass
class SessionRow:
    day: date
    kind: SessionKind
    title: str
    venue: str
    status: SessionStatus


@dataclass
class PeriodReport:
    period: Period
    today: date
    sessions: list[SessionRow]
    received: int
    by_field: list[FieldCount]
    by_status: list[tuple[AssignmentStatus, int]]
    by_agency: list[AgencyTally]
    total: Tally
    outstanding: list[OpenItem]  # the oldest first; possibly only the first `limit`
    carried_open: int = 0  # open items of sessions before the period

    @property
    def outstanding_shown_all(self) -> bool:
        return len(self.outstanding) >= self.total.open


@dataclass
class PeriodFigures:
    """The counts of a period report (everything but the list of outstanding items)."""

    sessions: list[SessionRow]
    received: int
    by_field: list[FieldCount]
    by_status: list[tuple[AssignmentStatus, int]]
    by_agency: list[AgencyTally]
    total: Tally
    # still open today, from sessions held before the period (carried forward, «Tồn đọng»)
    carried_open: int = 0


def _period_bounds(period: Period):
    lo, hi = _local_bounds(period.start, period.end)
    return DialogueSession.starts_at >= lo, DialogueSession.starts_at < hi


def period_figures(period: Period, today: date,
                   parts: SessionParts = fresh_parts) -> PeriodFigures:
    """The counts of the report for `period` (status as of `today`), summed from the
    sessions' `parts`: the period's sessions, and those before it for the items carried
    forward (still open today: «Tồn đọng» in the next sessions' preparation)."""
    bounds = _period_bounds(period)
    lo, _hi = _local_bounds(period.start, period.end)
    held = db.session.scalars(
        select(DialogueSession).where(DialogueSession.status.in_(HELD_STATES))
        .where(*bounds).order_by(DialogueSession.starts_at, DialogueSession.id)).all()
    sessions = [(sid, bool(inside), bool(before)) for sid, inside, before in db.session.execute(
        select(DialogueSession.id, and_(*bounds), DialogueSession.starts_at < lo))]
    found = parts(today, [sid for sid, _inside, _before in sessions])
    summed = _summed(found[sid] for sid, inside, _before in sessions
                     if inside and sid in found)
    carried = sum(found[sid].open for sid, _inside, before in sessions
                  if before and sid in found)
    by_field = _field_counts(summed)
    by_agency, total, by_status = _tallies(summed)
    # An agency renamed since shows the name it had at the end of the period.
    renamed = names_on(period.end, [a.agency_id for a in by_agency])
    for tally in by_agency:
        if tally.agency_id in renamed:
            tally.name, tally.short_name = renamed[tally.agency_id]
    return PeriodFigures(
        # The day each was held (the day it closed), not the scheduled one.
        sessions=[SessionRow((s.closed_at or s.starts_at).astimezone(LOCAL_TZ).date(), s.kind,
                             s.title, s.venue, s.status) for s in held],
        received=sum(f.petitions for f in by_field),
        by_field=by_field, by_status=by_status, by_agency=by_agency, total=total,
        carried_open=carried)


def outstanding_query(period: Period, limit: int | None = None):
    """The period's open assignments, the oldest deadline first (at most `limit`)."""
    query = _open_items_query(lambda q: q.where(*_period_bounds(period)))
    return query.limit(limit) if limit is not None else query


def outstanding_items(period: Period, today: date, limit: int | None = None) -> list[OpenItem]:
    if limit == 0:
        return []
    return _open_items(db.session.execute(outstanding_query(period, limit)), today)


def iter_outstanding(period: Period, today: date, batch: int = 2000):
    """Every outstanding item of `period`, the oldest deadline first, as a stream (rows are
    fetched `batch` at a time; the first row has the earliest deadline, which sizes the
    working-day table). A session's day is worked out once per session."""
    late = None
    days: dict = {}
    rows = db.session.execute(outstanding_query(period).execution_options(yield_per=batch))
    for r in rows:
        if late is None:
            late = LateDays(r.deadline, today)
        day = days.get(r.starts_at)
        if day is None:
            day = days[r.starts_at] = r.starts_at.astimezone(LOCAL_TZ).date()
        yield OpenItem(
            assignment_id=r.id, petition_id=r.petition_id, session_day=day,
            session_title=r.session_title, field=r.field_name,
            submitter=masked_submitter(r.submitter_kind, r.submitter_name), content=_masked_content(r),
            agency=r.agency_name, deadline=r.deadline, status=r.status,
            days_late=late.of(r.deadline))


def period_report(period: Period, today: date, outstanding_limit: int | None = None,
                  counts: PeriodFigures | None = None) -> PeriodReport:
    """The figures of the report for `period` (status as of `today`), in five queries
    (two when the `counts` are given, e.g. kept by `portal.reports.summary`)."""
    counts = counts or period_figures(period, today)
    return PeriodReport(
        period=period, today=today, sessions=counts.sessions, received=counts.received,
        by_field=counts.by_field, by_status=counts.by_status, by_agency=counts.by_agency,
        total=counts.total, carried_open=counts.carried_open,
        outstanding=outstanding_items(period, today, outstanding_limit),
    )


# --------------------------------------------------------------------------- cross-check


def sql_lateness(today: date) -> dict[int, tuple[bool, bool | None]]:
    """{assignment id: (late, on time)} as SQL computes them, to compare with deadlines.py."""
    rows = db.session.execute(
        select(Assignment.id, case((is_late_sql(today), True), else_=False), on_time_sql()))
    return {aid: (bool(late), None if on_time is None else bool(on_time))
            for aid, late, on_time in rows}

