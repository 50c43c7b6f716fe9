"""A session with invitations, replies with stand-ins, advance petitions and a previous
related meeting, built from the models, for the program and script tests."""
from __future__ import annotations

import io
import unicodedata
from datetime import date, time, timedelta

from pypdf import PdfReader

PHONE = "0987 654 321"
LAND = f"Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho 12 hộ dân thôn Đồng Tâm, SĐT {PHONE}."
FLOOD = "Đề nghị nạo vét kênh tiêu úng thôn Hạ trước mùa mưa."
BUILD = "Công trình nhà văn hóa thôn Trung xây dựng chậm tiến độ."
PREVIOUS = "Đề nghị sửa chữa cầu tràn xã Tân Sỏi bị hư hỏng."
PREVIOUS_ANSWER = "Sở đã bố trí kinh phí sửa chữa cầu tràn trong quý IV."
OLD_OPEN = "Đề nghị giải quyết dứt điểm tranh chấp đất rừng thôn Khuôn."


def build_record(app, data) -> dict:
    """Fill the fixture's session: content, invitees and replies, advance petitions, the
    checklist's two steps, and an earlier held meeting of the same kind and leader with
    one answered and one still open petition. Returns the ids and names."""
    from portal.admin.models import Agency, AgencyKind
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.models import ChecklistItem, Invitee, InviteeKind, Reply
    from portal.timefmt import local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus
    from portal.types import utcnow

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.content = "Giải quyết kiến nghị về đất đai, môi trường và xây dựng"
        tnmt = db.session.get(Agency, data["agency"])
        xd = db.session.get(Agency, data["other_agency"])
        gt = Agency(name="Sở Giao thông vận tải", short_name="SGTVT", kind=AgencyKind.DEPARTMENT)
        db.session.add(gt)
        db.session.flush()
        invitees = [
            Invitee(session_id=meeting.id, kind=InviteeKind.AGENCY, agency_id=tnmt.id,
                    name=tnmt.name, reply=Reply.CONFIRMED),
            Invitee(session_id=meeting.id, kind=InviteeKind.AGENCY, agency_id=xd.id,
                    name=xd.name, reply=Reply.DELEGATED, delegate_name="Lê Văn Thay"),
            Invitee(session_id=meeting.id, kind=InviteeKind.DELEGATE, name="Nguyễn Văn Đại",
                    position="Đại biểu HĐND tỉnh", organisation="Tổ đại biểu huyện Yên Thế",
                    reply=Reply.CONFIRMED),
            Invitee(session_id=meeting.id, kind=InviteeKind.CITIZEN, name="Trần Thị Dân",
                    organisation="thôn Đồng Tâm", reply=Reply.PENDING),
            Invitee(session_id=meeting.id, kind=InviteeKind.BUSINESS, name="Công ty TNHH Vắng",
                    reply=Reply.DECLINED),
        ]
        db.session.add_all(invitees)
        fields = data["fields"]  # Đất đai, Môi trường, Xây dựng

        def petition(session_id, name, content, field, **extra):
            p = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=name, locality="xã Tân Sỏi", field_id=field,
                         content=content, channel=Channel.WRITING, **extra)
            db.session.add(p)
            db.session.flush()
            return p

        land = petition(meeting.id, "Nguyễn Thị Hằng", LAND, fields[0],
                        advising_agency_id=tnmt.id)
        build = petition(meeting.id, "Phạm Văn Đức", BUILD, fields[2], advising_agency_id=xd.id)
        flood = petition(meeting.id, "Hoàng Văn Minh", FLOOD, fields[1])
        db.session.add(Assignment(petition_id=flood.id, agency_id=tnmt.id,
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"] + timedelta(20)))
        # Raised at the meeting itself: not an advance petition.
        at_meeting = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                              submitter_name="Đỗ Văn Tại", field_id=fields[0],
                              content="Ý kiến nêu tại buổi đối thoại.",
                              channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
        db.session.add(at_meeting)
        db.session.add_all([
            ChecklistItem(session_id=meeting.id, position=1,
                          title="Xây dựng chương trình buổi tiếp xúc, đối thoại",
                          due_date=data["day"]),
            ChecklistItem(session_id=meeting.id, position=2,
                          title="Xây dựng kịch bản buổi tiếp xúc, đối thoại",
                          due_date=data["day"]),
        ])
        # The previous related meeting: same kind and leader, held a month before.
        before = data["day"] - timedelta(days=30)
        earlier = DialogueSession(kind=meeting.kind, title="Đối thoại tháng trước",
                                  starts_at=local_to_utc(before, time(8, 0)),
                                  venue=meeting.venue, host=meeting.host,
                                  status=SessionStatus.CONCLUDED, closed_at=utcnow())
        db.session.add(earlier)
        db.session.flush()
        answered = petition(earlier.id, "Vũ Thị Cầu", PREVIOUS, fields[2])
        still_open = petition(earlier.id, "Lý Văn Rừng", OLD_OPEN, fields[0])
        db.session.add_all([
            Assignment(petition_id=answered.id, agency_id=gt.id, mode=AnswerMode.IN_WRITING,
                       deadline=before + timedelta(20), answer=PREVIOUS_ANSWER,
                       status=AssignmentStatus.DONE, answered_at=utcnow()),
            Assignment(petition_id=still_open.id, agency_id=tnmt.id, mode=AnswerMode.IN_WRITING,
                       deadline=before + timedelta(20)),
        ])
        db.session.commit()
        return {"land": land.id, "build": build.id, "flood": flood.id,
                "at_meeting": at_meeting.id, "earlier": earlier.id, "gt": gt.id,
                "answered": answered.id, "still_open": still_open.id}


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF, NFC, whitespace collapsed."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def signer_data(app) -> dict:
    """The issuing form's data: a signer from the office's list."""
    from portal.documents.models import SigningPosition
    from portal.extensions import db

    with app.app_context():
        position = SigningPosition(title="CHÁNH VĂN PHÒNG", name="Nguyễn Văn Ký",
                                   authority="TL. CHỦ TỊCH", effective_from=date(2000, 1, 1),
                                   active=True)
        db.session.add(position)
        db.session.commit()
        return {"signer": str(position.id)}
