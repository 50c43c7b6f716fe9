"""The program and the script through the web: drafted from the preparation page's buttons,
edited, issued through the register (the program numbered CTr, the script unnumbered),
frozen, revised; issuing ticks the checklist; the issued program goes with the invitations;
the runner shows the stage's script lines to the secretary and the chair, never on the hall
screen; the office sets the program's minutes per stage."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from papers_helpers import BUILD, FLOOD, LAND, PHONE, PREVIOUS, build_record, pdf_text, \
    signer_data


@pytest.fixture
def record(app, data):
    return build_record(app, data)


def _draft(c, data, kind):
    return c.post(f"/documents/sessions/{data['session']}/draft/{kind}",
                  data={"client_key": f"key-{kind}"})


def _doc(app, data, doc_type):
    from portal.documents.models import Document
    from portal.extensions import db
    with app.app_context():
        doc = db.session.scalars(select(Document).where(
            Document.session_id == data["session"], Document.doc_type == doc_type)
            .order_by(Document.id.desc())).first()
        if doc is not None:
            db.session.expunge(doc)
        return doc


def _steps(app, data) -> dict[str, bool]:
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem
    with app.app_context():
        return {item.title.split()[2]: item.done_at is not None for item in db.session.scalars(
            select(ChecklistItem).where(ChecklistItem.session_id == data["session"]))}


def test_preparation_page_offers_the_two_buttons_to_the_office(app, login, data, record):
    page = login("office").get(f"/preparation/sessions/{data['session']}").get_data(as_text=True)
    assert "Soạn chương trình" in page and "Soạn kịch bản" in page
    officer = login("officer").get(f"/preparation/sessions/{data['session']}")
    assert "Soạn chương trình" not in officer.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("office", 303), ("chair", 403), ("officer", 403),
                                          ("observer", 403), ("admin", 403)])
def test_only_the_office_drafts(app, login, data, record, role, status):
    for kind in ("program", "script"):
        assert _draft(login(role), data, kind).status_code == status


def test_program_is_drafted_issued_numbered_frozen_and_ticks_its_step(app, login, data, record):
    from portal.documents.models import DocumentStatus, DocumentType

    c = login("office")
    response = _draft(c, data, "program")
    assert response.status_code == 303 and "/edit" in response.headers["Location"]
    doc = _doc(app, data, DocumentType.CTR)
    assert doc.status == DocumentStatus.DRAFT and doc.summary.startswith("Buổi đối thoại")
    texts = [b["text"] for b in doc.blocks]
    assert any(t.startswith("08 giờ 00 – 08 giờ 10: 1. Khai mạc") for t in texts)
    assert "Sở Xây dựng." in texts
    assert _draft(c, data, "program").status_code == 303  # the same key: one draft
    draft_pdf = pdf_text(c.get(f"/documents/{doc.id}.pdf").data)
    assert "CHƯƠNG TRÌNH" in draft_pdf and "DỰ THẢO" in draft_pdf
    assert _steps(app, data) == {"chương": False, "kịch": False}

    response = c.post(f"/documents/{doc.id}/issue", data=signer_data(app))
    assert response.status_code == 303
    issued = _doc(app, data, DocumentType.CTR)
    assert issued.status == DocumentStatus.ISSUED and issued.number == 1
    assert issued.number_text == "Số: 01/CTr-UBND"
    assert _steps(app, data) == {"chương": True, "kịch": False}
    text = pdf_text(c.get(f"/documents/{doc.id}.pdf").data)
    assert "Số: 01/CTr-UBND" in text and "Khai mạc" in text and "Kết luận" in text
    # frozen: no edit; a change is a new version
    assert c.post(f"/documents/{doc.id}/edit", data={}).status_code == 409
    assert c.post(f"/documents/{doc.id}/revise", data={"client_key": "rev"}).status_code == 303
    new = _doc(app, data, DocumentType.CTR)
    assert new.supersedes_id == doc.id and new.status == DocumentStatus.DRAFT
    assert new.blocks[0]["text"].startswith("Chương trình này thay thế chương trình số 01/CTr")


def test_the_issued_program_goes_with_the_invitations(app, login, data, record):
    from portal.documents.models import DocumentType

    c = login("office")
    before = pdf_text(c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf").data)
    assert "CHƯƠNG TRÌNH" not in before
    _draft(c, data, "program")
    doc = _doc(app, data, DocumentType.CTR)
    assert "CHƯƠNG TRÌNH" not in pdf_text(
        c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf").data)  # a draft: not sent
    c.post(f"/documents/{doc.id}/issue", data=signer_data(app))
    after = pdf_text(c.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf").data)
    assert "GIẤY MỜI" in after and "CHƯƠNG TRÌNH" in after and "Số: 01/CTr-UBND" in after


def test_script_is_issued_without_a_number_and_ticks_its_step(app, login, data, record):
    from portal.documents.models import DocumentCounter, DocumentStatus, DocumentType
    from portal.extensions import db

    c = login("office")
    assert _draft(c, data, "script").status_code == 303
    doc = _doc(app, data, DocumentType.KB)
    headings = [b["text"] for b in doc.blocks if b["kind"] == "heading"]
    assert headings == ["I. KHAI MẠC", "II. CHỦ TRÌ THÔNG BÁO", "III. THẢO LUẬN, ĐỐI THOẠI",
                        "IV. PHÂN CÔNG TRẢ LỜI", "V. KẾT LUẬN"]
    body = "\n".join(b["text"] for b in doc.blocks)
    for text in (LAND.split(",")[0], FLOOD, BUILD, PREVIOUS, "Lê Văn Thay"):
        assert text in body
    assert PHONE not in body
    response = c.post(f"/documents/{doc.id}/issue", data=signer_data(app))
    assert response.status_code == 303
    issued = _doc(app, data, DocumentType.KB)
    assert issued.status == DocumentStatus.ISSUED and issued.number is None
    assert issued.issued_on is not None and issued.pdf_sha256
    with app.app_context():  # no register row taken: the script is not numbered
        assert db.session.scalar(select(DocumentCounter).where(
            DocumentCounter.doc_type == DocumentType.KB)) is None
    assert _steps(app, data)["kịch"] is True
    page = c.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Không đánh số" in page
    text = pdf_text(c.get(f"/documents/{doc.id}.pdf").data)
    assert "KỊCH BẢN" in text and "Số:" not in text and FLOOD in text
    assert c.post(f"/documents/{doc.id}/revise", data={"client_key": "r"}).status_code == 303
    assert _doc(app, data, DocumentType.KB).blocks[0]["text"].startswith(
        "Kịch bản này thay thế kịch bản ngày ")


def test_pdf_renderers_for_the_dossier(app, data, record):
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.papers.program import render_program_pdf
    from portal.papers.script import render_script_pdf

    with app.test_request_context():
        meeting = db.session.get(DialogueSession, data["session"])
        program = pdf_text(render_program_pdf(meeting, app.config))
        assert "CHƯƠNG TRÌNH" in program and "Sở Tài nguyên và Môi trường" in program
        chair = db.session.get(User, data["users"]["chair"])
        observer = db.session.get(User, data["users"]["observer"])
        assert "Nguyễn Thị Hằng" in pdf_text(render_script_pdf(meeting, app.config, chair))
        masked = pdf_text(render_script_pdf(meeting, app.config, observer))
        assert "Nguyễn Thị Hằng" not in masked and "Nguyễn T. H." in masked


def _run_to(app, data, stage):
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.stage = stage
        meeting.status = SessionStatus.IN_PROGRESS
        db.session.commit()


def test_runner_shows_the_stage_lines_not_the_hall(app, login, data, record):
    from portal.documents.models import DocumentType

    c = login("office")
    _draft(c, data, "script")
    doc = _doc(app, data, DocumentType.KB)
    c.post(f"/documents/{doc.id}/edit", data={
        "version": str(doc.version), "summary": doc.summary,
        **{f"blocks-{i}-{k}": v for i, b in enumerate(doc.blocks) for k, v in
           (("kind", b["kind"]), ("text", b["text"] + (" (đã sửa)" if i == 1 else "")))},
        "recipients": doc.recipients, "signer_authority": "", "signer_title": "X",
        "signer_name": ""})
    _run_to(app, data, "discussion")
    for url in (f"/runner/{data['session']}", f"/runner/{data['session']}/chair"):
        for role in ("office", "chair"):
            page = login(role).get(url).get_data(as_text=True)
            assert "Kịch bản" in page and FLOOD in page and BUILD in page
            assert "Lời dẫn theo kịch bản" in page
            assert PREVIOUS not in page  # the briefing's lines are not the stage on now
    observer = login("observer").get(f"/runner/{data['session']}").get_data(as_text=True)
    assert FLOOD in observer and "Nguyễn T. H." in observer and "Nguyễn Thị Hằng" not in observer
    screen = login("office").get(f"/runner/{data['session']}/screen").get_data(as_text=True)
    assert FLOOD not in screen and "Lời dẫn theo kịch bản" not in screen
    _run_to(app, data, "opening")
    page = login("office").get(f"/runner/{data['session']}").get_data(as_text=True)
    assert "(đã sửa)" in page  # the edited script in the register, not a fresh draft


def test_durations_settings(app, login, data, record):
    c = login("office")
    page = c.get("/papers/settings")
    assert page.status_code == 200 and "Thời lượng các bước" in page.get_data(as_text=True)
    assert login("officer").get("/papers/settings").status_code == 403
    assert login("chair").get("/papers/settings").status_code == 403
    from portal.calendar.models import SessionKind
    from portal.papers.program import DEFAULT_MINUTES
    from portal.runner.stages import STAGES
    form = {f"{k.value}__{s}": str(DEFAULT_MINUTES[k][i]) for k in SessionKind
            for i, s in enumerate(STAGES)}
    bad = c.post("/papers/settings", htmx=True,
                 data={**form, "citizen_reception__opening": "0", "client_key": "a"})
    assert bad.status_code == 422 and "Từ 1 đến 600 phút." in bad.get_data(as_text=True)
    ok = c.post("/papers/settings", data={**form, "citizen_reception__opening": "30",
                                          "client_key": "b"})
    assert ok.status_code == 303
    _draft(c, data, "program")
    from portal.documents.models import DocumentType
    texts = [b["text"] for b in _doc(app, data, DocumentType.CTR).blocks]
    assert any(t.startswith("08 giờ 00 – 08 giờ 30: 1. Khai mạc") for t in texts)
    assert any(t.startswith("08 giờ 30 – 08 giờ 40: 2. Chủ trì thông báo") for t in texts)


@pytest.mark.parametrize("role", ["officer", "other_officer"])
def test_an_officer_reads_neither_paper(app, login, data, record, role):
    from portal.documents.models import DocumentType

    office = login("office")
    _draft(office, data, "program")
    _draft(office, data, "script")
    program, script = _doc(app, data, DocumentType.CTR), _doc(app, data, DocumentType.KB)
    c = login(role)
    for doc in (program, script):
        assert c.get(f"/documents/{doc.id}").status_code == 403
        assert c.get(f"/documents/{doc.id}.pdf").status_code == 403  # a draft
    office.post(f"/documents/{program.id}/issue", data=signer_data(app))
    assert c.get(f"/documents/{program.id}.pdf").status_code == 404  # not their notice
    # ... but the issued program comes with their own agency's invitation
    from portal.extensions import db
    from portal.preparation.models import Invitee
    with app.app_context():
        mine = db.session.scalar(select(Invitee.id).where(
            Invitee.session_id == data["session"],
            Invitee.agency_id == data["agency" if role == "officer" else "other_agency"]))
        theirs = db.session.scalar(select(Invitee.id).where(
            Invitee.session_id == data["session"],
            Invitee.agency_id == data["other_agency" if role == "officer" else "agency"]))
    own = c.get(f"/preparation/invitees/{mine}/giay-moi.pdf")
    assert own.status_code == 200 and "CHƯƠNG TRÌNH" in pdf_text(own.data)
    assert c.get(f"/preparation/invitees/{theirs}/giay-moi.pdf").status_code == 404


def test_no_new_draft_once_held_and_no_second_once_issued(app, login, data, record):
    from portal.calendar.models import DialogueSession
    from portal.documents.models import DocumentType
    from portal.extensions import db
    from portal.types import utcnow

    c = login("office")
    _draft(c, data, "program")
    doc = _doc(app, data, DocumentType.CTR)
    again = c.post(f"/documents/sessions/{data['session']}/draft/program",
                   data={"client_key": "second"})
    assert again.status_code == 303 and f"/documents/{doc.id}/edit" in again.headers["Location"]
    c.post(f"/documents/{doc.id}/issue", data=signer_data(app))
    refused = c.post(f"/documents/sessions/{data['session']}/draft/program",
                     data={"client_key": "third"})
    assert refused.status_code == 409
    with app.app_context():
        db.session.get(DialogueSession, data["session"]).closed_at = utcnow()
        db.session.commit()
    held = c.post(f"/documents/sessions/{data['session']}/draft/script",
                  data={"client_key": "fourth"})
    assert held.status_code == 409
    assert "không soạn kịch bản mới" in held.get_data(as_text=True)


def test_saving_durations_is_audited(app, login, data):
    from portal.audit.models import AuditEvent
    from portal.calendar.models import SessionKind
    from portal.extensions import db
    from portal.papers.program import DEFAULT_MINUTES
    from portal.runner.stages import STAGES

    form = {f"{k.value}__{s}": str(DEFAULT_MINUTES[k][i]) for k in SessionKind
            for i, s in enumerate(STAGES)}
    response = login("office").post("/papers/settings", htmx=True, data={
        **form, "business__discussion": "120", "client_key": "audit"})
    assert response.status_code == 200 and "Đã lưu thời lượng các bước." in \
        response.get_data(as_text=True)
    assert "<html" not in response.get_data(as_text=True)  # the fragment
    with app.app_context():
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.entity == "StageDuration"))
        assert event.action == "create"
        assert (event.after["kind"], event.after["stage"], event.after["minutes"]) == \
            ("business", "discussion", 120)
        assert event.user_id == data["users"]["office"]


def test_the_session_documents_page_drafts_them_too(app, login, data, record):
    page = login("office").get(f"/documents/sessions/{data['session']}").get_data(as_text=True)
    assert "Soạn chương trình" in page and "Soạn kịch bản" in page
    chair = login("chair").get(f"/documents/sessions/{data['session']}").get_data(as_text=True)
    assert "Soạn kịch bản" not in chair


def test_an_issued_script_sits_with_the_issued_documents_of_the_register(app, login, data,
                                                                          record):
    from portal.documents.models import DocumentType

    c = login("office")
    _draft(c, data, "script")
    script = _doc(app, data, DocumentType.KB)
    c.post(f"/documents/{script.id}/issue", data=signer_data(app))
    _draft(c, data, "program")  # a draft: listed first
    program = _doc(app, data, DocumentType.CTR)
    page = c.get("/documents/").get_data(as_text=True)
    assert page.index(f"/documents/{program.id}\"") < page.index(f"/documents/{script.id}\"")
    at = page.index(f"/documents/{script.id}\"")
    row = page[at - 400:at]
    assert "Không đánh số" in row and "Chưa cấp số" not in row
