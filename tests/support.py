"""Helpers shared by the tests (import them from here, not from conftest: several
conftest modules exist and `conftest` is ambiguous on sys.path)."""
from __future__ import annotations

import os
import re
from datetime import date, time, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

from portal.config import _database_url

PG_URL = os.environ.get("TEST_DATABASE_URL", "")
# Under pytest-xdist each worker gets its own PostgreSQL database ("test" -> "test_gw1"),
# made on first use, so workers never drop each other's tables.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
REQUIRE_PG = os.environ.get("REQUIRE_POSTGRES") == "1"
PASSWORD = "mat-khau-thu-nghiem"


def _worker_database(url: str) -> str:
    """The worker's own database next to `url` (created if missing); `url` itself without
    xdist or for the first worker."""
    if not WORKER or WORKER == "gw0":
        return url
    base, name = url.rsplit("/", 1)
    name = name.split("?", 1)[0]
    own = f"{name}_{WORKER}"
    admin = create_engine(_database_url_from(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": own}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{own}"'))
    finally:
        admin.dispose()
    return f"{base}/{own}"


def _pg_available() -> str | None:
    """None if PostgreSQL answers, else the reason."""
    global PG_URL
    if not PG_URL:
        return "TEST_DATABASE_URL is not set"
    try:
        PG_URL = _worker_database(PG_URL)
        engine = create_engine(_database_url_from(PG_URL))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return f"PostgreSQL at {PG_URL} does not answer: {exc}"
    return None


def _database_url_from(url: str) -> str:
    old = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        return _database_url("/nonexistent")
    finally:
        if old is None:
            del os.environ["DATABASE_URL"]
        else:
            os.environ["DATABASE_URL"] = old


class Client:
    """A test client that logs in as a user and sends the CSRF token like the pages do."""

    def __init__(self, flask_client):
        self.http = flask_client
        self.token = None

    def login(self, username: str, password: str = PASSWORD):
        page = self.http.get("/login")
        self.token = csrf_from(page)
        response = self.http.post("/login", data={"username": username, "password": password,
                                                   "csrf_token": self.token})
        # The token is bound to the browser session, which survives login.
        return response

    def get(self, url, htmx: bool = False, **kw):
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        return self.http.get(url, headers=headers, **kw)

    def post(self, url, data=None, htmx: bool = False, csrf: bool = True, **kw):
        headers = kw.pop("headers", {})
        if htmx:
            headers["HX-Request"] = "true"
        if csrf:
            if self.token is None:
                self.token = csrf_from(self.http.get("/login"))
            headers["X-CSRFToken"] = self.token
        return self.http.post(url, data=data or {}, headers=headers, **kw)


def csrf_from(response) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True))
    assert found, "page carries no CSRF token"
    return found.group(1)


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def count_queries(app, client, url: str, htmx: bool = False) -> int:
    """How many SQL statements one GET of `url` issues (the page must answer 200)."""
    from sqlalchemy import event

    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(conn, cursor, statement, *args):
        if not is_savepoint(statement):
            seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url, htmx=htmx)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.get_data(as_text=True)[:500])
    return len(seen)


def is_savepoint(statement: str) -> bool:
    """The test transaction's own statements (each test runs in a savepoint): not counted."""
    return statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO"))


OK = "ok"  # in a route × role table: anything but a refusal (200, 303, 409, 422 …)


def check_access(client, method: str, target: str, role: str, allowed: dict) -> None:
    """One cell of a route × role table: anonymous users go to the login page (302), roles
    not named are refused with 403, the others get what the table says (OK or a status)."""
    response = client.get(target) if method == "GET" else client.post(target, data={},
                                                                      htmx=True)
    expected = 302 if role == "anonymous" else allowed.get(role, 403)
    if expected == OK:
        assert response.status_code not in (302, 401, 403, 404), (role, response.status_code)
    else:
        assert response.status_code == expected, (role, response.status_code)


def migration(filename: str):
    """A migration file of migrations/versions loaded as a module (its frozen DDL)."""
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "migrations" / "versions" / filename
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def add_session(app, title="Tiếp xúc cử tri quý IV", day=None) -> int:
    """A concluded voters' session, committed: its id."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc, local_today

    with app.app_context():
        meeting = DialogueSession(
            kind=SessionKind.VOTER_CONTACT, title=title,
            starts_at=local_to_utc(day or local_today() - timedelta(days=20), time(8)),
            venue="Hội trường xã", host="Chủ tịch Lê Văn Hòa",
            status=SessionStatus.CONCLUDED)
        db.session.add(meeting)
        db.session.commit()
        sid = meeting.id
        db.session.remove()
        return sid


def add_assigned(app, data, session_id: int, n: int, deadline_days: int = -5) -> list[int]:
    """`n` petitions of the session, each assigned (the odd ones to data["agency"], the even
    ones to data["other_agency"]), committed: their assignments' ids."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    ids = []
    with app.app_context():
        for i in range(n):
            p = Petition(session_id=session_id, submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE)
            db.session.add(p)
            db.session.flush()
            a = Assignment(petition_id=p.id, agency_id=data["agency"] if i % 2
                           else data["other_agency"], mode=AnswerMode.IN_WRITING,
                           deadline=data["day"] + timedelta(days=deadline_days))
            db.session.add(a)
            db.session.flush()
            ids.append(a.id)
        db.session.commit()
        db.session.remove()
    return ids
