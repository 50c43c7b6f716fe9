"""Attachments to an answer: kind checked by content, size limited, path stripped, stored
outside static/ under a random name, served only to those who may see the assignment."""
import io
import os

import pytest

from tests.tracker.tracker_fixtures import (  # noqa: F401 (fixtures)
    DOC, EXE, JPEG, PDF, PNG, docx_bytes, get_assignment, make, rows, stored_keys, third,
)


# --------------------------------------------------------------------------- the checks

@pytest.mark.parametrize("name, content, kind", [
    ("bao-cao.pdf", PDF, "application/pdf"),
    ("Văn bản trả lời.DOC", DOC, "application/msword"),
    ("tra-loi.docx", docx_bytes(),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("anh.jpg", JPEG, "image/jpeg"),
    ("anh.jpeg", JPEG, "image/jpeg"),
    ("so-do.png", PNG, "image/png"),
])
def test_accepted_kinds(name, content, kind):
    from portal.tracker import uploads

    checked = uploads.check(io.BytesIO(content), name, 1024 * 1024)
    assert checked.content_type == kind and checked.size == len(content)
    assert len(checked.sha256) == 64


@pytest.mark.parametrize("name, content, reason", [
    ("hoa-don.pdf", EXE, "nội dung không phải là tệp PDF"),        # a renamed executable
    ("anh.png", PDF, "nội dung không phải là tệp PNG"),
    ("tai-lieu.docx", b"PK\x03\x04" + b"\x00" * 40, "nội dung không phải là tệp Word (.docx)"),
    ("tai-lieu.docx", None, "nội dung không phải là tệp Word (.docx)"),  # a zip, not Word
    ("chuong-trinh.exe", EXE, "chỉ nhận PDF, Word (.doc, .docx) hoặc ảnh"),
    ("trang.html", b"<html>", "chỉ nhận PDF"),
    ("khong-duoi", PDF, "chỉ nhận PDF"),
    ("rong.pdf", b"", "rỗng"),
    ("lon.pdf", b"%PDF-" + b"0" * 2048, "lớn hơn 0,5 MB"),
])
def test_refused_files(name, content, reason):
    import zipfile

    from portal.tracker import uploads

    if content is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
        content = buf.getvalue()
    limit = 1024 if name == "lon.pdf" else 1024 * 1024
    if name == "lon.pdf":
        limit = 512 * 1024
        content = b"%PDF-" + b"0" * (limit + 1)
    with pytest.raises(uploads.UploadError) as refused:
        uploads.check(io.BytesIO(content), name, limit)
    assert reason in str(refused.value)


@pytest.mark.parametrize("raw, shown", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("..\\..\\Windows\\system32\\x.pdf", "x.pdf"),
    ("/tmp/Báo cáo kết quả.pdf", "Báo cáo kết quả.pdf"),
    ("Ke\u0302\u0301 hoa\u0323ch.docx", "Kế hoạch.docx"),  # decomposed → composed (NFC)
    ("tờ trình<script>.pdf", "tờ trìnhscript.pdf"),
    ("  ...  ", "tep-dinh-kem"),
    ("a\x00b.pdf", "ab.pdf"),
])
def test_display_name_strips_paths_keeps_vietnamese(raw, shown):
    from portal.tracker import uploads

    assert uploads.display_name(raw) == shown


def test_stored_name_is_random_and_checked(app):
    from portal.tracker import uploads

    checked = uploads.check(io.BytesIO(PDF), "../../etc/passwd.pdf", 1024)
    with app.app_context():
        first, second = uploads.store(checked), uploads.store(checked)
        assert first != second and "passwd" not in first and first.endswith(".pdf")
        assert uploads.content_of(first) == PDF
        assert uploads.content_of("../secret_key") is None
        assert uploads.content_of(first.upper()) is None


# --------------------------------------------------------------------------- through the answer

def _files_kept(app):
    return sorted(stored_keys(app))


def _answer(login, assignment_id, files, text="Sở đã trả lời, kèm văn bản.", who="officer"):
    data = {"answer": text, "files": [(io.BytesIO(content), name) for name, content in files]}
    return login(who).post(f"/tracker/{assignment_id}/answer", data=data, htmx=True,
                           content_type="multipart/form-data")


def test_answer_with_attachments_stores_them_outside_static(app, login, make):
    """In the database (every host sees them), each with its size and SHA-256."""
    import hashlib

    from portal.storage import StoredFile
    from portal.tracker.models import Attachment, AssignmentStep

    assignment_id = make()
    before = _files_kept(app)
    response = _answer(login, assignment_id, [("../../etc/passwd.pdf", PDF),
                                              ("Sơ đồ thửa đất.png", PNG)])
    assert response.status_code == 204, response.get_data(as_text=True)[:400]
    attachments = rows(app, Attachment)
    step = rows(app, AssignmentStep, action="answer")[0]
    assert sorted(a.filename for a in attachments) == ["Sơ đồ thửa đất.png", "passwd.pdf"]
    assert {a.step_id for a in attachments} == {step.id}
    assert {a.content_type for a in attachments} == {"application/pdf", "image/png"}
    stored = set(_files_kept(app)) - set(before)
    assert stored == {a.stored_name for a in attachments}
    kept = {f.key: f for f in rows(app, StoredFile)}
    for a in attachments:
        assert (kept[a.stored_name].sha256, kept[a.stored_name].size) == (a.sha256, a.size)
        assert kept[a.stored_name].sha256 == hashlib.sha256(kept[a.stored_name].content).hexdigest()
    assert not os.path.exists(os.path.join(app.instance_path, "uploads"))
    assert get_assignment(app, assignment_id).status.value == "answered"
    page = login("office").get(f"/tracker/{assignment_id}").get_data(as_text=True)
    assert "Sơ đồ thửa đất.png" in page and "passwd.pdf" in page


