"""Organisation changes (sắp xếp tổ chức): an agency renamed, merged or deactivated from a
date, and the same for localities.

Plain commands run by the one change path (`portal.web.change`): they take the user and
the values, apply the rules and never commit; a refusal is a `DomainError` at its field.

* A rename keeps the former name (`AgencyName`), so a record of an earlier date shows the
  name of that date (`names_on`); issued documents are frozen anyway.
* A merge ends the merged agencies on the day it takes effect and names the successor:
  their open assignments move to it, each with a step in its timeline saying why, and the
  successor's officers are told; coordinating places follow; officers' accounts move to
  the successor or stay, flagged on the agencies page (`stranded_accounts`). In the sessions
  still to come (not held, not cancelled), the merged agencies' invitations and undone
  preparation steps pass to the successor; an invitation it already has is not doubled.
* A deactivated agency leaves every choice list from its date (`Agency.is_active`) and
  stays on its records and in the reports of its time. One that still owes answers is
  merged instead: its open work needs a successor.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from portal.admin.models import Agency, AgencyName, names_on  # noqa: F401 - names_on: re-exported
from portal.auth.models import Role, User
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.timefmt import local_today
from portal.tracker.models import Assignment, AssignmentStatus, AssignmentStep, assignment_coordinator

CLOSED = (AssignmentStatus.DONE, AssignmentStatus.UPPER_ANSWERED)
MERGE_STEP = "agency_merged"

NOT_LATER_THAN_TODAY = N_("Ngày hiệu lực không được sau hôm nay.")
ENDED = N_("Cơ quan này đã ngừng hoạt động từ ngày %(day)s.")
NAME_TAKEN = N_("Đã có cơ quan mang tên này.")
SHORT_TAKEN = N_("Tên viết tắt này đã được dùng.")


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _require_active(agency: Agency, field_name: str | None = None, on: date | None = None) -> None:
    if agency.ended_on is not None and agency.ended_on <= (on or local_today()):
        raise DomainError(ENDED, 409, field_name, day=_vn(agency.ended_on))


def _require_past(effective: date | None) -> date:
    if effective is None:
        raise DomainError(N_("Nhập ngày hiệu lực (dd/mm/yyyy)."), 422, "effective_on")
    if effective > local_today():
        raise DomainError(NOT_LATER_THAN_TODAY, 422, "effective_on")
    return effective


def _require_free(name: str, short_name: str, agency: Agency | None = None) -> None:
    from portal.admin.services import Taken

    taken = {}
    others = (Agency.id != agency.id,) if agency is not None else ()
    if db.session.scalar(select(Agency.id).where(func.lower(Agency.name) == name.lower(), *others)):
        taken["name"] = NAME_TAKEN
    if db.session.scalar(select(Agency.id).where(Agency.short_name == short_name, *others)):
        taken["short_name"] = SHORT_TAKEN
    if taken:
        raise Taken(taken)


# --------------------------------------------------------------------------- rename

def rename_agency(agency: Agency, user: User, *, name: str, short_name: str, effective: date,
                  reason: str = "") -> AgencyName:
    """Rename `agency` from `effective` (not after today, after its previous rename); its
    former name is kept for the records of earlier dates. Returns the former name."""
    name, short_name = " ".join(name.split()), "".join(short_name.split())
    _require_active(agency)
    effective = _require_past(effective)
    if name == agency.name and short_name == agency.short_name:
        raise DomainError(N_("Tên mới trùng với tên hiện tại."), 422, "name")
    last = agency.former_names[-1].until if agency.former_names else None
    if last is not None and effective <= last:
        raise DomainError(N_("Ngày hiệu lực phải sau lần đổi tên trước (%(day)s)."), 422,
                          "effective_on", day=_vn(last))
    _require_free(name, short_name, agency)
    former = AgencyName(name=agency.name, short_name=agency.short_name, until=effective,
                        reason=" ".join((reason or "").split())[:300])
    agency.former_names.append(former)
    agency.name, agency.short_name = name, short_name
    return former


# --------------------------------------------------------------------------- deactivate

def open_assignment_count(agency_id: int) -> int:
    """How many unfinished assignments the agency leads or coordinates."""
    coordinating = select(assignment_coordinator.c.assignment_id).where(
        assignment_coordinator.c.agency_id == agency_id)
    return db.session.scalar(select(func.count(Assignment.id)).where(
        or_(Assignment.agency_id == agency_id, Assignment.id.in_(coordinating)),
        Assignment.status.not_in(CLOSED))) or 0


def deactivate_agency(agency: Agency, user: User, *, effective: date | None) -> Agency:
    """Stop offering `agency` from `effective` (today or a later day): it leaves every choice
    list from then, and keeps its records. One that still owes answers is refused (merge it
    into its successor instead, or assign the work elsewhere)."""
    if effective is None:
        raise DomainError(N_("Nhập ngày hiệu lực (dd/mm/yyyy)."), 422, "effective_on")
    _require_active(agency)
    owed = open_assignment_count(agency.id)
    if owed:
        raise DomainError(N_("Cơ quan còn %(n)s nhiệm vụ chưa hoàn thành: hãy sáp nhập vào cơ "
                             "quan kế thừa hoặc giao lại trước khi ngừng hoạt động."), 409,
                          "effective_on", n=owed)
    agency.ended_on = effective
    return agency


def reactivate_agency(agency: Agency, user: User) -> Agency:
    """Offer a deactivated (not merged) agency again."""
    if agency.successor_id is not None:
        raise DomainError(N_("Cơ quan đã sáp nhập vào cơ quan khác; không thể dùng lại."), 409)
    agency.ended_on = None
    return agency


# --------------------------------------------------------------------------- merge

@dataclass
class Merged:
    """What a merge did: the successor, the assignments moved, the accounts moved or left."""

    successor: Agency
    moved: list[int] = field(default_factory=list)
    coordinating: list[int] = field(default_factory=list)
    accounts_moved: list[int] = field(default_factory=list)
    accounts_left: list[int] = field(default_factory=list)


def merge_agencies(sources: list[Agency], user: User, *, into: Agency | None = None,
                   new_name: str = "", new_short_name: str = "", effective: date,
                   move_accounts: bool = True) -> Merged:
    """Merge `sources` into `into`, or into a new agency (`new_name`, `new_short_name`; of the
    first source's kind), from `effective` (not after today). The sources end that day and
    name the successor; their open assignments (not the closed ones) move to it with a step
    in each timeline; they give their coordinating places on open ones to it; their
    officers' accounts move when `move_accounts`, else they stay and are flagged."""
    from portal.tracker import notify
    from portal.tracker.lifecycle import step_label

    effective = _require_past(effective)
    if not sources:
        raise DomainError(N_("Chọn ít nhất một cơ quan được sáp nhập."), 422, "sources")
    for source in sources:
        _require_active(source, "sources")
    if into is None:
        new_name, new_short_name = " ".join(new_name.split()), "".join(new_short_name.split())
        if not new_name:
            raise DomainError(N_("Chọn cơ quan kế thừa hoặc nhập tên cơ quan mới."), 422, "new_name")
        if not new_short_name:
            raise DomainError(N_("Nhập tên viết tắt của cơ quan mới."), 422, "new_short_name")
        _require_free(new_name, new_short_name)
        into = Agency(name=new_name, short_name=new_short_name, kind=sources[0].kind)
        db.session.add(into)
        db.session.flush()
    else:
        _require_active(into, "into_id")
        if into in sources:
            raise DomainError(N_("Cơ quan kế thừa không được nằm trong các cơ quan được sáp nhập."),
                              422, "into_id")
    result = Merged(into)
    ids = [s.id for s in sources]
    names = {s.id: s.name for s in sources}
    with force_locale("vi"):
        label = step_label(MERGE_STEP)
    items = db.session.scalars(
        select(Assignment).where(Assignment.agency_id.in_(ids), Assignment.status.not_in(CLOSED))
        .options(selectinload(Assignment.coordinators), selectinload(Assignment.petition))
        .order_by(Assignment.id)).all()
    for item in items:
        before = names[item.agency_id]
        item.agency = into
        if into in item.coordinators:
            item.coordinators.remove(into)  # the successor leads it now
        text = (f"{before} sáp nhập vào {into.name} từ ngày {_vn(effective)}: "
                f"nhiệm vụ chuyển sang {into.name}.")
        step = AssignmentStep(assignment_id=item.id, action=MERGE_STEP,
                              from_status=item.status.value, to_status=item.status.value,
                              text=text, actor_id=user.id)
        db.session.add(step)
        db.session.flush()
        notify.after_step(item, step, label)
        result.moved.append(item.id)
    helped = db.session.scalars(
        select(Assignment).join(assignment_coordinator,
                                assignment_coordinator.c.assignment_id == Assignment.id)
        .where(assignment_coordinator.c.agency_id.in_(ids), Assignment.status.not_in(CLOSED))
        .options(selectinload(Assignment.coordinators)).order_by(Assignment.id)).unique().all()
    for item in helped:
        gone = [a for a in item.coordinators if a.id in names]
        for agency in gone:
            item.coordinators.remove(agency)
        if item.agency_id != into.id and into not in item.coordinators:
            item.coordinators.append(into)
        db.session.add(AssignmentStep(
            assignment_id=item.id, action=MERGE_STEP, from_status=item.status.value,
            to_status=item.status.value, actor_id=user.id,
            text=(f"{', '.join(a.name for a in gone)} sáp nhập vào {into.name} từ ngày "
                  f"{_vn(effective)}: {into.name} phối hợp thay.")))
        result.coordinating.append(item.id)
    officers = db.session.scalars(select(User).where(User.agency_id.in_(ids),
                                                     User.role == Role.OFFICER)
                                  .order_by(User.id)).all()
    for officer in officers:
        if move_accounts:
            officer.agency_id = into.id
            result.accounts_moved.append(officer.id)
        else:
            result.accounts_left.append(officer.id)
    _hand_over_sessions_to_come(ids, into)
    for source in sources:
        source.ended_on, source.successor = effective, into
    return result


def _hand_over_sessions_to_come(ids: list[int], into: Agency) -> None:
    """The merged agencies' places in the sessions not yet held (nor cancelled): their
    invitations become the successor's (named as it is), unless it is invited already, and
    their undone preparation steps are its to do."""
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.preparation.models import ChecklistItem, Invitee

    to_come = select(DialogueSession.id).where(
        DialogueSession.status.in_((SessionStatus.TENTATIVE, SessionStatus.SCHEDULED)))
    invited = set(db.session.scalars(select(Invitee.session_id).where(
        Invitee.agency_id == into.id, Invitee.session_id.in_(to_come))))
    for invitation in db.session.scalars(
            select(Invitee).where(Invitee.agency_id.in_(ids), Invitee.session_id.in_(to_come))
            .order_by(Invitee.session_id, Invitee.id)):
        if invitation.session_id in invited:
            db.session.delete(invitation)  # the successor is invited already
            continue
        invitation.agency_id, invitation.name = into.id, into.name
        invited.add(invitation.session_id)
    for step in db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.owner_agency_id.in_(ids),
                                        ChecklistItem.done_at.is_(None),
                                        ChecklistItem.session_id.in_(to_come))
            .order_by(ChecklistItem.id)):
        step.owner_agency_id = into.id


def stranded_accounts() -> list[User]:
    """Officers whose agency has ended (merged or deactivated): to move or close."""
    today = local_today()
    return list(db.session.scalars(
        select(User).join(Agency, User.agency_id == Agency.id)
        .where(User.role == Role.OFFICER, Agency.ended_on.is_not(None), Agency.ended_on <= today,
               User.is_active_account)
        .order_by(User.username, User.id)))
