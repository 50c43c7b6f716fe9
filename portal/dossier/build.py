"""The chair's dossier (hồ sơ): one PDF for the chair's folder, made from the record —
the program and the script, the petitions registered in advance with their prepared
answers and the office's mark, the previous results (the tracker's carry-over), the
attendance expected (invitations, replies, stand-ins).

Personal data is masked as the role of the user who asked requires
(`portal.petitions.privacy.Viewer`): the office sees all; the chair sees names, not the
phones and ID numbers written into the texts; an officer gets only the petitions of their
own agency. No contact or ID number column is ever printed.

A background job (`portal.jobs.background`, kind "dossier"); plain functions otherwise.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from portal.access import officer_agency
from portal.auth.models import Role
from portal.calendar.models import DialogueSession
from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph, render_pdf
from portal.dossier import sections
from portal.extensions import db
from portal.jobs.background import JobContext, JobResult, job_kind
from portal.petitions import privacy
from portal.petitions.answers import answered_before
from portal.petitions.models import PLAN_TEXT, Channel, Petition
from portal.petitions.services import visible_petitions
from portal.preparation.models import Invitee, InviteeKind, Reply
from portal.runner import briefing
from portal.text import vn_key
from portal.timefmt import admin_date_line, format_date, local_today

ROMAN = ("I", "II", "III", "IV", "V", "VI")
REPLY_TEXT = {Reply.PENDING: "chưa phản hồi", Reply.CONFIRMED: "xác nhận tham dự",
              Reply.DELEGATED: "cử người dự thay", Reply.DECLINED: "không tham dự"}
KIND_TEXT = {"agency": "Cơ quan, đơn vị, địa phương", "delegate": "Đại biểu",
             "citizen": "Đại diện công dân, cử tri",
             "business": "Đại diện doanh nghiệp, hợp tác xã"}


@dataclass
class Facts:
    """What the sections print, gathered once (a few queries, none per row)."""

    petitions: list[Petition] = field(default_factory=list)
    invitees: list[Invitee] = field(default_factory=list)
    previous: briefing.PreviousResults | None = None
    previous_summary: str = ""
    answered_before: list[Petition] = field(default_factory=list)
    answering_agencies: list[str] = field(default_factory=list)
    by_field: list[tuple[str, list[tuple[int, str, str]]]] = field(default_factory=list)
    to_assign: list[tuple[int, str]] = field(default_factory=list)
    name_of: Callable[[Invitee], str] = lambda invitee: invitee.name  # masked as the user may


def _petitions(meeting: DialogueSession, user) -> list[Petition]:
    """The session's petitions registered in advance that the user may see (an officer:
    their agency's), in order."""
    return list(db.session.scalars(
        visible_petitions(user).where(Petition.session_id == meeting.id,
                                      Petition.channel != Channel.AT_DIALOGUE)
        .order_by(Petition.id)).unique())


def _invitees(meeting: DialogueSession) -> list[Invitee]:
    return list(db.session.scalars(
        select(Invitee).where(Invitee.session_id == meeting.id)
        .order_by(Invitee.kind, Invitee.id)))


def _summary(previous: briefing.PreviousResults) -> str:
    if previous.session is None:
        return "Chưa có buổi đối thoại trước cùng loại và cùng người chủ trì."
    t = previous.total
    return (f"Kết quả giải quyết ý kiến của buổi {previous.session.title} "
            f"({format_date(previous.session.starts_at)}): {t.assigned} ý kiến được phân "
            f"công; {t.on_time} trả lời đúng hạn, {t.late} trả lời quá hạn, {t.open} chưa trả "
            f"lời ({t.overdue} đã quá hạn).")


def _own_agency_only(previous: briefing.PreviousResults, user, viewer) -> None:
    """An officer's dossier keeps, of the previous results, their agency's items only."""
    previous.petitions = [p for p in previous.petitions if viewer.sees_all(p)]
    previous.open_by_agency = [(agency, items) for agency, items in previous.open_by_agency
                               if agency.id == user.agency_id]


