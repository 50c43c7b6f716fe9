"""A concluded meeting's record, built directly from the models, for the document tests."""
from __future__ import annotations

import io
import unicodedata
from datetime import date, timedelta

from pypdf import PdfReader

CONCLUSION = ("Ghi nhận ý kiến của công dân; các sở, ngành khẩn trương giải quyết dứt điểm "
              "trong tháng.")
LAND = "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho 12 hộ dân thôn Đồng Tâm."
ROAD = "Đường ĐT.398 xuống cấp nghiêm trọng, đề nghị sửa chữa trước mùa mưa <ngay> & sớm."
UPPER = "Kiến nghị sửa đổi Luật Đất đai về hạn mức giao đất nông nghiệp."
DIRECTIVE_LAND = "Hoàn thành cấp giấy chứng nhận trước ngày 30/6."
ON_THE_SPOT_ANSWER = "Đã bố trí vốn sửa chữa trong quý III."


def deadline_of(data, days: int = 20) -> date:
    return data["day"] + timedelta(days=days)


def close_meeting(app, data, *, with_petitions: bool = True, closed: bool = True) -> dict:
    """Turn the fixture's session into a held (and, by default, closed) meeting with three
    petitions: one assigned in writing with a coordinator and a directive, one answered on
    the spot, one beyond the province's authority. Returns the ids."""
    from portal.admin.models import Agency, AgencyKind
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.models import InviteeKind
    from portal.runner.models import Attendance
    from portal.tracker.models import AnswerMode, Assignment
    from portal.types import utcnow

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.status = SessionStatus.CONCLUDED if closed else SessionStatus.IN_PROGRESS
        meeting.stage = "conclusion"
        meeting.content = "Giải quyết kiến nghị về đất đai và giao thông"
        meeting.conclusion = CONCLUSION
        if closed:
            meeting.closed_at = utcnow()
        tnmt = db.session.get(Agency, data["agency"])
        xd = db.session.get(Agency, data["other_agency"])
        gt = Agency(name="Sở Giao thông vận tải", short_name="SGTVT", kind=AgencyKind.DEPARTMENT)
        db.session.add(gt)
        db.session.add_all([
            Attendance(session_id=meeting.id, kind=InviteeKind.AGENCY, name="Nguyễn Văn Hùng",
                       position="Phó Giám đốc", organisation="Sở Tài nguyên và Môi trường"),
            Attendance(session_id=meeting.id, kind=InviteeKind.CITIZEN, name="Lê Thị Hoa"),
            Attendance(session_id=meeting.id, kind=InviteeKind.CITIZEN, name="Trần Văn Nam"),
        ])
        ids = {"gt": None, "petitions": []}
        if with_petitions:
            def petition(name, content, field):
                p = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                             submitter_name=name, locality="xã Tân Sỏi", field_id=field,
                             content=content, channel=Channel.AT_DIALOGUE,
                             raised_at_meeting=True)
                db.session.add(p)
                db.session.flush()
                return p

            land = petition("Nguyễn Thị Hằng", LAND, data["fields"][0])
            land.directive = DIRECTIVE_LAND
            road = petition("Phạm Văn Đức", ROAD, data["fields"][2])
            upper = petition("Hoàng Văn Minh", UPPER, data["fields"][0])
            db.session.flush()
            written = Assignment(petition_id=land.id, agency_id=tnmt.id,
                                 mode=AnswerMode.IN_WRITING, deadline=deadline_of(data))
            written.coordinators.append(xd)
            spot = Assignment(petition_id=road.id, agency_id=gt.id, mode=AnswerMode.ON_THE_SPOT,
                              deadline=deadline_of(data), answer=ON_THE_SPOT_ANSWER)
            beyond = Assignment(petition_id=upper.id, agency_id=tnmt.id,
                                mode=AnswerMode.IN_WRITING, deadline=deadline_of(data, 30),
                                beyond_authority=True)
            db.session.add_all([written, spot, beyond])
            ids["petitions"] = [land.id, road.id, upper.id]
        db.session.commit()
        ids["gt"] = gt.id
        return ids


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, NFC, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def vn_text_date(day: date) -> str:
    """05/3/2024 (the format of dates inside a document's text)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def signer(app=None, *, title="PHÓ CHÁNH VĂN PHÒNG", name="Nguyễn Văn Ký",
           authority="TL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG", effective_from=date(2000, 1, 1)):
    """The office's signing position (created once per test), as the ORM row; call inside
    an app context."""
    from sqlalchemy import select

    from portal.documents.models import SigningPosition
    from portal.extensions import db

    found = db.session.scalar(select(SigningPosition).where(
        SigningPosition.title == title, SigningPosition.name == name).limit(1))
    if found is None:
        found = SigningPosition(title=title, name=name, authority=authority,
                                effective_from=effective_from, active=True)
        db.session.add(found)
        db.session.flush()
    return found


def signer_data(app, **extra) -> dict:
    """The issuing form's data: a signer from the office's list (and `extra` fields)."""
    from portal.extensions import db

    with app.app_context():
        position = signer()
        db.session.commit()
        return {"signer": str(position.id), **extra}
