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

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal.documents.layout import (AdminDocument, Bullet, Heading, Paragraph, TwoSignerDocument,
                                     render_pdf, render_two_signer_pdf)
from portal.documents.models import (
    Document,
    DocumentCounter,
    DocumentFile,
    UNNUMBERED,
    DocumentStatus,
    DocumentType,
    IssuingProfile,
    SigningPosition,
)
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.timefmt import admin_date_line, to_local
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
    "issued_pdf",
    "latest_draft",
    "issuing_settings",
    "document_pdf",
    "signing_positions",
    "store_issued_pdf",
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
    DocumentType.CTR: "CHƯƠNG TRÌNH",
    DocumentType.KB: "KỊCH BẢN",
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
    """`05/TB-UBND`: the number and symbol without `Số:`; an unnumbered type (the script)
    is named by its issue date instead (`ngày 05/3/2024`), or `(dự thảo)` before."""
    if doc.doc_type in UNNUMBERED:
        return f"ngày {text_date(doc.issued_on)}" if doc.issued_on else "(dự thảo)"
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


def issue(doc: Document, *, user_id: int | None, today: date, on: date | None = None,
          position: SigningPosition | None = None, config: Mapping | None = None) -> None:
    """Number, freeze and issue a draft on `on` (default `today`, in Việt Nam's time), signed
    by the signing `position` (the office's list).

    The rules of a record: the date is in the current year and not after today; not before
    the meeting for minutes and notices; not before the date of the last number issued in
    its register. The signer must have a title and a name (minutes: the chair the draft
    names; every other type: the chosen position, whose lines are copied). The heading (body names, body
    code, place) is taken from the issuing settings in effect on the issue date and kept
    with the document, as are the signer's lines; the PDF is then rendered from the
    document alone and stored (`store_issued_pdf`). The caller commits; a rollback returns
    the number. Raises DocumentError for an issued document or a refused date or signer.
    """
    if config is None:
        from flask import current_app
        config = current_app.config
    if doc.status != DocumentStatus.DRAFT:
        raise DocumentError(ISSUED_ALREADY)
    check_issue_date(on, today)
    day = on or today
    check_meeting_date(doc, day)
    minutes = doc.doc_type == DocumentType.BB
    if minutes:  # signed by the meeting's chair (and secretary), named in the draft
        check_minutes_signer(doc)
    else:
        check_signer(position, day)
    settings = issuing_settings(day, config)
    numbered = doc.doc_type not in UNNUMBERED  # the script is dated, not numbered
    number = take_number(day.year, doc.body_code, doc.doc_type) if numbered else None
    if numbered:  # the register row is locked from here: the last issued date is final
        check_register_order(doc, day)
    doc.body_parent = settings.body_parent
    doc.body_name = settings.body
    doc.place = settings.place
    if not minutes:
        doc.signing_position_id = position.id
        doc.signer_authority = "\n".join(position.authority_lines)
        doc.signer_title = position.title.strip()
        doc.signer_name = position.name.strip()
    doc.year = day.year
    doc.number = number
    doc.issued_on = day
    doc.issued_at = utcnow()
    doc.issued_by_id = user_id
    doc.status = DocumentStatus.ISSUED
    db.session.flush()  # the version check: a concurrent issue or edit fails here
    font_dirs = tuple(config.get("PDF_FONT_DIRS") or ())
    store_issued_pdf(doc, render_document(doc, config, font_dirs))
    from portal.documents import signing  # it calls back into this module
    if signing.signing_configured(config):  # a certificate is configured: issuing signs
        signing.sign_issued(doc, config)
    if doc.doc_type in (DocumentType.CTR, DocumentType.KB) and doc.session_id is not None:
        from portal.papers import checklist  # the program's or script's step is done
        checklist.tick_on_issue(doc, user_id)


def check_issue_date(on: date | None, today: date) -> None:
    """Refuse an issue date outside the current year or after today (DocumentError)."""
    if on is None:
        return
    if on.year != today.year:
        raise DocumentError(N_("Ngày ban hành phải thuộc năm %(year)d."), 422, "issued_on",
                            year=today.year)
    if on > today:
        raise DocumentError(N_("Ngày ban hành không được sau ngày hôm nay."), 422, "issued_on")


def meeting_day(meeting) -> date:
    """The day a meeting was held, in Việt Nam: the day it closed, else its scheduled day."""
    return to_local(meeting.closed_at or meeting.starts_at).date()


def check_meeting_date(doc: Document, day: date) -> None:
    """Minutes and conclusion notices are not issued before the meeting was held."""
    if doc.doc_type not in (DocumentType.BB, DocumentType.TB) or doc.session is None:
        return
    held = meeting_day(doc.session)
    if day < held:
        raise DocumentError(N_("Ngày ban hành không được trước ngày tổ chức buổi đối thoại "
                               "(%(day)s)."), 422, "issued_on", day=text_date(held))


