"""The file store (portal/storage.py): the database by default, S3 or a folder when set;
files come and go with the transaction that names them; old files move in from the disk."""
from __future__ import annotations

import hashlib
import io
import re

import pytest

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _keys(app) -> set[str]:
    from portal import storage

    with app.app_context():
        return storage.store().keys()


# --------------------------------------------------------------------------- the database

def test_the_database_keeps_the_bytes_with_their_hash_and_size(app):
    from portal import storage
    from portal.extensions import db

    with app.app_context():
        done = storage.put("a" * 40 + ".pdf", PDF, "application/pdf")
        db.session.commit()
        row = db.session.get(storage.StoredFile, "a" * 40 + ".pdf")
        assert (row.size, row.sha256, row.content_type) == (
            len(PDF), hashlib.sha256(PDF).hexdigest(), "application/pdf")
        assert (done.size, done.sha256) == (row.size, row.sha256)
        assert storage.get("a" * 40 + ".pdf") == PDF
        assert storage.get("b" * 40 + ".pdf") is None


def test_a_rollback_keeps_no_file_and_a_committed_delete_removes_it(app):
    from portal import storage
    from portal.extensions import db

    with app.app_context():
        storage.put("gone.pdf", PDF, "application/pdf")
        db.session.rollback()
        assert storage.get("gone.pdf") is None
        storage.put("kept.pdf", PDF, "application/pdf")
        db.session.commit()
        storage.delete("kept.pdf")
        db.session.rollback()
        assert storage.get("kept.pdf") == PDF  # a delete rolled back keeps the file
        storage.delete("kept.pdf")
        db.session.commit()
        assert storage.get("kept.pdf") is None


def test_the_audit_records_a_stored_file_without_its_bytes(app):
    from sqlalchemy import select

    from portal import storage
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        storage.put("audited.pdf", PDF, "application/pdf")
        db.session.commit()
        (event,) = [e for e in db.session.scalars(select(AuditEvent).where(
            AuditEvent.entity == "StoredFile")) if e.after["key"] == "audited.pdf"]
        assert event.action == "create" and event.after["sha256"] == hashlib.sha256(PDF).hexdigest()
        assert "content" not in event.after


def test_an_unknown_backend_is_refused(app, monkeypatch):
    from portal import storage

    monkeypatch.setitem(app.config, "FILE_STORAGE", "ftp")
    with app.app_context(), pytest.raises(RuntimeError, match="FILE_STORAGE"):
        storage.store()


# --------------------------------------------------------------------------- S3

class FakeS3:
    """The three calls (and the listing) of a boto3 S3 client, on a dict."""

    class Missing(Exception):
        response = {"Error": {"Code": "NoSuchKey"}}

    def __init__(self, fail_put: bool = False):
        self.objects: dict[tuple[str, str], tuple[bytes, str]] = {}
        self.fail_put = fail_put

    def put_object(self, Bucket, Key, Body, ContentType):
        if self.fail_put:
            raise ConnectionError("endpoint unreachable")
        self.objects[(Bucket, Key)] = (Body, ContentType)

    def get_object(self, Bucket, Key):
        if (Bucket, Key) not in self.objects:
            raise self.Missing(Key)
        return {"Body": io.BytesIO(self.objects[(Bucket, Key)][0])}

    def delete_object(self, Bucket, Key):
        self.objects.pop((Bucket, Key), None)

    def list_objects_v2(self, Bucket, Prefix, ContinuationToken=None):
        return {"Contents": [{"Key": k} for b, k in self.objects if b == Bucket
                             and k.startswith(Prefix)]}


