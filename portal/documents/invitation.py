"""The invitation (giấy mời) to a dialogue session, one per invitee, in the Decree 30 format.

No contact data of an invitee is printed: an invitation names the person or body, their
position and organisation only. The signer's lines come from the app config:
INVITATION_SIGNER_AUTHORITY (list of lines), INVITATION_SIGNER_TITLE, INVITATION_SIGNER_NAME,
and the inviting body's name in the text from INVITATION_INVITER.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from flask_babel import force_locale
from pypdf import PdfReader, PdfWriter

from portal.calendar.models import DialogueSession
from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph, render_pdf
from portal.documents.wording import has_salutation, person
from portal.labels import label
from portal.text import fold
from portal.preparation.models import Invitee, InviteeKind
from portal.timefmt import admin_date_line, local_today, to_local

__all__ = ["build_invitation", "invitations_pdf", "meeting_time_line", "short_date"]

WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")

DEFAULT_SIGNER_AUTHORITY = ("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG")
DEFAULT_SIGNER_TITLE = "PHÓ CHÁNH VĂN PHÒNG"
DEFAULT_INVITER = "Ủy ban nhân dân tỉnh"
RECIPIENTS = ["- Như trên;", "- Lưu: VT, TCD."]


def _occasion(kind: str, title: str) -> str:
    """"buổi đối thoại … tháng 3/2027." without saying the kind twice when the title has it."""
    if fold(title).startswith(fold(kind)):
        return "buổi " + _sentence(title[:1].lower() + title[1:])
    return f"buổi {kind}: {_sentence(title)}"


def _chair(meeting) -> str:
    """The chair with the title the plan gives the leader ("đồng chí …, Phó Chủ tịch …")."""
    plan = meeting.plan
    if plan is not None and plan.leader_name and fold(plan.leader_name) == fold(meeting.host):
        return f"đồng chí {plan.leader_name}, {plan.leader_title}"
    return meeting.host


def short_date(day: date) -> str:
    """`05/3/2024`: the day padded, the month padded only for January and February."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def meeting_time_line(starts_at: datetime) -> str:
    """`08 giờ 00, thứ Sáu, ngày 15/3/2024`, in Việt Nam's time."""
    local = to_local(starts_at)
    return (f"{local.hour:02d} giờ {local.minute:02d}, {WEEKDAYS[local.weekday()]}, "
            f"ngày {short_date(local.date())}")


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else f"{text}."


def addressee(invitee: Invitee) -> str:
    """Who is invited, as the invitation writes it (never their contact): a body's leaders,
    or `Ông/Bà` and the person's name, position and organisation."""
    if invitee.kind == InviteeKind.AGENCY:
        name = " ".join(invitee.name.split())
        return name if has_salutation(name) else f"Đại diện lãnh đạo {name}"
    parts = [person(invitee.name), invitee.position, invitee.organisation]
    return ", ".join(part.strip() for part in parts if part and part.strip())


def build_invitation(meeting: DialogueSession, invitee: Invitee, config: Mapping,
                     issued: date | None = None) -> AdminDocument:
    """The invitation of one invitee to `meeting` (not yet numbered: `Số:      /GM-UBND`)."""
    with force_locale("vi"):
        kind = label(meeting.kind).lower()
    inviter = config.get("INVITATION_INVITER", DEFAULT_INVITER)
    blocks: list = [
        Paragraph(f"{inviter} trân trọng kính mời:"),
        Heading(addressee(invitee)),
        Paragraph(f"Tới dự {_occasion(kind, meeting.title)}"),
        Bullet(f"Thời gian: {meeting_time_line(meeting.starts_at)}."),
        Bullet(f"Địa điểm: {_sentence(meeting.venue)}"),
        Bullet(f"Nội dung: {_sentence(meeting.content or meeting.title)}"),
        Bullet(f"Chủ trì: {_sentence(_chair(meeting))}"),
    ]
    if invitee.kind == InviteeKind.AGENCY:
        blocks.append(Paragraph(
            f"Đề nghị {invitee.name} cử lãnh đạo dự đúng thời gian; chuẩn bị nội dung trả lời "
            "các ý kiến, kiến nghị thuộc lĩnh vực, địa bàn phụ trách./."))
    else:
        blocks.append(Paragraph("Rất mong Quý vị tới dự đúng thời gian./."))
    return AdminDocument(
        body_parent=config["ISSUING_BODY_PARENT"],
        body=config["ISSUING_BODY"],
        number=f"Số:      /GM-{config.get('DOCUMENT_BODY_CODE', 'UBND')}",
        place_date=admin_date_line(config["DOCUMENT_PLACE"], issued or local_today()),
        doc_type="GIẤY MỜI",
        summary=f"Dự buổi {kind}",
        blocks=blocks,
        signer_authority=list(config.get("INVITATION_SIGNER_AUTHORITY",
                                         DEFAULT_SIGNER_AUTHORITY)),
        signer_title=config.get("INVITATION_SIGNER_TITLE", DEFAULT_SIGNER_TITLE),
        signer_name=config.get("INVITATION_SIGNER_NAME", ""),
        recipients=list(RECIPIENTS),
        title_for_metadata=f"Giấy mời — {invitee.name} — {meeting.title}",
    )


