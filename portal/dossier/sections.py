"""The program and the script as the dossier holds them.

When `portal.papers` is there (the program and the script of issue 13, another piece of
work), `papers_pdfs` gives them exactly as the register has them — issued and frozen, or
the draft, else drafted from the record now — and the dossier puts those PDFs first.
Until then `program_blocks` and `script_blocks` stand in: they draft both from the record
as the plan orders the five stages (5.2): the opening with the delegates invited and their
replies (stand-ins included), the host's briefing with the previous results, the
discussion with the advance petitions by field and the agency expected to answer, the
assignment, the conclusion.
"""
from __future__ import annotations

from datetime import timedelta

from portal.auth.models import Role
from portal.documents.layout import Bullet, Heading, Paragraph
from portal.preparation.models import Reply
from portal.runner import stages
from portal.timefmt import format_date, format_time

# Default planned minutes per stage (the office's setting lives with the program).
DEFAULT_MINUTES = {stages.OPENING: 10, stages.BRIEFING: 20, stages.DISCUSSION: 120,
                   stages.ASSIGNMENT: 30, stages.CONCLUSION: 20}


def papers_pdfs(meeting, config, user) -> list[bytes] | None:
    """The program's and the script's PDFs from `portal.papers` (the script as `user` may
    read it), or None while that package is not installed. An agency officer's dossier has
    the program only: the script goes through every petition of the session, and another
    agency's petitions are never shown to an officer."""
    try:
        from portal.papers.program import render_program_pdf
        from portal.papers.script import render_script_pdf
    except ModuleNotFoundError as missing:
        if missing.name in ("portal.papers", "portal.papers.program", "portal.papers.script"):
            return None
        raise
    if user.role == Role.OFFICER:
        return [render_program_pdf(meeting, config)]
    return [render_program_pdf(meeting, config), render_script_pdf(meeting, config, user)]


def planned_times(meeting):
    """(stage, start, end) for the five stages from the meeting's start."""
    start = meeting.starts_at
    rows = []
    for stage in stages.STAGES:
        end = start + timedelta(minutes=DEFAULT_MINUTES[stage])
        rows.append((stage, start, end))
        start = end
    return rows


def attending(invitees):
    """The invitees expected to attend (confirmed, pending, or sending a stand-in)."""
    return [i for i in invitees if i.reply != Reply.DECLINED]


def person_line(invitee, name_of=lambda invitee: invitee.name) -> str:
    """"Ông/Bà Trần Văn A, Giám đốc, Sở X" — or the stand-in attending for them."""
    where = ", ".join(x for x in (invitee.position, invitee.organisation) if x)
    line = f"{name_of(invitee)}{', ' + where if where else ''}"
    if invitee.reply == Reply.DELEGATED and invitee.delegate_name:
        return f"Ông/Bà {invitee.delegate_name} (dự thay {line})"
    return f"Ông/Bà {line}" if invitee.kind.value in ("delegate", "citizen", "business") \
        else line


def program_blocks(meeting, facts) -> list:
    """The program (chương trình): the stages with their planned times, the content, the
    agencies that will answer."""
    blocks: list = [Paragraph(f"Thời gian: {format_time(meeting.starts_at)} ngày "
                              f"{format_date(meeting.starts_at)}; địa điểm: {meeting.venue}; "
                              f"chủ trì: {meeting.host}.")]
    for stage, start, end in planned_times(meeting):
        blocks.append(Bullet(f"{format_time(start)}–{format_time(end)}: "
                             f"{stages.STAGE_LABELS[stage]}."))
    if meeting.content:
        blocks.append(Paragraph(f"Nội dung: {meeting.content}"))
    if facts.answering_agencies:
        blocks.append(Paragraph("Các cơ quan trả lời: " + ", ".join(facts.answering_agencies)
                                + "."))
    return blocks


def script_blocks(meeting, facts) -> list:
    """The script (kịch bản điều hành), stage by stage, for the person who leads and the chair."""
    label = stages.STAGE_LABELS
    blocks: list = [Heading(f"1. {label[stages.OPENING]}")]
    reasons = meeting.opening_notes or meeting.content or meeting.title
    blocks.append(Paragraph(f"Người dẫn chương trình tuyên bố lý do: {reasons}"))
    present = attending(facts.invitees)
    if present:
        blocks.append(Paragraph("Giới thiệu đại biểu và thành phần tham dự:"))
        blocks.extend(Bullet(person_line(i, facts.name_of)) for i in present)
    blocks.append(Heading(f"2. {label[stages.BRIEFING]}"))
    blocks.append(Paragraph(f"Người chủ trì thông báo mục đích, nội dung chính: "
                            f"{meeting.briefing or meeting.content or meeting.title}"))
    blocks.append(Paragraph(facts.previous_summary))
    if facts.answered_before:
        blocks.append(Paragraph(f"Có {len(facts.answered_before)} ý kiến đã được trả lời bằng "
                                f"văn bản trước buổi đối thoại."))
    blocks.append(Heading(f"3. {label[stages.DISCUSSION]}"))
    for field_name, items in facts.by_field:
        blocks.append(Paragraph(f"Lĩnh vực {field_name}:"))
        for number, line, agency in items:
            blocks.append(Bullet(f"Ý kiến số {number}: {line} — cơ quan dự kiến trả lời: "
                                 f"{agency or 'chưa xác định'}."))
    if not facts.by_field:
        blocks.append(Paragraph("Chưa có ý kiến đăng ký trước."))
    blocks.append(Heading(f"4. {label[stages.ASSIGNMENT]}"))
    for number, agency in facts.to_assign:
        blocks.append(Bullet(f"Ý kiến số {number}: giao {agency or '…'} trả lời."))
    if not facts.to_assign:
        blocks.append(Paragraph("Không có ý kiến cần phân công."))
    blocks.append(Heading(f"5. {label[stages.CONCLUSION]}"))
    blocks.append(Paragraph("Dự thảo kết luận: …"))
    return blocks
