"""The server cannot store an answer's file in the disk store (FILE_STORAGE=disk: disk full,
read-only folder, a folder that is missing and cannot be created): the agency is told at the file field, in Vietnamese (422);
nothing is saved and no file is left behind, not even the empty one a full disk leaves.

The full disk is a 64 KB tmpfs, the read-only folder a read-only bind mount: both need
root (mount); elsewhere the read-only folder is a chmod 555 folder, and the tests that
need a mount are skipped.
"""
from __future__ import annotations

import errno
import io
import os
import subprocess

import pytest

from tests.tracker.tracker_fixtures import (  # noqa: F401 (fixtures)
    PDF, PNG, get_assignment, make, page_form, rows,
)

FULL = "Máy chủ đã hết chỗ lưu tệp: chưa lưu được tệp “{name}”."
READ_ONLY = "Thư mục lưu tệp trên máy chủ không cho ghi: chưa lưu được tệp “{name}”."
NO_FOLDER = "Thư mục lưu tệp trên máy chủ không có và không tạo được: chưa lưu được tệp “{name}”."


def _mount(*args) -> bool:
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


def _umount(path) -> None:
    subprocess.run(["umount", str(path)], capture_output=True, check=False)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KB file system (tmpfs), empty."""
    folder = tmp_path / "small-disk"
    folder.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=64k,mode=0750", "tmpfs", str(folder)):
        pytest.skip("mounting a tmpfs needs root")
    yield folder
    _umount(folder)


def _fill(folder) -> str:
    """Fill the file system up; the filler's name."""
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 512):
            pass
    except OSError as err:
        assert err.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return "filler"


@pytest.fixture
def read_only_folder(tmp_path):
    """A folder nobody may write in: a read-only bind mount as root, chmod 555 otherwise."""
    source, folder = tmp_path / "source", tmp_path / "read-only"
    source.mkdir()
    folder.mkdir()
    if os.geteuid() == 0:
        if not _mount("--bind", str(source), str(folder)):
            pytest.skip("bind mounts are not allowed here")
        if not _mount("-o", "remount,bind,ro", str(folder)):
            _umount(folder)
            pytest.skip("read-only remounts are not allowed here")
        yield folder
        _umount(folder)
    else:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)


def _use_disk(app, monkeypatch, folder) -> None:
    monkeypatch.setitem(app.config, "FILE_STORAGE", "disk")
    monkeypatch.setitem(app.config, "UPLOAD_FOLDER", folder)


def _listing(folder) -> list[str]:
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def _answer(client, assignment_id, files, values=None):
    return client.post(f"/tracker/{assignment_id}/answer", htmx=True,
                       content_type="multipart/form-data",
                       data={**(values or {}), "answer": "Nội dung trả lời vẫn còn",
                             "files": [(io.BytesIO(body), name) for name, body in files]})


def _refused_at_the_file_field(app, response, assignment_id, message):
    from portal.tracker.models import AssignmentStep, Attachment, Notification

    body = response.get_data(as_text=True)
    assert response.status_code == 422, body[:400]
    assert body.lstrip().startswith('<section id="assignment"')
    error = body[body.index('id="files-error"'):]
    assert message in error[:600]
    assert "Nội dung trả lời vẫn còn" in body  # the typed answer is kept
    item = get_assignment(app, assignment_id)
    assert item.status.value == "assigned" and item.answer == ""
    assert rows(app, Attachment) == [] and rows(app, AssignmentStep) == []
    assert rows(app, Notification) == []


# --------------------------------------------------------------------------- through the page

def test_a_full_disk_is_reported_at_the_file_field(app, login, make, small_disk, monkeypatch):
    _use_disk(app, monkeypatch, str(small_disk))
    filler = _fill(small_disk)
    assignment_id = make()
    client = login("officer")
    values = page_form(client, assignment_id, "answer")
    response = _answer(client, assignment_id, [("tra-loi.pdf", PDF)], values)
    _refused_at_the_file_field(app, response, assignment_id, FULL.format(name="tra-loi.pdf"))
    assert _listing(small_disk) == [filler]  # not even an empty file is left
    # Once there is room again, the same form (its client key was not used) goes through.
    os.remove(small_disk / filler)
    assert _answer(client, assignment_id, [("tra-loi.pdf", PDF)], values).status_code == 204
    assert len(_listing(small_disk)) == 1
    assert get_assignment(app, assignment_id).status.value == "answered"


