"""Petitions before the meeting: writing them, who sees which, search, aggregates.

Plain functions over the ORM; no Flask request in here. Shared by preparation (the
petitions pages), the calendar and the runner (`fill_petition`).
"""
from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field as dc_field
from datetime import date, time, timedelta

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal.text import vn_order
from portal.admin import localities
from portal.admin.models import Agency, AgencyKind, Field
from portal.auth.models import Role, User
from portal.calendar.models import DialogueSession, SessionStatus
from portal.calendar.rules import working_calendar
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.revision import cached
from portal.petitions import exchange
from portal.petitions.duplicates import link_duplicate
from portal.petitions.models import AnswerPlan, Channel, Petition, SubmitterKind
from portal.text import fold
from portal.timefmt import local_to_utc, to_local
from portal.tracker import deadlines
from portal.tracker.models import Assignment
from portal.types import utcnow

MAX_SEARCH_WORDS = 8
_MIDNIGHT = time(0, 0)


# --- writing ---------------------------------------------------------------------------

def _copy_form(petition: Petition, form) -> None:
    petition.submitter_kind = SubmitterKind(form.submitter_kind.data)
    petition.submitter_name = form.submitter_name.data.strip()
    petition.submitter_contact = (form.submitter_contact.data or "").strip()
    id_number = getattr(form, "submitter_id_number", None)
    petition.submitter_id_number = ((id_number.data or "").strip() if id_number is not None
                                    else petition.submitter_id_number or "")
    chosen = getattr(form, "locality_id", None)
    localities.chosen(petition, chosen.data if chosen is not None else None, form.locality.data)
    petition.field_id = form.field_id.data
    petition.channel = Channel(form.channel.data)
    petition.content = form.content.data.strip()
    petition.refresh_search_text()


def fill_petition(petition: Petition, form, author_id: int) -> None:
    """Copy a validated PetitionForm into a new petition, refresh its search text and
    link it to an earlier petition it repeats (`duplicate_of_id`)."""
    _copy_form(petition, form)
    petition.created_by_id = author_id
    if petition.id is None and petition.session_id is not None:
        link_duplicate(petition)


def update_petition(petition: Petition, form) -> None:
    """Copy an edited form into an existing petition; re-check what it repeats if the
    submitter, the field or the content changed."""
    before = (petition.submitter_key, petition.field_id, petition.content)
    _copy_form(petition, form)
    if (petition.submitter_key, petition.field_id, petition.content) != before:
        link_duplicate(petition)


def set_advising(petition: Petition, agency_id: int | None, deadline: date | None) -> None:
    petition.advising_agency_id = agency_id or None
    petition.advising_deadline = deadline if agency_id else None


def set_prepared_answer(petition: Petition, text: str) -> None:
    petition.prepared_answer = text.strip()
    petition.prepared_at = utcnow()


# --- commands (portal.web.change runs them; they raise DomainError, never commit) -----------

NOT_BEFORE = N_("Buổi đối thoại đã bắt đầu: không thể đăng ký hoặc sửa ý kiến trước buổi nữa.")
NOT_EDITABLE = N_("Ý kiến này đã được nêu tại buổi hoặc đã phân công trả lời: không sửa được "
                  "nữa.")


def register(meeting: DialogueSession, form, user: User) -> Petition:
    """Register a petition received before the meeting, with its advising agency."""
    if not before_meeting(meeting):
        raise DomainError(NOT_BEFORE)
    petition = Petition(session_id=meeting.id)
    fill_petition(petition, form, user.id)
    set_advising(petition, form.advising_agency_id.data, form.advising_deadline.data)
    db.session.add(petition)
    return petition


def require_editable(petition: Petition) -> None:
    if not before_meeting(petition.session):
        raise DomainError(NOT_BEFORE)
    if not editable(petition, petition.session):
        raise DomainError(NOT_EDITABLE)


def edit(petition: Petition, form, user: User) -> Petition:
    """Save an edited petition (before the meeting, not once raised or assigned)."""
    require_editable(petition)
    update_petition(petition, form)
    set_advising(petition, form.advising_agency_id.data, form.advising_deadline.data)
    return petition


def classify(petition: Petition, form, user: User) -> Petition:
    """Set the field and the advising agency with its deadline (in the petition's row)."""
    require_editable(petition)
    if form.field_id.data != petition.field_id:
        petition.field_id = form.field_id.data
        link_duplicate(petition)
    set_advising(petition, form.advising_agency_id.data, form.advising_deadline.data)
    return petition


