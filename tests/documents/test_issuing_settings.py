"""The issuing settings page: the body, its code and the place from a date, and the signing
positions; what a document issued on a day prints."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from documents_helpers import pdf_text, signer_data


def _letter(app, login) -> int:
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    c = login("office")
    assert c.post("/documents/letters", data={"summary": "Đôn đốc báo cáo",
                                              "unit": "TH"}).status_code == 303
    with app.app_context():
        return db.session.scalar(select(Document.id).where(Document.doc_type == DocumentType.CV)
                                 .order_by(Document.id.desc()).limit(1))


def test_settings_page_for_office_and_admin_only(app, login, data):
    assert login("office").get("/documents/settings").status_code == 200
    page = login("admin").get("/documents/settings")
    assert page.status_code == 200 and "TỈNH BẮC GIANG" in page.get_data(as_text=True)
    for role in ("chair", "officer", "observer"):
        assert login(role).get("/documents/settings").status_code == 403


def test_new_issuing_settings_apply_from_their_date(app, login, data):
    from portal.documents.models import Document, IssuingProfile
    from portal.extensions import db
    from portal.timefmt import local_today

    today = local_today()
    c = login("admin")
    response = c.post("/documents/settings/profiles", data={
        "body_parent": "", "body": "TỈNH BẮC NINH", "body_code": "ub nd",
        "place": "Bắc Ninh", "effective_from": today.strftime("%d/%m/%Y")})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Ký hiệu cơ quan chỉ gồm chữ không dấu" in body and "TỈNH BẮC NINH" in body
    assert c.post("/documents/settings/profiles", data={
        "body_parent": "ỦY BAN NHÂN DÂN", "body": "TỈNH BẮC NINH", "body_code": "UBND",
        "place": "Bắc Ninh", "effective_from": today.strftime("%d/%m/%Y")}).status_code == 303
    again = c.post("/documents/settings/profiles", data={
        "body": "X", "body_code": "X", "place": "X",
        "effective_from": today.strftime("%d/%m/%Y")})
    assert again.status_code == 422 and "Đã có thiết lập áp dụng từ ngày" in \
        again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(IssuingProfile.body)) == "TỈNH BẮC NINH"

    doc_id = _letter(app, login)
    office = login("office")
    assert office.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    text = pdf_text(office.get(f"/documents/{doc_id}.pdf").data)
    assert "TỈNH BẮC NINH" in text and "Bắc Ninh, ngày" in text and "Số: 01/UBND-TH" in text
    with app.app_context():
        assert db.session.get(Document, doc_id).body_name == "TỈNH BẮC NINH"


def test_signing_positions_added_and_deactivated(app, login, data):
    from portal.documents.models import SigningPosition
    from portal.extensions import db
    from portal.timefmt import local_today

    c = login("office")
    missing = c.post("/documents/settings/positions", data={
        "authority": "KT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH", "name": "",
        "effective_from": local_today().strftime("%d/%m/%Y")})
    assert missing.status_code == 422
    assert "Vui lòng nhập họ và tên người ký." in missing.get_data(as_text=True)
    assert c.post("/documents/settings/positions", data={
        "authority": "TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "title": "PHÓ CHỦ TỊCH",
        "name": "Phan  Thế Tuấn", "effective_from": (local_today() - timedelta(days=1))
        .strftime("%d/%m/%Y")}).status_code == 303
    with app.app_context():
        position = db.session.scalar(select(SigningPosition))
        assert (position.name, position.authority_lines) == (
            "Phan Thế Tuấn", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"])
        pid, version = position.id, position.version
    doc_id = _letter(app, login)
    page = c.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "PHÓ CHỦ TỊCH — Phan Thế Tuấn" in page
    assert c.post(f"/documents/settings/positions/{pid}/active",
                  data={"active": "0", "version": str(version)}).status_code == 303
    stale = c.post(f"/documents/settings/positions/{pid}/active",
                   data={"active": "1", "version": str(version)})
    assert stale.status_code == 409
    assert "PHÓ CHỦ TỊCH — Phan Thế Tuấn" not in c.get(f"/documents/{doc_id}").get_data(
        as_text=True)
    refused = c.post(f"/documents/{doc_id}/issue", data={"signer": str(pid)})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.get(SigningPosition, pid).active is False


def test_a_letter_needs_a_summary_and_a_unit(app, login, data):
    c = login("office")
    assert "Soạn công văn" in c.get("/documents/").get_data(as_text=True)
    response = c.post("/documents/letters", data={"summary": "Về việc x", "unit": "K-T"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "chỉ gồm chữ không dấu và chữ số" in body and "Về việc x" in body
    assert login("observer").post("/documents/letters",
                                  data={"summary": "x", "unit": "TH"}).status_code == 403
