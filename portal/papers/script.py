"""The script (kịch bản điều hành) of a meeting, drafted from the record stage by stage, for
the person who leads and for the chair (plan 5.2):

* the opening: the reasons, the delegates and participants from the invitations and their
  replies (titles, «Ông/Bà», the stand-ins who attend instead), the program;
* the host's briefing: the purpose and main content, the previous related meeting's
  results from the tracker (`portal.runner.briefing`), what earlier meetings still owe;
* the discussion: the petitions registered in advance, grouped by field, each with the
  agency expected to answer it;
* the assignment: which agency answers which petition;
* the conclusion: a draft conclusion to complete.

A script is read aloud in the hall: it never carries a phone, an ID number or an address
(free text goes through `redact`), and a citizen's name is masked for a reader whose role
may not see it (`portal.petitions.privacy`). In the register the script is a KB document,
issued (dated and frozen) WITHOUT a number: Decree 30 lists no "kịch bản" among the
administrative documents, it is the office's internal working paper. Its body keeps one
heading per stage (`I. KHAI MẠC` …), which is how the runner finds a stage's lines in an
edited or issued script (`stage_lines`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.admin.models import Field
from portal.auth.models import Role
from portal.calendar.models import DialogueSession
from portal.documents.layout import AdminDocument, render_pdf
from portal.documents.wording import person, text_date
from portal.errors import N_
from portal.extensions import db
from portal.papers.program import planned_stages
from portal.petitions.answers import answered_before
from portal.petitions.models import Channel, Petition
from portal.petitions.privacy import mask_name, redact
from portal.preparation.models import Invitee, InviteeKind, Reply
from portal.runner import stages
from portal.text import fold, vn_key
from portal.timefmt import local_today, to_local
from portal.tracker.models import Assignment

__all__ = ["ScriptLine", "ScriptStage", "build_script", "draft_script", "render_script_pdf",
           "runner_lines", "script_of", "stage_lines"]

ROMAN = ("I", "II", "III", "IV", "V")
GIST = 240
UNASSIGNED = "(chưa xác định cơ quan trả lời)"
NAME_ROLES = frozenset({Role.OFFICE, Role.CHAIR})  # see citizens' names (they call them)


@dataclass(frozen=True)
class ScriptLine:
    """One line of the script: `heading`, `paragraph` or `bullet` (the document's kinds)."""

    kind: str
    text: str


@dataclass
class ScriptStage:
    """One stage of the script: its label, planned start (Việt Nam time) and its lines."""

    stage: str
    label: str
    starts: object = None
    lines: list[ScriptLine] = field(default_factory=list)

    @property
    def heading(self) -> str:
        return f"{ROMAN[stages.STAGES.index(self.stage)]}. {self.label.upper()}"


def _p(text: str) -> ScriptLine:
    return ScriptLine("paragraph", " ".join(text.split()))


def _b(text: str) -> ScriptLine:
    return ScriptLine("bullet", " ".join(text.split()))


def _gist(text: str, limit: int = GIST) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _sentence(text: str) -> str:
    text = " ".join((text or "").split()).rstrip(";,")
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


class _Reader:
    """What the script shows of people for one reader: names in clear for the office and
    the chair (anyone else: «Nguyễn V. A.» for a citizen); free text always redacted."""

    def __init__(self, viewer) -> None:
        role = getattr(viewer, "role", Role.CHAIR)  # None: the drafted script (the chair's)
        self.names = role in NAME_ROLES

    def petitioner(self, petition: Petition) -> str:
        """`Ông/Bà Nguyễn Văn A (xã X)`: a person with «Ông/Bà», a business by its name."""
        from portal.petitions.privacy import is_personal_name
        name = petition.submitter_name
        if is_personal_name(petition):
            name = person(name if self.names else mask_name(name))
        return f"{name} ({petition.locality})" if petition.locality else name

    def invitee_name(self, invitee: Invitee, name: str) -> str:
        if invitee.kind == InviteeKind.CITIZEN and not self.names:
            return mask_name(name)
        return name

    @staticmethod
    def text(value: str) -> str:
        return redact(value)


# --------------------------------------------------------------------------- the record


def _invitees(session: DialogueSession) -> list[Invitee]:
    return list(db.session.scalars(
        select(Invitee).options(joinedload(Invitee.agency))
        .where(Invitee.session_id == session.id).order_by(Invitee.kind, Invitee.id)))


def advance_petitions(session: DialogueSession) -> list[Petition]:
    """The petitions registered before the meeting (not at it), by field order then id."""
    return list(db.session.scalars(
        select(Petition)
        .join(Field, Field.id == Petition.field_id)
        .options(joinedload(Petition.field), joinedload(Petition.advising_agency),
                 joinedload(Petition.assignment).joinedload(Assignment.agency))
        .where(Petition.session_id == session.id, Petition.channel != Channel.AT_DIALOGUE)
        .order_by(Field.position, Field.id, Petition.id)).unique())


def answering_agency(petition: Petition) -> str:
    """The agency expected to answer: the assigned one, else the advising one."""
    if petition.assignment is not None:
        return petition.assignment.agency.name
    if petition.advising_agency is not None:
        return petition.advising_agency.name
    return ""


def attendee_line(invitee: Invitee, reader: _Reader) -> str:
    """How the opening introduces an invitee who attends (a stand-in named instead)."""
    stand_in = " ".join((invitee.delegate_name or "").split()) \
        if invitee.reply == Reply.DELEGATED else ""
    pending = " (chưa xác nhận tham dự)" if invitee.reply == Reply.PENDING else ""
    if invitee.kind == InviteeKind.AGENCY:
        name = " ".join(invitee.name.split())
        if stand_in:
            return f"{person(stand_in)}, dự thay lãnh đạo {name}{pending}"
        return f"Đại diện lãnh đạo {name}{pending}"
    who = ", ".join(part.strip() for part in (
        person(reader.invitee_name(invitee, invitee.name)), invitee.position,
        invitee.organisation) if part and part.strip())
    if stand_in:
        return f"{person(reader.invitee_name(invitee, stand_in))}, dự thay {who}{pending}"
    return f"{who}{pending}"


# --------------------------------------------------------------------------- the stages


def _chair(session: DialogueSession) -> str:
    from portal.documents.conclusion import chair_name
    return f"đồng chí {chair_name(session)}"


def _opening(session: DialogueSession, reader: _Reader, planned) -> list[ScriptLine]:
    from flask_babel import force_locale
    from portal.labels import label

    with force_locale("vi"):
        kind = label(session.kind).lower()
    lines = [_p("Kính thưa đồng chí chủ trì, thưa các vị đại biểu, thưa toàn thể Quý vị!")]
    basis = f"Thực hiện {session.plan.title.strip()}, " if session.plan is not None \
        and (session.plan.title or "").strip() else ""
    lines.append(_p(f"{basis}hôm nay, Ủy ban nhân dân tỉnh tổ chức buổi {kind}: "
                    f"{_sentence(session.title)} Nội dung: "
                    f"{_sentence(session.content or session.title)}"))
    lines.append(_p(f"Chủ trì buổi tiếp xúc, đối thoại: {_sentence(_chair(session))}"))
    invitees = [i for i in _invitees(session) if i.reply != Reply.DECLINED]
    groups = (
        ("Về phía đại biểu:", (InviteeKind.DELEGATE,)),
        ("Về phía các sở, ban, ngành, địa phương:", (InviteeKind.AGENCY,)),
        ("Về phía người dân, doanh nghiệp:", (InviteeKind.CITIZEN, InviteeKind.BUSINESS)),
    )
    if invitees:
        lines.append(_p("Tới dự buổi tiếp xúc, đối thoại hôm nay, xin trân trọng giới thiệu:"))
    for title, kinds in groups:
        members = [i for i in invitees if i.kind in kinds]
        if members:
            lines.append(_p(title))
            lines += [_b(attendee_line(i, reader)) for i in members]
    lines.append(_p("Xin trân trọng thông qua chương trình buổi tiếp xúc, đối thoại:"))
    lines += [_b(f"{s.time_range}: {s.label}.") for s in planned]
    return lines


def _briefing(session: DialogueSession, reader: _Reader) -> list[ScriptLine]:
    from portal.runner.briefing import previous_results
    from portal.tracker.labels import status_label

    lines = [_p(f"Xin trân trọng kính mời {_chair(session)} thông báo mục đích, nội dung chính "
                "của buổi tiếp xúc, đối thoại.")]
    purpose = (session.plan.purpose or "").strip() if session.plan is not None else ""
    if purpose:
        lines.append(_p(f"Mục đích: {_sentence(purpose)}"))
    lines.append(_p(f"Nội dung chính: {_sentence(session.content or session.title)}"))
    previous = previous_results(session, local_today())
    if previous.session is not None:
        total = previous.total
        day = text_date(to_local(previous.session.starts_at).date())
        lines.append(_p(
            f"Kết quả giải quyết ý kiến, kiến nghị tại buổi tiếp xúc, đối thoại ngày {day} "
            f"({_sentence(previous.session.title)[:-1]}): {len(previous.petitions)} ý kiến, "
            f"{total.assigned} ý kiến đã giao; {total.on_time} đã trả lời đúng hạn, "
            f"{total.late} trả lời quá hạn, {total.open} đang giải quyết "
            f"({total.overdue} quá hạn)."))
        for petition in previous.petitions:
            assignment = petition.assignment
            if assignment is None:
                result = "chưa giao cơ quan trả lời"
            else:
                from portal.runner.briefing import answer_of
                answer = _gist(reader.text(answer_of(assignment)))
                result = f"{assignment.agency.name}: {status_label(assignment.status)}" \
                    + (f" — {answer}" if answer else "")
            lines.append(_b(f"{reader.petitioner(petition)}: "
                            f"{_gist(reader.text(petition.content))} — {_sentence(result)}"))
    else:
        lines.append(_p("Đây là buổi tiếp xúc, đối thoại đầu tiên của nội dung này; chưa có kết "
                        "quả của buổi trước."))
    if previous.open_by_agency:
        lines.append(_p(f"Các ý kiến, kiến nghị còn tồn đọng từ các buổi trước: "
                        f"{previous.open_count} ý kiến."))
        lines += [_b(f"{agency.name}: {len(items)} ý kiến.")
                  for agency, items in previous.open_by_agency]
    return lines


def _discussion(petitions: list[Petition], numbers: dict[int, int],
                reader: _Reader) -> list[ScriptLine]:
    lines = [_p("Xin mời các vị đại biểu, người dân, doanh nghiệp phát biểu ý kiến; mỗi ý kiến "
                "nêu ngắn gọn, đúng nội dung. Các ý kiến, kiến nghị đã gửi trước buổi "
                "đối thoại, theo lĩnh vực:")]
    if not petitions:
        lines.append(_p("(Chưa có ý kiến, kiến nghị đăng ký trước.)"))
    current_field = None
    for petition in petitions:
        if petition.field_id != current_field:
            current_field = petition.field_id
            lines.append(_p(f"Lĩnh vực {petition.field.name}:"))
        agency = answering_agency(petition) or UNASSIGNED
        closed = (" Đã trả lời bằng văn bản trước buổi đối thoại." if answered_before(petition)
                  else "")
        lines.append(_b(f"{numbers[petition.id]}. {reader.petitioner(petition)}: "
                        f"{_sentence(_gist(reader.text(petition.content)))} Cơ quan dự kiến "
                        f"trả lời: {_sentence(agency)}{closed}"))
    return lines


def _assignment(petitions: list[Petition], numbers: dict[int, int]) -> list[ScriptLine]:
    lines = [_p(f"Người chủ trì phân công lãnh đạo các sở, ngành, địa phương trả lời trực tiếp "
                "tại buổi đối thoại hoặc bằng văn bản:")]
    by_agency: dict[str, list[int]] = {}
    unassigned, before = [], []
    for petition in petitions:
        if answered_before(petition):  # closed with its answer: nothing left to assign
            before.append(numbers[petition.id])
            continue
        agency = answering_agency(petition)
        if agency:
            by_agency.setdefault(agency, []).append(numbers[petition.id])
        else:
            unassigned.append(numbers[petition.id])
    for agency in sorted(by_agency, key=vn_key):
        listed = ", ".join(f"số {n}" for n in by_agency[agency])
        lines.append(_b(f"{agency} trả lời ý kiến {listed}."))
    if unassigned:
        lines.append(_b("Ý kiến chưa xác định cơ quan trả lời: "
                        + ", ".join(f"số {n}" for n in unassigned) + "."))
    if before:
        lines.append(_b("Ý kiến đã được trả lời bằng văn bản trước buổi đối thoại: "
                        + ", ".join(f"số {n}" for n in before) + "."))
    lines.append(_p("Các ý kiến phát sinh tại buổi đối thoại được phân công tại chỗ."))
    return lines


def _conclusion(session: DialogueSession, petitions: list[Petition]) -> list[ScriptLine]:
    agencies = sorted({answering_agency(p) for p in petitions if answering_agency(p)},
                      key=vn_key)
    lines = [_p(f"Xin trân trọng kính mời {_chair(session)} kết luận buổi tiếp xúc, đối thoại."),
             _p("Dự thảo kết luận (hoàn thiện theo diễn biến buổi đối thoại):"),
             _b(f"Ghi nhận {len(petitions)} ý kiến, kiến nghị đã gửi trước và các ý kiến phát "
                "biểu tại buổi đối thoại.")]
    if agencies:
        lines.append(_b(f"Giao {', '.join(agencies)} trả lời, giải quyết dứt điểm các ý kiến được "
                        "phân công, báo cáo kết quả về Văn phòng UBND tỉnh."))
    lines += [_b("Văn phòng UBND tỉnh theo dõi, đôn đốc và tổng hợp kết quả báo cáo người chủ "
                 "trì."),
              _b("(Nội dung kết luận khác của người chủ trì.)"),
              _p("Xin trân trọng cảm ơn các vị đại biểu và toàn thể Quý vị. Buổi tiếp xúc, "
                 "đối thoại xin được kết thúc.")]
    return lines


def script_of(session: DialogueSession, viewer=None) -> list[ScriptStage]:
    """The script of `session` drafted from its record now: the five stages in order, each
    with its planned start and lines, as `viewer` (a user; None: the chair's script, as
    drafted) may read it."""
    from flask_babel import force_locale

    reader = _Reader(viewer)
    planned = planned_stages(session)
    petitions = advance_petitions(session)
    numbers = {p.id: n for n, p in enumerate(petitions, start=1)}
    with force_locale("vi"):  # a script is in Vietnamese, whatever the reader's UI language
        lines = {
            stages.OPENING: _opening(session, reader, planned),
            stages.BRIEFING: _briefing(session, reader),
            stages.DISCUSSION: _discussion(petitions, numbers, reader),
            stages.ASSIGNMENT: _assignment(petitions, numbers),
            stages.CONCLUSION: _conclusion(session, petitions),
        }
    return [ScriptStage(s.stage, s.label, s.starts, lines[s.stage]) for s in planned]


# --------------------------------------------------------------------------- the document


def blocks_of(script: Iterable[ScriptStage]) -> list[dict]:
    """The script as the register's blocks: one heading per stage, then its lines."""
    blocks = []
    for stage in script:
        blocks.append({"kind": "heading", "text": stage.heading})
        blocks += [{"kind": line.kind, "text": line.text} for line in stage.lines]
    return blocks


_NUMBERING = re.compile(r"^\s*(?:[IVX]+|\d+)[.)]\s*")
_STAGE_KEYS = {fold(label).casefold(): stage for stage, label in stages.STAGE_LABELS.items()}


def _stage_of_heading(text: str) -> str | None:
    return _STAGE_KEYS.get(" ".join(fold(_NUMBERING.sub("", text)).casefold().split()))


def stage_lines(blocks: Iterable[Mapping]) -> dict[str, list[ScriptLine]]:
    """A stored script's lines by stage: a heading that names a stage (`II. CHỦ TRÌ THÔNG
    BÁO`, numbered or not, any case or accents) starts it; lines before the first belong to
    the opening; other headings stay lines of their stage."""
    result: dict[str, list[ScriptLine]] = {stage: [] for stage in stages.STAGES}
    current = stages.OPENING
    for block in blocks or ():
        kind, text = block.get("kind", "paragraph"), str(block.get("text", ""))
        if kind == "heading":
            stage = _stage_of_heading(text)
            if stage is not None:
                current = stage
                continue
        if text.strip():
            result[current].append(ScriptLine(kind, text))
    return result


def script_document(session_id: int):
    """The script in the register: the newest issued version, else the newest draft."""
    from portal.documents import services
    from portal.documents.models import DocumentType

    return services.issued_of(DocumentType.KB, session_id=session_id) \
        or services.latest_draft(DocumentType.KB, session_id)


def runner_lines(session: DialogueSession, viewer) -> list[ScriptLine]:
    """The script's lines of the stage on now (before the start: the opening's), for the
    runner's secretary and chair views (never the hall screen). The office and the chair
    read the script in the register (as edited or issued; free text redacted); any other
    watcher the script drafted now, with citizens' names masked."""
    stage = session.stage or stages.OPENING
    if stage not in stages.STAGES:
        return []
    doc = script_document(session.id) if getattr(viewer, "role", None) in NAME_ROLES else None
    if doc is not None:
        return [ScriptLine(line.kind, redact(line.text))
                for line in stage_lines(doc.blocks)[stage]]
    for part in script_of(session, viewer):
        if part.stage == stage:
            return part.lines
    return []


def _layout(blocks: list[dict]) -> list:
    from portal.documents.layout import Bullet, Heading, Paragraph
    kinds = {"heading": Heading, "paragraph": Paragraph, "bullet": Bullet}
    return [kinds[b["kind"]](b["text"]) for b in blocks]


def build_script(session: DialogueSession, config: Mapping, viewer=None) -> AdminDocument:
    """The script laid out as a document: the office's heading, no number, `KỊCH BẢN`;
    drafted as the chair reads it, or as `viewer` may."""
    from flask_babel import force_locale

    from portal.documents.invitation import _occasion
    from portal.labels import label
    from portal.papers.program import _capital

    with force_locale("vi"):
        kind = label(session.kind).lower()
    return AdminDocument(
        body_parent=config.get("ISSUING_BODY_PARENT", ""), body=config.get("ISSUING_BODY", ""),
        number="", place_date="", doc_type="KỊCH BẢN",
        summary=_capital(f"điều hành {_occasion(kind, session.title).rstrip('.')}"),
        blocks=_layout(blocks_of(script_of(session, viewer))),
        signer_authority=[], signer_title="VĂN PHÒNG UBND TỈNH", signer_name="",
        recipients=["- Người chủ trì;", "- Lưu: VT, TCD."],
        title_for_metadata=f"Kịch bản — {session.title}")


def draft_script(meeting: DialogueSession, user_id: int | None, config=None):
    """The session's script as a draft KB of the register; refused once the meeting was
    held (`services.draft` opens an existing draft instead)."""
    from portal.documents import services
    from portal.documents.models import DocumentType

    config = config or {}
    if meeting.closed_at is not None:
        raise services.DocumentError(N_("Buổi đối thoại đã kết thúc; không soạn kịch bản mới."))
    return services.from_layout(build_script(meeting, config), DocumentType.KB, user_id, config,
                                session_id=meeting.id)


def render_script_pdf(session: DialogueSession, config: Mapping, viewer=None) -> bytes:
    """The script as a PDF: the issued one exactly as issued, else the draft in the register,
    else laid out from the record now. For a `viewer` who may not see citizens' names
    (anyone but the office and the chair) it is laid out from the record with names masked."""
    from portal.documents import services

    font_dirs = tuple(config.get("PDF_FONT_DIRS") or ())
    if viewer is not None and getattr(viewer, "role", None) not in NAME_ROLES:
        return render_pdf(build_script(session, config, viewer), font_dirs)
    doc = script_document(session.id)
    if doc is not None:
        return services.document_pdf(doc, config)
    return render_pdf(build_script(session, config), font_dirs)
