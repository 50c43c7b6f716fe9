"""Files attached to an agency's answer (tệp đính kèm): checked, then stored safely.

A file is accepted only when its extension is one of PDF, Word (.doc, .docx) or image
(.jpg, .jpeg, .png) AND its first bytes say it really is that kind (a renamed executable
is refused), it is not empty and not larger than the limit. It is stored under the upload
folder (instance/uploads, never static/) with a random name; the name the user gave is kept
only for display and download, with any path removed. Plain functions, no Flask request.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import BinaryIO, Callable

from flask import has_request_context
from flask_babel import gettext
from werkzeug.utils import secure_filename

from portal.text import fold

MAX_FILES = 5  # per answer


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated where it is shown."""
    return message


class UploadError(ValueError):
    """A refused file, with the reason in Vietnamese (str) or translated (`message`)."""

    def __init__(self, message: str, **params):
        super().__init__(message % params)
        self.msgid, self.params = message, params

    @property
    def message(self) -> str:
        if has_request_context():
            return gettext(self.msgid, **self.params)
        return str(self)


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


def store(checked: CheckedFile, folder: str) -> str:
    """Write the file under `folder` with a new random name; return that name."""
    os.makedirs(folder, mode=0o750, exist_ok=True)
    stored = f"{secrets.token_hex(20)}.{checked.extension}"
    path = os.path.join(folder, stored)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as out:
        checked.stream.seek(0)
        shutil.copyfileobj(checked.stream, out)
    return stored


def remove(folder: str, names: list[str]) -> None:
    """Delete stored files (after a failed transaction)."""
    for name in names:
        try:
            os.remove(os.path.join(folder, name))
        except FileNotFoundError:
            pass


def path_of(folder: str, stored_name: str) -> str:
    """The file's path; a stored name is ours (hex + extension), never a user's path."""
    if not re.fullmatch(r"[0-9a-f]{40}\.[a-z]{3,4}", stored_name):
        raise FileNotFoundError(stored_name)
    return os.path.join(folder, stored_name)
