"""Editing, issuing and revising documents through the pages; who may do what."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from documents_helpers import CONCLUSION, close_meeting
from documents_helpers import signer_data


@pytest.fixture
def notice(app, login, data):
    """A drafted conclusion notice of the closed meeting; returns its id."""
    from portal.documents.models import Document
    from portal.extensions import db

    close_meeting(app, data)
    response = login("office").post(f"/documents/sessions/{data['session']}/draft/conclusion")
    assert response.status_code == 303
    with app.app_context():
        return db.session.scalar(select(Document.id))


def _doc(app, doc_id):
    from portal.documents.models import Document
    from portal.extensions import db

    with app.app_context():
        doc = db.session.get(Document, doc_id)
        db.session.expunge(doc)
        return doc


def _form(doc, **changes) -> dict:
    """The edit form's fields for `doc`, with `changes`; `blocks` as a list of (kind, text)."""
    blocks = changes.pop("blocks", [(b["kind"], b["text"]) for b in doc.blocks])
    form = {"version": str(doc.version), "summary": doc.summary, "recipients": doc.recipients,
            "signer_authority": doc.signer_authority, "signer_title": doc.signer_title,
            "signer_name": doc.signer_name, "op": "save"}
    form.update(changes)
    for i, (kind, text) in enumerate(blocks):
        form[f"blocks-{i}-kind"] = kind
        form[f"blocks-{i}-text"] = text
    return form


# --------------------------------------------------------------------------- editing


def test_edit_saves_summary_blocks_recipients_signer(app, login, notice):
    c = login("office")
    page = c.get(f"/documents/{notice}/edit")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Trích yếu" in html and "Đoạn 1 — nội dung" in html and CONCLUSION in html
    doc = _doc(app, notice)
    response = c.post(f"/documents/{notice}/edit", data=_form(
        doc, summary="Kết luận đã sửa", blocks=[("heading", "I. MỤC MỚI"),
                                               ("paragraph", "Nội dung <b>mới</b> & khác")],
        recipients="- Sở Xây dựng;\n\n- Lưu: VT, KTTH.", signer_name="Nguyễn Văn Ký"))
    assert response.status_code == 303
    saved = _doc(app, notice)
    assert saved.summary == "Kết luận đã sửa"
    assert saved.blocks == [{"kind": "heading", "text": "I. MỤC MỚI"},
                            {"kind": "paragraph", "text": "Nội dung <b>mới</b> & khác"}]
    assert saved.recipients == "- Sở Xây dựng;\n- Lưu: VT, KTTH."
    assert saved.signer_name == "Nguyễn Văn Ký" and saved.version == doc.version + 1
    detail = c.get(f"/documents/{notice}").get_data(as_text=True)
    assert "Nội dung &lt;b&gt;mới&lt;/b&gt; &amp; khác" in detail  # escaped, never raw


def test_block_operations_rearrange_without_saving(app, login, notice):
    c = login("office")
    doc = _doc(app, notice)
    blocks = [("paragraph", "Một"), ("bullet", "Hai"), ("heading", "Ba")]

    def texts(response):
        html = response.get_data(as_text=True)
        return re.findall(r'<textarea[^>]*name="blocks-\d+-text"[^>]*>\s*([^<]*)</textarea>', html)

    def op(name):
        return c.post(f"/documents/{notice}/edit", data=_form(doc, blocks=blocks, op=name))

    moved = c.post(f"/documents/{notice}/edit", htmx=True,
                   data=_form(doc, blocks=blocks, op="down-0"))
    assert moved.status_code == 200
    assert texts(moved) == ["Hai", "Một", "Ba"]
    assert "<html" not in moved.get_data(as_text=True)  # the editor fragment only
    assert texts(op("up-2")) == ["Một", "Ba", "Hai"]
    assert texts(op("remove-1")) == ["Một", "Ba"]
    assert texts(op("add-0")) == ["Một", "", "Hai", "Ba"]
    assert texts(op("add--1")) == ["", "Một", "Hai", "Ba"]
    assert op("remove-9").status_code == 400
    assert op("up-0").status_code == 400
    assert _doc(app, notice).blocks == doc.blocks  # nothing saved by rearranging