def check_register_order(doc: Document, day: date) -> None:
    """Numbers follow the dates: no issue date before the last issued one of the register."""
    last = db.session.scalar(
        select(func.max(Document.issued_on)).where(
            Document.status == DocumentStatus.ISSUED, Document.year == day.year,
            Document.body_code == doc.body_code, Document.doc_type == doc.doc_type,
            Document.id != doc.id))
    if last is not None and day < last:
        raise DocumentError(N_("Ngày ban hành không được trước ngày %(day)s của số đã cấp "
                               "gần nhất trong sổ."), 422, "issued_on", day=text_date(last))


def check_minutes_signer(doc: Document) -> None:
    """Minutes are signed by the meeting's chair: the draft names them, title and name."""
    if not (doc.signer_title or "").strip() or not (doc.signer_name or "").strip():
        raise DocumentError(N_("Biên bản cần có chức vụ và họ tên người chủ trì ký; hãy bổ "
                               "sung trong dự thảo."), 422, "signer")


def check_signer(position: SigningPosition | None, day: date) -> None:
    """A signer from the office's list, active on the issue date, with a title and a name."""
    if position is None:
        raise DocumentError(N_("Vui lòng chọn người ký trong danh sách chức danh ký."), 422,
                            "signer")
    if not position.active or position.effective_from > day:
        raise DocumentError(N_("Chức danh ký này không còn hiệu lực vào ngày ban hành."), 422,
                            "signer")
    if not position.title.strip() or not position.name.strip():
        raise DocumentError(N_("Người ký cần có chức vụ và họ tên."), 422, "signer")


# --------------------------------------------------------------------------- the issued PDF


def store_issued_pdf(doc: Document, pdf_bytes: bytes) -> DocumentFile:
    """THE SEAM FOR SIGNING: store `pdf_bytes` as the issued document's PDF, the one every
    later download returns byte for byte, with its SHA-256 on the register.

    `issue` renders the frozen document and calls this once, inside the issuing
    transaction. A signer (`portal.documents.signing`) signs those bytes and calls this
    again with the signed PDF, in the same transaction or later: the stored file and its
    hash are replaced; the number and the text never change. Only for an issued document.
    """
    if doc.status != DocumentStatus.ISSUED:
        raise DocumentError(N_("Chỉ lưu tệp PDF của văn bản đã ban hành."))
    digest = hashlib.sha256(pdf_bytes).hexdigest()
    stored = db.session.get(DocumentFile, doc.id)
    if stored is None:
        stored = DocumentFile(document_id=doc.id, content=pdf_bytes, sha256=digest)
        db.session.add(stored)
    else:
        stored.content = pdf_bytes
        stored.sha256 = digest
    doc.pdf_sha256 = digest
    db.session.flush()
    return stored


def issued_pdf(doc: Document) -> bytes | None:
    """The stored PDF of an issued document (None for a draft, or one issued before PDFs
    were stored)."""
    if doc.status != DocumentStatus.ISSUED:
        return None
    content = db.session.scalar(select(DocumentFile.content)
                                .where(DocumentFile.document_id == doc.id))
    return bytes(content) if content is not None else None


def document_pdf(doc: Document, config: Mapping) -> bytes:
    """What a download returns: the stored bytes of an issued document; a draft (or an
    issued document from before PDFs were stored, from its kept fields) rendered now."""
    stored = issued_pdf(doc)
    if stored is not None:
        return stored
    return render_document(doc, config, tuple(config["PDF_FONT_DIRS"]))


def render_document(doc: Document, config: Mapping, font_dirs) -> bytes:
    """The PDF of a stored document: minutes (BB) that name their secretary are signed by
    two, THƯ KÝ beside CHỦ TỌA (Decree 30's biên bản); every other document by one."""
    laid_out = admin_document(doc, config)
    secretary = (doc.source or {}).get("secretary") if doc.doc_type == DocumentType.BB else None
    if secretary:
        fields = {f: getattr(laid_out, f) for f in laid_out.__dataclass_fields__}
        return render_two_signer_pdf(TwoSignerDocument(
            **fields, left_title=secretary.get("title", ""),
            left_name=secretary.get("name", "")), tuple(font_dirs))
    return render_pdf(laid_out, tuple(font_dirs))


