"""Files attached to an agency's answer (tệp đính kèm): checked, then stored safely.

A file is accepted only when its extension is one of PDF, Word (.doc, .docx) or image
(.jpg, .jpeg, .png) AND its first bytes say it really is that kind (a renamed executable
is refused), it is not empty and not larger than the limit. It is kept in the installation's
file store (`portal.storage`: the database by default, never static/) under a random name,
as part of the answer's transaction; the name the user gave is kept
only for display and download, with any path removed. Plain functions, no Flask request.

A refused file, and a file the server could not store (disk full, read-only or missing
folder), is an `UploadError`: a `DomainError` at the form's `files` field (422). Storing
never leaves a partly written file behind.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Callable

from werkzeug.utils import secure_filename

from portal import storage
from portal.errors import N_, DomainError
from portal.text import fold

MAX_FILES = 5  # per answer
FIELD = "files"  # the form field the messages belong to

log = logging.getLogger(__name__)


class UploadError(DomainError, ValueError):
    """A refused file, with the reason in Vietnamese (str) or translated (`message`),
    placed at the `files` field (422)."""

    def __init__(self, message: str, **params):
        super().__init__(message, 422, FIELD, **params)


def _starts(*magics: bytes) -> Callable[[BinaryIO], bool]:
    def check(stream: BinaryIO) -> bool:
        stream.seek(0)
        head = stream.read(16)
        return any(head.startswith(m) for m in magics)
    return check


OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc (Word 97–2003)


def _is_docx(stream: BinaryIO) -> bool:
    """A ZIP (OOXML) package holding a Word document; only the directory is read."""
    if not _starts(b"PK\x03\x04")(stream):
        return False
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    check: Callable[[BinaryIO], bool]


KINDS = {
    "pdf": Kind("application/pdf", "PDF", _starts(b"%PDF-")),
    "doc": Kind("application/msword", "Word (.doc)", _starts(OLE2)),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 "Word (.docx)", _is_docx),
    "jpg": Kind("image/jpeg", "JPEG", _starts(b"\xff\xd8\xff")),
    "jpeg": Kind("image/jpeg", "JPEG", _starts(b"\xff\xd8\xff")),
    "png": Kind("image/png", "PNG", _starts(b"\x89PNG\r\n\x1a\n")),
}
ACCEPT = ",".join("." + ext for ext in KINDS)  # for <input type=file accept=…>

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def display_name(raw: str) -> str:
    """The name to show: its last path part only, control and reserved characters removed,
    Vietnamese kept ("../../etc/passwd.pdf" -> "passwd.pdf", "Báo cáo.pdf" stays)."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = _UNSAFE.sub("", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        name = "tep-dinh-kem"
    stem, ext = os.path.splitext(name)
    return stem[: 200] + ext[: 10]


def ascii_name(name: str) -> str:
    """A plain-ASCII name for old clients (Content-Disposition fallback)."""
    return secure_filename(fold(name)) or "tep-dinh-kem"


@dataclass
class CheckedFile:
    """A file that passed every check, not stored yet."""

    stream: BinaryIO
    filename: str  # display name
    extension: str
    content_type: str
    size: int
    sha256: str


def check(stream: BinaryIO, raw_name: str, max_bytes: int) -> CheckedFile:
    """Check one uploaded file; raise UploadError with the reason."""
    name = display_name(raw_name)
    ext = os.path.splitext(name)[1].lower().lstrip(".")
    kind = KINDS.get(ext)
    if kind is None:
        raise UploadError(N_("Tệp “%(name)s”: chỉ nhận PDF, Word (.doc, .docx) hoặc ảnh (.jpg, "
                             ".png)."), name=name)
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    if size == 0:
        raise UploadError(N_("Tệp “%(name)s” rỗng."), name=name)
    if size > max_bytes:
        raise UploadError(N_("Tệp “%(name)s” lớn hơn %(mb)s MB."), name=name,
                          mb=_megabytes(max_bytes))
    if not kind.check(stream):
        raise UploadError(N_("Tệp “%(name)s”: nội dung không phải là tệp %(kind)s như tên tệp "
                             "cho biết."), name=name, kind=kind.label)
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1 << 16), b""):
        digest.update(chunk)
    stream.seek(0)
    return CheckedFile(stream, name, ext, kind.content_type, size, digest.hexdigest())


def _megabytes(n: int) -> str:
    mb = n / (1024 * 1024)
    return str(int(mb)) if mb == int(mb) else f"{mb:.1f}".replace(".", ",")


# Why the server could not store a file, by errno; the user is told in Vietnamese, the
# administrator finds the path and the system's reason in the log.
FULL = N_("Máy chủ đã hết chỗ lưu tệp: chưa lưu được tệp “%(name)s”. Câu trả lời chưa được "
          "gửi; vui lòng báo quản trị hệ thống rồi gửi lại.")
READ_ONLY = N_("Thư mục lưu tệp trên máy chủ không cho ghi: chưa lưu được tệp “%(name)s”. "
               "Câu trả lời chưa được gửi; vui lòng báo quản trị hệ thống rồi gửi lại.")
NO_FOLDER = N_("Thư mục lưu tệp trên máy chủ không có và không tạo được: chưa lưu được tệp "
               "“%(name)s”. Câu trả lời chưa được gửi; vui lòng báo quản trị hệ thống rồi "
               "gửi lại.")
NOT_STORED = N_("Máy chủ không lưu được tệp “%(name)s”. Câu trả lời chưa được gửi; vui lòng "
                "thử lại sau hoặc báo quản trị hệ thống.")
_REASONS = {
    errno.ENOSPC: FULL, errno.EDQUOT: FULL, errno.EFBIG: FULL,
    errno.EROFS: READ_ONLY, errno.EACCES: READ_ONLY, errno.EPERM: READ_ONLY,
    errno.ENOENT: NO_FOLDER, errno.ENOTDIR: NO_FOLDER, errno.EEXIST: NO_FOLDER,
}


def _not_stored(err: OSError, checked: CheckedFile) -> UploadError:
    log.error("attachment %r not stored: %s", checked.filename, err)
    return UploadError(_REASONS.get(err.errno, NOT_STORED), name=checked.filename)


KEY = re.compile(r"[0-9a-f]{40}\.[a-z]{3,4}")  # what `store` names a file


def store(checked: CheckedFile) -> str:
    """Keep the file in the installation's store (`portal.storage`: the database unless
    configured otherwise) under a new random name, as part of the current transaction;
    return that name. A store that cannot take it (a full disk, a read-only folder, an
    unreachable object store) raises UploadError; nothing is left behind."""
    stored = f"{secrets.token_hex(20)}.{checked.extension}"
    checked.stream.seek(0)
    content = checked.stream.read()
    try:
        storage.put(stored, content, checked.content_type)
    except OSError as err:
        raise _not_stored(err, checked) from err
    return stored


def content_of(stored_name: str) -> bytes | None:
    """The stored file's bytes; None when missing. A stored name is ours (hex + extension),
    never a user's path."""
    if not KEY.fullmatch(stored_name or ""):
        return None
    return storage.get(stored_name)
