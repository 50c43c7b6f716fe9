"""The period report as a PDF (read back with pypdf) and as an Excel workbook (openpyxl)."""
import io
import unicodedata
from datetime import date, datetime

from openpyxl import load_workbook
from pypdf import PdfReader
from report_data import CITIZEN, CITIZEN_CONTACT, CITIZEN_ID, hand  # noqa: F401

YEAR = "?from=01/01/2024&to=31/12/2024"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _add_plan(app):
    from portal.calendar.models import Plan
    from portal.extensions import db

    with app.app_context():
        db.session.add(Plan(year=2024, leader_name="Phan Thế Tuấn",
                            leader_title="Phó Chủ tịch UBND tỉnh", title="Kế hoạch 2024"))
        db.session.commit()


def test_pdf_round_trip(app, login, hand):  # noqa: F811
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    _add_plan(app)
    response = login("observer").get("/reports/period.pdf" + YEAR)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert 'filename="bao-cao-20240101-20241231.pdf"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "private, no-store"
    box = PdfReader(io.BytesIO(response.data)).pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    text = _text(response.data)
    for expected in (
        "ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "/BC-UBND", "BÁO CÁO",
        "Kết quả tiếp xúc, đối thoại với nhân dân năm 2024",
        "I. CÁC BUỔI TIẾP XÚC, ĐỐI THOẠI ĐÃ TỔ CHỨC", "Trong kỳ đã tổ chức 2 buổi",
        "Ngày 15/3/2024", "Ngày 12/4/2024",
        "II. Ý KIẾN, KIẾN NGHỊ TIẾP NHẬN",
        "Tổng số ý kiến, kiến nghị tiếp nhận: 13; đã phân công trả lời: 12",
        "Đất đai: 7 ý kiến, kiến nghị (đã phân công 7)",
        "Môi trường: 6 ý kiến, kiến nghị (đã phân công 5)",
        "III. KẾT QUẢ GIẢI QUYẾT", "Đã trả lời: 5, trong đó đúng hạn 3, quá hạn 2",
        "tỷ lệ trả lời đúng hạn 60,0 %",
        "Vượt thẩm quyền của tỉnh: 3, trong đó đã báo cáo cấp có thẩm quyền 1, cấp có thẩm "
        "quyền đã trả lời 1, chưa báo cáo 1",
        "Sở Xây dựng: được giao 4; đã trả lời 2 (đúng hạn 1, quá hạn 1)",
        "IV. CÁC Ý KIẾN, KIẾN NGHỊ CÒN TỒN ĐỌNG", "Còn 4 ý kiến, kiến nghị chưa được trả lời",
        "Nội dung kiến nghị a3 (Nguyễn V. A., buổi ngày 15/3/2024); hạn 10/5/2024",
        "Nơi nhận:", "- Ban Thường vụ Tỉnh ủy (b/c);", "- Thường trực Tỉnh ủy (b/c);",
        "- Ban Dân vận Tỉnh ủy (b/c);", "- Lưu: VT, KTTH.",
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Phan Thế Tuấn",
    ):
        assert expected in text, expected
    assert "Số: /BC-UBND" in text  # the number is left blank for the register
    for secret in (CITIZEN, CITIZEN_CONTACT, CITIZEN_ID):
        assert secret not in text
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "export_report"))
        assert event is not None and event.after["format"] == "pdf"
        assert event.after["from"] == "01/01/2024"


def test_pdf_lists_only_the_oldest_when_many(app, login, hand, monkeypatch):  # noqa: F811
    from portal.reports import pdf

    monkeypatch.setattr(pdf, "PDF_OUTSTANDING_LIMIT", 2)
    text = _text(login("office").get("/reports/period.pdf" + YEAR).data)
    assert "Nội dung kiến nghị a3" in text and "Nội dung kiến nghị b3" in text
    assert "Nội dung kiến nghị c3" not in text and "Nội dung kiến nghị a4" not in text
    assert "Trên đây là 2 ý kiến, kiến nghị tồn đọng lâu nhất; danh sách đầy đủ 4 ý kiến" in text


def test_pdf_is_vietnamese_whatever_the_ui_language(app, login, hand):  # noqa: F811
    c = login("office")
    c.post("/language/en", data={"next": "/reports/"})
    page = c.get("/reports/period" + YEAR).get_data(as_text=True)
    assert "Dialogue with the monthly citizen reception" in page  # the UI is in English
    text = _text(c.get("/reports/period.pdf" + YEAR).data)
    assert "Đối thoại kết hợp tiếp công dân định kỳ" in text
    assert "Dialogue with" not in text and "Assigned" not in text
    assert "đã giao" in text