@pytest.fixture
def s3(app, monkeypatch):
    fake = FakeS3()
    monkeypatch.setitem(app.config, "FILE_STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "tinh")
    monkeypatch.setitem(app.config, "S3_PREFIX", "tep/")
    monkeypatch.setitem(app.config, "S3_CLIENT", fake)
    app.extensions.pop("portal.s3", None)
    yield fake
    app.extensions.pop("portal.s3", None)


def test_s3_keeps_the_object_when_committed_and_removes_it_after_a_rollback(app, s3):
    from portal import storage
    from portal.extensions import db

    with app.app_context():
        storage.put("kept.pdf", PDF, "application/pdf")
        db.session.commit()
        storage.put("gone.pdf", PDF, "application/pdf")
        assert ("tinh", "tep/gone.pdf") in s3.objects  # written at once …
        db.session.rollback()
        assert set(s3.objects) == {("tinh", "tep/kept.pdf")}  # … and removed by the rollback
        assert storage.get("kept.pdf") == PDF and storage.get("gone.pdf") is None
        assert storage.store().keys() == {"kept.pdf"}
        storage.delete("kept.pdf")
        assert storage.get("kept.pdf") == PDF  # deleted only once committed
        db.session.commit()
        assert s3.objects == {}
        assert db.session.get(storage.StoredFile, "kept.pdf") is None  # nothing in the database


def test_an_answer_with_a_file_goes_to_s3_and_downloads_from_it(app, data, login, s3):
    from portal.tracker.models import Attachment
    from tests.tracker.tracker_fixtures import rows

    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]
    (attachment,) = rows(app, Attachment)
    assert s3.objects[("tinh", "tep/" + attachment.stored_name)] == (PDF, "application/pdf")
    download = login("office").get(f"/tracker/attachments/{attachment.id}")
    assert download.status_code == 200 and download.get_data() == PDF


def test_an_unreachable_s3_is_told_at_the_file_field(app, data, login, s3):
    s3.fail_put = True
    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 422
    assert "Máy chủ không lưu được tệp “tra-loi.pdf”" in response.get_data(as_text=True)


def _answer_with_a_file(app, data, login):
    """The officer answers an assignment of their agency with a PDF attached."""
    assignment_id = _answerable(app, data)
    return login("officer").post(
        f"/tracker/{assignment_id}/answer", htmx=True, content_type="multipart/form-data",
        data={"answer": "Trả lời", "files": [(io.BytesIO(PDF), "tra-loi.pdf")]})


def _answerable(app, data) -> int:
    """An assignment of the officer's agency, waiting for its answer."""
    from datetime import timedelta

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn A", field_id=data["fields"][0],
                            content="Nội dung", channel=Channel.AT_DIALOGUE)
        db.session.add(petition)
        db.session.flush()
        item = Assignment(petition_id=petition.id, agency_id=data["agency"],
                          mode=AnswerMode.IN_WRITING, deadline=data["day"] + timedelta(days=10))
        db.session.add(item)
        db.session.commit()
        return item.id


# --------------------------------------------------------------------------- from the disk

def _attachment_rows(app, data, files: dict[str, bytes], recorded: dict[str, bytes] | None = None):
    """Attachments whose files were on the old upload folder; `recorded` overrides what
    the row's hash says (a damaged file)."""
    from portal.extensions import db
    from portal.tracker.models import Attachment

    assignment_id = _answerable(app, data)
    with app.app_context():
        for key, content in files.items():
            named = (recorded or {}).get(key, content)
            db.session.add(Attachment(assignment_id=assignment_id, filename=key,
                                      stored_name=key, content_type="application/pdf",
                                      size=len(named), sha256=hashlib.sha256(named).hexdigest()))
        db.session.commit()


def test_import_files_moves_the_old_upload_folder_into_the_store(app, data, tmp_path,
                                                               monkeypatch):
    from portal import storage

    folder = tmp_path / "uploads"
    folder.mkdir()
    one, two, damaged, missing = ("1" * 40 + ".pdf", "2" * 40 + ".pdf", "3" * 40 + ".pdf",
                                  "4" * 40 + ".pdf")
    (folder / one).write_bytes(PDF)
    (folder / two).write_bytes(PDF + b"2")
    (folder / damaged).write_bytes(b"%PDF-1.4 truncated")
    _attachment_rows(app, data, {one: PDF, two: PDF + b"2", damaged: PDF, missing: PDF},
                     recorded={damaged: PDF})
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", str(folder))
    result = app.test_cli_runner().invoke(args=["storage", "import-files"])
    assert result.exit_code == 1
    assert "Đã chuyển 2 tệp vào kho (database); 0 tệp đã có sẵn." in result.output
    assert f"Thiếu tệp {missing}" in result.output
    assert f"Tệp {damaged} không khớp mã SHA-256" in result.output
    assert _keys(app) >= {one, two} and not _keys(app) & {damaged, missing}
    with app.app_context():
        assert storage.get(two) == PDF + b"2"
    assert sorted(p.name for p in folder.iterdir()) == sorted([one, two, damaged])  # untouched
    again = app.test_cli_runner().invoke(args=["storage", "import-files", "--folder",
                                               str(folder)])
    assert "Đã chuyển 0 tệp vào kho (database); 2 tệp đã có sẵn." in again.output


