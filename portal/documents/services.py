"""The document register (sổ đăng ký văn bản): numbering, issuing, new versions, printing.

Plain functions on the ORM session, no Flask request: the views (through the one change
path, `portal.web.change`), CLI commands and reports call them and commit (or roll back)
the transaction themselves. A refusal is a `DocumentError`, a `portal.errors.DomainError`.

Numbering: a number is taken by incrementing the register row with one UPDATE inside the
issuing transaction, so the row stays locked until that transaction ends: a concurrent
issuer waits, then reads the incremented value; a rollback gives the number back. No gap,
no duplicate, on PostgreSQL with several workers as on SQLite.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph
from portal.documents.models import Document, DocumentCounter, DocumentStatus, DocumentType
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.timefmt import admin_date_line
from portal.types import utcnow

__all__ = [
    "BLOCK_KINDS",
    "DocumentError",
    "DraftExists",
    "TYPE_NAMES",
    "admin_document",
    "blocks_from_layout",
    "draft",
    "edit",
    "file_name",
    "issue",
    "officer_may_read",
    "recipient_lines",
    "remove",
    "revise",
    "short_number",
    "successor_of",
    "take_number",
    "text_date",
]

# The type name printed under the heading (a letter, công văn, has none).
TYPE_NAMES = {
    DocumentType.KH: "KẾ HOẠCH",
    DocumentType.TB: "THÔNG BÁO",
    DocumentType.BB: "BIÊN BẢN",
    DocumentType.GM: "GIẤY MỜI",
    DocumentType.BC: "BÁO CÁO",
    DocumentType.CV: "",
}
BLOCK_KINDS = ("heading", "paragraph", "bullet")
DRAFT_MARK = "(DỰ THẢO)"
# Taking a number retries when a concurrent issuer created the register row first.
_INSERT_ATTEMPTS = 3


class DocumentError(DomainError):
    """A refused action on a document (409 unless told): `message` is shown, translated."""


class DraftExists(DocumentError):
    """The meeting already has a draft of this type: it is opened instead of a second one."""

    def __init__(self, document: Document) -> None:
        super().__init__(N_("Buổi đối thoại đã có dự thảo này; mở dự thảo hiện có."))
        self.document_id = document.id


FROZEN = N_("Văn bản đã ban hành thì không sửa được; một thay đổi là một phiên bản mới.")
ISSUED_ALREADY = N_("Văn bản đã được ban hành.")
ISSUED_NO_SECOND_DRAFT = N_("Văn bản này đã được ban hành. Để sửa đổi, hãy tạo phiên bản mới "
                            "từ văn bản đã ban hành.")


# --------------------------------------------------------------------------- text helpers


def text_date(day: date) -> str:
    """`05/3/2024`: a date in a document's text (day padded, month padded only for 1–2)."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def short_number(doc: Document) -> str:
    """`05/TB-UBND`: the number and symbol without `Số:`."""
    return doc.number_text.removeprefix("Số:").strip()