def remove(petition: Petition, user: User) -> None:
    """Delete a petition before the meeting."""
    require_editable(petition)
    delete_petition(petition)


NOT_ADVISING = N_("Chỉ cơ quan được giao tham mưu mới chuẩn bị nội dung trả lời, trước khi "
                  "buổi đối thoại kết thúc.")


ANSWERED_BEFORE = N_("Ý kiến này đã được trả lời bằng văn bản trước buổi đối thoại với nội dung "
                     "đã chuẩn bị; không sửa được nữa.")


def prepare(petition: Petition, text: str, user: User) -> Petition:
    """The advising agency's prepared answer (until the meeting is closed; not once the
    office closed the petition with it before the meeting)."""
    if not may_prepare(user, petition, petition.session):
        raise DomainError(NOT_ADVISING, 403)
    if petition.answer_plan == AnswerPlan.BEFORE_MEETING and petition.assignment is not None:
        raise DomainError(ANSWERED_BEFORE, 409, "prepared_answer")
    set_prepared_answer(petition, text)
    return petition


class ImportRefused(DomainError):
    """An import that adds nothing: the file itself is refused (`file_error`) or some of
    its rows are (`rows`: the errors, row by row)."""

    def __init__(self, *, file_error=None, rows=()) -> None:
        super().__init__(N_("Tệp có lỗi nên chưa nhập dòng nào. Hãy sửa tệp rồi nhập lại."), 422)
        self.file_error, self.rows = file_error, list(rows)


def import_lookups(meeting: DialogueSession) -> exchange.Lookups:
    """What the rows of an import are matched against: the active fields and the agencies
    that can advise, and the meeting day (the latest advising deadline)."""
    fields = db.session.execute(select(Field.id, Field.name).where(Field.is_active)
                                .order_by(Field.id)).all()
    agencies = db.session.execute(
        select(Agency.id, Agency.name, Agency.short_name)
        .where(Agency.is_active, Agency.kind != AgencyKind.UPPER).order_by(Agency.id)).all()
    return exchange.make_lookups([tuple(r) for r in fields], [tuple(r) for r in agencies],
                                 meeting_day(meeting))


def import_batch(meeting: DialogueSession, filename: str | None, data: bytes,
                 user: User) -> list[Petition]:
    """Import a batch from an uploaded .csv or .xlsx, all or nothing: every row is checked
    first; with any bad row nothing is imported (ImportRefused lists them)."""
    if not before_meeting(meeting):
        raise DomainError(NOT_BEFORE)
    try:
        table = exchange.read_table(filename, data)
    except exchange.UploadError as err:
        raise ImportRefused(file_error=err.message) from err
    values, errors = exchange.validate_rows(table, import_lookups(meeting))
    if errors:
        raise ImportRefused(rows=errors)
    return import_petitions(meeting, values, user.id)


def delete_petition(petition: Petition) -> None:
    """Delete a petition; the petitions that repeated it now point to what it repeated."""
    repeats = select(Petition).where(Petition.duplicate_of_id == petition.id)
    for later in db.session.scalars(repeats):
        later.duplicate_of_id = petition.duplicate_of_id
    db.session.delete(petition)


# --- rules -------------------------------------------------------------------------------

def meeting_day(meeting: DialogueSession) -> date:
    """The meeting's date in Việt Nam."""
    return to_local(meeting.starts_at).date()


def before_meeting(meeting: DialogueSession) -> bool:
    """Petitions are registered, edited and imported only before the meeting opens."""
    return (meeting.stage is None and meeting.closed_at is None
            and meeting.status in (SessionStatus.TENTATIVE, SessionStatus.SCHEDULED))


def editable(petition: Petition, meeting: DialogueSession) -> bool:
    """Before the meeting, and not once raised at it or assigned to an agency to answer."""
    return (before_meeting(meeting) and not petition.raised_at_meeting
            and petition.assignment is None)


def may_prepare(user: User, petition: Petition, meeting: DialogueSession) -> bool:
    """The advising agency's officer writes the prepared answer until the meeting is closed."""
    return (user.role == Role.OFFICER and user.agency_id is not None
            and petition.advising_agency_id == user.agency_id and meeting.closed_at is None)


# --- reading -----------------------------------------------------------------------------

