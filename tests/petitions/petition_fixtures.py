"""Fixtures for the petition tests; test modules load them with `pytest_plugins`.

Not a conftest.py: other test modules import the root one as `conftest`, which a second
conftest.py would shadow.
"""
from __future__ import annotations

from datetime import time, timedelta

import pytest


@pytest.fixture
def make_petition(app, data):
    """make_petition(**columns) -> id of a new petition (by default a citizen's, data's session)."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    def make(**columns) -> int:
        values = dict(
            session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
            submitter_name="Nguyễn Văn An", submitter_contact="0912 345 678, thôn Đồng Tâm",
            submitter_id_number="024090001234", locality="xã Tân Sỏi, huyện Yên Thế",
            field_id=data["fields"][0], channel=Channel.WRITING,
            content="Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình",
        )
        values.update(columns)
        with app.app_context():
            petition = Petition(**values)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.commit()
            return petition.id

    return make


@pytest.fixture
def make_session(app, data):
    """make_session(days_from_meeting, **columns) -> id of another session."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    def make(days: int, **columns) -> int:
        values = dict(kind=SessionKind.CITIZEN_RECEPTION, title=f"Đối thoại ngày {days}",
                      starts_at=local_to_utc(data["day"] + timedelta(days=days), time(8, 0)),
                      venue="Hội trường UBND tỉnh", host="Phó Chủ tịch",
                      status=SessionStatus.SCHEDULED)
        values.update(columns)
        with app.app_context():
            meeting = DialogueSession(**values)
            db.session.add(meeting)
            db.session.commit()
            return meeting.id

    return make


@pytest.fixture
def fetch(app):
    """fetch(Model, id) -> a detached copy of a row's columns as a dict (None if gone)."""
    from sqlalchemy import inspect

    from portal.extensions import db

    def get(model, ident):
        with app.app_context():
            row = db.session.get(model, ident)
            if row is None:
                return None
            return {c.key: getattr(row, c.key) for c in inspect(model).column_attrs}

    return get


@pytest.fixture
def count(app):
    """count(Model, *where) -> how many rows."""
    from sqlalchemy import func, select

    from portal.extensions import db

    def how_many(model, *where) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

    return how_many
