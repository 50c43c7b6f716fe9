"""The minutes (biên bản) of a dialogue session, built from the meeting's record and timeline.

`build_minutes` lays them out for the unnumbered PDF; `draft_minutes` stores them as a
draft Document to edit, number and issue.
"""
from __future__ import annotations

from flask_babel import force_locale
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession, SessionStatus
from portal.auth.models import Role, User
from portal.documents.layout import (
    AdminDocument,
    Bullet,
    Heading,
    Paragraph,
    TwoSignerDocument,
    render_two_signer_pdf,
)
from portal.documents.models import Document, DocumentStatus, DocumentType
from portal.documents.services import DocumentError, blocks_from_layout
from portal.errors import N_
from portal.extensions import db
from portal.labels import label
from portal.petitions.models import Petition
from portal.runner import dispositions, stages
from portal.runner.models import Amendment, Attendance, Speaker, SpeakerStatus, TimelineEntry
from portal.tracker.carryover import same_leader
from portal.timefmt import admin_date_line, format_date, format_time, to_local
from portal.tracker.models import AnswerMode, Assignment


@dataclass(frozen=True)
class Signer:
    title: str
    name: str


def _paragraphs(text: str, prefix: str = "") -> list[Paragraph]:
    """Text as typed: each non-empty line its own paragraph (a prefix before the first)."""
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    if prefix and lines:
        lines[0] = f"{prefix}{lines[0]}"
    return [Paragraph(line) for line in lines]


def chair_signer(meeting: DialogueSession) -> Signer:
    """The chair (CHỦ TỌA) from the accounts: the chair's account whose name is the
    session's host, with its title (else the plan's leader title); the host's own words
    only when no account matches."""
    accounts = db.session.scalars(
        select(User).where(User.role == Role.CHAIR).order_by(User.id)).all()
    for account in accounts:
        if same_leader(account.full_name, meeting.host):
            title = account.position or (meeting.plan.leader_title if meeting.plan else "")
            return Signer(title, account.full_name)
    plan = meeting.plan
    if plan is not None and same_leader(plan.leader_name, meeting.host):
        return Signer(plan.leader_title, plan.leader_name)
    return Signer("", meeting.host)


def secretary_signer(meeting: DialogueSession, chair: Signer) -> Signer:
    """The secretary (THƯ KÝ): the account that recorded most of the meeting's timeline
    (who ran the console), other than the chair; its title from the account."""
    rows = db.session.execute(
        select(TimelineEntry.actor_id, func.count(TimelineEntry.id).label("n"))
        .where(TimelineEntry.session_id == meeting.id, TimelineEntry.actor_id.is_not(None))
        .group_by(TimelineEntry.actor_id)
        .order_by(func.count(TimelineEntry.id).desc(), TimelineEntry.actor_id)).all()
    for actor_id, _n in rows:
        user = db.session.get(User, actor_id)
        if user is not None and user.role != Role.CHAIR and user.full_name != chair.name:
            return Signer(user.position, user.full_name)
    return Signer("", "")


def _disposition_lines(petition) -> list[Bullet]:
    """What was decided about one petition, as the minutes print it."""
    d = dispositions.disposition(petition)
    assignment = petition.assignment
    lines: list[Bullet] = []
    if d == dispositions.PENDING:
        lines.append(Bullet("Chưa có hướng xử lý tại buổi đối thoại."))
    elif d == dispositions.CLOSED:
        lines.append(Bullet(f"Không nêu tại buổi đối thoại; kết thúc, lý do: "
                            f"{petition.closed_reason}"))
    elif d == dispositions.ANSWERED_BEFORE:
        lines.append(Bullet(f"Đã được {assignment.agency.name} trả lời bằng văn bản trước buổi "
                            f"đối thoại: {assignment.answer}"))
    elif d == dispositions.ON_THE_SPOT:
        lines.append(Bullet(f"{assignment.agency.name} trả lời trực tiếp: {assignment.answer}"))
    elif d == dispositions.LATER_IN_WRITING:
        lines.append(Bullet(f"Không nêu tại buổi đối thoại; giao {assignment.agency.name} trả "
                            f"lời bằng văn bản, hạn {format_date(assignment.deadline)}."))
    else:
        lines.append(Bullet(f"Giao {assignment.agency.name} trả lời bằng văn bản, "
                            f"hạn {format_date(assignment.deadline)}."))
    if assignment is not None and assignment.coordinators:
        names = ", ".join(a.name for a in assignment.coordinators)
        lines.append(Bullet(f"Cơ quan phối hợp: {names}."))
    if assignment is not None and assignment.beyond_authority:
        lines.append(Bullet("Nội dung vượt thẩm quyền của tỉnh: báo cáo, đề xuất cấp có "
                            "thẩm quyền xem xét."))
    return lines


