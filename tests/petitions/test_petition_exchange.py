"""Excel and CSV: export (masked unless asked, audited), import (all or nothing), upload checks."""
import csv
import io
import re
import zipfile
from datetime import date, timedelta

import pytest
from openpyxl import Workbook, load_workbook

from support import vn

pytest_plugins = ["tests.petitions.petition_fixtures"]

HEADER = ["Người nêu là", "Họ tên / tên tổ chức", "Liên hệ", "Số định danh", "Địa bàn",
          "Lĩnh vực", "Kênh tiếp nhận", "Nội dung", "Cơ quan tham mưu", "Hạn tham mưu"]


def _xlsx(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows, bom=True) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8-sig" if bom else "utf-8")


def _upload(c, data, body: bytes, filename: str):
    """Post a file as a browser does (encoded here: Werkzeug's encoder leaves a temp file open)."""
    boundary = "----petitions-test-boundary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
               ).encode() + body + f"\r\n--{boundary}--\r\n".encode()
    return c.post(f"/petitions/sessions/{data['session']}/import", data=payload,
                  content_type=f"multipart/form-data; boundary={boundary}")


def _audits(app, action):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


@pytest.fixture
def two(data, make_petition):
    make_petition(prepared_answer="Đang rà soát hồ sơ", advising_agency_id=data["agency"],
                  advising_deadline=data["day"],
                  content="=HYPERLINK(\"http://x\") - nội dung bắt đầu bằng dấu bằng")
    make_petition(submitter_kind="business", submitter_name="Công ty TNHH Đồng Tâm",
                  submitter_contact="KCN Quang Châu", submitter_id_number="",
                  content="Kiến nghị về thuế")


# --- export ---------------------------------------------------------------------------------

def test_xlsx_export_masked_by_default(app, login, data, two):
    response = login("office").get(f"/petitions/sessions/{data['session']}/export?format=xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:6] == ("STT", "Mã", "Buổi đối thoại", "Ngày đối thoại", "Người nêu là",
                          "Họ tên / tên tổ chức")
    assert sheet["A1"].font.bold and sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["L"].width == 70
    citizen, business = rows[1], rows[2]
    col = {name: i for i, name in enumerate(header)}
    assert citizen[col["Họ tên / tên tổ chức"]] == "Nguyễn V. A."
    assert citizen[col["Liên hệ"]] == "***" and citizen[col["Số định danh"]] == "***"
    assert business[col["Họ tên / tên tổ chức"]] == "Công ty TNHH Đồng Tâm"  # not personal
    assert business[col["Liên hệ"]] == "***" and business[col["Số định danh"]] in ("", None)
    # Dates are real dates shown dd/mm/yyyy; formula-like text stays text.
    cell = sheet.cell(row=2, column=col["Hạn tham mưu"] + 1)
    assert cell.value.date() == data["day"] and cell.number_format == "DD/MM/YYYY"
    assert sheet.cell(row=2, column=col["Nội dung"] + 1).data_type == "s"
    assert citizen[col["Nội dung"]].startswith("=HYPERLINK")
    assert citizen[col["Cơ quan tham mưu"]] == "Sở Tài nguyên và Môi trường"
    assert citizen[col["Nội dung trả lời dự kiến"]] == "Đang rà soát hồ sơ"
    assert _audits(app, "export_personal_data") == []


def test_personal_data_needs_a_reason(app, login, data, two):
    c = login("office")
    response = c.get(f"/petitions/sessions/{data['session']}/export?format=csv&personal=1")
    assert response.status_code == 303  # back to the page, with the message; no file
    assert "lý do" in c.get(response.headers["Location"]).get_data(as_text=True)
    assert _audits(app, "export_personal_data") == []


def test_csv_export_with_personal_data_is_audited(app, login, data, two):
    c = login("office")
    response = c.get(f"/petitions/sessions/{data['session']}/export?format=csv&personal=1"
                     "&reason=Gửi+Thanh+tra+tỉnh+xác+minh")
    assert response.status_code == 200 and response.data.startswith(b"\xef\xbb\xbf")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    col = {name: i for i, name in enumerate(rows[0])}
    assert rows[1][col["Họ tên / tên tổ chức"]] == "Nguyễn Văn An"
    assert rows[1][col["Liên hệ"]] == "0912 345 678, thôn Đồng Tâm"
    assert rows[1][col["Số định danh"]] == "024090001234"
    assert rows[1][col["Hạn tham mưu"]] == vn(data["day"])
    assert rows[1][col["Nội dung"]].startswith("'=HYPERLINK")  # neutralised for Excel
    events = _audits(app, "export_personal_data")
    assert len(events) == 1
    assert events[0].user_id == data["users"]["office"] and events[0].after["count"] == 2
    assert events[0].entity_id == str(data["session"])
    assert events[0].after["reason"] == "Gửi Thanh tra tỉnh xác minh"