@pytest.mark.parametrize("changes, message", [
    (dict(summary="  "), "Vui lòng nhập trích yếu của văn bản."),
    (dict(summary="x" * 501), "Không được dài quá 500 ký tự."),
    (dict(blocks=[]), "Văn bản cần có ít nhất một đoạn nội dung."),
    (dict(blocks=[("paragraph", "Có"), ("paragraph", " ")]),
     "Vui lòng nhập nội dung của đoạn hoặc xóa đoạn này."),
    (dict(blocks=[("table", "Có")]), "Loại đoạn không hợp lệ."),
    (dict(recipients=""), "Vui lòng nhập nơi nhận."),
    (dict(signer_title=""), "Vui lòng nhập chức vụ người ký."),
    (dict(version="abc"), "Phiên bản không hợp lệ."),
])
def test_bad_input_is_422_with_the_message_and_nothing_saved(app, login, notice, changes,
                                                              message):
    c = login("office")
    doc = _doc(app, notice)
    typed = "Đoạn người dùng vừa gõ, phải còn nguyên"
    form = _form(doc, **changes)
    if "blocks" not in changes:
        form["blocks-0-text"] = typed
    response = c.post(f"/documents/{notice}/edit", htmx=True, data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    if "blocks" not in changes:
        assert typed in html
    after = _doc(app, notice)
    assert (after.version, after.summary, after.blocks) == (doc.version, doc.summary, doc.blocks)


def test_stale_save_is_409_with_current_values_and_typed_text_kept(app, login, notice):
    office = login("office")
    other = login("office")
    doc = _doc(app, notice)
    first = other.post(f"/documents/{notice}/edit", data=_form(doc, summary="Bản của người kia"))
    assert first.status_code == 303
    mine = _form(doc, summary="Bản của tôi")
    response = office.post(f"/documents/{notice}/edit", htmx=True, data=mine)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Nội dung vừa được người khác thay đổi" in html
    diff = html[html.index('class="stale-diff"'):html.index("</table>")]
    assert "Trích yếu" in diff and "Bản của người kia" in diff and "Bản của tôi" in diff
    assert "Bản hiện tại (do người khác vừa lưu)" in html  # the whole current text
    assert "Bản của tôi</textarea>" in html  # the typed text, still in the form
    assert f'name="version" type="hidden" value="{doc.version + 1}"' in html
    assert _doc(app, notice).summary == "Bản của người kia"
    # Having seen it, saving again (now on the current version) wins.
    mine["version"] = str(doc.version + 1)
    assert office.post(f"/documents/{notice}/edit", data=mine).status_code == 303
    assert _doc(app, notice).summary == "Bản của tôi"


# --------------------------------------------------------------------------- issuing


def test_issue_numbers_and_freezes(app, login, data, notice):
    from portal.documents.models import DocumentStatus
    from portal.timefmt import local_today

    c = login("office")
    response = c.post(f"/documents/{notice}/issue", data=signer_data(app, issued_on=""))
    assert response.status_code == 303
    doc = _doc(app, notice)
    assert doc.status == DocumentStatus.ISSUED and doc.number_text == "Số: 01/TB-UBND"
    assert doc.issued_on == local_today() and doc.issued_by_id == data["users"]["office"]
    page = c.get(f"/documents/{notice}").get_data(as_text=True)
    assert "Số: 01/TB-UBND" in page and "Nguyễn Văn Phòng" in page
    # Frozen: no editing, no second issue.
    assert c.get(f"/documents/{notice}/edit").status_code == 409
    frozen = c.post(f"/documents/{notice}/edit", data=_form(doc, summary="Sửa lén"))
    assert frozen.status_code == 409
    assert "Văn bản đã ban hành thì không sửa được" in frozen.get_data(as_text=True)
    assert c.post(f"/documents/{notice}/issue", data=signer_data(app)).status_code == 409
    assert c.post(f"/documents/{notice}/delete").status_code == 409
    after = _doc(app, notice)
    assert (after.summary, after.number, after.version) == (doc.summary, 1, doc.version)


def test_second_issue_takes_the_next_number(app, login, data, notice):
    c = login("office")
    c.post(f"/documents/sessions/{data['session']}/draft/minutes")
    from portal.documents.models import Document
    from portal.extensions import db

    c.post(f"/documents/{notice}/issue", data=signer_data(app))
    revised = c.post(f"/documents/{notice}/revise")
    assert revised.status_code == 303
    with app.app_context():
        new_id = db.session.scalar(select(Document.id).where(Document.supersedes_id == notice))
    assert c.post(f"/documents/{new_id}/issue", data=signer_data(app)).status_code == 303
    assert _doc(app, new_id).number_text == "Số: 02/TB-UBND"
    with app.app_context():
        minutes = db.session.scalar(select(Document).where(Document.doc_type == "BB"))
        assert minutes.number is None
    assert c.post(f"/documents/{minutes.id}/issue", data=signer_data(app)).status_code == 303
    assert _doc(app, minutes.id).number_text == "Số: 01/BB-UBND"


@pytest.mark.parametrize("typed, message", [
    ("31/02/2024", "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ("tomorrow", "Ngày không hợp lệ"),
    ("+1", "Ngày ban hành không được sau ngày hôm nay."),
    ("-400", "Ngày ban hành phải thuộc năm"),
])
def test_issue_with_a_bad_date_is_422_and_takes_no_number(app, login, notice, typed, message):
    from portal.documents.models import DocumentCounter
    from portal.extensions import db
    from portal.timefmt import local_today

    if typed[0] in "+-":
        typed = (local_today() + timedelta(days=int(typed))).strftime("%d/%m/%Y")
    c = login("office")
    response = c.post(f"/documents/{notice}/issue", htmx=True, data=signer_data(app, issued_on=typed))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and typed in html
    assert _doc(app, notice).number is None
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DocumentCounter)) == 0