def minutes_pdf(meeting: DialogueSession, config, *, masked: bool = False) -> bytes:
    """The minutes as an unnumbered A4 PDF with both signers (THƯ KÝ, CHỦ TỌA); `masked`:
    personal data masked in the body (`portal.petitions.privacy`)."""
    from portal.petitions import privacy

    built = build_minutes(meeting, config)
    if masked:
        built = privacy.mask_document(built, privacy.personal_names(meeting.id))
    return render_two_signer_pdf(built, config["PDF_FONT_DIRS"])


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
    chair = chair_signer(meeting)
    secretary = secretary_signer(meeting, chair)
    chaired_by = f"{chair.name}, {chair.title}" if chair.title else chair.name
    blocks: list = [
        Paragraph(
            f"Vào hồi {format_time(opened)} ngày {format_date(opened)}, "
            f"tại {meeting.venue}, {chaired_by} chủ trì buổi "
            f"{label(meeting.kind).lower()}: {meeting.title}."
        ),
    ]
    if meeting.content:
        blocks.extend(_paragraphs(meeting.content, "Nội dung: "))

    blocks.append(Heading("I. THÀNH PHẦN THAM DỰ"))
    if present:
        for person in present:
            where = ", ".join(x for x in (person.position, person.organisation) if x)
            blocks.append(Bullet(f"{person.name}{', ' + where if where else ''}."))
    else:
        blocks.append(Paragraph("(Chưa ghi nhận danh sách tham dự.)"))
    if meeting.opening_notes:
        blocks.extend(_paragraphs(meeting.opening_notes))

    blocks.append(Heading("II. DIỄN BIẾN BUỔI ĐỐI THOẠI"))
    for stage_time in stage_times:
        end = f" đến {format_time(stage_time.ended_at)}" if stage_time.ended_at else ""
        blocks.append(Bullet(
            f"{stages.STAGE_LABELS[stage_time.stage]}: từ {format_time(stage_time.started_at)}{end}."
        ))
    if meeting.briefing:
        blocks.extend(_paragraphs(meeting.briefing, "Người chủ trì thông báo: "))
    if spoke:
        blocks.append(Paragraph(f"Có {len(spoke)} lượt phát biểu:"))
        for turn in spoke:
            blocks.append(Bullet(f"{format_time(turn.started_at)}–{format_time(turn.ended_at)}: "
                                 f"{turn.name} ({label(turn.kind).lower()}"
                                 f"{', ' + turn.locality if turn.locality else ''})."))

    blocks.append(Heading("III. Ý KIẾN, KIẾN NGHỊ VÀ PHÂN CÔNG TRẢ LỜI"))
    if not petitions:
        blocks.append(Paragraph("Không có ý kiến, kiến nghị nào của buổi đối thoại."))
    else:
        raised = sum(1 for p in petitions if p.raised_at_meeting)
        before = sum(1 for p in petitions
                     if dispositions.disposition(p) == dispositions.ANSWERED_BEFORE)
        of_which = (f"; trong đó {before} ý kiến đã được trả lời bằng văn bản trước buổi "
                    f"đối thoại" if before else "")
        blocks.append(Paragraph(f"Buổi đối thoại có {len(petitions)} ý kiến, kiến nghị "
                                f"({raised} ý kiến nêu tại buổi, {len(petitions) - raised} "
                                f"ý kiến đăng ký trước không nêu tại buổi{of_which})."))
    for number, petition in enumerate(petitions, start=1):
        who = f"{petition.submitter_name} ({label(petition.submitter_kind).lower()}"
        who += f", {petition.locality})" if petition.locality else ")"
        blocks.append(Paragraph(f"{number}. {who} — lĩnh vực {petition.field.name}: "
                                f"{petition.content}"))
        blocks.extend(_disposition_lines(petition))
        if petition.directive:
            blocks.append(Bullet(f"Chỉ đạo của người chủ trì: {petition.directive}"))

    blocks.append(Heading("IV. KẾT LUẬN CỦA NGƯỜI CHỦ TRÌ"))
    blocks.extend(_paragraphs(meeting.conclusion) or [Paragraph("(Chưa có kết luận.)")])
    if meeting.closed_at:
        blocks.append(Paragraph(f"Buổi đối thoại kết thúc vào hồi {format_time(meeting.closed_at)} "
                                f"ngày {format_date(meeting.closed_at)}."))

    if corrections:
        blocks.append(Heading("V. ĐÍNH CHÍNH SAU KHI BẾ MẠC"))
        for fix in corrections:
            blocks.append(Bullet(f"{format_time(fix.created_at)} ngày {format_date(fix.created_at)}"
                                 f" — {fix.reason}: “{fix.before}” được sửa thành “{fix.after}”."))

    return TwoSignerDocument(
        body_parent=config["ISSUING_BODY_PARENT"],
        body=config["ISSUING_BODY"],
        number=f"Số:      /BB-{config.get('DOCUMENT_BODY_CODE', 'UBND')}",
        place_date=admin_date_line(config["DOCUMENT_PLACE"], local_start.date()),
        doc_type="BIÊN BẢN",
        summary=f"{meeting.title}",
        blocks=blocks,
        signer_title=chair.title,
        signer_name=chair.name,
        left_title=secretary.title,
        left_name=secretary.name,
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
        # The chair signs as the document's signer; the secretary beside (source).
        signer_title=built.signer_title or "CHỦ TỌA",
        signer_name=built.signer_name,
        source={"secretary": {"title": built.left_title, "name": built.left_name}},
        created_by_id=user_id,
    )
    db.session.add(doc)
    db.session.flush()
    return doc
