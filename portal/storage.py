"""Where uploaded files live, so that every app host sees the same ones (lưu trữ tệp).

One small interface, `put`/`get`/`delete`, over a few backends chosen by FILE_STORAGE:

- ``database`` (the default): a `StoredFile` row holds the bytes. Writing is part of the
  caller's transaction (a rollback leaves nothing) and a single `pg_dump` backs up every
  file with the records that name it.
- ``s3``: an S3-compatible object store (S3_BUCKET, S3_PREFIX, S3_ENDPOINT_URL, and the
  usual AWS_* credentials); needs boto3, which is not a dependency: `pip install boto3`.
- ``disk``: a folder (UPLOAD_FOLDER, default instance/uploads). One host only, or a folder
  that every host mounts.

Backends outside the database write at once; `put` then arranges that the object is removed
again if the transaction does not commit, and `delete` waits for the commit, so a file
and the row that names it always come and go together. Keys are the callers' own (for
attachments, a random hex name and the extension).
"""
from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Protocol

from flask import current_app
from sqlalchemy import LargeBinary, String, event, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.orm import Mapped, Session, mapped_column

from portal.extensions import db
from portal.types import UTCDateTime, utcnow

log = logging.getLogger(__name__)


class StoredFile(db.Model):
    """The bytes of an uploaded file (an attachment), kept in the database by default."""

    __tablename__ = "stored_file"
    __audit_exclude__ = ("content",)  # the audit keeps the size and the hash, not the bytes

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column()
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StorageError(OSError):
    """The backend could not keep or give back a file; `errno` as the system said it."""