def issued_of(doc_type: DocumentType, *, session_id: int | None = None,
              plan_id: int | None = None) -> Document | None:
    """The latest issued document of a type for a meeting or a plan (the newest version)."""
    query = select(Document).where(Document.doc_type == doc_type,
                                   Document.status == DocumentStatus.ISSUED)
    if session_id is not None:
        query = query.where(Document.session_id == session_id)
    if plan_id is not None:
        query = query.where(Document.plan_id == plan_id)
    return db.session.scalar(query.order_by(Document.issued_on.desc(), Document.id.desc())
                             .limit(1))


def latest_draft(doc_type: DocumentType, session_id: int) -> Document | None:
    """The newest draft of a type for a meeting (None when there is none)."""
    return db.session.scalar(
        select(Document).where(Document.doc_type == doc_type, Document.session_id == session_id,
                               Document.status == DocumentStatus.DRAFT)
        .order_by(Document.id.desc()).limit(1))


# --------------------------------------------------------------------------- settings


def issuing_settings(day: date, config: Mapping) -> PrintSettings:
    """The issuing body, its code and the place in effect on `day`: the latest profile of
    the settings page from that day or before, else the environment's values."""
    profile = db.session.scalar(
        select(IssuingProfile).where(IssuingProfile.effective_from <= day)
        .order_by(IssuingProfile.effective_from.desc(), IssuingProfile.id.desc()).limit(1))
    if profile is not None:
        return PrintSettings(profile.body_parent, profile.body, profile.place,
                             profile.body_code)
    return PrintSettings.from_config(config)


def signing_positions(day: date | None = None, *, active_only: bool = True
                      ) -> list[SigningPosition]:
    """The office's signing positions (in effect on `day` when given), in a stable order."""
    query = select(SigningPosition)
    if active_only:
        query = query.where(SigningPosition.active.is_(True))
    if day is not None:
        query = query.where(SigningPosition.effective_from <= day)
    return list(db.session.scalars(query.order_by(SigningPosition.title, SigningPosition.name,
                                                  SigningPosition.id)))


def add_position(user, authority: str, title: str, name: str, effective_from: date
                 ) -> SigningPosition:
    """A new signing position (title and name required)."""
    if not title.strip():
        raise DocumentError(N_("Vui lòng nhập chức vụ người ký."), 422, "title")
    if not name.strip():
        raise DocumentError(N_("Vui lòng nhập họ và tên người ký."), 422, "name")
    position = SigningPosition(
        authority="\n".join(line.strip() for line in (authority or "").splitlines()
                            if line.strip()),
        title=title.strip(), name=" ".join(name.split()), effective_from=effective_from,
        active=True)
    db.session.add(position)
    db.session.flush()
    return position


def set_position_active(position: SigningPosition, user, active: bool) -> SigningPosition:
    """Deactivate (or reactivate) a signing position; issued documents keep their copy."""
    position.active = active
    return position