def test_issue_on_a_chosen_date(app, login, notice):
    from portal.timefmt import local_today

    chosen = local_today()  # the meeting was held today: no earlier date is allowed
    c = login("office")
    assert c.post(f"/documents/{notice}/issue",
                  data=signer_data(app, issued_on=chosen.strftime("%d/%m/%Y"))
                  ).status_code == 303
    assert _doc(app, notice).issued_on == chosen


# --------------------------------------------------------------------------- versions


def test_revise_creates_a_linked_draft(app, login, notice):
    from portal.documents.models import Document, DocumentStatus
    from portal.extensions import db

    c = login("office")
    c.post(f"/documents/{notice}/issue", data=signer_data(app))
    old = _doc(app, notice)
    response = c.post(f"/documents/{notice}/revise")
    assert response.status_code == 303
    with app.app_context():
        new = db.session.scalar(select(Document).where(Document.supersedes_id == notice))
    assert response.headers["Location"].endswith(f"/documents/{new.id}/edit")
    assert new.status == DocumentStatus.DRAFT and new.number is None
    assert new.session_id == old.session_id and new.summary == old.summary
    assert new.blocks[1:] == old.blocks
    day = old.issued_on
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    assert new.blocks[0] == {"kind": "paragraph", "text": (
        f"Thông báo này thay thế thông báo số 01/TB-UBND ngày {day.day:02d}/{month}/{day.year}.")}
    assert new.recipients == old.recipients and new.signer_title == old.signer_title
    still = _doc(app, notice)
    assert (still.status, still.number, still.version) == (old.status, 1, old.version)
    # One newer version only; a draft is edited, not revised.
    assert c.post(f"/documents/{notice}/revise").status_code == 409
    assert c.post(f"/documents/{new.id}/revise").status_code == 409
    # The session page and the register show the chain.
    listing = c.get(f"/documents/sessions/{old.session_id}").get_data(as_text=True)
    assert "Bản 2" in listing and "thay thế" in listing and "được thay thế bởi" in listing
    assert "Thay thế văn bản 01/TB-UBND" in c.get("/documents/").get_data(as_text=True)