class Store(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def delete(self, key: str) -> None: ...

    def keys(self) -> set[str]: ...


@dataclass(frozen=True)
class Put:
    key: str
    sha256: str
    size: int


# --------------------------------------------------------------------------- the database

class DatabaseStore:
    """Files as `StoredFile` rows in the caller's session (committed with it)."""

    name = "database"

    def put(self, key: str, content: bytes, content_type: str) -> None:
        db.session.add(StoredFile(key=key, content=content, size=len(content),
                                  sha256=hashlib.sha256(content).hexdigest(),
                                  content_type=content_type))

    def get(self, key: str) -> bytes | None:
        return db.session.scalar(select(StoredFile.content).where(StoredFile.key == key))

    def delete(self, key: str) -> None:
        db.session.execute(sql_delete(StoredFile).where(StoredFile.key == key))

    def keys(self) -> set[str]:
        return set(db.session.scalars(select(StoredFile.key)))


# --------------------------------------------------------------------------- a folder

class DiskStore:
    """Files in a folder, written whole (fsync) or not at all."""

    name = "disk"

    def __init__(self, folder: str):
        self.folder = folder

    def _path(self, key: str) -> str:
        if not key or os.path.basename(key) != key or key.startswith("."):
            raise FileNotFoundError(key)
        return os.path.join(self.folder, key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        os.makedirs(self.folder, mode=0o750, exist_ok=True)
        path = self._path(key)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(content)
                out.flush()
                os.fsync(out.fileno())  # a full disk may only say so now
        except BaseException:
            _silently(os.remove, path)  # what a full disk leaves: an empty or truncated file
            raise

    def get(self, key: str) -> bytes | None:
        try:
            with open(self._path(key), "rb") as fh:
                return fh.read()
        except FileNotFoundError:
            return None

    def delete(self, key: str) -> None:
        _silently(os.remove, self._path(key))

    def keys(self) -> set[str]:
        return set(os.listdir(self.folder)) if os.path.isdir(self.folder) else set()


def _silently(remove: Callable[[str], None], path: str) -> None:
    try:
        remove(path)
    except FileNotFoundError:
        pass


# --------------------------------------------------------------------------- S3

class S3Store:
    """Files as objects of one bucket (any S3-compatible store: MinIO, Ceph, a cloud's).
    `client` is a boto3 S3 client, or anything with its three calls."""

    name = "s3"

    def __init__(self, client, bucket: str, prefix: str = ""):
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put(self, key: str, content: bytes, content_type: str) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=content,
                                   ContentType=content_type)
        except Exception as err:  # noqa: BLE001 - botocore's errors, whatever their class
            raise StorageError(f"S3 put {key}: {err}") from err

    def get(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as err:  # noqa: BLE001
            if _s3_missing(err):
                return None
            raise StorageError(f"S3 get {key}: {err}") from err
        return answer["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def keys(self) -> set[str]:
        found, token = set(), None
        while True:
            args = {"Bucket": self.bucket, "Prefix": self.prefix}
            if token:
                args["ContinuationToken"] = token
            page = self.client.list_objects_v2(**args)
            found.update(o["Key"][len(self.prefix):] for o in page.get("Contents", ()))
            token = page.get("NextContinuationToken")
            if not token:
                return found


def _s3_missing(err: Exception) -> bool:
    code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
    return code in ("NoSuchKey", "404", "NotFound")


def _s3_client(config):
    try:
        import boto3
    except ImportError as err:  # pragma: no cover - depends on the installation
        raise RuntimeError("FILE_STORAGE=s3 cần thư viện boto3 (pip install boto3).") from err
    return boto3.client("s3", endpoint_url=config.get("S3_ENDPOINT_URL") or None,
                        region_name=config.get("S3_REGION") or None)


# --------------------------------------------------------------------------- the one in use

BACKENDS = ("database", "s3", "disk")


def upload_folder(app=None) -> str:
    app = app or current_app
    return app.config.get("UPLOAD_FOLDER") or os.path.join(app.instance_path, "uploads")


def store(app=None) -> Store:
    """The store this installation uses (FILE_STORAGE)."""
    app = app or current_app
    kind = (app.config.get("FILE_STORAGE") or "database").lower()
    if kind == "database":
        return DatabaseStore()
    if kind == "disk":
        return DiskStore(upload_folder(app))
    if kind == "s3":
        cached = app.extensions.get("portal.s3")
        if cached is None:
            cached = app.extensions["portal.s3"] = S3Store(
                app.config.get("S3_CLIENT") or _s3_client(app.config),
                app.config["S3_BUCKET"], app.config.get("S3_PREFIX") or "")
        return cached
    raise RuntimeError(f"FILE_STORAGE={kind!r}: chỉ nhận {', '.join(BACKENDS)}.")


_WRITTEN = "storage.written"  # Session.info: objects written outside the database, not committed
_DELETED = "storage.deleted"  # Session.info: objects to delete once committed


def put(key: str, content: bytes, content_type: str) -> Put:
    """Keep `content` under `key` as part of the current transaction."""
    backend = store()
    if not isinstance(backend, DatabaseStore):
        db.session.connection()  # a transaction, whose end removes the file unless committed
    backend.put(key, content, content_type)
    if not isinstance(backend, DatabaseStore):
        db.session.info.setdefault(_WRITTEN, []).append((backend, key))
    return Put(key, hashlib.sha256(content).hexdigest(), len(content))


def get(key: str) -> bytes | None:
    """The bytes kept under `key`, or None."""
    return store().get(key)


def delete(key: str) -> None:
    """Forget `key` when the current transaction commits."""
    backend = store()
    if isinstance(backend, DatabaseStore):
        backend.delete(key)
    else:
        db.session.info.setdefault(_DELETED, []).append((backend, key))


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.in_nested_transaction():
        return
    session.info.pop(_WRITTEN, None)  # committed: the rows name them
    for backend, key in session.info.pop(_DELETED, ()):
        try:
            backend.delete(key)
        except Exception:  # noqa: BLE001 - the row is gone; an orphan object is only space
            log.exception("stored file %s not deleted", key)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is not None:
        return
    session.info.pop(_DELETED, None)  # rolled back: the file stays with its row
    for backend, key in session.info.pop(_WRITTEN, ()):
        try:
            backend.delete(key)  # rolled back, or closed without a commit
        except Exception:  # noqa: BLE001
            log.exception("stored file %s not removed after a rollback", key)


# --------------------------------------------------------------------------- moving files in

@dataclass
class Imported:
    """What `import_files` did, by key."""

    moved: list[str]
    already: list[str]
    missing: list[str]  # named by a record, not in the folder
    damaged: list[str]  # in the folder, but not the bytes the record's hash names


def import_files(folder: str, wanted: dict[str, tuple[str, str]], *,
                 each: Callable[[str], None] = lambda key: None) -> Imported:
    """Copy the files named in `wanted` (key -> (sha256, content type)) from `folder` (the
    old instance/uploads) into the store in use; `each(key)` after each one (the command
    commits there). A file already in the store is left; one whose bytes do not match its
    record's hash is reported, not copied. The folder is not changed."""
    backend, source = store(), DiskStore(folder)
    have = backend.keys()
    done = Imported([], [], [], [])
    for key in sorted(wanted):
        sha256, content_type = wanted[key]
        if key in have:
            done.already.append(key)
            continue
        content = source.get(key)
        if content is None:
            done.missing.append(key)
        elif hashlib.sha256(content).hexdigest() != sha256:
            done.damaged.append(key)
        else:
            put(key, content, content_type)
            done.moved.append(key)
            each(key)
    return done