def gather(meeting: DialogueSession, user, viewer: privacy.Viewer) -> Facts:
    facts = Facts(petitions=_petitions(meeting, user), invitees=_invitees(meeting))
    facts.previous = briefing.previous_results(meeting, local_today())
    if officer_agency(user) is not None:
        _own_agency_only(facts.previous, user, viewer)
    facts.name_of = lambda invitee: invitee_name(invitee, user)
    facts.previous_summary = _summary(facts.previous)
    facts.answered_before = [p for p in facts.petitions if answered_before(p)]
    agencies = {p.advising_agency.name for p in facts.petitions if p.advising_agency}
    facts.answering_agencies = sorted(agencies, key=vn_key)
    groups: dict[str, list] = {}
    for number, p in enumerate(facts.petitions, start=1):
        agency = p.advising_agency.name if p.advising_agency else ""
        groups.setdefault(p.field.name, []).append(
            (number, f"{viewer.name(p)}: {viewer.text(p, p.content)}", agency))
        if not answered_before(p):
            facts.to_assign.append((number, agency))
    facts.by_field = sorted(groups.items(), key=lambda kv: vn_key(kv[0]))
    return facts


def petition_blocks(facts: Facts, viewer: privacy.Viewer) -> list:
    blocks: list = []
    if not facts.petitions:
        return [Paragraph("Chưa có ý kiến, kiến nghị nào.")]
    blocks.append(Paragraph(f"Có {len(facts.petitions)} ý kiến, kiến nghị đăng ký trước; "
                            f"{len(facts.answered_before)} ý kiến đã được trả lời bằng văn bản "
                            f"trước buổi đối thoại."))
    for number, p in enumerate(facts.petitions, start=1):
        where = f", {p.locality}" if p.locality else ""
        blocks.append(Paragraph(f"{number}. {viewer.name(p)}{where} — lĩnh vực {p.field.name}: "
                                f"{viewer.text(p, p.content)}"))
        if p.advising_agency:
            deadline = (f", hạn {format_date(p.advising_deadline)}"
                        if p.advising_deadline else "")
            blocks.append(Bullet(f"Cơ quan tham mưu: {p.advising_agency.name}{deadline}."))
        answer = (p.assignment.answer if answered_before(p)
                  else p.prepared_answer)
        if (answer or "").strip():
            blocks.append(Bullet(f"Nội dung trả lời dự kiến: {viewer.text(p, answer)}"))
        else:
            blocks.append(Bullet("Chưa có nội dung trả lời dự kiến."))
        if p.answer_plan:
            blocks.append(Bullet(f"Hướng trả lời: {PLAN_TEXT[p.answer_plan]}."))
    return blocks


def previous_blocks(facts: Facts, viewer: privacy.Viewer) -> list:
    previous = facts.previous
    blocks: list = [Paragraph(facts.previous_summary)]
    for number, p in enumerate(previous.petitions, start=1):
        a = p.assignment
        answer = briefing.gist(viewer.text(p, briefing.answer_of(a))) if a else ""
        state = f"{a.agency.name}: {answer or 'chưa trả lời'}" if a else "chưa phân công"
        blocks.append(Bullet(f"{number}. {viewer.name(p)}: "
                             f"{briefing.gist(viewer.text(p, p.content), 200)} — {state}"))
    if previous.open_by_agency:
        blocks.append(Paragraph(f"Các ý kiến còn tồn đọng của các buổi trước: "
                                f"{previous.open_count}."))
        for agency, items in previous.open_by_agency:
            blocks.append(Bullet(f"{agency.name}: {len(items)} ý kiến."))
    return blocks


def invitee_name(invitee: Invitee, user) -> str:
    """A citizen's representative is a private person: named in clear for the office and the
    chair (who introduce them), masked for anyone else."""
    if invitee.kind == InviteeKind.CITIZEN and user.role not in (Role.OFFICE, Role.CHAIR):
        return privacy.mask_name(invitee.name)
    return invitee.name