def recipient_lines(text: str) -> list[str]:
    """The recipients (nơi nhận) text as its non-empty lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _recipient_name(line: str) -> str:
    """`- Sở Xây dựng (b/c);` -> `Sở Xây dựng`."""
    name = line.strip().lstrip("-+•").strip().rstrip(";.,").strip()
    if name.endswith("(b/c)"):
        name = name[: -len("(b/c)")].strip()
    return name


def blocks_from_layout(blocks: Iterable) -> list[dict]:
    """Layout blocks (Heading, Paragraph, Bullet) as the stored JSON list."""
    kinds = {Heading: "heading", Paragraph: "paragraph", Bullet: "bullet"}
    return [{"kind": kinds[type(block)], "text": block.text} for block in blocks]


def _layout_blocks(blocks: Iterable[Mapping]) -> list:
    kinds = {"heading": Heading, "paragraph": Paragraph, "bullet": Bullet}
    return [kinds.get(block.get("kind"), Paragraph)(str(block.get("text", "")))
            for block in blocks or ()]


# --------------------------------------------------------------------------- numbering


def take_number(year: int, body_code: str, doc_type: DocumentType) -> int:
    """The next number of the register (year, body, type), taken in the current transaction.

    One `UPDATE … SET last_number = last_number + 1` locks the row until the transaction
    ends, so concurrent issuers queue behind it and a rollback returns the number. The first
    number of a register inserts its row; two first issuers racing on that insert are told
    apart by the primary key: the loser rolls back its savepoint and increments instead.
    """
    counter = DocumentCounter.__table__
    key = (counter.c.year == year) & (counter.c.body_code == body_code) \
        & (counter.c.doc_type == doc_type)
    session = db.session
    for _attempt in range(_INSERT_ATTEMPTS):
        taken = session.execute(
            update(counter).where(key).values(last_number=counter.c.last_number + 1)
            .returning(counter.c.last_number)
        ).scalar()
        if taken is not None:
            return int(taken)
        try:
            with session.begin_nested():
                session.execute(insert(counter).values(
                    year=year, body_code=body_code, doc_type=doc_type, last_number=1))
        except IntegrityError:
            continue  # another issuer created the row meanwhile: increment it
        return 1
    raise RuntimeError(f"could not take a number in register {year}/{body_code}/{doc_type}")


def issue(doc: Document, *, user_id: int | None, today: date, on: date | None = None) -> None:
    """Number and issue a draft on `on` (default `today`, which is in Việt Nam's time).

    The date must fall in the current year and not after today. The number comes from the
    register of the issue date's year; the caller commits, and a rollback returns it.
    Raises DocumentError for an issued document or a refused date.
    """
    if doc.status != DocumentStatus.DRAFT:
        raise DocumentError(ISSUED_ALREADY)
    check_issue_date(on, today)
    day = on or today
    number = take_number(day.year, doc.body_code, doc.doc_type)
    doc.year = day.year
    doc.number = number
    doc.issued_on = day
    doc.issued_at = utcnow()
    doc.issued_by_id = user_id
    doc.status = DocumentStatus.ISSUED
    db.session.flush()  # the version check: a concurrent issue or edit fails here


def check_issue_date(on: date | None, today: date) -> None:
    """Refuse an issue date outside the current year or after today (DocumentError)."""
    if on is None:
        return
    if on.year != today.year:
        raise DocumentError(N_("Ngày ban hành phải thuộc năm %(year)d."), 422, "issued_on",
                            year=today.year)
    if on > today:
        raise DocumentError(N_("Ngày ban hành không được sau ngày hôm nay."), 422, "issued_on")


# --------------------------------------------------------------------------- versions


def successor_of(doc: Document) -> Document | None:
    """The document that supersedes `doc`, if any."""
    return db.session.scalar(select(Document).where(Document.supersedes_id == doc.id)
                             .order_by(Document.id).limit(1))


def revise(doc: Document, user_id: int | None) -> Document:
    """A new draft superseding the issued `doc`: its content, headed by a note naming it.

    The issued document stays as it is. Raises DocumentError for a draft or for a document
    that already has a newer version. Two revisions at once queue on the issued document's
    row (SELECT … FOR UPDATE on PostgreSQL): the second then sees the first's new version.
    """
    if doc.status != DocumentStatus.ISSUED:
        raise DocumentError(N_("Chỉ tạo phiên bản mới cho văn bản đã ban hành; "
                               "dự thảo thì sửa trực tiếp."))
    db.session.execute(select(Document.id).where(Document.id == doc.id).with_for_update())
    newer = successor_of(doc)
    if newer is not None:
        if newer.number:
            raise DocumentError(N_("Văn bản này đã có phiên bản mới (%(number)s)."),
                                number=short_number(newer))
        raise DocumentError(N_("Văn bản này đã có phiên bản mới (dự thảo)."))
    kind_name = (TYPE_NAMES[doc.doc_type] or "văn bản").capitalize()
    note = (f"{kind_name} này thay thế {kind_name.lower()} số {short_number(doc)} "
            f"ngày {text_date(doc.issued_on)}.")
    new = Document(
        doc_type=doc.doc_type, body_code=doc.body_code, session_id=doc.session_id,
        summary=doc.summary,
        blocks=[{"kind": "paragraph", "text": note},
                *({"kind": b.get("kind", "paragraph"), "text": b.get("text", "")}
                  for b in doc.blocks or ())],
        recipients=doc.recipients, signer_authority=doc.signer_authority,
        signer_title=doc.signer_title, signer_name=doc.signer_name,
        supersedes_id=doc.id, created_by_id=user_id, status=DocumentStatus.DRAFT,
    )
    db.session.add(new)
    db.session.flush()
    return new


# --------------------------------------------------------------------------- commands
# Run by `portal.web.change`: they raise DocumentError (a DomainError), never commit.


def draft(meeting, doc_type: DocumentType, drafter, user, config: Mapping) -> Document:
    """Draft the meeting's document of `doc_type` from its record with `drafter`
    (`draft_conclusion_notice`, `draft_minutes`). A draft already there is opened instead
    (DraftExists); once one is issued, a correction is a new version (DocumentError).
    Two drafting requests at once queue on the meeting's row (FOR UPDATE on PostgreSQL):
    the second then finds the first's draft and opens it."""
    db.session.execute(select(type(meeting).id).where(type(meeting).id == meeting.id)
                       .with_for_update())
    existing = db.session.scalars(
        select(Document).where(Document.session_id == meeting.id,
                               Document.doc_type == doc_type)
        .order_by(Document.id)).all()
    drafts = [doc for doc in existing if doc.status == DocumentStatus.DRAFT]
    if drafts:
        raise DraftExists(drafts[0])
    if existing:
        raise DocumentError(ISSUED_NO_SECOND_DRAFT)
    return drafter(meeting, user.id, config)


def require_draft(doc: Document) -> None:
    """An issued document is frozen: a change is a new version."""
    if doc.status != DocumentStatus.DRAFT:
        raise DocumentError(FROZEN)


def edit(doc: Document, form, user) -> Document:
    """Save an edited draft: summary, body blocks, recipients and signer (a validated
    `DocumentForm`)."""
    require_draft(doc)
    doc.summary = form.summary.data.strip()
    doc.blocks = [{"kind": b["kind"], "text": b["text"].strip()} for b in form.block_data()]
    doc.recipients = "\n".join(recipient_lines(form.recipients.data))
    doc.signer_authority = "\n".join(line.strip() for line in
                                     (form.signer_authority.data or "").splitlines()
                                     if line.strip())
    doc.signer_title = form.signer_title.data.strip()
    doc.signer_name = (form.signer_name.data or "").strip()
    return doc


def remove(doc: Document, user) -> None:
    """Delete a draft (an issued document is never deleted)."""
    require_draft(doc)
    db.session.delete(doc)


# --------------------------------------------------------------------------- access


def officer_may_read(doc: Document, agency_id: int | None, agency_name: str | None) -> bool:
    """Whether an agency officer may read `doc`: an issued conclusion notice whose
    recipients name the agency, or whose meeting assigned it a petition (lead or
    coordinating)."""
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment, assignment_coordinator

    if agency_id is None or doc.status != DocumentStatus.ISSUED \
            or doc.doc_type != DocumentType.TB:
        return False
    if agency_name and any(_recipient_name(line) == agency_name
                           for line in recipient_lines(doc.recipients)):
        return True
    if doc.session_id is None:
        return False
    coordinating = exists().where(assignment_coordinator.c.assignment_id == Assignment.id,
                                  assignment_coordinator.c.agency_id == agency_id)
    return bool(db.session.scalar(
        select(exists().where(
            Assignment.petition_id == Petition.id,
            Petition.session_id == doc.session_id,
            or_(Assignment.agency_id == agency_id, coordinating)))))


# --------------------------------------------------------------------------- printing


@dataclass(frozen=True)
class PrintSettings:
    """What a printed document takes from the installation: its heading and place."""

    body_parent: str
    body: str
    place: str

    @classmethod
    def from_config(cls, config: Mapping) -> PrintSettings:
        return cls(config["ISSUING_BODY_PARENT"], config["ISSUING_BODY"],
                   config["DOCUMENT_PLACE"])


def admin_document(doc: Document, config: Mapping) -> AdminDocument:
    """The stored document laid out for printing. A draft has a blank number and date
    (`ngày … tháng … năm …`) and `(DỰ THẢO)` under its summary."""
    settings = PrintSettings.from_config(config)
    if doc.status == DocumentStatus.ISSUED and doc.issued_on is not None:
        place_date = admin_date_line(settings.place, doc.issued_on)
        summary = doc.summary
    else:
        place_date = f"{settings.place}, ngày … tháng … năm …"
        summary = f"{doc.summary}\n{DRAFT_MARK}"
    type_name = TYPE_NAMES[doc.doc_type]
    title = " — ".join(part for part in (type_name.capitalize() or "Văn bản",
                                         short_number(doc), " ".join(doc.summary.split()))
                       if part)
    return AdminDocument(
        body_parent=settings.body_parent,
        body=settings.body,
        number=doc.number_text,
        place_date=place_date,
        doc_type=type_name,
        summary=summary,
        blocks=_layout_blocks(doc.blocks),
        signer_authority=[line for line in (doc.signer_authority or "").splitlines()
                          if line.strip()],
        signer_title=doc.signer_title,
        signer_name=doc.signer_name,
        recipients=recipient_lines(doc.recipients),
        title_for_metadata=title,
    )


def file_name(doc: Document) -> str:
    """An ASCII file name: `TB-05-2024.pdf` once issued, `TB-du-thao-12.pdf` before."""
    if doc.status == DocumentStatus.ISSUED and doc.number is not None:
        return f"{doc.doc_type.value}-{doc.number:02d}-{doc.year}.pdf"
    return f"{doc.doc_type.value}-du-thao-{doc.id}.pdf"
