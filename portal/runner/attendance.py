"""Who is present (danh sách đại biểu, thành phần tham dự): from the invitations or at the door.

`roll` reads; `check_in` and `add_at_door` are commands (they write the timeline)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession
from portal.errors import N_
from portal.extensions import db
from portal.preparation.models import Invitee, InviteeKind, Reply
from portal.runner import stages
from portal.runner.models import Attendance

NOT_INVITED = N_("Không tìm thấy khách mời này trong danh sách của buổi đối thoại.")


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


def check_in(meeting: DialogueSession, user, invitee_id: int) -> Attendance:
    """Mark an invitee present (once); a delegate who came in their place is named."""
    stages.require_open(meeting)
    invitee = db.session.get(Invitee, invitee_id)
    if invitee is None or invitee.session_id != meeting.id:
        raise stages.StageError(NOT_INVITED, 404)
    existing = db.session.scalar(select(Attendance).where(
        Attendance.session_id == meeting.id, Attendance.invitee_id == invitee.id))
    if existing is not None:
        return existing
    name = invitee.delegate_name if invitee.reply == Reply.DELEGATED and invitee.delegate_name \
        else invitee.name
    attendance = Attendance(session_id=meeting.id, invitee_id=invitee.id, kind=invitee.kind,
                            name=name, position=invitee.position,
                            organisation=invitee.organisation, checked_in_by_id=user.id)
    db.session.add(attendance)
    stages.log(meeting, "attendance", user, f"Có mặt: {attendance.name}")
    return attendance


def add_at_door(meeting: DialogueSession, user, kind: InviteeKind, name: str,
                position: str = "", organisation: str = "") -> Attendance:
    """Someone who came without an invitation."""
    stages.require_open(meeting)
    attendance = Attendance(session_id=meeting.id, kind=kind, name=name.strip(),
                            position=(position or "").strip(),
                            organisation=(organisation or "").strip(),
                            checked_in_by_id=user.id)
    db.session.add(attendance)
    stages.log(meeting, "attendance", user, f"Có mặt: {attendance.name}")
    return attendance
