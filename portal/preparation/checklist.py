"""The commands of the checklist: the default steps of each kind, and a session's steps.

Each takes the user and the values, applies the rules of plan 5.1 and raises
`DomainError` when it refuses; none reads the request or commits (`portal.web.change`
does, once):

* the Office (and administrators) edit the default steps and a session's checklist while
  the session is still open for preparation (`services.require_open`: not closed, not
  cancelled);
* an agency officer ticks the steps their agency owns and writes their note, nothing else;
  another agency's step does not exist for them (404).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from portal.access import may
from portal.auth.models import User
from portal.calendar.models import DialogueSession, SessionKind
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.preparation import services
from portal.preparation.models import ChecklistItem, ChecklistTemplateItem

NOT_FOUND = N_("Không tìm thấy công việc này.")


def _require(user: User, action: str, obj=None) -> None:
    services.require(user, action, obj, NOT_FOUND)


# --------------------------------------------------------------------------- default steps


def _fill_template(item: ChecklistTemplateItem, title: str, days_before: int,
                   owned_by_agency: bool) -> None:
    item.title = title.strip()
    item.days_before = days_before
    item.owned_by_agency = bool(owned_by_agency)


def add_template(kind: SessionKind, user: User, *, title: str, days_before: int,
                 owned_by_agency: bool) -> ChecklistTemplateItem:
    """Add a default step at the end of a kind's steps."""
    _require(user, "preparation.edit")
    kind = SessionKind(kind)
    last = db.session.scalar(select(func.max(ChecklistTemplateItem.position))
                             .where(ChecklistTemplateItem.kind == kind)) or 0
    item = ChecklistTemplateItem(kind=kind, position=last + 1)
    _fill_template(item, title, days_before, owned_by_agency)
    db.session.add(item)
    return item


def save_template(item: ChecklistTemplateItem, user: User, *, title: str, days_before: int,
                  owned_by_agency: bool) -> ChecklistTemplateItem:
    """Rename a default step, change its working days before the meeting or its owner."""
    _require(user, "preparation.edit")
    _fill_template(item, title, days_before, owned_by_agency)
    return item


def move_template(item: ChecklistTemplateItem, user: User, step: int) -> None:
    """Move a default step one place up (-1) or down (+1) among its kind's steps."""
    _require(user, "preparation.edit")
    if step not in (-1, 1):
        raise DomainError(N_("Chỉ chuyển được lên hoặc xuống một bậc."), 422)
    services.move_template(item, step)


def remove_template(item: ChecklistTemplateItem, user: User) -> SessionKind:
    """Remove a default step and number the others again; sessions' existing checklists keep
    theirs. Returns the kind the step belonged to."""
    _require(user, "preparation.edit")
    kind = item.kind
    db.session.delete(item)
    db.session.flush()
    services.renumber(services.templates_of(kind))
    return kind


# --------------------------------------------------------------------------- a session's steps


def _lock(session: DialogueSession) -> None:
    """Hold the session's row until the commit, so two creations of its checklist at the
    same instant run one after the other (the second then finds the first's)."""
    db.session.execute(select(DialogueSession.id).where(DialogueSession.id == session.id)
                       .with_for_update())


def create_checklist(session: DialogueSession, user: User) -> list[ChecklistItem]:
    """Build the session's checklist from its kind's default steps (once: 409 after)."""
    _require(user, "preparation.edit")
    services.require_open(session)
    _lock(session)
    return services.build_checklist(session)


def _fill_item(item: ChecklistItem, day: date, *, title: str, owner_agency_id: int | None,
               due_date: date, note: str) -> None:
    services.check_due_date(due_date, day)
    item.title = title.strip()
    item.owner_agency_id = owner_agency_id or None
    item.due_date = due_date
    item.note = (note or "").strip()


def add_item(session: DialogueSession, user: User, *, title: str, owner_agency_id: int | None,
             due_date: date, note: str = "") -> ChecklistItem:
    """Add a step at the end of the session's checklist (due on the meeting day at the
    latest); the session counts as prepared by hand from then on."""
    _require(user, "preparation.edit")
    services.require_open(session)
    last = db.session.scalar(select(func.max(ChecklistItem.position))
                             .where(ChecklistItem.session_id == session.id)) or 0
    item = ChecklistItem(session_id=session.id, position=last + 1)
    _fill_item(item, services.meeting_day(session), title=title,
               owner_agency_id=owner_agency_id, due_date=due_date, note=note)
    db.session.add(item)
    services.mark_customized(session)
    return item


def edit_item(item: ChecklistItem, user: User, *, title: str, owner_agency_id: int | None,
              due_date: date, note: str) -> ChecklistItem:
    """The Office edits a step: its text, owner, due date and note."""
    _require(user, "preparation.edit")
    services.require_open(item.session)
    _fill_item(item, services.meeting_day(item.session), title=title,
               owner_agency_id=owner_agency_id, due_date=due_date, note=note)
    services.mark_customized(item.session)
    return item


def note_item(item: ChecklistItem, user: User, note: str) -> ChecklistItem:
    """An officer writes the note of their agency's step (the Office may too)."""
    _require(user, "checklist.edit", item)
    services.require_open(item.session)
    item.note = (note or "").strip()
    services.mark_customized(item.session)
    return item


def may_edit_all(user: User) -> bool:
    """Whether `user` edits the whole of a step (the Office) or only its note (an officer)."""
    return may(user, "preparation.edit")


def tick_item(item: ChecklistItem, user: User, done: bool, now: datetime) -> ChecklistItem:
    """Tick (recording who and when) or untick a step; an officer only their agency's."""
    _require(user, "checklist.tick", item)
    services.require_open(item.session)
    services.set_done(item, done, user.id, now)
    services.mark_customized(item.session)
    return item


def remove_item(item: ChecklistItem, user: User) -> DialogueSession:
    """Take a step off the session's checklist; returns the session."""
    _require(user, "preparation.edit")
    session = item.session
    services.require_open(session)
    db.session.delete(item)
    services.mark_customized(session)
    return session
