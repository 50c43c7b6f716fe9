"""Fixtures of the two-host tests: a fresh PostgreSQL database with the demo, an answerable
assignment, a stored attachment and an issued letter; two gunicorn hosts; nginx before them.

They need PostgreSQL (TEST_DATABASE_URL), gunicorn and Debian's nginx (`make test` installs
it). Without PostgreSQL they are skipped; without nginx they skip on a workstation and fail
on CI (env CI set). They run together on one xdist worker (group "hosts"): they start
servers and share one database.
"""
from __future__ import annotations

import os
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.hosts import cluster  # noqa: E402

HERE = Path(__file__).resolve().parent
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
LOCKOUT_AFTER = 4  # failed logins of one account, whichever host saw them


# tryfirst: xdist reads the group marks in its own collection hook, which otherwise runs first
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Every test here is a two-host test, in one xdist group. (Each worker has its own
    database and free ports, so a worker that runs some of them has its own two hosts.)"""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.hosts)
            item.add_marker(pytest.mark.xdist_group("hosts"))


def _needs():
    import support

    if not support.PG_URL:
        pytest.skip("two hosts need PostgreSQL: TEST_DATABASE_URL is not set")
    try:
        engine = create_engine(support._database_url_from(support.PG_URL))
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        pytest.skip(f"two hosts need PostgreSQL: {exc}")
    missing = [p for p in (cluster.NGINX, str(cluster.GUNICORN)) if not shutil.which(p)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"missing on CI: {missing} (make test installs nginx)")
        pytest.skip(f"missing: {missing} (apt-get install nginx)")
    return support.PG_URL


def database(url: str, name: str) -> str:
    """A fresh database `name` beside `url`'s; its plain postgresql:// URL."""
    from support import _database_url_from

    admin = create_engine(_database_url_from(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str, name: str) -> None:
    from support import _database_url_from

    admin = create_engine(_database_url_from(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _prepare(url: str, instance: Path) -> dict:
    """Migrate, load the demo, add what the tests act on; the ids."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed_demo
    from portal.extensions import db
    from support import _database_url_from

    saved = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": _database_url_from(url),
                          "SECRET_KEY": cluster.SECRET, "ARGON2_TIME_COST": 1,
                          "ARGON2_MEMORY_COST": 1024})
    finally:
        if saved is None:
            os.environ.pop("PORTAL_INSTANCE_PATH", None)
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = saved
    with app.app_context():
        upgrade()
        assert seed_demo()
        ids = _data(app)
        db.session.remove()
        db.engine.dispose()
    return ids


def _data(app) -> dict:
    from sqlalchemy import select

    from portal import storage
    from portal.admin.models import Agency
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession
    from portal.documents import services as documents
    from portal.documents.models import SigningPosition
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.admin.models import Field
    from portal.timefmt import local_today
    from portal.tracker.models import AnswerMode, Assignment, Attachment

    officer = db.session.scalar(select(User).where(User.username == "so-tnmt"))
    office = db.session.scalar(select(User).where(User.username == "vanphong"))
    agency = db.session.get(Agency, officer.agency_id)
    meeting = db.session.scalars(select(DialogueSession).order_by(DialogueSession.id)).first()
    field = db.session.scalars(select(Field).order_by(Field.id)).first()
    today = local_today()
    items = []
    # Deadlines around today: some are due a reminder whatever day the test runs.
    for n, days in enumerate((-12, -6, -2, -1, 1, 2, 3, 4, 20)):
        petition = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name=f"Nguyễn Văn {n}", field_id=field.id,
                            content=f"Kiến nghị về đất đai số {n}",
                            channel=Channel.AT_DIALOGUE)
        db.session.add(petition)
        db.session.flush()
        item = Assignment(petition_id=petition.id, agency_id=agency.id,
                          mode=AnswerMode.IN_WRITING, deadline=today + timedelta(days=days))
        db.session.add(item)
        db.session.flush()
        items.append(item.id)
    key = "e" * 40 + ".pdf"
    storage.put(key, PDF, "application/pdf")
    import hashlib

    attachment = Attachment(assignment_id=items[-1], filename="Báo cáo cũ.pdf", stored_name=key,
                            content_type="application/pdf", size=len(PDF),
                            sha256=hashlib.sha256(PDF).hexdigest())
    db.session.add(attachment)
    position = SigningPosition(authority="KT. CHÁNH VĂN PHÒNG", title="PHÓ CHÁNH VĂN PHÒNG",
                               name="Trần Văn Ký", effective_from=date(today.year, 1, 1))
    db.session.add(position)
    db.session.flush()
    letter = documents.draft_letter(office, "đôn đốc trả lời kiến nghị", "KTTH", app.config)
    documents.issue(letter, user_id=office.id, today=today, position=position,
                    config=app.config)
    db.session.commit()
    return {"items": items, "answerable": items[4], "attachment": attachment.id,
            "letter": letter.id, "meeting": meeting.id}


@pytest.fixture(scope="session")
def hosts(tmp_path_factory):
    """Host A and host B (gunicorn, own ports and instance folders) on one fresh PostgreSQL
    database, nginx round-robin before them. Yields a dict: a, b, proxy (ports), url, ids."""
    base_url = _needs()
    name = base_url.rsplit("/", 1)[1].split("?")[0] + "_hosts"
    url = database(base_url, name)
    folder = tmp_path_factory.mktemp("hosts")
    ids = _prepare(url, folder / "setup")
    port_a, port_b, port_proxy = cluster.ports(3)
    a = cluster.Host("A", port_a, folder / "a", cluster.host_env(
        url, folder / "a", LOGIN_MAX_FAILURES=LOCKOUT_AFTER))
    b = cluster.Host("B", port_b, folder / "b", cluster.host_env(
        url, folder / "b", LOGIN_MAX_FAILURES=LOCKOUT_AFTER))
    proxy = None
    from support import _database_url_from

    engine = create_engine(_database_url_from(url))
    try:
        a.start()
        b.start()
        proxy = cluster.start_nginx(folder / "nginx", port_proxy, [port_a, port_b])
        yield {"a": a, "b": b, "proxy": port_proxy, "url": url, "name": name, "ids": ids,
               "folder": folder, "base_url": base_url, "engine": engine}
    finally:
        engine.dispose()
        cluster.stop(proxy)
        a.stop()
        b.stop()
        drop_database(base_url, name)