def add_profile(user, body_parent: str, body: str, body_code: str, place: str,
                effective_from: date) -> IssuingProfile:
    """New issuing settings from a date. A date that already has settings is refused."""
    for field, value, message in (
            ("body", body, N_("Vui lòng nhập tên cơ quan ban hành.")),
            ("body_code", body_code, N_("Vui lòng nhập ký hiệu cơ quan.")),
            ("place", place, N_("Vui lòng nhập địa danh."))):
        if not value.strip():
            raise DocumentError(message, 422, field)
    code = body_code.strip().upper()
    if not all(ch.isalnum() or ch in "-." for ch in code) or not code.isascii():
        raise DocumentError(N_("Ký hiệu cơ quan chỉ gồm chữ không dấu, chữ số, dấu - và ."),
                            422, "body_code")
    taken = db.session.scalar(select(IssuingProfile.id)
                              .where(IssuingProfile.effective_from == effective_from))
    if taken is not None:
        raise DocumentError(N_("Đã có thiết lập áp dụng từ ngày %(day)s."), 422,
                            "effective_from", day=text_date(effective_from))
    profile = IssuingProfile(body_parent=body_parent.strip(), body=body.strip(),
                             body_code=code, place=place.strip(),
                             effective_from=effective_from,
                             created_by_id=getattr(user, "id", None))
    db.session.add(profile)
    db.session.flush()
    return profile


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
    if doc.doc_type in UNNUMBERED:
        note = f"{kind_name} này thay thế {kind_name.lower()} {short_number(doc)}."
    else:
        note = (f"{kind_name} này thay thế {kind_name.lower()} số {short_number(doc)} "
                f"ngày {text_date(doc.issued_on)}.")
    new = Document(
        doc_type=doc.doc_type, body_code=doc.body_code, session_id=doc.session_id,
        plan_id=doc.plan_id, source=dict(doc.source) if doc.source else None,
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
    return draft_once(doc_type, (type(meeting), meeting.id),
                      lambda: drafter(meeting, user.id, config), session_id=meeting.id)


def from_layout(built: AdminDocument, doc_type: DocumentType, user_id: int | None,
                config: Mapping, **links) -> Document:
    """A new stored draft of `doc_type` from a laid-out document (`build_…` functions):
    its summary, blocks, recipients and signer lines; `links` are `session_id`, `plan_id`
    or `source`. The body code is the one in effect today."""
    from portal.timefmt import local_today

    doc = Document(
        doc_type=doc_type, body_code=issuing_settings(local_today(), config).body_code,
        status=DocumentStatus.DRAFT, summary=built.summary.strip()[:500],
        blocks=blocks_from_layout(built.blocks), recipients="\n".join(built.recipients),
        signer_authority="\n".join(built.signer_authority), signer_title=built.signer_title,
        signer_name=built.signer_name, created_by_id=user_id, **links)
    db.session.add(doc)
    db.session.flush()
    return doc


def draft_once(doc_type: DocumentType, lock, make, **where) -> Document:
    """Run `make()` to draft a document of `doc_type` linked by `where` (session_id, plan_id)
    unless one exists: a draft is opened instead (DraftExists), an issued one is revised
    instead (DocumentError). `lock` is the linked row's (model, id), locked first (FOR UPDATE
    on PostgreSQL) so two drafting requests at once make one draft."""
    model, row_id = lock
    db.session.execute(select(model.id).where(model.id == row_id).with_for_update())
    query = select(Document).where(Document.doc_type == doc_type)
    for column, value in where.items():
        query = query.where(getattr(Document, column) == value)
    existing = db.session.scalars(query.order_by(Document.id)).all()
    drafts = [doc for doc in existing if doc.status == DocumentStatus.DRAFT]
    if drafts:
        raise DraftExists(drafts[0])
    if existing:
        raise DocumentError(ISSUED_NO_SECOND_DRAFT)
    return make()


def draft_letter(user, summary: str, unit: str, config: Mapping) -> Document:
    """A new letter (công văn) draft with its summary and the issuing unit's code
    (`Số: …/UBND-KTTH`): one paragraph to write, the office's filing line."""
    from portal.timefmt import local_today

    summary = " ".join((summary or "").split())
    if not summary:
        raise DocumentError(N_("Vui lòng nhập trích yếu của văn bản."), 422, "summary")
    unit = (unit or "").strip().upper()
    if not unit or not unit.isascii() or not all(ch.isalnum() for ch in unit):
        raise DocumentError(N_("Ký hiệu đơn vị soạn thảo chỉ gồm chữ không dấu và chữ số."),
                            422, "unit")
    doc = Document(
        doc_type=DocumentType.CV, body_code=issuing_settings(local_today(), config).body_code,
        status=DocumentStatus.DRAFT, summary=f"V/v {summary}"[:500]
        if not summary.lower().startswith("v/v") else summary[:500],
        source={"unit": unit},
        blocks=[{"kind": "paragraph", "text": "(Nội dung công văn.)"}],
        recipients="- Như trên;\n- Lưu: VT, " + unit + ".",
        created_by_id=getattr(user, "id", None))
    db.session.add(doc)
    db.session.flush()
    return doc


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
    body_code: str = "UBND"

    @classmethod
    def from_config(cls, config: Mapping) -> PrintSettings:
        return cls(config.get("ISSUING_BODY_PARENT", ""), config.get("ISSUING_BODY", ""),
                   config.get("DOCUMENT_PLACE", ""), config.get("DOCUMENT_BODY_CODE", "UBND"))


def admin_document(doc: Document, config: Mapping) -> AdminDocument:
    """The stored document laid out for printing. An issued document prints only what it
    kept at issue (its heading, place, signer); a draft prints today's settings, a blank
    number and date (`ngày … tháng … năm …`) and `(DỰ THẢO)` under its summary."""
    if doc.status == DocumentStatus.ISSUED and doc.issued_on is not None:
        if doc.body_name or doc.place:
            settings = PrintSettings(doc.body_parent, doc.body_name, doc.place, doc.body_code)
        else:  # issued before headings were kept: the settings of its issue date
            settings = issuing_settings(doc.issued_on, config)
        place_date = admin_date_line(settings.place, doc.issued_on)
        summary = doc.summary
    else:
        from portal.timefmt import local_today
        settings = issuing_settings(local_today(), config)
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
    if doc.status == DocumentStatus.ISSUED and doc.issued_on is not None:  # unnumbered
        return f"{doc.doc_type.value}-{doc.issued_on:%Y%m%d}-{doc.id}.pdf"
    return f"{doc.doc_type.value}-du-thao-{doc.id}.pdf"
