"""The invitation (giấy mời) PDF: Decree 30 layout, exact Vietnamese text, one per invitee."""
import io
import unicodedata
from datetime import datetime, time, timezone

import pytest
from pypdf import PdfReader
from sqlalchemy import select

CONTACT = "0987 654 321"


def _text(page) -> str:
    return unicodedata.normalize("NFC", " ".join(page.extract_text().split()))


def _pdf_text(pdf: bytes) -> str:
    return " ".join(_text(page) for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def invited(app, login, data):
    """The session on Friday 15/3/2024 at 08:00, with two agencies and a citizen invited."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.preparation.models import Invitee
    from portal.timefmt import local_to_utc

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.starts_at = local_to_utc(datetime(2024, 3, 15).date(), time(8, 0))
        meeting.content = "Giải quyết kiến nghị về bồi thường, giải phóng mặt bằng"
        db.session.commit()
    c = login("office")
    c.post(f"/preparation/sessions/{data['session']}/invitations/agencies",
           {"ag-agency_ids": [data["agency"], data["other_agency"]]}, htmx=True)
    c.post(f"/preparation/sessions/{data['session']}/invitations/people", {
        "person-kind": "citizen", "person-name": "Nguyễn Thị Hằng",
        "person-position": "Trưởng thôn", "person-organisation": "Thôn Đông, xã Tân Sỏi",
        "person-contact": CONTACT}, htmx=True)
    with app.app_context():
        ids = db.session.scalars(select(Invitee.id).where(
            Invitee.session_id == data["session"]).order_by(Invitee.id)).all()
    return c, ids


def test_time_line_in_vietnamese_style(ctx):
    from portal.documents.invitation import meeting_time_line, short_date
    from portal.timefmt import local_to_utc

    assert meeting_time_line(local_to_utc(datetime(2024, 3, 15).date(), time(8, 0))) == \
        "08 giờ 00, thứ Sáu, ngày 15/3/2024"
    assert meeting_time_line(local_to_utc(datetime(2024, 2, 4).date(), time(14, 30))) == \
        "14 giờ 30, Chủ nhật, ngày 04/02/2024"
    # 01:00 UTC is 08:00 in Việt Nam.
    assert meeting_time_line(datetime(2024, 11, 4, 1, 0, tzinfo=timezone.utc)) == \
        "08 giờ 00, thứ Hai, ngày 04/11/2024"
    assert short_date(datetime(2024, 12, 5).date()) == "05/12/2024"


def test_one_invitation_round_trip(app, invited, data):
    c, (tnmt, _, citizen) = invited
    response = c.get(f"/preparation/invitees/{tnmt}/giay-moi.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    text = _text(reader.pages[0])
    for expected in (
        "ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "GIẤY MỜI", "/GM-UBND",
        "Dự buổi đối thoại kết hợp tiếp công dân định kỳ",
        "Ủy ban nhân dân tỉnh trân trọng kính mời:",
        "Đại diện lãnh đạo Sở Tài nguyên và Môi trường",
        "Tới dự buổi đối thoại kết hợp tiếp công dân định kỳ: Đối thoại tháng 12 về đất đai.",
        "Thời gian: 08 giờ 00, thứ Sáu, ngày 15/3/2024.",
        "Địa điểm: Trụ sở Tiếp công dân tỉnh.",
        "Nội dung: Giải quyết kiến nghị về bồi thường, giải phóng mặt bằng.",
        "Chủ trì: Phó Chủ tịch Phan Thế Tuấn.",
        "TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
        "Nơi nhận:", "- Như trên;", "- Lưu: VT, TCD.",
    ):
        assert expected in text, expected
    assert "Sở Xây dựng" not in text


def test_citizen_invitation_never_prints_the_contact(app, invited):
    c, (_, _, citizen) = invited
    text = _pdf_text(c.get(f"/preparation/invitees/{citizen}/giay-moi.pdf").data)
    assert "Nguyễn Thị Hằng, Trưởng thôn, Thôn Đông, xã Tân Sỏi" in text
    assert "Rất mong Quý vị tới dự đúng thời gian./." in text
    assert CONTACT not in text and "0987" not in text


def test_batch_has_one_page_per_invitee(app, invited, data):
    c, ids = invited
    response = c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.data)).pages
    assert len(pages) == len(ids) == 3
    texts = [_text(page) for page in pages]
    assert "Sở Tài nguyên và Môi trường" in texts[0] and "Sở Xây dựng" not in texts[0]
    assert "Đại diện lãnh đạo Sở Xây dựng" in texts[1]
    assert "Nguyễn Thị Hằng" in texts[2] and CONTACT not in texts[2]
    assert all(t.count("GIẤY MỜI") == 1 for t in texts)


def test_signer_lines_come_from_config(app, invited):
    c, (tnmt, _, _) = invited
    keys = ("INVITATION_SIGNER_AUTHORITY", "INVITATION_SIGNER_TITLE", "INVITATION_SIGNER_NAME")
    saved = {key: app.config.get(key) for key in keys}
    app.config.update(INVITATION_SIGNER_AUTHORITY=["TL. CHỦ TỊCH"],
                      INVITATION_SIGNER_TITLE="CHÁNH VĂN PHÒNG",
                      INVITATION_SIGNER_NAME="Đỗ Thị Ngọc Hà")
    try:
        text = _pdf_text(c.get(f"/preparation/invitees/{tnmt}/giay-moi.pdf").data)
    finally:
        for key, value in saved.items():
            if value is None:
                app.config.pop(key, None)
            else:
                app.config[key] = value
    assert "TL. CHỦ TỊCH" in text and "CHÁNH VĂN PHÒNG" in text
    assert "Đỗ Thị Ngọc Hà" in text and "KT. CHÁNH VĂN PHÒNG" not in text


def test_officer_downloads_only_their_agencys_invitation(app, invited, login):
    _, (tnmt, xd, citizen) = invited
    officer = login("officer")
    assert officer.get(f"/preparation/invitees/{tnmt}/giay-moi.pdf").status_code == 200
    assert officer.get(f"/preparation/invitees/{xd}/giay-moi.pdf").status_code == 404
    assert officer.get(f"/preparation/invitees/{citizen}/giay-moi.pdf").status_code == 404


def test_downloads_are_logged(app, invited, data):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    c, (tnmt, _, _) = invited
    c.get(f"/preparation/invitees/{tnmt}/giay-moi.pdf")
    c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf")
    with app.app_context():
        exports = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.entity == "Invitee")).all()
    assert len(exports) == 2


def test_batch_of_a_session_without_invitees_is_404(login, data):
    assert login("office").get(
        f"/preparation/sessions/{data['session']}/giay-moi.pdf").status_code == 404
