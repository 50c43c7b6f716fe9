"""The minutes (biên bản) of a dialogue session, built from the meeting's record and timeline.

`build_minutes` lays them out for the unnumbered PDF; `draft_minutes` stores them as a
draft Document to edit, number and issue.
"""
from __future__ import annotations

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession, SessionStatus
from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph
from portal.documents.models import Document, DocumentStatus, DocumentType
from portal.documents.services import DocumentError, blocks_from_layout
from portal.errors import N_
from portal.extensions import db
from portal.labels import label
from portal.petitions.models import Petition
from portal.runner import stages
from portal.runner.models import Amendment, Attendance, Speaker, SpeakerStatus
from portal.timefmt import admin_date_line, format_date, format_time, to_local
from portal.tracker.models import AnswerMode, Assignment


def build_minutes(meeting: DialogueSession, config) -> AdminDocument:
    """Assemble the minutes document (not yet numbered: `Số:    /BB-UBND`)."""
    petitions = db.session.scalars(
        select(Petition)
        .options(joinedload(Petition.field),
                 joinedload(Petition.assignment).joinedload(Assignment.agency),
                 joinedload(Petition.assignment).selectinload(Assignment.coordinators))
        .where(Petition.session_id == meeting.id)
        .order_by(Petition.id)
    ).unique().all()
    present = db.session.scalars(
        select(Attendance).where(Attendance.session_id == meeting.id)
        .order_by(Attendance.checked_in_at, Attendance.id)).all()
    spoke = db.session.scalars(
        select(Speaker).where(Speaker.session_id == meeting.id,
                              Speaker.status == SpeakerStatus.DONE)
        .order_by(Speaker.started_at, Speaker.id)).all()
    corrections = db.session.scalars(
        select(Amendment).where(Amendment.session_id == meeting.id).order_by(Amendment.id)).all()
    stage_times = stages.stage_times(meeting)
    # The minutes record when the meeting really opened; the schedule is only the plan.
    opened = stage_times[0].started_at if stage_times else meeting.starts_at
    local_start = to_local(opened)
    blocks: list = [
        Paragraph(
            f"Vào hồi {format_time(opened)} ngày {format_date(opened)}, "
            f"tại {meeting.venue}, {meeting.host} chủ trì buổi "
            f"{label(meeting.kind).lower()}: {meeting.title}."
        ),
    ]
    if meeting.content:
        blocks.append(Paragraph(f"Nội dung: {meeting.content}"))

    blocks.append(Heading("I. THÀNH PHẦN THAM DỰ"))
    if present:
        for person in present:
            where = ", ".join(x for x in (person.position, person.organisation) if x)
            blocks.append(Bullet(f"{person.name}{', ' + where if where else ''}."))
    else:
        blocks.append(Paragraph("(Chưa ghi nhận danh sách tham dự.)"))
    if meeting.opening_notes:
        blocks.append(Paragraph(meeting.opening_notes))

    blocks.append(Heading("II. DIỄN BIẾN BUỔI ĐỐI THOẠI"))
    for stage_time in stage_times:
        end = f" đến {format_time(stage_time.ended_at)}" if stage_time.ended_at else ""
        blocks.append(Bullet(
            f"{stages.STAGE_LABELS[stage_time.stage]}: từ {format_time(stage_time.started_at)}{end}."
        ))
    if meeting.briefing:
        blocks.append(Paragraph(f"Người chủ trì thông báo: {meeting.briefing}"))
    if spoke:
        blocks.append(Paragraph(f"Có {len(spoke)} lượt phát biểu:"))
        for turn in spoke:
            blocks.append(Bullet(f"{format_time(turn.started_at)}–{format_time(turn.ended_at)}: "
                                 f"{turn.name} ({label(turn.kind).lower()}"
                                 f"{', ' + turn.locality if turn.locality else ''})."))

    blocks.append(Heading("III. Ý KIẾN, KIẾN NGHỊ VÀ PHÂN CÔNG TRẢ LỜI"))
    raised = [p for p in petitions if p.raised_at_meeting]
    if not raised:
        blocks.append(Paragraph("Không có ý kiến, kiến nghị nào được nêu tại buổi đối thoại."))
    for number, petition in enumerate(raised, start=1):
        who = f"{petition.submitter_name} ({label(petition.submitter_kind).lower()}"
        who += f", {petition.locality})" if petition.locality else ")"
        blocks.append(Paragraph(f"{number}. {who} — lĩnh vực {petition.field.name}: "
                                f"{petition.content}"))
        assignment = petition.assignment
        if assignment is None:
            blocks.append(Bullet("Chưa phân công trả lời."))
        elif assignment.mode == AnswerMode.ON_THE_SPOT:
            blocks.append(Bullet(f"{assignment.agency.name} trả lời trực tiếp: {assignment.answer}"))
        else:
            blocks.append(Bullet(f"Giao {assignment.agency.name} trả lời bằng văn bản, "
                                 f"hạn {format_date(assignment.deadline)}."))
        if assignment is not None and assignment.coordinators:
            names = ", ".join(a.name for a in assignment.coordinators)
            blocks.append(Bullet(f"Cơ quan phối hợp: {names}."))
        if assignment is not None and assignment.beyond_authority:
            blocks.append(Bullet("Nội dung vượt thẩm quyền của tỉnh: báo cáo, đề xuất cấp có "
                                 "thẩm quyền xem xét."))
        if petition.directive:
            blocks.append(Bullet(f"Chỉ đạo của người chủ trì: {petition.directive}"))

    blocks.append(Heading("IV. KẾT LUẬN CỦA NGƯỜI CHỦ TRÌ"))
    blocks.append(Paragraph(meeting.conclusion or "(Chưa có kết luận.)"))
    if meeting.closed_at:
        blocks.append(Paragraph(f"Buổi đối thoại kết thúc vào hồi {format_time(meeting.closed_at)} "
                                f"ngày {format_date(meeting.closed_at)}."))

    if corrections:
        blocks.append(Heading("V. ĐÍNH CHÍNH SAU KHI BẾ MẠC"))
        for fix in corrections:
            blocks.append(Bullet(f"{format_time(fix.created_at)} ngày {format_date(fix.created_at)}"
                                 f" — {fix.reason}: “{fix.before}” được sửa thành “{fix.after}”."))

    return AdminDocument(
        body_parent=config["ISSUING_BODY_PARENT"],
        body=config["ISSUING_BODY"],
        number="Số:      /BB-UBND",
        place_date=admin_date_line(config["DOCUMENT_PLACE"], local_start.date()),
        doc_type="BIÊN BẢN",
        summary=f"{meeting.title}",
        blocks=blocks,
        signer_title="NGƯỜI CHỦ TRÌ",
        signer_name=meeting.host,
        recipients=["- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);",
                    "- Các cơ quan được phân công;", "- Lưu: VT, KTTH."],
        title_for_metadata=f"Biên bản — {meeting.title}",
    )


