"""The minutes of a meeting download as an A4 PDF whose text is what was typed."""
import io
import unicodedata
from datetime import timedelta

from pypdf import PdfReader

from support import vn

SPEAKER = "Nguyễn Thị Hằng"
CONTENT = "Đường ĐT.398 xuống cấp nghiêm trọng; đề nghị sửa chữa trước mùa mưa <ngay> & sớm"
CONCLUSION = "Giao Sở Giao thông vận tải kiểm tra, báo cáo UBND tỉnh trước ngày 30/12."


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _run_meeting(c, data):
    url = f"/runner/{data['session']}"
    c.post(url + "/start", htmx=True)
    c.post(url + "/advance", htmx=True)
    c.post(url + "/advance", htmx=True)
    c.post(url + "/petitions", htmx=True, data={
        "submitter_name": SPEAKER, "submitter_kind": "citizen", "locality": "xã Tân Sỏi",
        "field_id": data["fields"][0], "channel": "at_dialogue", "content": CONTENT})
    c.post(url + "/advance", htmx=True)
    return url


def test_minutes_pdf_round_trip(app, login, data):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("chair")
    url = _run_meeting(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    deadline = data["day"] + timedelta(days=20)
    c.post(f"{url}/petitions/{pid}/assign", htmx=True, data={
        f"p{pid}-agency_id": data["agency"], f"p{pid}-mode": "in_writing",
        f"p{pid}-deadline": vn(deadline)})
    c.post(url + "/advance", htmx=True)
    c.post(url + "/conclusion", htmx=True, data={"conclusion": CONCLUSION})
    c.post(url + "/close", htmx=True)

    response = c.get(f"/documents/sessions/{data['session']}/minutes.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    text = _text(response.data)
    for expected in ("ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "BIÊN BẢN", "/BB-UBND",
                     "Đối thoại tháng 12 về đất đai", SPEAKER, CONTENT, CONCLUSION,
                     "Sở Tài nguyên và Môi trường", vn(deadline), "Khai mạc",
                     "Thảo luận, đối thoại", "Nơi nhận:", "Lưu: VT, KTTH."):
        assert expected in text, expected
    # The minutes are dated the day the meeting really opened (today), not the scheduled day.
    from portal.timefmt import local_today

    day = local_today()
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    assert f"Bắc Giang, ngày {day.day:02d} tháng {month} năm {day.year}" in text


def test_minutes_of_a_meeting_not_yet_held(login, data):
    response = login("observer").get(f"/documents/sessions/{data['session']}/minutes.pdf")
    assert response.status_code == 200
    assert "Không có ý kiến, kiến nghị nào" in _text(response.data)


def test_minutes_unknown_session(login, data):
    assert login("office").get("/documents/sessions/424242/minutes.pdf").status_code == 404
