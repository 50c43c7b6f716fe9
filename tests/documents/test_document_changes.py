"""Documents through the one change path: a resent draft or revision is applied once, a
stale issue or edit is refused, and on PostgreSQL two people at the same instant get one
success and one 409, never a 500."""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from documents_helpers import close_meeting
from documents_helpers import signer_data

KEY = "cle-unique-du-brouillon-0001"


def _count(app, *where) -> int:
    from portal.documents.models import Document
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(Document.id)).where(*where))


def _draft_doc(app, **columns) -> int:
    """A draft conclusion notice made directly (no meeting record needed)."""
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    values = dict(doc_type=DocumentType.TB, summary="Thông báo kết luận",
                  blocks=[{"kind": "paragraph", "text": "Nội dung ban đầu"}],
                  recipients="- Sở Xây dựng;", signer_title="KT. CHỦ TỊCH")
    values.update(columns)
    with app.app_context():
        doc = Document(**values)
        db.session.add(doc)
        db.session.commit()
        return doc.id


def _edit_form(version: int, summary: str) -> dict:
    return {"version": str(version), "summary": summary, "recipients": "- Sở Xây dựng;",
            "signer_authority": "", "signer_title": "KT. CHỦ TỊCH", "signer_name": "",
            "op": "save", "blocks-0-kind": "paragraph", "blocks-0-text": "Nội dung"}


def _row(app, doc_id):
    from portal.documents.models import Document
    from portal.extensions import db

    with app.app_context():
        doc = db.session.get(Document, doc_id)
        return None if doc is None else (doc.status.value, doc.number, doc.version, doc.summary)


# --------------------------------------------------------------------------- resent requests


def test_the_same_draft_request_twice_drafts_once(app, login, data):
    """A double click or a resend after a lost answer carries the same client key: the
    second answers what the first drafted."""
    from portal.documents.models import Document, DocumentType

    close_meeting(app, data)
    c = login("office")
    url = f"/documents/sessions/{data['session']}/draft/minutes"
    first = c.post(url, {"client_key": KEY})
    second = c.post(url, {"client_key": KEY})
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1 and _count(app, Document.doc_type == DocumentType.BB) == 1
    page = c.get(second.headers["Location"]).get_data(as_text=True)
    assert "Đã soạn dự thảo từ diễn biến buổi đối thoại" in page  # the replay, not a refusal


def test_the_same_revision_twice_makes_one_new_version(app, login, data):
    from portal.documents.models import Document

    doc_id = _draft_doc(app)
    c = login("office")
    assert c.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    first = c.post(f"/documents/{doc_id}/revise", {"client_key": KEY})
    again = c.post(f"/documents/{doc_id}/revise", {"client_key": KEY})
    assert first.status_code == again.status_code == 303
    assert first.headers["Location"] == again.headers["Location"]
    assert _count(app, Document.supersedes_id == doc_id) == 1
    # A new click (another key) is refused: the document has its newer version already.
    other = c.post(f"/documents/{doc_id}/revise", {"client_key": KEY + "-b"}, htmx=True)
    assert other.status_code == 409
    assert "đã có phiên bản mới" in other.get_data(as_text=True)


def test_the_editor_and_the_buttons_carry_version_and_keys(app, login, data):
    doc_id = _draft_doc(app)
    c = login("office")
    editor = c.get(f"/documents/{doc_id}/edit").get_data(as_text=True)
    assert 'name="version" type="hidden" value="1"' in editor
    assert c.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    detail = c.get(f"/documents/{doc_id}").get_data(as_text=True)
    revise = detail[detail.index(f"/documents/{doc_id}/revise"):]
    assert 'name="client_key"' in revise[:600]


def test_issuing_from_a_page_shown_before_it_was_issued_is_refused(app, login, data):
    """Someone issued the draft after this page was shown: a second issue is refused (409)
    with the reason, and takes no number."""
    doc_id = _draft_doc(app)
    office, other = login("office"), login("office")
    assert other.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    refused = office.post(f"/documents/{doc_id}/issue", htmx=True, data=signer_data(app))
    assert refused.status_code == 409
    assert "Văn bản đã được ban hành." in refused.get_data(as_text=True)
    assert _row(app, doc_id)[:2] == ("issued", 1)


def test_an_issued_document_is_not_deleted_or_edited(app, login, data):
    doc_id = _draft_doc(app)
    c = login("office")
    assert c.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    version = _row(app, doc_id)[2]
    for url, form in ((f"/documents/{doc_id}/delete", {}),
                      (f"/documents/{doc_id}/edit", _edit_form(version, "Sửa lén"))):
        response = c.post(url, form, htmx=True)
        assert response.status_code == 409
        assert "Văn bản đã ban hành thì không sửa được" in response.get_data(as_text=True)
    assert _row(app, doc_id)[3] == "Thông báo kết luận"


