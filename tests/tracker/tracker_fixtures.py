"""Fixtures of the tracker's tests (import them into a test module): assignments in any state,
a third agency, sample files."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from support import PASSWORD


@pytest.fixture
def third(app, data):
    """A third agency (Sở Giao thông vận tải) and its officer, usable as login("third")."""
    from portal.admin.models import Agency, AgencyKind
    from portal.auth.models import Role, User
    from portal.extensions import db

    with app.app_context():
        agency = Agency(name="Sở Giao thông vận tải", short_name="SGTVT",
                        kind=AgencyKind.DEPARTMENT)
        db.session.add(agency)
        db.session.flush()
        user = User(username="third", full_name="Vũ Văn Ba", role=Role.OFFICER,
                    agency_id=agency.id)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
        data["users"]["third"] = user.id
        data["third_agency"] = agency.id
        return agency.id


@pytest.fixture
def make(app, data):
    """make(agency="agency", deadline=…, status="assigned", content=…, coordinators=[…],
    beyond=False, field=0) -> the new assignment's id."""
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    counter = iter(range(1, 10_000))

    def _make(agency: str = "agency", deadline: date | None = None, status: str = "assigned",
              content: str | None = None, coordinators=(), beyond: bool = False,
              field: int = 0, session: int | None = None) -> int:
        n = next(counter)
        with app.app_context():
            petition = Petition(session_id=session or data["session"],
                                submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name=f"Nguyễn Văn Dân {n}",
                                field_id=data["fields"][field],
                                content=content or f"Kiến nghị số {n} về đất đai",
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.flush()
            due = deadline or data["day"] + timedelta(days=20)
            assignment = Assignment(petition_id=petition.id, agency_id=data[agency],
                                    mode=AnswerMode.IN_WRITING, deadline=due,
                                    original_deadline=due,
                                    status=AssignmentStatus(status), beyond_authority=beyond)
            assignment.coordinators = [db.session.get(Agency, data[c]) for c in coordinators]
            db.session.add(assignment)
            db.session.commit()
            return assignment.id

    return _make


def get_assignment(app, assignment_id):
    """A detached snapshot of the assignment (attributes loaded)."""
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        db.session.expunge(item)
        return item


def rows(app, model, **where):
    from sqlalchemy import select

    from portal.extensions import db

    with app.app_context():
        query = select(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        found = list(db.session.scalars(query))
        for row in found:
            db.session.expunge(row)
        return found


def stored_keys(app) -> set[str]:
    """The names of the files in the installation's file store (the database by default)."""
    from portal import storage

    with app.app_context():
        return storage.store().keys()


def keep_file(app, key: str, content: bytes, content_type: str = "application/pdf") -> None:
    """Put a file straight into the file store, committed (as an earlier answer left it)."""
    from portal import storage
    from portal.extensions import db

    with app.app_context():
        storage.put(key, content, content_type)
        db.session.commit()


# Small real files of each accepted kind (their first bytes are what is checked).
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def docx_bytes() -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


# --------------------------------------------------------------------------- the page's forms

# Every action of the assignment page: its route, who takes it, the state it is taken
# from, its form's prefix and what is typed (the text that must come back on a refusal).
ACTIONS = {
    "start": ("/start", "officer", "assigned", "start", {}),
    "answer": ("/answer", "officer", "assigned", "", {"answer": "Nội dung trả lời đã gõ"}),
    "request_extension": ("/extension", "officer", "assigned", "ext", {
        "ext-new_deadline": "01/06/2099", "ext-reason": "Lý do xin gia hạn đã gõ"}),
    "request_input": ("/coordination", "officer", "assigned", "ask", {
        "ask-coordinator_id": "{other_agency}", "ask-text": "Đề nghị phối hợp đã gõ"}),
    "give_input": ("/coordination/answer", "other_officer", "assigned", "input", {
        "input-text": "Ý kiến phối hợp đã gõ"}),
    "accept": ("/accept", "office", "answered", "accept", {}),
    "return": ("/return", "office", "answered", "", {"reason": "Lý do trả lại đã gõ"}),
    "grant_extension": ("/extension/grant", "office", "assigned", "decision", {
        "decision-note": "Ghi chú đồng ý đã gõ"}),
    "refuse_extension": ("/extension/refuse", "office", "assigned", "decision", {
        "decision-note": "Lý do không đồng ý đã gõ"}),
    "mark_beyond_authority": ("/beyond-authority", "office", "assigned", "beyond", {
        "beyond-note": "Căn cứ vượt thẩm quyền đã gõ"}),
    "report_upward": ("/report-upward", "office", "beyond_authority", "upper", {
        "upper-upper_body": "Bộ Xây dựng", "upper-report_number": "7/BC-UBND",
        "upper-report_date": "01/02/2030", "upper-note": "Ghi chú báo cáo đã gõ"}),
    "record_upper_answer": ("/upper-answer", "office", "reported_upward", "upper-answer", {
        "upper-answer-answered_on": "01/04/2030", "upper-answer-text": "Trả lời của Bộ đã gõ"}),
}


def prepared(app, data, make, action: str) -> int:
    """An item of STNMT (coordinated by Sở Xây dựng) where `action` may be taken now."""
    from portal.extensions import db
    from portal.tracker.models import Assignment, CoordinatorInput, Extension

    state = ACTIONS[action][2]
    assignment_id = make(status=state, coordinators=["other_agency"])
    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        if action in ("grant_extension", "refuse_extension"):
            db.session.add(Extension(assignment_id=item.id, reason="Chờ đo đạc",
                                     requested_deadline=item.deadline + timedelta(days=10),
                                     old_deadline=item.deadline))
        if action == "give_input":
            db.session.add(CoordinatorInput(assignment_id=item.id,
                                            agency_id=data["other_agency"]))
        if action == "record_upper_answer":
            item.upper_body = "Bộ Xây dựng"
        db.session.commit()
    return assignment_id


def typed(data, action: str) -> dict:
    values = ACTIONS[action][4]
    return {k: v.format(other_agency=data["other_agency"]) for k, v in values.items()}


def hidden(response, name: str) -> str:
    """The value of the hidden input `name` on the page (a form's version or client key)."""
    import re

    found = re.search(rf'name="{re.escape(name)}" type="hidden" value="([^"]*)"',
                      response.get_data(as_text=True))
    assert found, f"no hidden input {name}"
    return found.group(1)


def field_name(prefix: str, name: str) -> str:
    return f"{prefix}-{name}" if prefix else name


def page_form(client, assignment_id: int, action: str) -> dict:
    """The hidden inputs of `action`'s form as the assignment page shows it."""
    prefix = ACTIONS[action][3]
    page = client.get(f"/tracker/{assignment_id}")
    assert page.status_code == 200
    return {field_name(prefix, "version"): hidden(page, field_name(prefix, "version")),
            field_name(prefix, "client_key"): hidden(page, field_name(prefix, "client_key"))}


def bump_version(app, assignment_id: int) -> None:
    """Someone else's change to the assignment lands (its version moves on)."""
    from portal.extensions import db
    from portal.tracker.models import Assignment

    table = Assignment.__table__
    with app.app_context():
        db.session.execute(table.update().where(table.c.id == assignment_id)
                           .values(version=table.c.version + 1))
        db.session.commit()