def invitations_pdf(meeting: DialogueSession, invitees: Sequence[Invitee], config: Mapping,
                    issued: date | None = None) -> bytes:
    """The invitations of `invitees` as one PDF, each starting on a new page.

    Each invitation is laid out on its own, so its pages are numbered from its own start.
    Once the session's invitation (GM) is issued through the register, this is its stored
    PDF, exactly as issued, for every invitee. Once the session's program (CTr) is issued,
    its stored PDF follows the invitations: the program is sent with them.
    """
    from portal.documents import services
    from portal.documents.models import DocumentType

    issued = services.issued_of(DocumentType.GM, session_id=meeting.id)
    if issued is not None:
        parts = [services.document_pdf(issued, config)]
    else:
        font_dirs = tuple(config["PDF_FONT_DIRS"])
        parts = [render_pdf(build_invitation(meeting, invitee, config, issued), font_dirs)
                 for invitee in invitees]
    # The issued program (chương trình, CTr) goes with the invitations, as issued.
    program = services.issued_of(DocumentType.CTR, session_id=meeting.id)
    if program is not None:
        parts.append(services.document_pdf(program, config))
    if len(parts) == 1:
        return parts[0]
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part)))
    writer.add_metadata({"/Title": f"Giấy mời — {meeting.title}",
                         "/Author": "Văn phòng UBND tỉnh"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def build_session_invitation(meeting: DialogueSession, invitees: Sequence[Invitee],
                             config: Mapping) -> AdminDocument:
    """The session's invitation (giấy mời) to every invitee at once, as the register issues
    it: one number, the invitees listed after "trân trọng kính mời:"."""
    with force_locale("vi"):
        kind = label(meeting.kind).lower()
    inviter = config.get("INVITATION_INVITER", DEFAULT_INVITER)
    names = [addressee(invitee) for invitee in invitees]
    blocks: list = [Paragraph(f"{inviter} trân trọng kính mời:")]
    blocks += [Bullet(f"{name}{';' if i < len(names) - 1 else '.'}")
               for i, name in enumerate(names)]
    blocks += [
        Paragraph(f"Tới dự {_occasion(kind, meeting.title)}"),
        Bullet(f"Thời gian: {meeting_time_line(meeting.starts_at)}."),
        Bullet(f"Địa điểm: {_sentence(meeting.venue)}"),
        Bullet(f"Nội dung: {_sentence(meeting.content or meeting.title)}"),
        Bullet(f"Chủ trì: {_sentence(_chair(meeting))}"),
    ]
    if any(invitee.kind == InviteeKind.AGENCY for invitee in invitees):
        blocks.append(Paragraph(
            "Đề nghị các cơ quan, đơn vị cử lãnh đạo dự đúng thời gian; chuẩn bị nội dung trả "
            "lời các ý kiến, kiến nghị thuộc lĩnh vực, địa bàn phụ trách."))
    blocks.append(Paragraph("Rất mong Quý vị tới dự đúng thời gian./."))
    return AdminDocument(
        body_parent=config.get("ISSUING_BODY_PARENT", ""), body=config.get("ISSUING_BODY", ""),
        number=f"Số:      /GM-{config.get('DOCUMENT_BODY_CODE', 'UBND')}",
        place_date="", doc_type="GIẤY MỜI", summary=f"Dự buổi {kind}", blocks=blocks,
        signer_authority=list(config.get("INVITATION_SIGNER_AUTHORITY",
                                         DEFAULT_SIGNER_AUTHORITY)),
        signer_title=config.get("INVITATION_SIGNER_TITLE", DEFAULT_SIGNER_TITLE),
        signer_name=config.get("INVITATION_SIGNER_NAME", ""),
        recipients=list(RECIPIENTS), title_for_metadata=f"Giấy mời — {meeting.title}")


def draft_invitation(meeting: DialogueSession, user_id: int | None, config=None):
    """The session's invitation as a draft GM of the register; refused while the session
    has no invitee, or once it was held."""
    from sqlalchemy import select

    from portal.documents import services
    from portal.documents.models import DocumentType
    from portal.errors import N_
    from portal.extensions import db

    config = config or {}
    invitees = db.session.scalars(select(Invitee).where(Invitee.session_id == meeting.id)
                                  .order_by(Invitee.kind, Invitee.id)).all()
    if not invitees:
        raise services.DocumentError(N_("Buổi đối thoại chưa có khách mời; hãy thêm khách mời "
                                        "trước khi soạn giấy mời."))
    built = build_session_invitation(meeting, invitees, config)
    return services.from_layout(built, DocumentType.GM, user_id, config, session_id=meeting.id)
