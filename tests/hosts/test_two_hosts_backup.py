"""A single pg_dump is a complete backup: dump the two hosts' database, restore it into a new
database, start a host on it, and every page and every file it serves is identical to the
original's (bodies hashed; only the per-render form tokens are masked)."""
from __future__ import annotations

import hashlib
import re
import shutil
import subprocess

import pytest
from sqlalchemy import create_engine, text

from tests.hosts import cluster
from tests.hosts.conftest import database, drop_database
from tests.hosts.test_two_hosts import PASSWORD

# What differs between two renders of the same page on the same database: the CSRF token
# (signed with a timestamp) and the client keys of the forms (new at each render).
TOKEN = r'name="(?:[\w-]+-)?(?:csrf_token|client_key)"'
VOLATILE = [
    re.compile(r'(<meta name="csrf-token" content=")[^"]+'),
    re.compile(r'("X-CSRFToken": ")[^"]+'),
    re.compile(rf'(<input[^>]*{TOKEN}[^>]*value=")[^"]*'),
    re.compile(rf'(<input[^>]*value=")[^"]*(?="[^>]*{TOKEN})'),
]


# Files made on request (not the frozen issued PDFs) carry the moment they were made.
PDF_MOMENT = re.compile(rb"/(?:CreationDate|ModDate) \(D:[^)]*\)|/ID \[<[0-9a-fA-F]+><[0-9a-fA-F]+>\]")
ICS_MOMENT = re.compile(rb"^DTSTAMP:.*$", re.MULTILINE)


def _masked(body: bytes, kind: str) -> bytes:
    """The body without what differs between two renders of the same data."""
    if kind.startswith("text/html"):
        page = body.decode()
        for pattern in VOLATILE:
            page = pattern.sub(r"\1…", page)
        return page.encode()
    if kind.startswith("application/pdf"):
        return PDF_MOMENT.sub(b"", body)
    if kind.startswith("text/calendar"):
        return ICS_MOMENT.sub(b"", body)
    if kind.startswith("application/vnd.openxmlformats"):
        import io
        import zipfile

        with zipfile.ZipFile(io.BytesIO(body)) as package:
            return b"".join(name.encode() + package.read(name) for name in
                            sorted(package.namelist()) if name != "docProps/core.xml")
    return body


def _pages(hosts, engine) -> list[str]:
    """Every page without an argument in the URL, and each record's own page."""
    from portal import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    skip = ("static", "health.", "auth.logout")
    plain = sorted({rule.rule for rule in app.url_map.iter_rules()
                    if "GET" in rule.methods and not rule.arguments
                    and not rule.endpoint.startswith(skip)})
    with engine.connect() as conn:
        items = conn.execute(text("SELECT id FROM assignment ORDER BY id")).scalars().all()
        petitions = conn.execute(text("SELECT id FROM petition ORDER BY id")).scalars().all()
        documents = conn.execute(text("SELECT id FROM document ORDER BY id")).scalars().all()
        sessions = conn.execute(text("SELECT id FROM dialogue_session ORDER BY id LIMIT 5")
                                ).scalars().all()
    return (plain + [f"/tracker/{i}" for i in items] + [f"/petitions/{p}" for p in petitions]
            + [f"/documents/{d}" for d in documents] + [f"/calendar/sessions/{s}"
                                                        for s in sessions])


def _files(engine) -> list[str]:
    with engine.connect() as conn:
        attachments = conn.execute(text("SELECT id FROM attachment ORDER BY id")).scalars().all()
        issued = conn.execute(text("SELECT document_id FROM document_file ORDER BY 1")
                              ).scalars().all()
    return ([f"/tracker/attachments/{a}" for a in attachments]
            + [f"/documents/{d}.pdf" for d in issued])


def _contents(engine) -> dict:
    """Every file's bytes as the database holds them, by table and key (hashed)."""
    with engine.connect() as conn:
        stored = conn.execute(text(
            "SELECT key, encode(sha256(content), 'hex'), sha256 FROM stored_file")).all()
        issued = conn.execute(text(
            "SELECT document_id, encode(sha256(content), 'hex'), sha256 FROM document_file"
        )).all()
    assert all(actual == recorded for _, actual, recorded in stored + issued)
    return {"stored_file": sorted(stored), "document_file": sorted(issued)}


def _first_difference(one: bytes, other: bytes) -> str:
    import difflib

    lines = list(difflib.unified_diff(one.decode(errors="replace").splitlines(),
                                      other.decode(errors="replace").splitlines(), n=0,
                                      lineterm=""))
    return "\n".join(lines[2:8])


def test_a_dump_restored_into_a_new_database_serves_identical_pages_and_files(hosts):
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            pytest.skip(f"{tool} is missing (Debian's postgresql-client)")
    from support import _database_url_from

    office = cluster.Browser()
    assert office.login(hosts["a"].port, "vanphong", PASSWORD).status == 303
    # The backup: one pg_dump of the one database, files included.
    dump = hosts["folder"] / "portal.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(dump), hosts["url"]],
                   check=True, capture_output=True)
    name = hosts["name"] + "_restored"
    restored_url = database(hosts["base_url"], name)
    restored = create_engine(_database_url_from(restored_url))
    host = cluster.Host("C", cluster.ports(4)[3], hosts["folder"] / "c",
                        cluster.host_env(restored_url, hosts["folder"] / "c"))
    try:
        subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", "--dbname",
                        restored_url, str(dump)], check=True, capture_output=True)
        host.start()
        original = hosts["engine"]
        assert _contents(restored) == _contents(original)
        pages, files = _pages(hosts, original), _files(original)
        assert len(files) >= 2  # the attachment, the issued letter (and any answered since)
        differ, compared = [], 0
        for path in pages + files:
            here = office.get(hosts["a"].port, path)
            there = office.get(host.port, path)
            assert there.status == here.status, (path, here.status, there.status)
            if here.status != 200:
                continue
            compared += 1
            kind = here.headers.get("content-type", "")
            if hashlib.sha256(_masked(here.body, kind)).digest() != \
                    hashlib.sha256(_masked(there.body, kind)).digest():
                differ.append((path, _first_difference(_masked(here.body, kind),
                                                       _masked(there.body, kind))))
        assert differ == [], "\n\n".join(f"{p}\n{d}" for p, d in differ)
        print(f"{compared} pages and files compared, of {len(pages) + len(files)} asked")
        assert compared >= len(files) + 10, compared
    finally:
        host.stop()
        restored.dispose()
        drop_database(hosts["base_url"], name)