def eager(query: Select) -> Select:
    """Everything a petition row shows, loaded with the row (no query per row)."""
    return query.options(
        joinedload(Petition.field, innerjoin=True),
        joinedload(Petition.session, innerjoin=True),
        joinedload(Petition.advising_agency),
        selectinload(Petition.assignment).joinedload(Assignment.agency, innerjoin=True),
        selectinload(Petition.duplicate_of).options(
            joinedload(Petition.session, innerjoin=True), joinedload(Petition.assignment)),
    )


def agency_scope(user: User):
    """The WHERE clause of the petitions `user` may see.

    Office staff, the chair, administrators and observers see all; an agency officer
    only those their agency advises on or is assigned to answer; anyone else none.
    """
    if user.role in (Role.OFFICE, Role.CHAIR, Role.ADMIN, Role.OBSERVER):
        return None
    if user.role == Role.OFFICER and user.agency_id is not None:
        return or_(Petition.advising_agency_id == user.agency_id,
                   Petition.assignment.has(Assignment.agency_id == user.agency_id))
    return false()


def visible_petitions(user: User) -> Select:
    query = eager(select(Petition))
    scope = agency_scope(user)
    return query if scope is None else query.where(scope)


def search_words(text: str) -> list[str]:
    """The folded words of a query ("Đất  đai!" -> ["dat", "dai"])."""
    return re.findall(r"\w+", fold(text or ""))[:MAX_SEARCH_WORDS]


def _like(word: str):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Petition.search_text.like(f"%{escaped}%", escape="\\")


def search_clause(text: str):
    """Every word of the query, without diacritics, is in the petition's folded text."""
    words = search_words(text)
    return and_(*(_like(w) for w in words)) if words else None


@dataclass
class Filters:
    """What a petition list is narrowed to; `agency_id` 0 means "not yet given to an agency"."""

    q: str = ""
    session_id: int | None = None
    field_id: int | None = None
    agency_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    extra: list = dc_field(default_factory=list)

    def clauses(self) -> list:
        found = []
        match = search_clause(self.q)
        if match is not None:
            found.append(match)
        if self.session_id is not None:
            found.append(Petition.session_id == self.session_id)
        if self.field_id is not None:
            found.append(Petition.field_id == self.field_id)
        if self.agency_id == 0:
            found.append(Petition.advising_agency_id.is_(None))
        elif self.agency_id is not None:
            found.append(Petition.advising_agency_id == self.agency_id)
        if self.date_from is not None or self.date_to is not None:
            in_range = select(DialogueSession.id)
            if self.date_from is not None:
                in_range = in_range.where(
                    DialogueSession.starts_at >= local_to_utc(self.date_from, _MIDNIGHT))
            if self.date_to is not None:
                in_range = in_range.where(DialogueSession.starts_at < local_to_utc(
                    self.date_to + timedelta(days=1), _MIDNIGHT))
            found.append(Petition.session_id.in_(in_range))
        return found + self.extra

    def args(self, *without: str) -> dict:
        """Query-string arguments that reproduce these filters (less the names `without`)."""
        out = {}
        if self.q:
            out["q"] = self.q
        if self.session_id is not None:
            out["session"] = self.session_id
        if self.field_id is not None:
            out["field"] = self.field_id
        if self.agency_id is not None:
            out["agency"] = self.agency_id
        if self.date_from is not None:
            out["from"] = self.date_from.strftime("%d/%m/%Y")
        if self.date_to is not None:
            out["to"] = self.date_to.strftime("%d/%m/%Y")
        return {k: v for k, v in out.items() if k not in without}


def count(user: User, filters: Filters) -> int:
    """How many petitions `filtered` lists, counted without the joins the rows need; kept
    per data revision (`portal.revision`) unless the filters carry extra clauses."""
    scope = agency_scope(user)
    query = select(func.count(Petition.id)).where(*filters.clauses())
    if scope is not None:
        query = query.where(scope)
    if filters.extra:
        return db.session.scalar(query) or 0
    key = (user.role, user.agency_id, tuple(sorted(filters.args().items())))
    return cached("petitions.count", key, lambda: db.session.scalar(query) or 0)


def filtered(user: User, filters: Filters, newest_first: bool = True) -> Select:
    query = visible_petitions(user).where(*filters.clauses())
    if newest_first:
        return query.order_by(Petition.id.desc())
    return query.order_by(Petition.id)


# --- aggregates (one GROUP BY query each) --------------------------------------------------

@dataclass
class Group:
    key: int | None
    name: str | None
    total: int
    advised: int  # given to an agency to advise
    prepared: int  # with a prepared answer
    late: int  # given, not prepared, deadline passed


