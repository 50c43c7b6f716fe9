"""Drafting the conclusion notice and the minutes from a meeting's record."""
import pytest
from sqlalchemy import func, select

from documents_helpers import signer_data
from documents_helpers import (
    CONCLUSION,
    DIRECTIVE_LAND,
    LAND,
    ON_THE_SPOT_ANSWER,
    ROAD,
    UPPER,
    close_meeting,
    deadline_of,
    vn_text_date,
)


def _body(doc) -> str:
    return "\n".join(block["text"] for block in doc.blocks)


def _draft_notice(app, data, config=None):
    from portal.calendar.models import DialogueSession
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.extensions import db

    meeting = db.session.get(DialogueSession, data["session"])
    doc = draft_conclusion_notice(meeting, data["users"]["office"], config)
    db.session.commit()
    return doc


def test_conclusion_notice_drafted_from_the_record(app, data):
    from portal.documents.models import DocumentStatus, DocumentType

    close_meeting(app, data)
    with app.app_context():
        doc = _draft_notice(app, data)
        body = _body(doc)
        assert doc.doc_type == DocumentType.TB and doc.status == DocumentStatus.DRAFT
        assert doc.number is None and doc.session_id == data["session"]
        assert doc.summary == ("Kết luận của Phó Chủ tịch Phan Thế Tuấn tại buổi đối thoại kết "
                               "hợp tiếp công dân định kỳ: Đối thoại tháng 12 về đất đai")
        # When, where, who chaired; who took part (officials named, citizens counted).
        assert "tại Trụ sở Tiếp công dân tỉnh, Phó Chủ tịch Phan Thế Tuấn đã chủ trì" in body
        assert "Nguyễn Văn Hùng, Phó Giám đốc, Sở Tài nguyên và Môi trường" in body
        assert "Đại diện công dân, cử tri: 2 người" in body
        assert "Lê Thị Hoa" not in body
        assert "Giải quyết kiến nghị về đất đai và giao thông" in body
        assert "có 3 ý kiến, kiến nghị được nêu" in body
        assert CONCLUSION in body
        # Each petition with its assignment (lead, coordinators, mode, deadline) and directive.
        for text in (LAND, ROAD, UPPER, "Nguyễn Thị Hằng (xã Tân Sỏi)", "lĩnh vực Đất đai"):
            assert text in body, text
        deadline = vn_text_date(deadline_of(data))
        assert (f"Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp với Sở Xây dựng xem xét, "
                f"giải quyết và trả lời bằng văn bản cho công dân, tổ chức; thời hạn trước ngày "
                f"{deadline}.") in body
        assert f"Ý kiến chỉ đạo: {DIRECTIVE_LAND}" in body
        assert (f"Sở Giao thông vận tải đã trả lời trực tiếp tại buổi đối thoại: "
                f"{ON_THE_SPOT_ANSWER}") in body
        assert ("Nội dung vượt thẩm quyền của tỉnh: giao Sở Tài nguyên và Môi trường chủ trì "
                "tham mưu UBND tỉnh báo cáo, đề xuất cấp có thẩm quyền xem xét, giải quyết; "
                f"thời hạn trước ngày {vn_text_date(deadline_of(data, 30))}.") in body
        assert doc.blocks[-1] == {"kind": "paragraph", "text": (
            "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị, địa phương biết, thực "
            "hiện./.")}
        assert {b["kind"] for b in doc.blocks} == {"paragraph", "bullet", "heading"}
        # Recipients: the Standing bodies, every lead and coordinating agency once, filing.
        assert doc.recipients.splitlines() == [
            "- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);",
            "- Sở Giao thông vận tải;", "- Sở Tài nguyên và Môi trường;", "- Sở Xây dựng;",
            "- Lưu: VT, KTTH."]
        assert doc.signer_authority == "TL. CHỦ TỊCH\nKT. CHÁNH VĂN PHÒNG"
        assert doc.signer_title == "PHÓ CHÁNH VĂN PHÒNG"
        assert doc.body_code == "UBND" and doc.created_by_id == data["users"]["office"]


def test_conclusion_signer_from_config(app, data):
    close_meeting(app, data, with_petitions=False)
    with app.app_context():
        doc = _draft_notice(app, data, {
            "CONCLUSION_SIGNER_AUTHORITY": ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"],
            "CONCLUSION_SIGNER_TITLE": "PHÓ CHỦ TỊCH", "CONCLUSION_SIGNER_NAME": "Phan Thế Tuấn",
            "DOCUMENT_BODY_CODE": "VP"})
        assert doc.signer_authority == "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH"
        assert (doc.signer_title, doc.signer_name) == ("PHÓ CHỦ TỊCH", "Phan Thế Tuấn")
        assert doc.number_text == "Số:      /TB-VP"
        assert "không có ý kiến, kiến nghị nào được nêu" in _body(doc)
        assert doc.recipients.splitlines() == [
            "- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);", "- Lưu: VT, KTTH."]