@pytest.mark.parametrize("files, message", [
    ([("hop-le.pdf", PDF), ("hoa-don.pdf", EXE)], "“hoa-don.pdf”: nội dung không phải là tệp PDF"),
    ([("virus.exe", EXE)], "“virus.exe”: chỉ nhận PDF"),
    # (kept under 500 KB: above it Werkzeug's test client leaves a temporary file open)
    ([("lon.pdf", b"%PDF-" + b"0" * 350_000)], "“lon.pdf” lớn hơn 0,3 MB"),
    ([(f"{i}.pdf", PDF) for i in range(6)], "Tối đa 5 tệp"),
])
def test_bad_attachment_saves_neither_answer_nor_file(app, login, make, monkeypatch, files,
                                                      message):
    from portal.tracker.models import Attachment, AssignmentStep

    monkeypatch.setitem(app.config, "MAX_ATTACHMENT_MB", 0.3)
    assignment_id = make()
    before = _files_kept(app)
    response = _answer(login, assignment_id, files, text="Nội dung đã gõ vẫn còn")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body
    assert 'id="files-error"' in body
    assert "Nội dung đã gõ vẫn còn" in body  # the typed answer is kept
    item = get_assignment(app, assignment_id)
    assert item.status.value == "assigned" and item.answer == ""
    assert rows(app, Attachment) == [] and rows(app, AssignmentStep) == []
    assert _files_kept(app) == before


def test_files_written_are_removed_when_the_request_fails(app, login, make, monkeypatch):
    """An unexpected error after the first file was written (not a refusal): the request
    fails, the transaction is never committed, and the file written goes again."""
    from portal.tracker import uploads
    from portal.tracker.models import Attachment

    assignment_id = make()
    before = _files_kept(app)
    real, calls = uploads.store, []

    def fails_on_the_second(checked):
        calls.append(checked.filename)
        if len(calls) == 2:
            raise RuntimeError("something broke")
        return real(checked)

    monkeypatch.setattr(uploads, "store", fails_on_the_second)
    with pytest.raises(RuntimeError):
        _answer(login, assignment_id, [("a.pdf", PDF), ("b.png", PNG)])
    assert calls == ["a.pdf", "b.png"]
    assert _files_kept(app) == before
    assert rows(app, Attachment) == []
    assert get_assignment(app, assignment_id).status.value == "assigned"


def test_files_written_are_removed_when_the_commit_fails(app, login, make, monkeypatch):
    """The files are stored and the rows flushed, then the commit itself fails (the
    database went away): 503, no file left behind, nothing saved."""
    from sqlalchemy.exc import OperationalError

    from portal.extensions import db
    from portal.tracker import uploads
    from portal.tracker.models import Attachment

    assignment_id = make()
    before = _files_kept(app)
    officer = login("officer")
    real, written = uploads.store, []

    def store(checked):
        written.append(real(checked))
        return written[-1]

    def commit_fails():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(uploads, "store", store)
    monkeypatch.setattr(db.session, "commit", commit_fails)
    response = officer.post(f"/tracker/{assignment_id}/answer", htmx=True,
                            content_type="multipart/form-data",
                            data={"answer": "Trả lời", "files": [(io.BytesIO(PDF), "a.pdf"),
                                                                 (io.BytesIO(PNG), "b.png")]})
    monkeypatch.undo()
    assert response.status_code == 503
    assert len(written) == 2  # both were stored when the commit failed
    assert _files_kept(app) == before
    assert rows(app, Attachment) == []
    assert get_assignment(app, assignment_id).status.value == "assigned"


# --------------------------------------------------------------------------- download

@pytest.fixture
def attached(app, login, make, third):  # noqa: F811
    """An answer of STNMT with a PDF, on an item Sở Xây dựng coordinates on."""
    from portal.tracker.models import Attachment

    assignment_id = make(coordinators=["other_agency"])
    assert _answer(login, assignment_id, [("../Báo cáo kết quả.pdf", PDF)]).status_code == 204
    return rows(app, Attachment)[0].id


@pytest.mark.parametrize("role, expected", [
    ("officer", 200), ("other_officer", 200),  # the lead agency, a coordinating agency
    ("office", 200), ("chair", 200), ("admin", 200), ("observer", 200),
    ("third", 404),  # an agency with nothing to do with it
    ("anonymous", 302),
])
def test_download_scoping_and_headers(app, login, attached, role, expected):
    response = login(role).get(f"/tracker/attachments/{attached}")
    body = response.get_data()
    response.close()
    assert response.status_code == expected
    if expected != 200:
        assert PDF not in body
        return
    assert body == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''B%C3%A1o%20c%C3%A1o%20k%E1%BA%BFt%20qu%E1%BA%A3.pdf" in disposition
    assert "private" in response.headers["Cache-Control"]


def test_download_is_audited_and_unknown_ids_are_404(app, login, attached):
    from portal.audit.models import AuditEvent

    assert login("office").get(f"/tracker/attachments/{attached + 99}").status_code == 404
    login("office").get(f"/tracker/attachments/{attached}").close()
    assert [e.entity_id for e in rows(app, AuditEvent, action="download_attachment")] == \
        [str(attached)]


def test_missing_stored_file_is_404(app, login, attached):
    from portal import storage
    from portal.extensions import db
    from portal.tracker.models import Attachment

    stored = rows(app, Attachment)[0].stored_name
    with app.app_context():
        storage.delete(stored)
        db.session.commit()
    assert login("office").get(f"/tracker/attachments/{attached}").status_code == 404
