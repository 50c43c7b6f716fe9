"""The conclusion notice (thông báo kết luận) of a dialogue session, drafted from its record.

After the meeting (plan, 5.3) the Office issues the chair's conclusion: when and where the
meeting was held and who chaired it, who took part, what was discussed, the chair's
conclusion, then each petition raised with its assignment and the chair's directive.

The signer's lines come from the app config, with the seed's defaults:
CONCLUSION_SIGNER_AUTHORITY (list of lines), CONCLUSION_SIGNER_TITLE, CONCLUSION_SIGNER_NAME;
the register's body symbol from DOCUMENT_BODY_CODE ("UBND").
"""
from __future__ import annotations

from collections.abc import Mapping

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from portal.calendar.models import DialogueSession
from portal.documents.models import Document, DocumentStatus, DocumentType
from portal.documents.services import DocumentError, issuing_settings, text_date
from portal.documents.wording import person as named
from portal.documents.wording import with_kind
from portal.errors import N_
from portal.extensions import db
from portal.labels import label
from portal.petitions.models import Petition
from portal.preparation.models import InviteeKind
from portal.runner import stages
from portal.runner.models import Attendance
from portal.text import fold
from portal.timefmt import local_today, to_local
from portal.tracker.models import AnswerMode, Assignment

__all__ = ["chair_name", "draft_conclusion_notice", "notice_summary"]

DEFAULT_SIGNER_AUTHORITY = ("TL. CHỦ TỊCH", "KT. CHÁNH VĂN PHÒNG")
DEFAULT_SIGNER_TITLE = "PHÓ CHÁNH VĂN PHÒNG"
DEFAULT_BODY_CODE = "UBND"
CLOSING = "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị, địa phương biết, thực hiện./."
STANDING_RECIPIENTS = ("- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);")
FILING = "- Lưu: VT, KTTH."
# Attendees named one by one; the others are counted by kind.
NAMED_KINDS = (InviteeKind.AGENCY, InviteeKind.DELEGATE)


def chair_name(meeting: DialogueSession) -> str:
    """Who chaired, with their title: `Phó Chủ tịch UBND tỉnh Phan Thế Tuấn`.

    A session generated from a plan names only the leader; the plan gives the title.
    """
    host = " ".join(meeting.host.split())
    plan = meeting.plan
    if plan is not None and plan.leader_title and host == " ".join(plan.leader_name.split()):
        return f"{plan.leader_title.strip()} {host}"
    return host


def _meeting_phrase(meeting: DialogueSession) -> str:
    """`đối thoại kết hợp tiếp công dân định kỳ: Đối thoại tháng 3` — the kind, then the
    title, unless the title already starts with the kind's words."""
    with force_locale("vi"):
        kind = label(meeting.kind).lower()
    title = " ".join(meeting.title.split()).rstrip(".")
    if fold(title).startswith(fold(kind)):
        return title[:1].lower() + title[1:]
    return f"{kind}: {title}" if title else kind


def notice_summary(meeting: DialogueSession) -> str:
    """The summary (trích yếu) of the notice."""
    return f"Kết luận của {chair_name(meeting)} tại buổi {_meeting_phrase(meeting)}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?", ":", ";")) else f"{text}."


def _paragraphs(text: str) -> list[dict]:
    return [{"kind": "paragraph", "text": line.strip()}
            for line in (text or "").splitlines() if line.strip()]


def _attendance_blocks(present: list[Attendance]) -> list[dict]:
    if not present:
        return []
    blocks = [{"kind": "paragraph", "text": "Tham dự buổi đối thoại có:"}]
    counted: dict[InviteeKind, int] = {}
    for person in present:
        if person.kind in NAMED_KINDS:
            where = ", ".join(x.strip() for x in (person.position, person.organisation)
                              if x and x.strip())
            blocks.append({"kind": "bullet",
                           "text": f"{named(person.name)}{', ' + where if where else ''};"})
        else:
            counted[person.kind] = counted.get(person.kind, 0) + 1
    with force_locale("vi"):
        for kind, count in counted.items():
            blocks.append({"kind": "bullet", "text": f"{label(kind)}: {count} người;"})
    last = blocks[-1]
    last["text"] = last["text"].rstrip(";") + "."
    return blocks


def assignment_text(assignment: Assignment | None) -> str:
    """The task given for one petition, as the notice states it."""
    if assignment is None:
        return "Chưa phân công cơ quan trả lời."
    lead = assignment.agency.name
    coordinators = ", ".join(agency.name for agency in assignment.coordinators)
    together = f", phối hợp với {coordinators}" if coordinators else ""
    deadline = f"; thời hạn trước ngày {text_date(assignment.deadline)}"
    if assignment.beyond_authority:
        return (f"Nội dung vượt thẩm quyền của tỉnh: giao {lead} chủ trì{together} tham mưu "
                f"UBND tỉnh báo cáo, đề xuất cấp có thẩm quyền xem xét, giải quyết{deadline}.")
    if assignment.mode == AnswerMode.ON_THE_SPOT:
        answer = " ".join((assignment.answer or "").split())
        return (f"{lead} đã trả lời trực tiếp tại buổi đối thoại"
                + (f": {_sentence(answer)}" if answer else "."))
    return (f"Giao {lead} chủ trì{together} xem xét, giải quyết và trả lời bằng văn bản "
            f"cho công dân, tổ chức{deadline}.")


