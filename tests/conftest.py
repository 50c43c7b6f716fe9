"""Fixtures: the app on each test database, clients logged in per role, base data.

Every test that uses `app` runs once on SQLite and, when TEST_DATABASE_URL is set,
once more on PostgreSQL (test ids end in [sqlite] / [postgresql]).
"""
from __future__ import annotations

import os
from datetime import time, timedelta

import pytest
from sqlalchemy import text
from support import (  # noqa: F401
    PASSWORD,
    PG_URL,
    REQUIRE_PG,
    Client,
    _database_url_from,
    _pg_available,
)

PG_PROBLEM = _pg_available()
DATABASES = ["sqlite"] + ([] if PG_PROBLEM else ["postgresql"])


# tryfirst: xdist reads the group marks in its own collection hook, which otherwise runs first
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist (`--dist loadgroup`) the browser tests stay together on one worker,
    in their order: they share one live server and its database."""
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def pytest_report_header(config):
    lines = [f"databases: {', '.join(DATABASES)}"]
    if PG_PROBLEM:
        lines.append(f"postgresql skipped: {PG_PROBLEM}")
    return lines


def pytest_sessionstart(session):
    if REQUIRE_PG and PG_PROBLEM:
        raise pytest.UsageError(f"REQUIRE_POSTGRES=1 but {PG_PROBLEM}")


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line(f"Databases tested: {', '.join(DATABASES)}")


@pytest.fixture(scope="session", params=DATABASES)
def db_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(db_name, tmp_path_factory):
    """The app on one test database, schema created from the models (migrations are tested apart)."""
    instance = tmp_path_factory.mktemp(f"instance-{db_name}")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    import support

    url = f"sqlite:///{instance}/test.sqlite3" if db_name == "sqlite" \
        else _database_url_from(support.PG_URL)
    from portal import create_app
    from portal.extensions import db

    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 1024,
        # Background jobs wait for the test to run them (`background.run`); the tests of
        # the thread set "thread" under `real_commit`.
        "BACKGROUND_JOBS": "queue",
    })
    with application.app_context():
        if db_name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        db.create_all()
    yield application
    with application.app_context():
        db.session.remove()
        try:
            db.drop_all()
        except Exception as exc:  # noqa: BLE001 - report the test failure, not this
            print("drop_all failed:", exc)
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _isolated(request):
    """Each test that uses the app runs inside one transaction that is rolled back: the
    app's commits only release savepoints (SQLAlchemy's join_transaction_mode
    "create_savepoint"). Tests marked `real_commit` (threads, numbering races, a second
    connection) commit for real and get every table emptied afterwards."""
    if "app" not in request.fixturenames:
        yield
        return
    application = request.getfixturevalue("app")
    from portal.auth import polls
    from portal.runner import kiosk, live

    live.renders.clear()  # ids and revisions start again in each test's rolled-back data
    live.checks.clear()
    live.hub.forget()
    polls.forget()
    kiosk.forget_checked()
    from flask_sqlalchemy.session import _app_ctx_id
    from sqlalchemy.orm import Session, scoped_session, sessionmaker

    from portal.extensions import db

    if request.node.get_closest_marker("real_commit"):
        yield
        _empty_tables(application)
        return
    with application.app_context():
        connection = db.engine.connect()
    outer = connection.begin()
    if connection.dialect.name == "sqlite":
        # pysqlite begins lazily, before the first write; begin now, so that the app's
        # commits release savepoints inside this transaction instead of committing.
        connection.exec_driver_sql("BEGIN")
    real = db.session
    db.session = scoped_session(
        sessionmaker(bind=connection, join_transaction_mode="create_savepoint",
                     class_=Session), scopefunc=_app_ctx_id)
    try:
        yield
    finally:
        db.session = real  # each app context removed its own session when it ended
        outer.rollback()
        connection.close()


def _empty_tables(application) -> None:
    from portal.extensions import db
    from portal.revision import FIRST_ROW

    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if db.engine.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for name in tables:
                    conn.execute(text(f"DELETE FROM {name}"))
            # The one row the schema always holds (migration 0025): every writer's triggers
            # take it first, which is what keeps concurrent writers from deadlocking.
            conn.execute(text(FIRST_ROW))


@pytest.fixture
def ctx(app):
    """An application context for tests that use the models directly."""
    with app.app_context():
        yield


@pytest.fixture
def data(app):
    """Base data: two departments, fields, one account per role; returns their ids."""
    from portal.admin.models import Agency, AgencyKind, Field
    from portal.auth.models import Role, User
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.timefmt import local_to_utc, local_today

    with app.app_context():
        tnmt = Agency(name="Sở Tài nguyên và Môi trường", short_name="STNMT",
                      kind=AgencyKind.DEPARTMENT)
        xd = Agency(name="Sở Xây dựng", short_name="SXD", kind=AgencyKind.DEPARTMENT)
        fields = [Field(name=n, position=i) for i, n in enumerate(["Đất đai", "Môi trường", "Xây dựng"])]
        db.session.add_all([tnmt, xd, *fields])
        db.session.flush()
        users = {
            "office": User(username="office", full_name="Nguyễn Văn Phòng", role=Role.OFFICE),
            "chair": User(username="chair", full_name="Phan Thế Tuấn", role=Role.CHAIR),
            "officer": User(username="officer", full_name="Trần Thị Mai", role=Role.OFFICER,
                            agency_id=tnmt.id),
            "other_officer": User(username="other", full_name="Lê Văn Dũng", role=Role.OFFICER,
                                  agency_id=xd.id),
            "observer": User(username="observer", full_name="Hoàng Thị Thu", role=Role.OBSERVER),
            "admin": User(username="admin", full_name="Quản trị", role=Role.ADMIN),
        }
        for user in users.values():
            user.set_password(PASSWORD)
        day = local_today() + timedelta(days=3)
        meeting = DialogueSession(
            kind=SessionKind.CITIZEN_RECEPTION, title="Đối thoại tháng 12 về đất đai",
            starts_at=local_to_utc(day, time(8, 0)), venue="Trụ sở Tiếp công dân tỉnh",
            host="Phó Chủ tịch Phan Thế Tuấn", status=SessionStatus.SCHEDULED,
        )
        db.session.add_all([*users.values(), meeting])
        db.session.commit()
        return {
            "agency": tnmt.id, "other_agency": xd.id, "fields": [f.id for f in fields],
            "users": {k: u.id for k, u in users.items()}, "session": meeting.id, "day": day,
        }


@pytest.fixture
def keeping(app):
    """Figures kept per data revision (REPORT_CACHE, off under TESTING), from nothing kept:
    for tests that commit (real_commit), as the deferred token triggers fire at commit."""
    from portal.revision import forget

    app.config["REPORT_CACHE"] = True
    with app.app_context():
        forget()
    yield
    app.config.pop("REPORT_CACHE", None)
    with app.app_context():
        forget()


@pytest.fixture
def client(app):
    return Client(app.test_client())


@pytest.fixture
def login(app, data):
    """login("office") -> a Client logged in with that role's account."""

    def _login(role: str) -> Client:
        from portal.auth.models import User
        from portal.extensions import db

        c = Client(app.test_client())
        if role == "anonymous":
            return c
        with app.app_context():
            username = db.session.get(User, data["users"][role]).username
        response = c.login(username)
        assert response.status_code == 303, response.get_data(as_text=True)
        return c

    return _login