def test_delete_a_draft(app, login, data, notice):
    from portal.documents.models import Document
    from portal.extensions import db

    c = login("office")
    response = c.post(f"/documents/{notice}/delete")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/documents/sessions/{data['session']}")
    with app.app_context():
        assert db.session.get(Document, notice) is None


# --------------------------------------------------------------------------- the register


def test_register_filters(app, login, data, notice):
    from portal.timefmt import local_today

    c = login("office")
    c.post(f"/documents/sessions/{data['session']}/draft/minutes")
    c.post(f"/documents/{notice}/issue", data=signer_data(app))
    year = local_today().year
    everything = c.get("/documents/").get_data(as_text=True)
    assert "01/TB-UBND" in everything and "Chưa cấp số" in everything
    only_tb = c.get(f"/documents/?year={year}&doc_type=TB", htmx=True)
    assert only_tb.status_code == 200
    html = only_tb.get_data(as_text=True)
    assert "<html" not in html and "01/TB-UBND" in html and "Chưa cấp số" not in html
    drafts = c.get("/documents/?status=draft").get_data(as_text=True)
    assert "01/TB-UBND" not in drafts and "Chưa cấp số" in drafts
    older = c.get(f"/documents/?year={year - 1}").get_data(as_text=True)
    assert "Không có văn bản nào." in older
    assert c.get("/documents/?year=abc&doc_type=XX&status=zz&page=x").status_code == 200


def _add_documents(app, session_id, n):
    """`n` documents of the session, each superseding an issued one (the chain is shown)."""
    from portal.documents.models import Document, DocumentStatus, DocumentType
    from portal.extensions import db
    from portal.timefmt import local_today

    with app.app_context():
        first = Document(doc_type=DocumentType.TB, summary="Gốc", blocks=[],
                         session_id=session_id, status=DocumentStatus.ISSUED,
                         year=local_today().year, issued_on=local_today(),
                         number=db.session.scalar(select(func.count(Document.id))) + 1)
        db.session.add(first)
        db.session.flush()
        db.session.add_all(Document(doc_type=DocumentType.TB, summary=f"Văn bản {i}", blocks=[],
                                    session_id=session_id, supersedes_id=first.id)
                           for i in range(n))
        db.session.commit()


def _count_queries(app, c, url):
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = c.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    return seen


@pytest.mark.parametrize("url", ["/documents/", "/documents/?doc_type=TB&status=draft",
                                 "/documents/sessions/{session}"])
def test_queries_do_not_grow_with_documents(app, login, data, url):
    target = url.format(session=data["session"])
    c = login("observer")
    _add_documents(app, data["session"], 2)
    few = _count_queries(app, c, target)
    assert "Văn bản 1" in c.get(target).get_data(as_text=True)
    _add_documents(app, data["session"], 20)
    many = _count_queries(app, c, target)
    assert len(many) == len(few), many
    if target.startswith("/documents/?") or target == "/documents/":
        on_documents = [q for q in many if "FROM document" in q]
        assert len(on_documents) == 1, on_documents  # the register is one query


# --------------------------------------------------------------------------- who may do what

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
OK = "ok"
READ = dict(office=OK, chair=OK, observer=OK, admin=OK)
TABLE = [
    ("GET", "/documents/", READ),
    ("GET", "/documents/sessions/{session}", READ),
    ("POST", "/documents/sessions/{session}/draft/conclusion", dict(office=OK)),
    ("POST", "/documents/sessions/{session}/draft/minutes", dict(office=OK)),
    ("GET", "/documents/{draft}", READ),
    ("GET", "/documents/{draft}/edit", dict(office=OK)),
    ("POST", "/documents/{draft}/edit", dict(office=OK)),
    ("POST", "/documents/{draft}/issue", dict(office=OK)),
    ("POST", "/documents/{issued}/revise", dict(office=OK)),
    ("POST", "/documents/{draft}/delete", dict(office=OK)),
    ("GET", "/documents/{draft}.pdf", dict(READ, officer=403, other_officer=403)),
    ("GET", "/documents/{issued}.pdf", dict(READ, officer=OK, other_officer=404)),
    ("GET", "/documents/{minutes}.pdf", dict(READ, officer=404, other_officer=404)),
]


