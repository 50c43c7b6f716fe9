"""Issue #10: every type goes through the register, is frozen on issue and downloads byte
for byte as issued; the rules of issuing (date order, the meeting, today, a signer)."""
from __future__ import annotations

import hashlib
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from documents_helpers import close_meeting, pdf_text, signer, signer_data

TYPES = ["TB", "BB", "GM", "KH", "BC", "CV"]


def _draft_of(app, login, data, kind: str) -> int:
    """A draft of `kind`, made through its drafting route; its id."""
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db
    from portal.timefmt import local_today

    c = login("office")
    session = data["session"]
    if kind in ("TB", "BB"):
        close_meeting(app, data)
        word = {"TB": "conclusion", "BB": "minutes"}[kind]
        assert c.post(f"/documents/sessions/{session}/draft/{word}").status_code == 303
    elif kind == "GM":
        from portal.preparation.models import Invitee, InviteeKind
        with app.app_context():
            db.session.add_all([
                Invitee(session_id=session, kind=InviteeKind.CITIZEN, name="Nguyễn Văn An",
                        position="Trưởng thôn", organisation="thôn Đồng Tâm"),
                Invitee(session_id=session, kind=InviteeKind.AGENCY, agency_id=data["agency"],
                        name="Sở Tài nguyên và Môi trường")])
            db.session.commit()
        assert c.post(f"/documents/sessions/{session}/draft/invitation").status_code == 303
    elif kind == "KH":
        from portal.calendar.models import Plan
        with app.app_context():
            plan = Plan(year=local_today().year, leader_name="Phan Thế Tuấn",
                        leader_title="Phó Chủ tịch UBND tỉnh",
                        title="Kế hoạch tiếp xúc, đối thoại", purpose="- Lắng nghe nhân dân.")
            db.session.add(plan)
            db.session.commit()
            plan_id = plan.id
        assert c.post(f"/documents/plans/{plan_id}/draft").status_code == 303
    elif kind == "BC":
        today = local_today()
        assert c.post("/documents/reports/draft", data={
            "start": f"01/01/{today.year}", "end": today.strftime("%d/%m/%Y")}).status_code == 303
    else:
        assert c.post("/documents/letters", data={"summary": "Đôn đốc trả lời kiến nghị",
                                                  "unit": "KTTH"}).status_code == 303
    with app.app_context():
        doc_id = db.session.scalar(select(Document.id).where(
            Document.doc_type == DocumentType(kind)).order_by(Document.id.desc()).limit(1))
    assert doc_id is not None
    return doc_id


@pytest.mark.parametrize("kind", TYPES)
def test_every_type_is_numbered_frozen_and_downloads_as_issued(app, login, data, kind,
                                                                monkeypatch):
    from portal.documents import layout
    from portal.documents.models import Document, DocumentFile, IssuingProfile
    from portal.extensions import db
    from portal.timefmt import local_today

    doc_id = _draft_of(app, login, data, kind)
    c = login("office")
    response = c.post(f"/documents/{doc_id}/issue", data=signer_data(app))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    issued = c.get(f"/documents/{doc_id}.pdf")
    assert issued.status_code == 200
    first = issued.data
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert doc.number == 1 and doc.issued_on == local_today()
        assert doc.body_name == "TỈNH BẮC GIANG" and doc.place == "Bắc Giang"
        stored = db.session.get(DocumentFile, doc_id)
        assert stored.sha256 == doc.pdf_sha256 == hashlib.sha256(first).hexdigest()
        symbol = "BB" if kind == "BB" else kind
    text = pdf_text(first)
    if kind == "CV":
        assert "Số: 01/UBND-KTTH" in text
    else:
        assert f"Số: 01/{symbol}-UBND" in text
    assert "Bắc Giang, ngày" in text
    if kind != "BB":
        assert "Nguyễn Văn Ký" in text  # the chosen signer, copied at issue
    else:  # a biên bản is signed by two: the secretary beside the chair (Decree 30)
        assert "THƯ KÝ" in text and "CHỦ TỌA" in text

    # The configuration changes (the 2025 merger), new settings apply from long ago,
    # and the layout code changes: the issued document does not.
    monkeypatch.setitem(app.config, "ISSUING_BODY", "TỈNH BẮC NINH")
    monkeypatch.setitem(app.config, "DOCUMENT_PLACE", "Bắc Ninh")
    monkeypatch.setitem(app.config, "ISSUING_BODY_PARENT", "ỦY BAN NHÂN DÂN KHÁC")
    monkeypatch.setitem(app.config, "DOCUMENT_BODY_CODE", "XYZ")
    with app.app_context():
        db.session.add(IssuingProfile(effective_from=date(2000, 1, 1), body_parent="",
                                      body="TỈNH BẮC NINH", body_code="BN", place="Bắc Ninh"))
        db.session.commit()
    monkeypatch.setattr(layout, "MARGIN_LEFT", layout.MARGIN_LEFT + 20)
    monkeypatch.setattr(layout, "NATIONAL_MOTTO", "Độc lập – Tự do – Hạnh phúc (mới)")
    monkeypatch.setattr(layout, "SIZE_TEXT", 12)
    again = c.get(f"/documents/{doc_id}.pdf")
    assert again.data == first
    # The patches are effective: the same document rendered now would differ.
    with app.app_context():
        from portal.documents import services
        doc = db.session.get(Document, doc_id)
        fresh = layout.render_pdf(services.admin_document(doc, app.config),
                                  app.config["PDF_FONT_DIRS"])
    assert fresh != first


