"""Issued documents (văn bản) and their yearly number registers (sổ đăng ký văn bản)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, LargeBinary, String, Text, \
    UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, enum_type, utcnow


class DocumentType(enum.StrEnum):
    """The type, whose abbreviation goes into the number: `Số: 12/TB-UBND`."""

    KH = "KH"  # kế hoạch
    TB = "TB"  # thông báo (kết luận)
    BB = "BB"  # biên bản
    GM = "GM"  # giấy mời
    BC = "BC"  # báo cáo
    CV = "CV"  # công văn (a letter with no type name: Số: 123/UBND-KTTH)
    CTR = "CTr"  # chương trình (the meeting's program: Số: 05/CTr-UBND)
    KB = "KB"  # kịch bản điều hành: an internal working paper, issued without a number


# Types issued (dated, frozen, kept in the register) without a number: Decree 30 lists no
# "kịch bản" among the administrative documents, so the script is the office's internal
# paper for the chair and the person who leads, not a numbered document.
UNNUMBERED = frozenset({DocumentType.KB})


class DocumentStatus(enum.StrEnum):
    DRAFT = "draft"  # dự thảo
    ISSUED = "issued"  # đã ban hành


class Document(db.Model):
    """A document drafted from the record, edited, then issued under a number and frozen.

    A correction of an issued document is a new document that `supersedes` it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_type: Mapped[DocumentType] = mapped_column(enum_type(DocumentType, 4))
    body_code: Mapped[str] = mapped_column(String(20), default="UBND")  # issuing body's symbol
    year: Mapped[int | None] = mapped_column()
    number: Mapped[int | None] = mapped_column()
    status: Mapped[DocumentStatus] = mapped_column(
        enum_type(DocumentStatus, 10), default=DocumentStatus.DRAFT)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("dialogue_session.id"), index=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plan.id"), index=True)  # a KH's plan
    # What the document was drafted from besides a meeting or a plan (a report's period,
    # a letter's unit code): a small JSON object.
    source: Mapped[dict | None] = mapped_column(JSON)
    summary: Mapped[str] = mapped_column(String(500))  # trích yếu
    # The body as a list of blocks: [{"kind": "heading"|"paragraph"|"bullet", "text": …}]
    blocks: Mapped[list] = mapped_column(JSON, default=list)
    recipients: Mapped[str] = mapped_column(Text, default="")  # one "- … ;" line per recipient
    signer_authority: Mapped[str] = mapped_column(String(200), default="")  # lines, "\n"
    signer_title: Mapped[str] = mapped_column(String(120), default="")
    signer_name: Mapped[str] = mapped_column(String(120), default="")
    # The heading as issued (captured from the issuing settings in effect on the issue
    # date); a draft prints the settings of the day instead.
    body_parent: Mapped[str] = mapped_column(String(200), default="", server_default="")
    body_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    place: Mapped[str] = mapped_column(String(100), default="", server_default="")
    signing_position_id: Mapped[int | None] = mapped_column(ForeignKey("signing_position.id"))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))  # of the stored issued PDF
    issued_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1)

    session = relationship("DialogueSession")
    supersedes = relationship("Document", remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (UniqueConstraint("doc_type", "body_code", "year", "number"),)

    @property
    def number_text(self) -> str:
        """`Số: 05/TB-UBND` once issued (numbers below 10 padded); a blank slot before.
        A letter (CV) has no type name: `Số: 123/UBND-KTTH`, the body then the unit.
        An unnumbered type (the script) has no number line at all."""
        if self.doc_type in UNNUMBERED:
            return ""
        if self.doc_type != DocumentType.CV:
            symbol = f"{self.doc_type.value}-{self.body_code}"
        else:
            unit = (self.source or {}).get("unit") or "VP"
            symbol = f"{self.body_code}-{unit}"
        if self.number is None:
            return f"Số:      /{symbol}"
        return f"Số: {self.number:02d}/{symbol}"


class DocumentFile(db.Model):
    """The PDF of an issued document as rendered at issue: every later download is these
    bytes, whatever the configuration or the code become. `sha256` is also on the register
    (`Document.pdf_sha256`)."""

    __tablename__ = "document_file"

    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), primary_key=True,
                                             autoincrement=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __audit_exclude__ = ("content",)


class SigningPosition(db.Model):
    """A signing position of the office (chức danh ký): the authority lines (TM., KT., TL.),
    the title and the signer's name, in effect from a date until deactivated. Issuing
    chooses one; the document keeps a copy of its lines."""

    __tablename__ = "signing_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority: Mapped[str] = mapped_column(String(200), default="")  # lines, "\n"
    title: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(120))
    effective_from: Mapped[date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    @property
    def authority_lines(self) -> list[str]:
        return [line.strip() for line in (self.authority or "").splitlines() if line.strip()]

    @property
    def label(self) -> str:
        """`KT. CHÁNH VĂN PHÒNG / PHÓ CHÁNH VĂN PHÒNG — Nguyễn Văn A`."""
        return " / ".join([*self.authority_lines, self.title]) + f" — {self.name}"


class IssuingProfile(db.Model):
    """The issuing body, its register code and the place printed on documents, in effect
    from a date (the settings page); before the first one, the environment's values
    (ISSUING_BODY_PARENT, ISSUING_BODY, DOCUMENT_BODY_CODE, DOCUMENT_PLACE) apply."""

    __tablename__ = "issuing_profile"

    id: Mapped[int] = mapped_column(primary_key=True)
    effective_from: Mapped[date] = mapped_column(Date, unique=True)
    body_parent: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(String(200))
    body_code: Mapped[str] = mapped_column(String(20))
    place: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}


class DocumentCounter(db.Model):
    """The register: the last number given per year, issuing body and type. Taking a number
    increments this row inside the issuing transaction: no gaps, no duplicates."""

    __tablename__ = "document_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    body_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    doc_type: Mapped[DocumentType] = mapped_column(enum_type(DocumentType, 4), primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class Setting(db.Model):
    """An installation setting the office can switch (e.g. the public page)."""

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON, default=dict)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}