def _counts(today: date):
    return (
        func.count(Petition.id),
        func.count(Petition.advising_agency_id),
        func.count(Petition.prepared_at),
        func.coalesce(func.sum(case(
            (and_(Petition.advising_agency_id.is_not(None), Petition.prepared_at.is_(None),
                  Petition.advising_deadline < today), 1), else_=0)), 0),
    )


def by_field(filters: Filters, today: date) -> list[Group]:
    rows = db.session.execute(
        select(Field.id, Field.name, *_counts(today))
        .join(Petition, Petition.field_id == Field.id)
        .where(*filters.clauses())
        .group_by(Field.id, Field.name, Field.position)
        .order_by(Field.position, Field.name, Field.id)
    )
    return [Group(*row) for row in rows]


def by_agency(filters: Filters, today: date) -> list[Group]:
    """Counts per advising agency; the group with key None holds the petitions not yet given."""
    rows = db.session.execute(
        select(Petition.advising_agency_id, Agency.name, *_counts(today))
        .select_from(Petition)
        .outerjoin(Agency, Agency.id == Petition.advising_agency_id)
        .where(*filters.clauses())
        .group_by(Petition.advising_agency_id, Agency.name)
        .order_by(Agency.name.is_(None), vn_order(Agency.name), Petition.advising_agency_id)
    )
    return [Group(*row) for row in rows]


# --- the advising agency's work list --------------------------------------------------------

class Bucket(enum.StrEnum):
    OPEN = "open"  # chưa chuẩn bị
    DUE_SOON = "due_soon"  # sắp đến hạn
    LATE = "late"  # quá hạn
    PREPARED = "prepared"  # đã chuẩn bị
    ALL = "all"


def due_soon_limit(today: date, working_days: int) -> date:
    """The last deadline counted as "due soon": `working_days` working days from today
    (the tracker's rule, portal.tracker.deadlines)."""
    cal = working_calendar(today, today + timedelta(days=working_days * 3 + 30))
    return deadlines.due_soon_limit(today, cal, working_days)


def bucket_clause(bucket: Bucket, today: date, soon_until: date):
    # Still to prepare: not prepared yet, and the meeting not closed (after it, a prepared
    # answer serves no one: the agency answers in the tracker).
    open_ = and_(Petition.prepared_at.is_(None),
                 Petition.session.has(DialogueSession.closed_at.is_(None)))
    return {
        Bucket.OPEN: open_,
        Bucket.DUE_SOON: and_(open_, Petition.advising_deadline >= today,
                              Petition.advising_deadline <= soon_until),
        Bucket.LATE: and_(open_, Petition.advising_deadline < today),
        Bucket.PREPARED: Petition.prepared_at.is_not(None),
        Bucket.ALL: None,
    }[bucket]


def advising_scope(user: User):
    """Petitions given to an agency to advise; an officer only their agency's."""
    if user.role == Role.OFFICER:
        return Petition.advising_agency_id == user.agency_id
    return Petition.advising_agency_id.is_not(None)


def advising_counts(user: User, today: date, soon_until: date) -> dict[Bucket, int]:
    """How many petitions fall in each bucket, in one query."""
    def total(clause):
        return func.coalesce(func.sum(case((clause, 1), else_=0)), 0)

    row = db.session.execute(
        select(*(total(bucket_clause(b, today, soon_until)) for b in Bucket if b != Bucket.ALL),
               func.count(Petition.id))
        .where(advising_scope(user))
    ).one()
    return dict(zip(list(Bucket), row, strict=True))


def advising_list(user: User, bucket: Bucket, today: date, soon_until: date) -> Select:
    query = eager(select(Petition)).where(advising_scope(user))
    clause = bucket_clause(bucket, today, soon_until)
    if clause is not None:
        query = query.where(clause)
    return query.order_by(Petition.advising_deadline, Petition.id)


# --- import ------------------------------------------------------------------------------

def import_petitions(meeting: DialogueSession, rows: list[dict], author_id: int) -> list[Petition]:
    """Add validated rows to a session in the caller's transaction; link repeats in order."""
    created = []
    for row in rows:
        petition = Petition(session_id=meeting.id, created_by_id=author_id, **row)
        petition.refresh_search_text()
        db.session.add(petition)
        created.append(petition)
    db.session.flush()
    for petition in created:
        link_duplicate(petition)
    return created