# --------------------------------------------------------------------------- at the same instant


def _at_once(requests) -> list[int]:
    """Run the (client, url, form) requests from threads released together; their statuses."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def send(client, url, form):
        try:
            barrier.wait(timeout=30)
            statuses.append(client.post(url, form).status_code)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return statuses


def _slowed(monkeypatch, module, name: str, seconds: float = 0.3) -> None:
    """Hold each request a moment inside the command, so both have loaded the draft before
    either commits: the overlap is certain, not left to the scheduler."""
    real = getattr(module, name)

    def slow(*args, **kwargs):
        result = real(*args, **kwargs)
        time.sleep(seconds)
        return result

    monkeypatch.setattr(module, name, slow)


@pytest.mark.real_commit
def test_two_edits_from_one_version_at_once(app, login, data, db_name, monkeypatch):
    """Two office staff save the same draft from one version at the same instant: exactly
    one save goes through, the other is told (409) and saves nothing; no 500."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.documents import services

    doc_id = _draft_doc(app)
    _slowed(monkeypatch, services, "edit")
    url = f"/documents/{doc_id}/edit"
    statuses = _at_once([(login("office"), url, _edit_form(1, f"Trích yếu số {i}"))
                         for i in range(2)])
    assert sorted(statuses) == [303, 409]
    status, number, version, summary = _row(app, doc_id)
    assert version == 2 and summary in ("Trích yếu số 0", "Trích yếu số 1")


@pytest.mark.real_commit
def test_issuing_one_draft_twice_at_once_gives_one_number(app, login, data, db_name,
                                                         monkeypatch):
    """Two office staff issue the same draft at the same instant: it gets one number, one
    request succeeds and the other is refused (409); the register gave no second number."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.documents import services
    from portal.documents.models import DocumentCounter
    from portal.extensions import db
    from portal.timefmt import local_today

    doc_id = _draft_doc(app)
    _slowed(monkeypatch, services, "take_number")
    statuses = _at_once([(login("office"), f"/documents/{doc_id}/issue", signer_data(app))
                         for _ in range(2)])
    assert sorted(statuses) == [303, 409]
    assert _row(app, doc_id)[:2] == ("issued", 1)
    with app.app_context():
        counter = db.session.get(DocumentCounter, (local_today().year, "UBND", "TB"))
        assert counter.last_number == 1
    # The next document takes number 2: no gap was left by the refused request.
    other = _draft_doc(app, summary="Thông báo khác")
    assert login("office").post(f"/documents/{other}/issue", data=signer_data(app)).status_code == 303
    assert _row(app, other)[1] == 2


@pytest.mark.real_commit
def test_two_drafting_requests_at_once_make_one_draft(app, login, data, db_name, monkeypatch):
    """Two office staff press «Soạn biên bản» at the same instant (two keys): one draft is
    made; the other request opens it (303 to the same editor)."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.documents import views

    close_meeting(app, data)
    doc_type, drafter = views.DRAFTERS["minutes"]
    real = drafter

    def slow(*args, **kwargs):
        doc = real(*args, **kwargs)
        time.sleep(0.3)
        return doc

    monkeypatch.setitem(views.DRAFTERS, "minutes", (doc_type, slow))
    url = f"/documents/sessions/{data['session']}/draft/minutes"
    statuses = _at_once([(login("office"), url, {"client_key": f"khoa-soan-{i}"})
                         for i in range(2)])
    assert statuses == [303, 303]
    assert _count(app) == 1


@pytest.mark.real_commit
def test_two_revisions_at_once_make_one_new_version(app, login, data, db_name, monkeypatch):
    """Two office staff ask for a new version of one issued document at the same instant
    (two forms, two keys): one new draft is made, the other request is told (409)."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.documents import services
    from portal.documents.models import Document

    doc_id = _draft_doc(app)
    assert login("office").post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    _slowed(monkeypatch, services, "successor_of")
    statuses = _at_once([(login("office"), f"/documents/{doc_id}/revise",
                          {"client_key": f"khoa-phien-ban-{i}"}) for i in range(2)])
    assert sorted(statuses) == [303, 409]
    assert _count(app, Document.supersedes_id == doc_id) == 1


# --------------------------------------------------------------------------- the policy


def test_the_route_table_follows_the_policy(app):
    """The route × role table of test_document_views: the roles it lets in (OK, or 403/404
    for an officer the document does not concern) are the roles of each route's action."""
    from test_document_views import TABLE

    from portal.access import POLICY

    adapter = app.url_map.bind("localhost")
    for method, url, allowed in TABLE:
        target = url.format(session=1, draft=1, issued=1, minutes=1)
        endpoint, _args = adapter.match(target, method=method)
        action = app.view_functions[endpoint].policy_action
        let_in = {"officer" if role == "other_officer" else role for role in allowed}
        assert let_in == {role.value for role in POLICY[action]}, (method, url, action)