def attendance_blocks(facts: Facts, user) -> list:
    if not facts.invitees:
        return [Paragraph("Chưa có danh sách mời.")]
    blocks: list = []
    expected = sections.attending(facts.invitees)
    blocks.append(Paragraph(f"Đã mời {len(facts.invitees)}; dự kiến tham dự {len(expected)}."))
    current = None
    for invitee in facts.invitees:
        if invitee.kind.value != current:
            current = invitee.kind.value
            blocks.append(Paragraph(f"{KIND_TEXT.get(current, current)}:"))
        where = ", ".join(x for x in (invitee.position, invitee.organisation) if x)
        line = (f"{invitee_name(invitee, user)}{', ' + where if where else ''} — "
                f"{REPLY_TEXT[invitee.reply]}")
        if invitee.reply == Reply.DELEGATED and invitee.delegate_name:
            line += f": {invitee.delegate_name} dự thay"
        blocks.append(Bullet(line + "."))
    return blocks


def build_dossier(meeting: DialogueSession, user, config, progress=lambda pct, step: None,
                  *, with_papers: bool = True) -> AdminDocument:
    """The dossier as a laid-out document (not numbered: a folder, not an issued text);
    without `with_papers`, only the sections after the program and the script."""
    viewer = privacy.Viewer(user)
    progress(5, "Đang tổng hợp dữ liệu")
    facts = gather(meeting, user, viewer)
    parts: list[tuple[str, list]] = []
    if with_papers:
        progress(25, "Chương trình, kịch bản")
        parts += [("CHƯƠNG TRÌNH", sections.program_blocks(meeting, facts)),
                  ("KỊCH BẢN ĐIỀU HÀNH", sections.script_blocks(meeting, facts))]
    progress(45, "Ý kiến, kiến nghị và nội dung trả lời dự kiến")
    parts.append(("Ý KIẾN, KIẾN NGHỊ VÀ NỘI DUNG TRẢ LỜI DỰ KIẾN",
                  petition_blocks(facts, viewer)))
    progress(60, "Kết quả giải quyết của buổi trước")
    parts.append(("KẾT QUẢ GIẢI QUYẾT Ý KIẾN CỦA BUỔI ĐỐI THOẠI TRƯỚC",
                  previous_blocks(facts, viewer)))
    progress(70, "Thành phần dự kiến tham dự")
    parts.append(("THÀNH PHẦN DỰ KIẾN THAM DỰ", attendance_blocks(facts, user)))
    blocks: list = []
    for number, (heading, part) in enumerate(parts):
        blocks += [Heading(f"{ROMAN[number]}. {heading}"), *part]
    today = local_today()
    return AdminDocument(
        body_parent=config["ISSUING_BODY_PARENT"], body=config["ISSUING_BODY"], number="",
        place_date=admin_date_line(config["DOCUMENT_PLACE"], today), doc_type="HỒ SƠ",
        summary=f"Tài liệu phục vụ người chủ trì: {meeting.title}", blocks=blocks,
        signer_title="", signer_name="", recipients=[],
        title_for_metadata=f"Hồ sơ — {meeting.title}")


def merged(pdfs: list[bytes]) -> bytes:
    """One PDF of several, in order (each part keeps its pages as they are)."""
    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(PdfReader(io.BytesIO(pdf)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _back(job) -> str | None:
    return url_for("dossier.session_page", session_id=job.session_id) if job.session_id else None


@job_kind("dossier", _l("Hồ sơ của người chủ trì"), back=_back)
def dossier_job(ctx: JobContext) -> JobResult:
    """Build the dossier of `params["session_id"]` for the user who asked, as a PDF."""
    config = current_app.config
    meeting = db.session.get(DialogueSession, ctx.params["session_id"])
    with force_locale("vi"):
        papers = sections.papers_pdfs(meeting, config, ctx.user)
        document = build_dossier(meeting, ctx.user, config, ctx.progress,
                                 with_papers=papers is None)
        ctx.progress(80, "Đang dàn trang PDF")
        pdf = render_pdf(document, config["PDF_FONT_DIRS"])
    if papers:
        ctx.progress(90, "Ghép chương trình, kịch bản vào hồ sơ")
        pdf = merged([*papers, pdf])
    return JobResult(pdf, f"ho-so-buoi-doi-thoai-{meeting.id}.pdf")