def test_chair_title_from_the_plan(app, data):
    from portal.calendar.models import DialogueSession, Plan
    from portal.documents.conclusion import chair_name, notice_summary
    from portal.extensions import db

    with app.app_context():
        plan = Plan(year=2024, leader_name="Phan Thế Tuấn", leader_title="Phó Chủ tịch UBND tỉnh",
                    title="Kế hoạch")
        db.session.add(plan)
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.plan = plan
        meeting.host = "Phan Thế Tuấn"
        meeting.title = "Đối thoại kết hợp tiếp công dân định kỳ tháng 3"
        assert chair_name(meeting) == "Phó Chủ tịch UBND tỉnh Phan Thế Tuấn"
        # A title that already names the kind is not repeated after it.
        assert notice_summary(meeting) == ("Kết luận của Phó Chủ tịch UBND tỉnh Phan Thế Tuấn "
                                           "tại buổi đối thoại kết hợp tiếp công dân định kỳ "
                                           "tháng 3")
        meeting.host = "Chủ tịch Nguyễn Văn Gấu"  # someone else chaired: named as written
        assert chair_name(meeting) == "Chủ tịch Nguyễn Văn Gấu"
        db.session.rollback()


def test_conclusion_refused_before_the_meeting_closes(app, data):
    from portal.calendar.models import DialogueSession
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.documents.minutes import draft_minutes
    from portal.documents.models import Document
    from portal.documents.services import DocumentError
    from portal.extensions import db

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        with pytest.raises(DocumentError, match="bế mạc"):
            draft_conclusion_notice(meeting, None)
        with pytest.raises(DocumentError, match="đang diễn ra"):
            draft_minutes(meeting, None)
        assert db.session.scalar(select(func.count(Document.id))) == 0
    close_meeting(app, data, closed=False)  # in progress: minutes yes, notice not yet
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        with pytest.raises(DocumentError):
            draft_conclusion_notice(meeting, None)
        assert draft_minutes(meeting, None).summary == meeting.title


def test_minutes_stored_from_build_minutes(app, data):
    from flask_babel import force_locale

    from portal.calendar.models import DialogueSession
    from portal.documents.minutes import build_minutes, draft_minutes
    from portal.documents.models import DocumentType
    from portal.documents.services import blocks_from_layout
    from portal.extensions import db

    close_meeting(app, data)
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        doc = draft_minutes(meeting, data["users"]["office"], app.config)
        db.session.commit()
        with force_locale("vi"):
            built = build_minutes(meeting, app.config)
        assert doc.doc_type == DocumentType.BB
        assert doc.blocks == blocks_from_layout(built.blocks)
        assert doc.recipients.splitlines() == built.recipients
        # The chair from the accounts (the chair's account named in the host), not the host text.
        assert (doc.signer_title, doc.signer_name) == ("CHỦ TỌA", "Phan Thế Tuấn")
        body = _body(doc)
        assert "III. Ý KIẾN, KIẾN NGHỊ VÀ PHÂN CÔNG TRẢ LỜI" in body and LAND in body


def test_draft_from_the_session_page(app, login, data):
    from portal.documents.models import Document

    close_meeting(app, data)
    c = login("office")
    page = c.get(f"/documents/sessions/{data['session']}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Soạn thông báo kết luận" in html and "Soạn biên bản" in html
    response = c.post(f"/documents/sessions/{data['session']}/draft/conclusion")
    assert response.status_code == 303
    with app.app_context():
        from portal.extensions import db

        doc = db.session.scalar(select(Document))
        assert response.headers["Location"].endswith(f"/documents/{doc.id}/edit")
    # A second click opens the same draft instead of making another.
    again = c.post(f"/documents/sessions/{data['session']}/draft/conclusion")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/{doc.id}/edit")
    c.post(f"/documents/sessions/{data['session']}/draft/minutes")
    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(select(func.count(Document.id))) == 2
    listing = c.get(f"/documents/sessions/{data['session']}").get_data(as_text=True)
    assert "Kết luận của Phó Chủ tịch Phan Thế Tuấn" in listing
    assert "Đối thoại tháng 12 về đất đai" in listing and "Chưa cấp số" in listing
    assert c.post(f"/documents/sessions/{data['session']}/draft/other").status_code == 404
    assert c.post("/documents/sessions/424242/draft/minutes").status_code == 404


def test_draft_refused_for_an_open_meeting(app, login, data):
    from portal.documents.models import Document
    from portal.extensions import db

    c = login("office")
    response = c.post(f"/documents/sessions/{data['session']}/draft/conclusion")
    assert response.status_code == 409
    assert "sau khi buổi đối thoại đã bế mạc" in response.get_data(as_text=True)
    assert c.post(f"/documents/sessions/{data['session']}/draft/minutes",
                  htmx=True).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 0


def test_no_second_draft_once_issued(app, login, data):
    from portal.documents.models import Document
    from portal.extensions import db

    close_meeting(app, data)
    c = login("office")
    c.post(f"/documents/sessions/{data['session']}/draft/conclusion")
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id))
    assert c.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    response = c.post(f"/documents/sessions/{data['session']}/draft/conclusion")
    assert response.status_code == 409
    assert "tạo phiên bản mới" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Document.id))) == 1