@pytest.fixture
def ids(app, login, data, notice):
    """A draft TB, an issued TB (assigned to the officer's agency, not to the other
    officer's), an issued BB."""
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        for item in db.session.scalars(select(Assignment)):
            item.coordinators.clear()  # Sở Xây dựng has no part in this meeting
        db.session.get(Document, notice).recipients = "- Sở Tài nguyên và Môi trường;"
        db.session.commit()
    c = login("office")
    c.post(f"/documents/{notice}/issue", data=signer_data(app))
    c.post(f"/documents/sessions/{data['session']}/draft/minutes")
    c.post(f"/documents/{notice}/revise")
    with app.app_context():
        draft = db.session.scalar(select(Document.id).where(Document.supersedes_id == notice))
        minutes = db.session.scalar(select(Document.id).where(Document.doc_type == "BB"))
    c.post(f"/documents/{minutes}/issue", data=signer_data(app))
    return {"session": data["session"], "draft": draft, "issued": notice, "minutes": minutes}


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(login, ids, method, url, allowed):
    """Every route × every role; refused roles first, so the one allowed change comes last."""
    target = url.format(**ids)
    expected_of = {role: 302 if role == "anonymous" else allowed.get(role, 403) for role in ROLES}
    for role in sorted(ROLES, key=lambda r: expected_of[r] == OK):
        c = login(role)
        response = c.get(target) if method == "GET" else c.post(target, data={}, htmx=True)
        if expected_of[role] == OK:
            assert response.status_code not in (302, 401, 403, 404), (role, response.status_code)
        else:
            assert response.status_code == expected_of[role], (role, response.status_code)


def test_state_changes_require_csrf(app, login, ids):
    c = login("office")
    for url in ("/documents/{draft}/edit", "/documents/{draft}/issue",
                "/documents/{issued}/revise", "/documents/{draft}/delete",
                "/documents/sessions/{session}/draft/minutes"):
        assert c.post(url.format(**ids), data={}, csrf=False).status_code == 400


def test_unknown_document_is_404(login, data):
    c = login("office")
    for url in ("/documents/424242", "/documents/424242.pdf", "/documents/424242/edit",
                "/documents/sessions/424242"):
        assert c.get(url).status_code == 404, url
    assert c.post("/documents/424242/issue").status_code == 404


def test_officer_reads_a_notice_sent_to_their_agency(app, login, data, notice):
    """An issued notice is readable by an agency that leads or coordinates a petition of
    that meeting, or that its recipients name; by no other."""
    from portal.documents.models import Document
    from portal.extensions import db
    from portal.tracker.models import Assignment

    office = login("office")
    doc = _doc(app, notice)
    office.post(f"/documents/{notice}/edit",
                data=_form(doc, recipients="- Sở Giao thông vận tải;"))
    office.post(f"/documents/{notice}/issue", data=signer_data(app))
    officer, other = login("officer"), login("other_officer")
    assert officer.get(f"/documents/{notice}.pdf").status_code == 200  # leads
    assert other.get(f"/documents/{notice}.pdf").status_code == 200  # coordinates
    with app.app_context():
        for item in db.session.scalars(select(Assignment)):
            item.coordinators.clear()
        db.session.commit()
    assert other.get(f"/documents/{notice}.pdf").status_code == 404
    with app.app_context():  # named among the recipients, "(b/c)" or not
        db.session.get(Document, notice).recipients = "- Sở Xây dựng (b/c);\n- Lưu: VT."
        db.session.commit()
    assert other.get(f"/documents/{notice}.pdf").status_code == 200
    with app.app_context():
        for item in db.session.scalars(select(Assignment)):
            db.session.delete(item)
        db.session.commit()
    assert officer.get(f"/documents/{notice}.pdf").status_code == 404


def test_pdf_download_is_audited(app, login, notice):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    login("observer").get(f"/documents/{notice}.pdf")
    with app.app_context():
        event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "download",
                                                            AuditEvent.entity == "Document"))
        assert event_ is not None and event_.entity_id == str(notice)