def _petition_blocks(number: int, petition: Petition) -> list[dict]:
    with force_locale("vi"):
        kind = label(petition.submitter_kind)
    who = with_kind(kind, petition.submitter_name)
    if petition.locality:
        who += f" ({petition.locality})"
    blocks = [
        {"kind": "paragraph",
         "text": f"2.{number}. {who} — lĩnh vực {petition.field.name}: "
                 f"{_sentence(petition.content)}"},
        {"kind": "bullet", "text": f"Phân công: {assignment_text(petition.assignment)}"},
    ]
    if petition.directive.strip():
        blocks.append({"kind": "bullet",
                       "text": f"Ý kiến chỉ đạo: {_sentence(petition.directive)}"})
    return blocks


def _recipients(petitions: list[Petition]) -> str:
    """The Standing bodies (for report), each lead and coordinating agency, then filing."""
    names: dict[str, None] = {}
    for petition in petitions:
        assignment = petition.assignment
        if assignment is None:
            continue
        names.setdefault(assignment.agency.name)
        for agency in assignment.coordinators:
            names.setdefault(agency.name)
    agencies = sorted(names, key=lambda name: (fold(name), name))
    return "\n".join([*STANDING_RECIPIENTS, *(f"- {name};" for name in agencies), FILING])


def draft_conclusion_notice(meeting: DialogueSession, user_id: int | None,
                            config: Mapping | None = None) -> Document:
    """A new draft conclusion notice (THÔNG BÁO) of a closed meeting, added to the session.

    Raises DocumentError while the meeting is not closed.
    """
    if meeting.closed_at is None:
        raise DocumentError(N_("Chỉ soạn thông báo kết luận sau khi buổi đối thoại đã bế mạc."))
    config = config or {}
    petitions = db.session.scalars(
        select(Petition)
        .options(joinedload(Petition.field),
                 joinedload(Petition.assignment).joinedload(Assignment.agency),
                 joinedload(Petition.assignment).selectinload(Assignment.coordinators))
        .where(Petition.session_id == meeting.id, Petition.raised_at_meeting)
        .order_by(Petition.id)
    ).unique().all()
    present = db.session.scalars(
        select(Attendance).where(Attendance.session_id == meeting.id)
        .order_by(Attendance.checked_in_at, Attendance.id)).all()
    times = stages.stage_times(meeting)
    opened = times[0].started_at if times else meeting.starts_at
    chair = chair_name(meeting)

    blocks: list[dict] = [{
        "kind": "paragraph",
        "text": f"Ngày {text_date(to_local(opened).date())}, tại {meeting.venue.strip()}, "
                f"{chair} đã chủ trì buổi {_meeting_phrase(meeting)}.",
    }]
    blocks += _attendance_blocks(present)
    if meeting.content.strip():
        blocks.append({"kind": "paragraph",
                       "text": f"Nội dung buổi đối thoại: {_sentence(meeting.content)}"})
    if petitions:
        blocks.append({"kind": "paragraph", "text": (
            f"Tại buổi đối thoại, có {len(petitions)} ý kiến, kiến nghị được nêu; các cơ quan, "
            f"đơn vị, địa phương liên quan đã báo cáo, làm rõ. Sau khi nghe ý kiến của các đại "
            f"biểu, {chair} kết luận như sau:")})
    else:
        blocks.append({"kind": "paragraph", "text": (
            f"Tại buổi đối thoại không có ý kiến, kiến nghị nào được nêu. {chair} kết luận "
            f"như sau:")})
    blocks.append({"kind": "heading", "text": "1. Kết luận chung"})
    blocks += _paragraphs(meeting.conclusion) or [
        {"kind": "paragraph", "text": "(Chưa có kết luận.)"}]
    if petitions:
        blocks.append({"kind": "heading",
                       "text": "2. Đối với các ý kiến, kiến nghị cụ thể"})
        for number, petition in enumerate(petitions, start=1):
            blocks += _petition_blocks(number, petition)
        blocks.append({"kind": "paragraph", "text": (
            "Các cơ quan, đơn vị, địa phương được giao nhiệm vụ khẩn trương thực hiện, trả lời "
            "công dân, tổ chức và báo cáo kết quả về UBND tỉnh (qua Văn phòng UBND tỉnh) đúng "
            "thời hạn.")})
    blocks.append({"kind": "paragraph", "text": CLOSING})

    doc = Document(
        doc_type=DocumentType.TB,
        body_code=issuing_settings(local_today(), config).body_code,
        status=DocumentStatus.DRAFT,
        session_id=meeting.id,
        summary=notice_summary(meeting)[:500],
        blocks=blocks,
        recipients=_recipients(petitions),
        signer_authority="\n".join(config.get("CONCLUSION_SIGNER_AUTHORITY",
                                              DEFAULT_SIGNER_AUTHORITY)),
        signer_title=config.get("CONCLUSION_SIGNER_TITLE", DEFAULT_SIGNER_TITLE),
        signer_name=config.get("CONCLUSION_SIGNER_NAME", ""),
        created_by_id=user_id,
    )
    db.session.add(doc)
    db.session.flush()
    return doc
