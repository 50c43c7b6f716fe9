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


def upload_folder(app):
    import os

    return app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")


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