def test_plan_and_invitations_pdfs_are_the_issued_ones(app, login, data):
    """The plan's and the invitations' own PDF links serve the issued document."""
    from portal.documents.models import Document
    from portal.extensions import db

    plan_doc = _draft_of(app, login, data, "KH")
    c = login("office")
    assert c.post(f"/documents/{plan_doc}/issue", data=signer_data(app)).status_code == 303
    with app.app_context():
        plan_id = db.session.get(Document, plan_doc).plan_id
    issued = c.get(f"/documents/{plan_doc}.pdf").data
    assert c.get(f"/plans/{plan_id}/plan.pdf").data == issued
    assert "Số: 01/KH-UBND" in pdf_text(issued)

    gm = _draft_of(app, login, data, "GM")
    assert c.post(f"/documents/{gm}/issue", data=signer_data(app)).status_code == 303
    text = pdf_text(c.get(f"/documents/{gm}.pdf").data)
    assert "Ông/Bà Nguyễn Văn An, Trưởng thôn, thôn Đồng Tâm" in text
    assert "Đại diện lãnh đạo Sở Tài nguyên và Môi trường" in text
    assert c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf").data == \
        c.get(f"/documents/{gm}.pdf").data


def test_issuing_without_a_signer_is_refused(app, login, data):
    from portal.documents.models import Document, DocumentStatus
    from portal.extensions import db

    doc_id = _draft_of(app, login, data, "TB")
    c = login("office")
    response = c.post(f"/documents/{doc_id}/issue", data={"issued_on": ""})
    assert response.status_code == 422
    assert "Vui lòng chọn người ký trong danh sách chức danh ký." in response.get_data(
        as_text=True)
    with app.app_context():
        position = signer(name="Lê Văn Cũ")
        position.active = False
        db.session.commit()
        old = position.id
    response = c.post(f"/documents/{doc_id}/issue", data={"signer": str(old)})
    assert response.status_code == 422
    assert "không còn hiệu lực" in response.get_data(as_text=True)
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert doc.status == DocumentStatus.DRAFT and doc.number is None


def test_issue_date_before_the_meeting_is_refused_at_the_field(app, login, data):
    from portal.timefmt import local_today

    doc_id = _draft_of(app, login, data, "TB")  # the meeting closed today
    yesterday = local_today() - timedelta(days=1)
    if yesterday.year != local_today().year:
        pytest.skip("1 January: yesterday is refused as another year")
    response = login("office").post(f"/documents/{doc_id}/issue", data=signer_data(
        app, issued_on=yesterday.strftime("%d/%m/%Y")))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Ngày ban hành không được trước ngày tổ chức buổi đối thoại" in body
    assert 'id="issued_on-error"' in body


