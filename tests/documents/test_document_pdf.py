"""Every stored document prints as a Decree 30 PDF: number, place-date, body, signer,
recipients; a draft is marked and undated."""
import io
from datetime import date

import pytest

from documents_helpers import signer
from pypdf import PdfReader
from sqlalchemy import select

from documents_helpers import CONCLUSION, DIRECTIVE_LAND, LAND, ROAD, close_meeting, pdf_text
from documents_helpers import signer_data


def _notice(app, data, *, issued_today: date | None):
    """The conclusion notice of the closed meeting, issued on `issued_today` if given."""
    from portal.calendar.models import DialogueSession
    from portal.documents import services
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.extensions import db

    close_meeting(app, data)
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        if issued_today:  # held before the issue dates these tests choose
            from datetime import datetime, timezone
            meeting.closed_at = datetime(2024, 1, 1, 3, 0, tzinfo=timezone.utc)
        doc = draft_conclusion_notice(meeting, None, {"CONCLUSION_SIGNER_NAME": "Trần Văn Ký"})
        if issued_today:
            services.issue(doc, position=signer(name="Trần Văn Ký"), user_id=None,
                           today=issued_today)
        db.session.commit()
        return doc.id


@pytest.mark.parametrize("day, line", [
    (date(2024, 3, 5), "Bắc Giang, ngày 05 tháng 3 năm 2024"),
    (date(2024, 2, 5), "Bắc Giang, ngày 05 tháng 02 năm 2024"),
    (date(2024, 1, 9), "Bắc Giang, ngày 09 tháng 01 năm 2024"),
    (date(2024, 11, 15), "Bắc Giang, ngày 15 tháng 11 năm 2024"),
])
def test_issued_notice_round_trip(app, login, data, day, line):
    doc_id = _notice(app, data, issued_today=day)
    response = login("office").get(f"/documents/{doc_id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'inline; filename="TB-01-2024.pdf"'
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    text = pdf_text(response.data)
    for expected in ("ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "Số: 01/TB-UBND", line, "THÔNG BÁO",
                     "Kết luận của Phó Chủ tịch Phan Thế Tuấn", CONCLUSION, LAND, ROAD,
                     DIRECTIVE_LAND, "phối hợp với Sở Xây dựng",
                     "báo cáo, đề xuất cấp có thẩm quyền",
                     "biết, thực hiện./.", "Nơi nhận:", "Thường trực Tỉnh ủy (b/c);",
                     "Ban Dân vận Tỉnh ủy (b/c);", "Sở Giao thông vận tải;", "Lưu: VT, KTTH.",
                     "TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG",
                     "Trần Văn Ký"):
        assert expected in text, expected
    assert "DỰ THẢO" not in text
    assert reader.metadata.subject == "Số: 01/TB-UBND"


def test_draft_pdf_is_marked_and_undated(app, login, data):
    doc_id = _notice(app, data, issued_today=None)
    response = login("chair").get(f"/documents/{doc_id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        f'inline; filename="TB-du-thao-{doc_id}.pdf"'
    text = pdf_text(response.data)
    assert "(DỰ THẢO)" in text
    assert "Bắc Giang, ngày … tháng … năm …" in text
    assert "Số: /TB-UBND" in text  # the number is left blank for the register
    assert CONCLUSION in text


def test_edited_text_prints_literally(app, login, data):
    from portal.documents.models import Document
    from portal.extensions import db

    doc_id = _notice(app, data, issued_today=None)
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        doc.blocks = [{"kind": "heading", "text": "I. <b>TIÊU ĐỀ</b>"},
                      {"kind": "bullet", "text": "Gạch đầu dòng & ký tự <i>"},
                      {"kind": "unknown", "text": "Đoạn loại lạ in như đoạn văn"}]
        doc.signer_authority = ""
        db.session.commit()
    text = pdf_text(login("observer").get(f"/documents/{doc_id}.pdf").data)
    assert "I. <b>TIÊU ĐỀ</b>" in text and "- Gạch đầu dòng & ký tự <i>" in text
    assert "Đoạn loại lạ in như đoạn văn" in text and "TL. CHỦ TỊCH" not in text


def test_stored_minutes_pdf(app, login, data):
    from portal.documents.models import Document
    from portal.extensions import db

    close_meeting(app, data)
    c = login("office")
    c.post(f"/documents/sessions/{data['session']}/draft/minutes")
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id))
    c.post(f"/documents/{doc_id}/issue", data=signer_data(app))
    response = c.get(f"/documents/{doc_id}.pdf")
    text = pdf_text(response.data)
    assert "BIÊN BẢN" in text and "Số: 01/BB-UBND" in text and "CHỦ TỌA" in text
    assert LAND in text and "III. Ý KIẾN, KIẾN NGHỊ VÀ PHÂN CÔNG TRẢ LỜI" in text
    from portal.timefmt import local_today

    year = local_today().year
    assert response.headers["Content-Disposition"] == f'inline; filename="BB-01-{year}.pdf"'


def test_revised_notice_pdf_names_the_old_one(app, login, data):
    from portal.documents import services
    from portal.documents.models import Document
    from portal.extensions import db

    doc_id = _notice(app, data, issued_today=date(2024, 3, 5))
    with app.app_context():
        new = services.revise(db.session.get(Document, doc_id), None)
        db.session.commit()
        new_id = new.id
    text = pdf_text(login("office").get(f"/documents/{new_id}.pdf").data)
    assert "Thông báo này thay thế thông báo số 01/TB-UBND ngày 05/3/2024." in text
    assert "(DỰ THẢO)" in text
