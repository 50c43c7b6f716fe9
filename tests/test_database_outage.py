"""The database stops under a running app: every page answers a Vietnamese 503 that says the
data is safe, nothing is half-saved, and the app recovers by itself when the database is back.

A throwaway PostgreSQL cluster (Debian's initdb/pg_ctl, run as the `postgres` user) is stopped
and started again, so the shared test database is never touched.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from datetime import time, timedelta
from pathlib import Path

import pytest
from support import PASSWORD, Client

BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
UNAVAILABLE = "tạm thời không kết nối được cơ sở dữ liệu"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(*args: str) -> None:
    subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True,
                   capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A private PostgreSQL cluster: yields (url, stop, start)."""
    if os.geteuid() != 0 or not BIN or shutil.which("runuser") is None:
        pytest.skip("needs root and Debian's PostgreSQL server binaries")
    # Not under pytest's temporary folder: root keeps that one private (0700).
    base = Path(tempfile.mkdtemp(prefix="portal-outage-"))
    data = base / "data"
    shutil.chown(base, "postgres")
    bin_dir = BIN[-1]
    _as_postgres(f"{bin_dir}/initdb", "-D", str(data), "-A", "trust", "-U", "postgres")
    port = _free_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start():
        _as_postgres(f"{bin_dir}/pg_ctl", "-D", str(data), "-o", options, "-l",
                     str(base / "log"), "-w", "start")

    def stop():
        _as_postgres(f"{bin_dir}/pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")

    start()
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres", stop, start
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", f"{bin_dir}/pg_ctl", "-D",
                        str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="module")
def outage_app(cluster, tmp_path_factory):
    url, _, _ = cluster
    os.environ["PORTAL_INSTANCE_PATH"] = str(tmp_path_factory.mktemp("outage-instance"))
    from portal import create_app
    from portal.auth.models import Role, User
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.admin.models import Field
    from portal.extensions import db
    from portal.timefmt import local_to_utc, local_today

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024})
    with app.app_context():
        db.create_all()
        office = User(username="office", full_name="Nguyễn Văn Phòng", role=Role.OFFICE)
        office.set_password(PASSWORD)
        meeting = DialogueSession(
            kind=SessionKind.CITIZEN_RECEPTION, title="Đối thoại tháng 12",
            starts_at=local_to_utc(local_today() + timedelta(days=5), time(8, 0)),
            venue="Trụ sở Tiếp công dân tỉnh", host="Phó Chủ tịch", status=SessionStatus.SCHEDULED)
        db.session.add_all([office, meeting, Field(name="Đất đai", position=0)])
        db.session.commit()
        app.config["TEST_IDS"] = {"session": meeting.id,
                                  "field": db.session.scalar(db.select(Field.id))}
    yield app
    with app.app_context():
        db.engine.dispose()


def _petition_form(app, key: str) -> dict:
    ids = app.config["TEST_IDS"]
    return {"submitter_kind": "citizen", "submitter_name": "Trần Văn Bình",
            "field_id": ids["field"], "channel": "writing", "content": "Đề nghị cấp sổ đỏ",
            "advising_agency_id": 0, "client_key": key}


def _count(app) -> int:
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        return db.session.scalar(db.select(db.func.count(Petition.id)))


def test_a_stopped_database_answers_503_and_the_app_recovers(cluster, outage_app):
    _, stop, start = cluster
    ids = outage_app.config["TEST_IDS"]
    client = Client(outage_app.test_client())
    assert client.login("office").status_code == 303
    page = f"/petitions/sessions/{ids['session']}"
    assert client.get(page).status_code == 200

    stop()
    try:
        response = client.get(page)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert UNAVAILABLE in response.get_data(as_text=True)
        assert "<html" in response.get_data(as_text=True)  # a whole page, not a bare error
        assert "Internal Server Error" not in response.get_data(as_text=True)

        fragment = client.post(page, _petition_form(outage_app, "k-outage"), htmx=True)
        assert fragment.status_code == 503
        body = fragment.get_data(as_text=True)
        assert UNAVAILABLE in body and "<html" not in body  # a message the page shows
        assert client.get("/healthz").status_code == 503
    finally:
        start()

    assert client.get(page).status_code == 200  # the pool reconnects by itself
    assert client.get("/healthz").status_code == 200
    assert _count(outage_app) == 0  # nothing was half-saved during the outage
    # The user presses the button again: the same form, the same key → one petition.
    for _ in range(2):
        assert client.post(page, _petition_form(outage_app, "k-outage"), htmx=True) \
            .status_code == 200
    assert _count(outage_app) == 1


def test_the_english_interface_gets_the_english_503(cluster, outage_app):
    _, stop, start = cluster
    client = Client(outage_app.test_client())
    assert client.login("office").status_code == 303
    client.post("/language/en", {"next": "/"})
    stop()
    try:
        response = client.get("/calendar/")
        assert response.status_code == 503
        assert "database" in response.get_data(as_text=True).lower()
    finally:
        start()
