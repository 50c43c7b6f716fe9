"""`flask db upgrade` from an empty database works, and the models match the migrations."""
import os
import uuid

import pytest
from alembic.util.exc import CommandError
from sqlalchemy import create_engine, inspect, text


@pytest.fixture
def empty_database_url(db_name, tmp_path):
    if db_name == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.sqlite3"
        return
    from support import PG_URL, _database_url_from

    base = _database_url_from(PG_URL)
    name = f"migr_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_empty_then_check_is_clean(empty_database_url, tmp_path, monkeypatch):
    from flask_migrate import check, upgrade

    from portal import create_app
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                              "SECRET_KEY": "migr"})
    with application.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"dialogue_session", "petition", "assignment", "audit_event",
                "user_account", "alembic_version"} <= tables
        if db.engine.dialect.name == "postgresql":  # the trigram index of the search
            names = {i["name"] for i in inspect(db.engine).get_indexes("petition")}
            assert "ix_trgm_petition_search_text" in names
        try:
            check()  # raises when the models and the migrations differ
        except CommandError as err:  # pragma: no cover - the failure message is the point
            pytest.fail(f"flask db check is not clean: {err}")
        db.session.remove()
        db.engine.dispose()
    assert os.path.isdir(tmp_path)


def _insert(conn, table: str, **values):
    """A row of `table` as the schema is now: the given values, and a plain one for every
    other required column (ids of 1 for the foreign keys)."""
    from datetime import date, datetime

    import sqlalchemy as sa

    reflected = sa.Table(table, sa.MetaData(), autoload_with=conn)
    row = dict(values)
    for column in reflected.columns:
        if column.name in row or column.nullable or column.server_default is not None:
            continue
        try:
            kind = column.type.python_type
        except NotImplementedError:
            kind = str
        row[column.name] = {int: 1, bool: True, datetime: datetime(2026, 12, 1, 1),
                            date: date(2026, 12, 1)}.get(kind, "x")
    conn.execute(reflected.insert().values(**row))


def test_0026_writes_the_masked_copy_of_every_existing_petition(empty_database_url, tmp_path,
                                                                monkeypatch):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                              "SECRET_KEY": "migr"})
    with application.app_context():
        upgrade(revision="0025")
        with db.engine.begin() as conn:
            _insert(conn, "field", id=1, name="Đất đai")
            _insert(conn, "dialogue_session", id=1, kind="citizen_reception",
                    status="planned")
            for pid, kind in ((1, "citizen"), (2, "business")):
                _insert(conn, "petition", id=pid, session_id=1, submitter_kind=kind,
                        submitter_name="Nguyễn Văn An", field_id=1, channel="at_dialogue",
                        content="Ông Nguyễn Văn An, SĐT 0987654321, đề nghị")
        upgrade()
        with db.engine.connect() as conn:
            masked = dict(conn.execute(text(
                "SELECT id, content_masked FROM petition ORDER BY id")).all())
        assert masked[1] == "Ông Nguyễn V. A., SĐT ***, đề nghị"  # a person: the name too
        assert masked[2] == "Ông Nguyễn Văn An, SĐT ***, đề nghị"  # a business: numbers only
        db.session.remove()
        db.engine.dispose()


def test_0027_gives_every_existing_session_a_token_that_its_next_petition_changes(
        empty_database_url, tmp_path, monkeypatch):
    from flask_migrate import upgrade

    from portal import create_app
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                              "SECRET_KEY": "migr"})
    with application.app_context():
        upgrade(revision="0026")
        with db.engine.begin() as conn:
            _insert(conn, "field", id=1, name="Đất đai")
            for sid in (1, 2):
                _insert(conn, "dialogue_session", id=sid, kind="citizen_reception",
                        status="planned")
        upgrade()

        def tokens():
            with db.engine.connect() as conn:
                return dict(conn.execute(text(
                    "SELECT session_id, token FROM session_revision")).all())

        assert tokens() == {1: 0, 2: 0}
        with db.engine.begin() as conn:
            _insert(conn, "petition", id=1, session_id=2, submitter_kind="citizen",
                    submitter_name="Nguyễn Văn An", field_id=1, channel="at_dialogue",
                    content="Đề nghị")
        after = tokens()
        assert after[1] == 0 and after[2] != 0
        db.session.remove()
        db.engine.dispose()


