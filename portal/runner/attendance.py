"""Who is present (danh sách đại biểu, thành phần tham dự): from the invitations or at the door."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.extensions import db
from portal.preparation.models import Invitee, InviteeKind, Reply
from portal.runner.models import Attendance


@dataclass
class AttendanceRow:
    invitee: Invitee | None
    attendance: Attendance | None


def roll(meeting_id: int) -> list[AttendanceRow]:
    """Every invitee (checked in or not) and everyone added at the door (two queries)."""
    invitees = db.session.scalars(
        select(Invitee).options(joinedload(Invitee.agency))
        .where(Invitee.session_id == meeting_id).order_by(Invitee.kind, Invitee.id)
    ).all()
    present = db.session.scalars(
        select(Attendance).where(Attendance.session_id == meeting_id)
        .order_by(Attendance.checked_in_at, Attendance.id)
    ).all()
    by_invitee = {a.invitee_id: a for a in present if a.invitee_id}
    rows = [AttendanceRow(i, by_invitee.get(i.id)) for i in invitees
            if i.reply != Reply.DECLINED or i.id in by_invitee]
    rows += [AttendanceRow(None, a) for a in present if a.invitee_id is None]
    return rows


def check_in(meeting_id: int, invitee: Invitee, by_user_id: int) -> Attendance:
    """Mark an invitee present (once); a delegate who came in their place is named."""
    existing = db.session.scalar(select(Attendance).where(
        Attendance.session_id == meeting_id, Attendance.invitee_id == invitee.id))
    if existing is not None:
        return existing
    name = invitee.delegate_name if invitee.reply == Reply.DELEGATED and invitee.delegate_name \
        else invitee.name
    attendance = Attendance(session_id=meeting_id, invitee_id=invitee.id, kind=invitee.kind,
                            name=name, position=invitee.position,
                            organisation=invitee.organisation, checked_in_by_id=by_user_id)
    db.session.add(attendance)
    return attendance


def add_at_door(meeting_id: int, kind: InviteeKind, name: str, position: str,
                organisation: str, by_user_id: int) -> Attendance:
    attendance = Attendance(session_id=meeting_id, kind=kind, name=name.strip(),
                            position=position.strip(), organisation=organisation.strip(),
                            checked_in_by_id=by_user_id)
    db.session.add(attendance)
    return attendance