def test_a_disk_that_fills_up_midway_leaves_no_part_of_any_file(app, login, make, small_disk,
                                                                monkeypatch):
    """The first file fits, the second fills the disk halfway through: the partly written
    second file and the complete first one both go."""
    _use_disk(app, monkeypatch, str(small_disk))
    assignment_id = make()
    big = b"%PDF-1.4\n" + b"0" * 100_000  # larger than the whole disk
    response = _answer(login("officer"), assignment_id, [("so-do.png", PNG),
                                                         ("bien-ban.pdf", big)])
    _refused_at_the_file_field(app, response, assignment_id, FULL.format(name="bien-ban.pdf"))
    assert _listing(small_disk) == []


def test_a_read_only_folder_is_reported_at_the_file_field(app, login, make, read_only_folder,
                                                          monkeypatch):
    _use_disk(app, monkeypatch, str(read_only_folder))
    assignment_id = make()
    response = _answer(login("officer"), assignment_id, [("tra-loi.pdf", PDF)])
    _refused_at_the_file_field(app, response, assignment_id, READ_ONLY.format(name="tra-loi.pdf"))
    assert _listing(read_only_folder) == []


def test_a_folder_that_cannot_be_created_is_reported_at_the_file_field(app, login, make,
                                                                       tmp_path, monkeypatch):
    """The upload folder is missing, and a plain file sits where its parent should be."""
    (tmp_path / "instance-data").write_bytes(b"not a folder")
    folder = tmp_path / "instance-data" / "uploads"
    _use_disk(app, monkeypatch, str(folder))
    assignment_id = make()
    response = _answer(login("officer"), assignment_id, [("tra-loi.pdf", PDF)])
    _refused_at_the_file_field(app, response, assignment_id, NO_FOLDER.format(name="tra-loi.pdf"))
    assert not folder.exists()


def test_a_missing_folder_under_a_read_only_one_cannot_be_created(app, login, make,
                                                                  read_only_folder,
                                                                  monkeypatch):
    folder = read_only_folder / "uploads"
    _use_disk(app, monkeypatch, str(folder))
    assignment_id = make()
    response = _answer(login("officer"), assignment_id, [("tra-loi.pdf", PDF)])
    _refused_at_the_file_field(app, response, assignment_id, READ_ONLY.format(name="tra-loi.pdf"))
    assert not folder.exists()


def test_a_missing_folder_that_can_be_created_is_created(app, login, make, tmp_path,
                                                         monkeypatch):
    folder = tmp_path / "new" / "uploads"
    _use_disk(app, monkeypatch, str(folder))
    assignment_id = make()
    assert _answer(login("officer"), assignment_id, [("tra-loi.pdf", PDF)]).status_code == 204
    assert len(_listing(folder)) == 1


# --------------------------------------------------------------------------- the function

def _checked(body=PDF, name="tra-loi.pdf"):
    from portal.tracker import uploads

    return uploads.check(io.BytesIO(body), name, 10 * 1024 * 1024)


def _store_in(app, monkeypatch, folder):
    from portal.extensions import db
    from portal.tracker import uploads

    _use_disk(app, monkeypatch, str(folder))
    with app.app_context():
        try:
            return uploads.store(_checked())
        finally:
            db.session.rollback()


def test_store_on_a_full_disk_raises_at_files_and_removes_the_empty_file(app, small_disk,
                                                                         monkeypatch):
    from portal.tracker import uploads

    filler = _fill(small_disk)
    with pytest.raises(uploads.UploadError) as refused:
        _store_in(app, monkeypatch, small_disk)
    assert (refused.value.status, refused.value.field) == (422, "files")
    assert str(refused.value).startswith(FULL.format(name="tra-loi.pdf"))
    assert _listing(small_disk) == [filler]


def test_store_in_a_read_only_folder_raises_at_files(app, read_only_folder, monkeypatch):
    from portal.tracker import uploads

    with pytest.raises(uploads.UploadError) as refused:
        _store_in(app, monkeypatch, read_only_folder)
    assert str(refused.value).startswith(READ_ONLY.format(name="tra-loi.pdf"))
    assert _listing(read_only_folder) == []


def test_store_logs_the_system_reason_for_the_administrator(app, tmp_path, caplog,
                                                            monkeypatch):
    from portal.tracker import uploads

    (tmp_path / "blocked").write_bytes(b"")
    with pytest.raises(uploads.UploadError):
        _store_in(app, monkeypatch, tmp_path / "blocked" / "uploads")
    assert "blocked" in caplog.text and "tra-loi.pdf" in caplog.text


def test_a_file_stored_on_disk_is_removed_again_by_a_rollback(app, tmp_path, monkeypatch):
    _store_in(app, monkeypatch, tmp_path / "uploads")
    assert _listing(tmp_path / "uploads") == []