def test_0028_tells_an_existing_sessions_answer_by_its_agency_and_a_petition_whole(
        empty_database_url, tmp_path, monkeypatch):
    """Upgraded with a petition and its assignment in place: an answer moves the session's
    token and its (session, agency) token, not its petitions token; a petition's change
    moves both of the session's tokens."""
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                              "SECRET_KEY": "migr"})
    with application.app_context():
        upgrade(revision="0027")
        with db.engine.begin() as conn:
            _insert(conn, "field", id=1, name="Đất đai")
            _insert(conn, "agency", id=1, name="Sở Xây dựng", short_name="SXD", kind="department")
            _insert(conn, "dialogue_session", id=1, kind="citizen_reception", status="planned")
            _insert(conn, "petition", id=1, session_id=1, submitter_kind="citizen",
                    submitter_name="Nguyễn Văn An", field_id=1, channel="at_dialogue",
                    content="Đề nghị")
            _insert(conn, "assignment", id=1, petition_id=1, agency_id=1, mode="in_writing",
                    status="assigned")
        upgrade()

        def tokens():
            with db.engine.connect() as conn:
                return (conn.execute(text("SELECT token, petitions_token FROM session_revision "
                                          "WHERE session_id = 1")).one(),
                        dict(conn.execute(text("SELECT session_id || '/' || agency_id, token "
                                               "FROM session_agency_revision")).all()))

        (token, petitions), pairs = tokens()
        assert petitions == 0 and pairs == {}
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE assignment SET status = 'answered' WHERE id = 1"))
        (answered, still), pairs = tokens()
        assert answered != token and still == 0 and set(pairs) == {"1/1"}
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE petition SET content = 'Đề nghị sửa' WHERE id = 1"))
        (edited, moved), again = tokens()
        assert edited != answered and moved != 0 and again == pairs
        downgrade(revision="0027")  # and back: 0027's triggers work again
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE petition SET content = 'Đề nghị' WHERE id = 1"))
        with db.engine.connect() as conn:  # (on PostgreSQL, at the commit)
            assert conn.execute(text("SELECT token FROM session_revision")).scalar() != edited
        db.session.remove()
        db.engine.dispose()


def test_0029_keys_the_figures_index_by_session_and_agency_and_goes_back(
        empty_database_url, tmp_path, monkeypatch):
    """After 0029 the figures' index is keyed by (session, agency), so an agency's items of
    one session are found by both (on PostgreSQL, from the index alone: the planner's
    index condition names both columns); downgraded, 0028's index keyed by session is back."""
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from portal.extensions import db

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url,
                              "SECRET_KEY": "migr"})

    def keys() -> dict[str, list[str]]:
        return {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("assignment")
                if "figures" in i["name"]}

    with application.app_context():
        upgrade()
        assert keys() == {"ix_assignment_session_agency_figures": ["session_id", "agency_id"]}
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:
                conn.execute(text("SET enable_seqscan = off"))  # an empty table: else a scan
                conn.execute(text("SET enable_bitmapscan = off"))
                plan = "\n".join(conn.execute(text(
                    "EXPLAIN SELECT status, count(*) FROM assignment "
                    "WHERE (session_id, agency_id) IN ((1, 2)) GROUP BY status")).scalars())
            assert "ix_assignment_session_agency_figures" in plan
            assert "session_id = 1" in plan and "agency_id = 2" in plan
            assert "Index Only Scan" in plan
        downgrade(revision="0028")
        assert keys() == {"ix_assignment_session_figures": ["session_id"]}
        db.session.remove()
        db.engine.dispose()
