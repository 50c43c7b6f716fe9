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
