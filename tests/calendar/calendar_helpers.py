"""Helpers shared by the calendar tests: sessions on given local dates, and the ways an
agency takes part in one."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta


def add_session(app, day: date, start: str = "08:00", end: str | None = None, **fields) -> int:
    """A session on a local day at a local time; returns its id."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    h, m = (int(x) for x in start.split(":"))
    values = dict(kind=SessionKind.CITIZEN_RECEPTION, title=f"Buổi {day:%d/%m/%Y} {start}",
                  venue="Trụ sở Tiếp công dân tỉnh", host="Phó Chủ tịch Phan Thế Tuấn",
                  status=SessionStatus.SCHEDULED, content="Nội dung")
    values.update(fields)
    with app.app_context():
        item = DialogueSession(starts_at=local_to_utc(day, time(h, m)), **values)
        if end:
            eh, em = (int(x) for x in end.split(":"))
            item.ends_at = local_to_utc(day, time(eh, em))
        db.session.add(item)
        db.session.commit()
        return item.id


def involve(app, session_id: int, agency_id: int, how: str, field_id: int | None = None) -> None:
    """Make an agency take part in a session: "invitee", "checklist", "advising" or
    "assignment"."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.models import ChecklistItem, Invitee, InviteeKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        if how == "invitee":
            db.session.add(Invitee(session_id=session_id, kind=InviteeKind.AGENCY,
                                   agency_id=agency_id, name="Giám đốc Sở"))
        elif how == "checklist":
            db.session.add(ChecklistItem(session_id=session_id, title="Chuẩn bị báo cáo",
                                         owner_agency_id=agency_id,
                                         due_date=date(2026, 1, 1)))
        else:
            petition = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Nguyễn Văn Bí Mật", submitter_contact="0912000111",
                                field_id=field_id, content="Đường giao thông xuống cấp",
                                channel=Channel.WRITING,
                                advising_agency_id=agency_id if how == "advising" else None)
            db.session.add(petition)
            db.session.flush()
            if how == "assignment":
                db.session.add(Assignment(petition_id=petition.id, agency_id=agency_id,
                                          mode=AnswerMode.IN_WRITING,
                                          deadline=date(2026, 12, 31)))
        db.session.commit()


def get_session(app, session_id: int):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        item = db.session.get(DialogueSession, session_id)
        db.session.expunge(item)
        return item


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def session_form(day: date, **overrides) -> dict:
    form = {"kind": "citizen_reception", "title": "Đối thoại về bồi thường giải phóng mặt bằng",
            "day": vn(day), "start_time": "08:00", "end_time": "11:30",
            "venue": "Hội trường UBND tỉnh", "host": "Phó Chủ tịch Phan Thế Tuấn",
            "content": "Bồi thường, hỗ trợ, tái định cư"}
    form.update(overrides)
    return form


def working_day(start: date) -> date:
    """The first Tuesday–Thursday on or after `start` that is not a public holiday."""
    import holidays

    day = start
    while day.weekday() not in (1, 2, 3) or day in holidays.country_holidays("VN",
                                                                            years=day.year):
        day += timedelta(days=1)
    return day


def utc(dt: datetime) -> datetime:
    from datetime import timezone

    return dt.astimezone(timezone.utc)