def test_imported_files_download_as_before(app, data, login, tmp_path):
    from portal.tracker.models import Attachment
    from tests.tracker.tracker_fixtures import rows

    folder = tmp_path / "uploads"
    folder.mkdir()
    key = "5" * 40 + ".pdf"
    (folder / key).write_bytes(PDF)
    _attachment_rows(app, data, {key: PDF})
    assert login("office").get(f"/tracker/attachments/{rows(app, Attachment)[0].id}") \
        .status_code == 404  # not in the store yet
    result = app.test_cli_runner().invoke(args=["storage", "import-files", "--folder",
                                                str(folder)])
    assert result.exit_code == 0, result.output
    download = login("office").get(f"/tracker/attachments/{rows(app, Attachment)[0].id}")
    assert download.status_code == 200 and download.get_data() == PDF


# --------------------------------------------------------------------------- SECRET_KEY

def test_a_shared_database_without_secret_key_refuses_to_start(monkeypatch, tmp_path):
    from portal import NO_SECRET_KEY, create_app

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://db.tinh/portal",
                    "SECRET_KEY": None})
    assert str(refused.value) == NO_SECRET_KEY and "SECRET_KEY" in NO_SECRET_KEY
    assert not (tmp_path / "secret_key").exists()  # no per-host key was made


def test_sqlite_keeps_its_generated_key_in_the_instance_folder(monkeypatch, tmp_path):
    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3", "SECRET_KEY": None}
    first, second = create_app(config), create_app(config)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == \
        (tmp_path / "secret_key").read_text()


# --------------------------------------------------------------------------- behind a proxy

@pytest.mark.parametrize("proxies, seen", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_address_behind_a_trusted_proxy_is_the_users(monkeypatch, tmp_path, proxies, seen):
    """Behind nginx (TRUSTED_PROXIES=1) the lockout and the audit count the user's address;
    without the setting a forwarded header is not believed."""
    from flask import request

    from portal import create_app

    monkeypatch.setenv("PORTAL_INSTANCE_PATH", str(tmp_path))
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.sqlite3",
                              "SECRET_KEY": "x", "TRUSTED_PROXIES": proxies, "TESTING": True})
    seen_by_app = []
    application.before_request(lambda: seen_by_app.append(request.remote_addr))
    application.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "127.0.0.1"},
                                  headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen_by_app == [seen]


# --- the same through boto3 itself: botocore's requests, answers and errors (moto) ----------

@pytest.fixture
def boto_s3(app, monkeypatch):
    """FILE_STORAGE=s3 with the app's own boto3 client (`storage._s3_client`), its HTTP
    calls answered by moto's S3: real botocore serialising, paging and ClientErrors."""
    import moto

    for name, value in (("AWS_ACCESS_KEY_ID", "thu"), ("AWS_SECRET_ACCESS_KEY", "thu"),
                        ("AWS_DEFAULT_REGION", "ap-southeast-1")):
        monkeypatch.setenv(name, value)
    monkeypatch.setitem(app.config, "FILE_STORAGE", "s3")
    monkeypatch.setitem(app.config, "S3_BUCKET", "tinh")
    monkeypatch.setitem(app.config, "S3_PREFIX", "tep/")
    monkeypatch.setitem(app.config, "S3_REGION", "ap-southeast-1")
    app.extensions.pop("portal.s3", None)
    with moto.mock_aws():
        import boto3

        client = boto3.client("s3", region_name="ap-southeast-1")
        client.create_bucket(Bucket="tinh", CreateBucketConfiguration={
            "LocationConstraint": "ap-southeast-1"})
        yield client
    app.extensions.pop("portal.s3", None)


def test_boto3_s3_round_trip_missing_keys_and_paged_listing(app, boto_s3):
    from portal import storage
    from portal.extensions import db

    with app.app_context():
        storage.put("kept.pdf", PDF, "application/pdf")
        db.session.commit()
        head = boto_s3.head_object(Bucket="tinh", Key="tep/kept.pdf")
        assert head["ContentType"] == "application/pdf"
        assert storage.get("kept.pdf") == PDF
        assert storage.get("never-written.pdf") is None  # botocore's NoSuchKey: missing
        storage.put("gone.pdf", PDF, "application/pdf")
        db.session.rollback()  # written at once, removed by the rollback
        assert storage.get("gone.pdf") is None
        for n in range(1005):  # more than one page of list_objects_v2 (1,000 keys)
            boto_s3.put_object(Bucket="tinh", Key=f"tep/many/{n}.txt", Body=b"x")
        boto_s3.put_object(Bucket="tinh", Key="other/outside.txt", Body=b"x")
        keys = storage.store().keys()
        assert len(keys) == 1006 and "kept.pdf" in keys and "many/1004.txt" in keys
        storage.delete("kept.pdf")
        db.session.commit()
        assert storage.get("kept.pdf") is None