def test_excel_read_back(app, login, hand):  # noqa: F811
    response = login("chair").get("/reports/period.xlsx" + YEAR)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'attachment; filename="bao-cao-20240101-20241231.xlsx"' == \
        response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Tổng hợp", "Theo lĩnh vực", "Theo cơ quan", "Tồn đọng"]

    summary = book["Tổng hợp"]
    rows = {r[0]: r[1] for r in summary.iter_rows(values_only=True) if r and r[0]}
    assert rows["Kết quả tiếp xúc, đối thoại với nhân dân năm 2024"] is None
    assert rows["Từ ngày"] == datetime(2024, 1, 1) and rows["Đến ngày"] == datetime(2024, 12, 31)
    assert summary["B2"].number_format == "DD/MM/YYYY"
    assert rows["Số buổi tiếp xúc, đối thoại đã tổ chức"] == 2
    assert rows["Ý kiến, kiến nghị tiếp nhận"] == 13
    assert rows["Đã phân công trả lời"] == 12
    assert rows["Trả lời đúng hạn"] == 3 and rows["Trả lời quá hạn"] == 2
    assert rows["Đang giải quyết, đã quá hạn"] == 4  # every 2024 open item is late by now
    assert rows["Vượt thẩm quyền"] == 3
    assert rows["Vượt thẩm quyền: đã báo cáo cấp có thẩm quyền"] == 1
    assert rows["Tỷ lệ trả lời đúng hạn"] == 0.6
    assert rows["Đối thoại tháng 3/2024"] == datetime(2024, 3, 15)  # the sessions' table
    header = next(r for r in summary.iter_rows() if r[0].value == "Chỉ tiêu")
    assert header[0].font.b and header[1].font.b

    fields = book["Theo lĩnh vực"]
    assert [list(r) for r in fields.iter_rows(values_only=True)] == [
        ["Lĩnh vực", "Ý kiến tiếp nhận", "Đã phân công"],
        ["Đất đai", 7, 7], ["Môi trường", 6, 5], ["Tổng cộng", 13, 12]]
    assert fields["A1"].font.b and fields.column_dimensions["A"].width == 34

    agencies = {r[0]: r[1:] for r in book["Theo cơ quan"].iter_rows(min_row=2, values_only=True)}
    assert agencies["Sở Tài nguyên và Môi trường"] == (4, 2, 1, 1, 2, 2, 0.5, 0)
    assert agencies["UBND huyện Yên Thế"] == (4, 1, 1, 0, 1, 1, 1.0, 2)

    outstanding = book["Tồn đọng"]
    head, *items = list(outstanding.iter_rows(values_only=True))
    assert head[4] == "Người kiến nghị" and head[7] == "Hạn trả lời"
    assert [(i[0], i[1], i[4], i[7], i[9]) for i in items] == [
        (1, hand["ids"]["a3"], "Nguyễn V. A.", datetime(2024, 5, 10), "Đã giao"),
        (2, hand["ids"]["b3"], "Lê V. B.", datetime(2024, 6, 3), "Trả lại"),
        (3, hand["ids"]["c3"], "Lê V. C.", datetime(2024, 6, 20), "Đã giao"),
        (4, hand["ids"]["a4"], "Lê V. A.", datetime(2024, 7, 10), "Đang xử lý"),
    ]
    assert outstanding["H2"].number_format == "DD/MM/YYYY"
    assert outstanding["C2"].value == datetime(2024, 3, 15)
    assert all(isinstance(i[8], int) and i[8] > 0 for i in items)  # working days late
    cells = [str(v) for ws in book for r in ws.iter_rows(values_only=True) for v in r if v]
    for secret in (CITIZEN, CITIZEN_CONTACT, CITIZEN_ID):
        assert not any(secret in v for v in cells)


def test_excel_lists_every_outstanding_item_unlike_the_page(app, login, hand,  # noqa: F811
                                                            monkeypatch):
    from portal.reports import views

    monkeypatch.setattr(views, "PAGE_OUTSTANDING_LIMIT", 1)
    c = login("office")
    html = c.get("/reports/period" + YEAR).get_data(as_text=True)
    assert "Trang này liệt kê 1 ý kiến tồn đọng lâu nhất" in html
    book = load_workbook(io.BytesIO(c.get("/reports/period.xlsx" + YEAR).data))
    assert book["Tồn đọng"].max_row == 5  # header + 4


def test_empty_period_exports(login, data):
    c = login("office")
    text = _text(c.get("/reports/period.pdf?from=01/01/2001&to=31/12/2001").data)
    assert "Trong kỳ không tổ chức buổi tiếp xúc, đối thoại nào." in text
    assert "Không còn ý kiến, kiến nghị tồn đọng." in text
    book = load_workbook(io.BytesIO(
        c.get("/reports/period.xlsx?from=01/01/2001&to=31/12/2001").data))
    assert book["Tồn đọng"].max_row == 1
    assert date(2001, 1, 1) == book["Tổng hợp"]["B2"].value.date()