def test_issue_dates_out_of_register_order_are_refused(app, data):
    """A number's date is not before the last issued one of its register."""
    from portal.documents import services
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    today = date(2024, 3, 10)
    with app.app_context():
        first, second, other = (Document(doc_type=DocumentType(t), summary="V/v x",
                                         blocks=[{"kind": "paragraph", "text": "x"}])
                                for t in ("CV", "CV", "KH"))
        db.session.add_all([first, second, other])
        db.session.flush()
        services.issue(first, position=signer(), user_id=None, today=today,
                       on=date(2024, 3, 5))
        savepoint = db.session.begin_nested()  # as the route rolls back a refusal
        with pytest.raises(services.DocumentError) as refused:
            services.issue(second, position=signer(), user_id=None, today=today,
                           on=date(2024, 3, 4))
        savepoint.rollback()
        assert refused.value.field == "issued_on"
        assert "05/3/2024" in str(refused.value.params.get("day"))
        # Another register (KH) is not concerned; the same day is fine.
        services.issue(other, position=signer(), user_id=None, today=today,
                       on=date(2024, 3, 1))
        services.issue(second, position=signer(), user_id=None, today=today,
                       on=date(2024, 3, 5))
        assert (first.number, second.number, other.number) == (1, 2, 1)
        with pytest.raises(services.DocumentError):
            third = Document(doc_type=DocumentType.CV, summary="V/v y",
                             blocks=[{"kind": "paragraph", "text": "y"}])
            db.session.add(third)
            db.session.flush()
            services.issue(third, position=signer(), user_id=None, today=today,
                           on=date(2024, 3, 11))  # after today
        db.session.rollback()


@pytest.mark.real_commit
@pytest.mark.parametrize("kind", TYPES)
def test_every_register_is_gap_free_under_concurrent_issuing(app, data, db_name, kind):
    """Six documents of one type issued from three threads at once: numbers 1..6."""
    import threading

    from portal.documents import services
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    if db_name != "postgresql":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    with app.app_context():
        position_id = signer().id
        docs = [Document(doc_type=DocumentType(kind), summary=f"Văn bản {i}",
                         blocks=[{"kind": "paragraph", "text": "x"}],
                         signer_title="CHỦ TỌA", signer_name="Phan Thế Tuấn")
                for i in range(6)]
        db.session.add_all(docs)
        db.session.commit()
        ids = [d.id for d in docs]
    barrier = threading.Barrier(3)
    errors: list[BaseException] = []

    def work(chunk):
        try:
            with app.app_context():
                from portal.documents.models import SigningPosition
                barrier.wait(timeout=30)
                for doc_id in chunk:
                    doc = db.session.get(Document, doc_id)
                    services.issue(doc, position=db.session.get(SigningPosition, position_id),
                                   user_id=None, today=date(2024, 3, 5))
                    db.session.commit()
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(ids[i::3],)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.app_context():
        numbers = db.session.scalars(select(Document.number).where(Document.id.in_(ids))).all()
        assert sorted(numbers) == [1, 2, 3, 4, 5, 6]


def test_a_new_version_of_the_plan_keeps_its_plan_and_is_numbered_next(app, login, data):
    from portal.documents.models import Document
    from portal.extensions import db

    first = _draft_of(app, login, data, "KH")
    c = login("office")
    assert c.post(f"/documents/{first}/issue", data=signer_data(app)).status_code == 303
    assert c.post(f"/documents/{first}/revise").status_code == 303
    with app.app_context():
        new = db.session.scalar(select(Document).where(Document.supersedes_id == first))
        new_id, plan_id = new.id, new.plan_id
        assert plan_id == db.session.get(Document, first).plan_id is not None
    assert c.post(f"/documents/{new_id}/issue", data=signer_data(app)).status_code == 303
    text = pdf_text(c.get(f"/plans/{plan_id}/plan.pdf").data)
    assert "Số: 02/KH-UBND" in text and "thay thế kế hoạch số 01/KH-UBND" in text