def test_an_answer_with_a_file_goes_to_s3_through_boto3_and_downloads(app, data, login,
                                                                       boto_s3):
    from portal.tracker.models import Attachment
    from tests.tracker.tracker_fixtures import rows

    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]
    (attachment,) = rows(app, Attachment)
    stored = boto_s3.get_object(Bucket="tinh", Key="tep/" + attachment.stored_name)
    assert stored["Body"].read() == PDF
    download = login("office").get(f"/tracker/attachments/{attachment.id}")
    assert download.status_code == 200 and download.get_data() == PDF


def test_a_missing_bucket_is_told_at_the_file_field(app, data, login, boto_s3, monkeypatch):
    monkeypatch.setitem(app.config, "S3_BUCKET", "khong-co")
    app.extensions.pop("portal.s3", None)
    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 422
    assert "Máy chủ không lưu được tệp “tra-loi.pdf”" in response.get_data(as_text=True)


# --- the same over the network: a separate S3-compatible server process ------------------

@pytest.fixture
def s3_server(app, monkeypatch):
    """FILE_STORAGE=s3 against moto's standalone S3 server, started as a process of its own
    on a local port (S3_ENDPOINT_URL), as a province points the app at MinIO or Ceph: every
    call goes over HTTP, signed, to another process. Yields (a client of it, the process)."""
    import shutil
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import boto3

    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if server is None:
        pytest.skip("moto's server (moto_server) is not installed")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (("AWS_ACCESS_KEY_ID", "thu"), ("AWS_SECRET_ACCESS_KEY", "thu"),
                        ("AWS_DEFAULT_REGION", "ap-southeast-1")):
        monkeypatch.setenv(name, value)
    client = boto3.client("s3", endpoint_url=endpoint, region_name="ap-southeast-1")
    try:
        for _ in range(100):
            try:
                client.create_bucket(Bucket="tinh", CreateBucketConfiguration={
                    "LocationConstraint": "ap-southeast-1"})
                break
            except Exception:  # not listening yet
                time.sleep(0.1)
        else:
            pytest.fail("moto_server did not start")
        for key, value in (("FILE_STORAGE", "s3"), ("S3_BUCKET", "tinh"), ("S3_PREFIX", "tep/"),
                           ("S3_REGION", "ap-southeast-1"), ("S3_ENDPOINT_URL", endpoint)):
            monkeypatch.setitem(app.config, key, value)
        app.extensions.pop("portal.s3", None)
        yield client, process
    finally:
        app.extensions.pop("portal.s3", None)
        process.terminate()
        process.wait(timeout=10)


def test_an_answer_with_a_file_goes_over_http_to_the_s3_server_and_downloads(
        app, data, login, s3_server):
    from portal import storage
    from portal.tracker.models import Attachment
    from tests.tracker.tracker_fixtures import rows

    client, _process = s3_server
    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 204, response.get_data(as_text=True)[:300]
    (attachment,) = rows(app, Attachment)
    stored = client.get_object(Bucket="tinh", Key="tep/" + attachment.stored_name)
    assert stored["Body"].read() == PDF and stored["ContentType"] == "application/pdf"
    download = login("office").get(f"/tracker/attachments/{attachment.id}")
    assert download.status_code == 200 and download.get_data() == PDF
    with app.app_context():
        assert attachment.stored_name in storage.store().keys()


def test_an_s3_server_that_went_away_is_told_at_the_file_field_and_nothing_is_kept(
        app, data, login, s3_server):
    from portal.tracker.models import Assignment, Attachment
    from tests.tracker.tracker_fixtures import rows

    _client, process = s3_server
    process.terminate()
    process.wait(timeout=10)
    response = _answer_with_a_file(app, data, login)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Máy chủ không lưu được tệp “tra-loi.pdf”" in page
    # what the officer typed is still in the form
    assert re.search(r'<textarea[^>]*name="answer"[^>]*>\s*Trả lời</textarea>', page), page
    assert rows(app, Attachment) == []
    assert not [a for a in rows(app, Assignment) if a.answer]  # nor the answer without it