def draft_minutes(meeting: DialogueSession, user_id: int | None, config=None) -> Document:
    """The minutes as a new stored draft (BIÊN BẢN) to edit and issue, added to the session.

    The meeting must be in progress or closed; raises DocumentError otherwise.
    """
    if meeting.closed_at is None and meeting.status != SessionStatus.IN_PROGRESS:
        raise DocumentError(N_("Chỉ soạn biên bản khi buổi đối thoại đang diễn ra hoặc đã kết thúc."))
    config = config or {}
    header = {"ISSUING_BODY_PARENT": "", "ISSUING_BODY": "", "DOCUMENT_PLACE": "", **config}
    with force_locale("vi"):
        built = build_minutes(meeting, header)
    doc = Document(
        doc_type=DocumentType.BB,
        body_code=config.get("DOCUMENT_BODY_CODE", "UBND"),
        status=DocumentStatus.DRAFT,
        session_id=meeting.id,
        summary=built.summary[:500],
        blocks=blocks_from_layout(built.blocks),
        recipients="\n".join(built.recipients),
        signer_authority="\n".join(built.signer_authority),
        signer_title=built.signer_title,
        signer_name=built.signer_name,
        created_by_id=user_id,
    )
    db.session.add(doc)
    db.session.flush()
    return doc
