"""The plan prints as an A4 PDF in the form of the seed plan, rebuilt from the data each time."""
import io
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

TRICKY = "Doanh nghiệp <khu công nghiệp> & hợp tác xã"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFC", " ".join(text.split()))


@pytest.fixture
def seeded(app):
    """The demo data: the seed's 2024 plan with its four programs."""
    from sqlalchemy import select

    from portal.calendar.models import Plan
    from portal.demo import seed_demo
    from portal.extensions import db

    with app.app_context():
        seed_demo()
        return db.session.scalar(select(Plan.id).where(Plan.year == 2024))


def _demo_client(app, username):
    from support import Client

    c = Client(app.test_client())
    assert c.login(username, "demo12345").status_code == 303
    return c


def test_plan_pdf_round_trip(app, seeded):
    response = _demo_client(app, "theodoi").get(f"/plans/{seeded}/plan.pdf")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    box = reader.pages[0].mediabox
    assert abs(float(box.width) - 595.28) < 1 and abs(float(box.height) - 841.89) < 1
    assert len(reader.pages) >= 3
    text = _text(response.data)
    for expected in (
        "ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc", "Số: /KH-UBND", "KẾ HOẠCH",
        "Tiếp xúc, đối thoại với nhân dân của Phó Chủ tịch UBND tỉnh Phan Thế Tuấn năm 2024",
        "Thực hiện Quyết định số 1158-QĐ/TU ngày 09/7/2015 của Ban Thường vụ Tỉnh ủy",
        "Đồng chí Phó Chủ tịch UBND tỉnh Phan Thế Tuấn xây dựng Kế hoạch tiếp xúc, đối thoại "
        "với nhân dân năm 2024, cụ thể như sau:",
        "I. MỤC ĐÍCH, YÊU CẦU", "1. Mục đích", "2. Yêu cầu",
        "- Quá trình thực hiện tiếp xúc, đối thoại đảm bảo công khai, dân chủ, khách quan, đúng "
        "quy định.",
        "II. NỘI DUNG TRIỂN KHAI",
        "1. Đối thoại thông qua các chương trình đối thoại trực tiếp hoặc kết hợp với các phiên "
        "tiếp công dân định kỳ hằng tháng",
        "- Thời gian: Định kỳ vào ngày 15 hằng tháng.",
        "- Thời gian: Dự kiến vào tháng 6/2024 và tháng 11/2024.",
        "- Thời gian: Quý IV/2024.",
        "- Đối tượng: Đại diện các doanh nghiệp; Hiệp hội doanh nghiệp tỉnh",
        "- Nội dung: Đối thoại, lắng nghe, tiếp thu, giải quyết các ý kiến, kiến nghị",
        "4. Đối thoại với các hợp tác xã",
        "5. Trình tự thực hiện tiếp xúc, đối thoại", "5.1. Công tác chuẩn bị",
        "5.2. Các nội dung chính khi tiếp xúc, đối thoại", "5.3. Kết thúc tiếp xúc, đối thoại",
        "- Rà soát nội dung; xác định quy mô, đối tượng",
        "III. TỔ CHỨC THỰC HIỆN",
        "Trên đây là Kế hoạch tiếp xúc, đối thoại với nhân dân năm 2024 của đồng chí Phó Chủ "
        "tịch UBND tỉnh Phan Thế Tuấn./",
        "Nơi nhận:", "- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);",
        "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;", "+ LĐVP, TH, TCD, KTTH;", "+ Lưu: VT, KTTH.",
        "PHÓ CHỦ TỊCH",
    ):
        assert expected in text, expected
    assert text.rstrip().endswith("Phan Thế Tuấn") or "PHÓ CHỦ TỊCH Phan Thế Tuấn" in text
    # The sections come in the seed's order.
    order = ["KẾ HOẠCH", "I. MỤC ĐÍCH, YÊU CẦU", "II. NỘI DUNG TRIỂN KHAI",
             "5.1. Công tác chuẩn bị", "III. TỔ CHỨC THỰC HIỆN", "Nơi nhận:"]
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)


def test_plan_pdf_follows_the_data(app, seeded):
    from portal.calendar.models import Plan, Program, SessionKind, TimingRule
    from portal.extensions import db

    with app.app_context():
        plan = db.session.get(Plan, seeded)
        plan.leader_name = "Lê Ánh Dương"
        plan.leader_title = "Chủ tịch UBND tỉnh"
        plan.purpose = "- Ý thứ nhất của mục đích\n\n- Ý thứ hai của mục đích"
        plan.programs.append(Program(kind=SessionKind.BUSINESS, position=9, title=TRICKY,
                                     timing="Tháng 8.", participants="Hiệp hội doanh nghiệp.",
                                     content="Tháo gỡ khó khăn.", rule=TimingRule.UNDATED))
        db.session.commit()
    response = _demo_client(app, "vanphong").get(f"/plans/{seeded}/plan.pdf")
    text = _text(response.data)
    assert "Tiếp xúc, đối thoại với nhân dân của Chủ tịch UBND tỉnh Lê Ánh Dương năm 2024" in text
    assert "- Ý thứ nhất của mục đích" in text and "- Ý thứ hai của mục đích" in text
    assert f"5. {TRICKY}" in text  # printed literally, numbered after the others
    assert "6. Trình tự thực hiện tiếp xúc, đối thoại" in text and "6.1. Công tác chuẩn bị" in text
    assert "CHỦ TỊCH Lê Ánh Dương" in text and "PHÓ CHỦ TỊCH" not in text


def test_plan_document_date_line():
    from portal.plans.pdf import place_date, signer_title

    assert place_date("Bắc Giang", 2024, date(2024, 3, 5)) == "Bắc Giang, ngày 05 tháng 3 năm 2024"
    assert place_date("Bắc Giang", 2025, date(2024, 12, 20)) == \
        "Bắc Giang, ngày 20 tháng 12 năm 2024"
    # Printed long after: the day and month are left for the signer, as in the seed.
    late = place_date("Bắc Giang", 2024, date(2026, 1, 5))
    assert late.startswith("Bắc Giang, ngày") and late.endswith("năm 2024") and "05" not in late
    assert signer_title("Phó Chủ tịch UBND tỉnh") == "PHÓ CHỦ TỊCH"
    assert signer_title("Chủ tịch Ủy ban nhân dân tỉnh") == "CHỦ TỊCH"