@pytest.mark.parametrize("role", ["chair", "observer", "admin"])
def test_only_the_office_can_unmask(app, login, data, two, role):
    url = f"/petitions/sessions/{data['session']}/export?format=csv&personal=1"
    response = login(role).get(url)
    text = response.data.decode("utf-8-sig")
    assert "Nguyễn V. A." in text and "0912" not in text and "024090001234" not in text
    assert _audits(app, "export_personal_data") == []


def test_filtered_list_export_is_scoped_for_officers(app, login, data, make_petition):
    make_petition(content="Việc của sở TNMT", advising_agency_id=data["agency"],
                  advising_deadline=data["day"])
    make_petition(content="Việc của sở Xây dựng", advising_agency_id=data["other_agency"],
                  advising_deadline=data["day"])
    text = login("officer").get("/petitions/export?format=csv&personal=1").data.decode("utf-8-sig")
    assert "Việc của sở TNMT" in text and "Xây dựng" not in text
    assert "024090001234" not in text  # officers never export personal data
    office = login("office").get("/petitions/export?format=xlsx&q=so+xay+dung")
    rows = list(load_workbook(io.BytesIO(office.data)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][11] == "Việc của sở Xây dựng"


def test_export_rows_directly(app, data, make_petition):
    from portal.extensions import db
    from portal.petitions.exchange import EXPORT_HEADERS, export_rows, to_csv
    from portal.petitions.models import Petition

    from portal.petitions.models import AnswerPlan

    make_petition(submitter_kind="voter", submitter_name="Đinh Thị Lan")
    make_petition(submitter_kind="citizen", submitter_name="Hà Văn Tú")
    with app.test_request_context():
        planned = db.session.query(Petition).order_by(Petition.id).all()
        planned[1].answer_plan = AnswerPlan.AT_MEETING
        rows = export_rows(planned, personal=False)
        assert rows[0][5] == "Đinh T. L."
        assert len(rows[0]) == len(EXPORT_HEADERS)
        plan = EXPORT_HEADERS.index("Hướng trả lời")
        assert [row[plan] for row in rows] == ["", "Trả lời tại buổi đối thoại"]
        assert to_csv(EXPORT_HEADERS, rows).startswith("\ufeffSTT".encode())


# --- import ------------------------------------------------------------------------------------

def _good_rows(data):
    return [
        HEADER,
        ["Công dân", "Nguyễn Văn Bảo", "0912000111", "024090009999", "xã Tân Sỏi", "dat dai",
         "Bằng văn bản", "Đề nghị cấp sổ đỏ cho thửa đất số 12", "STNMT", vn(data["day"])],
        ["doanh nghiep", "Công ty CP Bắc Hà", "", "", "KCN Đình Trám", "MÔI TRƯỜNG",
         "Qua Hiệp hội doanh nghiệp", "Kiến nghị về xử lý nước thải tập trung", "", ""],
        ["", "", "", "", "", "", "", "", "", ""],  # blank rows are skipped
        ["Đại diện cử tri", "Lò Văn Páo", "", "", "", "Xây dựng", "qua tiep xuc cu tri",
         "Đề nghị xây lại cầu treo bản Mù", "Sở Xây dựng", vn(data["day"] - timedelta(days=1))],
    ]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_good_import_adds_all_rows(app, login, data, count, kind):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition

    rows = _good_rows(data)
    body = _xlsx(rows) if kind == "xlsx" else _csv(rows)
    c = login("office")
    response = _upload(c, data, body, f"danh-sach.{kind}")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert "Đã nhập 3 ý kiến, kiến nghị." in c.get(response.headers["Location"]).get_data(
        as_text=True)
    with app.app_context():
        saved = db.session.scalars(select(Petition).order_by(Petition.id)).all()
        assert [p.submitter_name for p in saved] == ["Nguyễn Văn Bảo", "Công ty CP Bắc Hà",
                                                     "Lò Văn Páo"]
        assert saved[0].field_id == data["fields"][0] and saved[1].field_id == data["fields"][1]
        assert saved[0].advising_agency_id == data["agency"]
        assert saved[0].advising_deadline == data["day"]
        assert saved[2].advising_agency_id == data["other_agency"]
        assert saved[0].submitter_id_number == "024090009999"
        assert saved[0].search_text.startswith("de nghi cap so do")
        assert saved[2].channel.value == "voter_contact"
        assert all(p.created_by_id == data["users"]["office"] for p in saved)


def test_bad_row_imports_nothing_and_lists_errors(login, data, count):
    from portal.petitions.models import Petition

    rows = _good_rows(data) + [
        ["Người nước ngoài", "", "", "12-34", "", "Thủy sản", "Tại buổi đối thoại",
         "x" * 10001, "Sở Không Có", "30/02/2025"],
        ["Công dân", "Hà Văn Em", "", "", "", "Đất đai", "Bằng văn bản", "Nội dung",
         "STNMT", vn(data["day"] + timedelta(days=1))],
        ["Công dân", "Hà Văn Em", "", "", "", "Đất đai", "Bằng văn bản", "Nội dung", "STNMT", ""],
    ]
    response = _upload(login("office"), data, _xlsx(rows), "ds.xlsx")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert count(Petition) == 0
    assert "chưa nhập dòng nào" in body
    table = body[body.index('id="import-errors"'):]
    expected = [
        ("6", "Người nêu là", "Không rõ “Người nước ngoài”"),
        ("6", "Họ tên / tên tổ chức", "Không được để trống."),
        ("6", "Số định danh", "Số định danh chỉ gồm chữ và số."),
        ("6", "Lĩnh vực", "Không có lĩnh vực “Thủy sản” trong danh mục."),
        ("6", "Kênh tiếp nhận", "Không rõ “Tại buổi đối thoại”"),
        ("6", "Nội dung", "Dài quá 10000 ký tự."),
        ("6", "Cơ quan tham mưu", "Không có cơ quan “Sở Không Có”."),
        ("6", "Hạn tham mưu", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
        ("7", "Hạn tham mưu", "Hạn tham mưu không được sau ngày đối thoại"),
        ("8", "Hạn tham mưu", "Vui lòng ghi hạn tham mưu."),
    ]
    for row, column, reason in expected:
        cells = rf"<tr><td>{row}</td><td>{re.escape(column)}</td><td>[^<]*{re.escape(reason)}"
        assert re.search(cells, table), (row, column, reason)



def test_missing_required_column(login, data, count):
    from portal.petitions.models import Petition

    rows = [[h for h in HEADER if h != "Nội dung"], ["Công dân", "A", "", "", "", "Đất đai",
                                                     "Bằng văn bản", "", ""]]
    body = _upload(login("office"), data, _csv(rows), "x.csv").get_data(as_text=True)
    assert re.search(r"<tr><td>1</td><td>Nội dung</td><td>Thiếu cột bắt buộc.", body)
    assert count(Petition) == 0


def test_headers_match_without_diacritics_and_semicolons(login, data, count):
    from portal.petitions.models import Petition

    text = ("nguoi neu la;ho ten / ten to chuc;linh vuc;kenh tiep nhan;noi dung\n"
            "Công dân;Ngô Văn Phúc;Đất đai;Tại phiên tiếp công dân;Đề nghị trả lại đất\n")
    response = _upload(login("office"), data, text.encode("utf-8"), "ds.csv")
    assert response.status_code == 303
    assert count(Petition) == 1


def test_import_links_repeats_within_the_batch(app, login, data):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition

    rows = [HEADER,
            ["Công dân", "Mai Văn Quý", "", "", "", "Đất đai", "Bằng văn bản", "Việc một", "", ""],
            ["Công dân", "MAI VĂN QUÝ", "", "", "", "Đất đai", "Bằng văn bản", "Việc hai", "", ""]]
    assert _upload(login("office"), data, _csv(rows), "a.csv").status_code == 303
    with app.app_context():
        first, second = db.session.scalars(select(Petition).order_by(Petition.id)).all()
        assert first.duplicate_of_id is None and second.duplicate_of_id == first.id


# --- upload checks ----------------------------------------------------------------------------

def test_renamed_binary_is_refused(login, data, count):
    from portal.petitions.models import Petition

    c = login("office")
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    body = _upload(c, data, png, "danh-sach.xlsx").get_data(as_text=True)
    assert "Tệp không phải là tệp Excel (.xlsx) hợp lệ." in body
    response = _upload(c, data, png, "danh-sach.csv")
    assert response.status_code == 422
    assert "Tệp CSV không phải là tệp văn bản." in response.get_data(as_text=True)
    # A zip that is not a workbook.
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("readme.txt", "xin chào")
    assert "Tệp không phải là tệp Excel" in _upload(c, data, zipped.getvalue(), "a.xlsx").get_data(
        as_text=True)
    # An xlsx renamed .csv, and Windows-1258 text.
    assert _upload(c, data, _xlsx([HEADER]), "a.csv").status_code == 422
    legacy = b"Ng\xf4\xe8i n\xeau l\xe0,H\xf4 t\xean\n"  # Windows-1258 bytes, not UTF-8
    assert "UTF-8" in _upload(c, data, legacy, "a.csv").get_data(as_text=True)
    assert count(Petition) == 0


@pytest.mark.parametrize("filename", ["ds.txt", "ds.xls", "ds", "ds.csv.exe"])
def test_other_extensions_are_refused(login, data, filename):
    response = _upload(login("office"), data, _csv([HEADER]), filename)
    assert response.status_code == 422
    assert "Chỉ nhận tệp .csv hoặc .xlsx." in response.get_data(as_text=True)


def test_too_large_is_refused(login, data, count, monkeypatch):
    from portal.petitions import exchange
    from portal.petitions.models import Petition

    c = login("office")
    big = _csv(_good_rows(data)) + b"#" * (5 * 1024 * 1024)
    response = _upload(c, data, big, "ds.csv")
    assert response.status_code == 422
    assert "Tệp quá lớn: tối đa 5 MB." in response.get_data(as_text=True)
    # Just over the limit, when the request itself is not much larger: read and refused.
    monkeypatch.setattr(exchange, "MAX_UPLOAD_BYTES", 200)
    response = _upload(c, data, _csv(_good_rows(data)), "ds.csv")
    assert response.status_code == 422 and "Tệp quá lớn" in response.get_data(as_text=True)
    assert count(Petition) == 0


def test_path_in_filename_is_ignored(login, data, count):
    from portal.petitions.exchange import safe_filename
    from portal.petitions.models import Petition

    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename("C:\\Users\\vp\\ds.xlsx") == "ds.xlsx"
    response = _upload(login("office"), data, _csv(_good_rows(data)), "../../tmp/x/ds.csv")
    assert response.status_code == 303 and count(Petition) == 3


def test_no_file_is_a_field_error(login, data):
    c = login("office")
    response = c.post(f"/petitions/sessions/{data['session']}/import", data={},
                      content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Vui lòng chọn tệp để nhập." in response.get_data(as_text=True)


def test_import_page_documents_columns_and_templates_round_trip(app, login, data, count):
    from portal.petitions.models import Petition

    c = login("office")
    page = c.get(f"/petitions/sessions/{data['session']}/import").get_data(as_text=True)
    for header in HEADER:
        assert f"<strong>{header}</strong>" in page
    assert "/petitions/import-template.xlsx" in page and "/petitions/import-template.csv" in page
    xlsx = c.get("/petitions/import-template.xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    csv_template = c.get("/petitions/import-template.csv").data
    assert csv_template.startswith(b"\xef\xbb\xbf")
    # The templates' example row imports as it is.
    assert _upload(c, data, xlsx.data, "mau.xlsx").status_code == 303
    assert _upload(c, data, csv_template, "mau.csv").status_code == 303
    assert count(Petition) == 2


def test_no_import_after_the_meeting_opened(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        db.session.get(DialogueSession, data["session"]).stage = "opening"
        db.session.commit()
    assert _upload(login("office"), data, _csv(_good_rows(data)), "a.csv").status_code == 409


def test_validate_rows_directly(app, data):
    from portal.petitions.exchange import make_lookups, validate_rows

    with app.test_request_context():
        lookups = make_lookups([(1, "Đất đai")], [(7, "Sở Xây dựng", "SXD")], date(2025, 3, 14))
        values, errors = validate_rows([HEADER, ["Công dân", "A", "", "", "", "Dat Dai",
                                                 "Bằng văn bản", "B", "sxd", "14/03/2025"]],
                                       lookups)
        assert errors == []
        assert values[0]["field_id"] == 1 and values[0]["advising_agency_id"] == 7
        assert values[0]["advising_deadline"] == date(2025, 3, 14)
        _, errors = validate_rows([HEADER], lookups)
        assert [str(e.message) for e in errors] == ["Tệp không có dòng dữ liệu nào."]


def test_export_too_large_or_bad_filter_goes_back_with_a_message(app, login, data, two,
                                                                 monkeypatch):
    from portal.petitions import exchange

    c = login("office")
    monkeypatch.setattr(exchange, "MAX_EXPORT_ROWS", 1)
    response = c.get(f"/petitions/sessions/{data['session']}/export?format=xlsx")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/petitions/sessions/{data['session']}")
    assert "hãy lọc bớt rồi tải lại" in c.get(response.headers["Location"]).get_data(as_text=True)
    response = c.get("/petitions/export?format=csv&from=99/99/2025&q=dat")
    assert response.status_code == 303 and "q=dat" in response.headers["Location"]
    assert c.get("/petitions/export?format=pdf").status_code == 404
