"""The meeting's program (chương trình), drafted from the session.

The five stages of plan 5.2 with their planned start times (the session's start, then the
minutes planned per stage for the session's kind: `durations`), the reports on the agenda
and the agencies expected to answer. `draft_program` puts it into the register as a draft
CTr (edited, numbered, issued and frozen like the invitation); `render_program_pdf` gives
the PDF the chair's dossier and the invitations carry.

Plain functions, no Flask request.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from portal.admin.models import Agency
from portal.calendar.models import DialogueSession, SessionKind
from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph, render_pdf
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.papers.models import StageDuration
from portal.petitions.models import Petition
from portal.preparation.models import Invitee, InviteeKind, Reply
from portal.runner import stages
from portal.text import vn_key
from portal.timefmt import to_local
from portal.tracker.models import Assignment

__all__ = ["DEFAULT_MINUTES", "MeetingProgram", "PlannedStage", "build_program", "durations",
           "draft_program", "program_of", "render_program_pdf", "save_durations"]

# Minutes planned per stage (opening, briefing, discussion, assignment, conclusion), per kind:
# the monthly reception is short; a voter contact hears reports first; a business or
# cooperative dialogue gives the floor more time.
DEFAULT_MINUTES: dict[SessionKind, tuple[int, int, int, int, int]] = {
    SessionKind.CITIZEN_RECEPTION: (10, 10, 90, 20, 10),
    SessionKind.VOTER_CONTACT: (10, 30, 90, 30, 15),
    SessionKind.BUSINESS: (10, 20, 100, 30, 15),
    SessionKind.COOPERATIVE: (10, 20, 90, 30, 15),
}
MAX_MINUTES = 600

# What each stage holds, as the program writes it (plan 5.2).
STAGE_CONTENT = {
    stages.OPENING: "Tuyên bố lý do, giới thiệu đại biểu và thành phần tham dự; thông qua "
                    "chương trình",
    stages.BRIEFING: "Người chủ trì thông báo mục đích, nội dung chính, những vấn đề người dân, "
                     "doanh nghiệp quan tâm và kết quả giải quyết ý kiến, kiến nghị tại buổi "
                     "tiếp xúc, đối thoại trước",
    stages.DISCUSSION: "Đại biểu, người dân, doanh nghiệp phát biểu, nêu ý kiến, kiến nghị",
    stages.ASSIGNMENT: "Người chủ trì phân công lãnh đạo các sở, ngành, địa phương trả lời "
                       "trực tiếp hoặc bằng văn bản theo chức năng, thẩm quyền",
    stages.CONCLUSION: "Người chủ trì kết luận buổi tiếp xúc, đối thoại",
}
# The reports each kind puts on the agenda besides the previous meeting's results.
KIND_REPORTS = {
    SessionKind.VOTER_CONTACT: ("Báo cáo tình hình kinh tế - xã hội của tỉnh và kết quả giải "
                                "quyết ý kiến, kiến nghị của cử tri",),
    SessionKind.BUSINESS: ("Báo cáo tình hình sản xuất, kinh doanh và khó khăn, vướng mắc của "
                           "doanh nghiệp",),
    SessionKind.COOPERATIVE: ("Báo cáo tình hình phát triển kinh tế tập thể, hợp tác xã",),
}
PREVIOUS_REPORT = ("Báo cáo kết quả giải quyết ý kiến, kiến nghị tại buổi tiếp xúc, đối thoại "
                   "ngày {day}")
RECIPIENTS = ["- Các đại biểu được mời;", "- Lưu: VT, TCD."]


@dataclass(frozen=True)
class PlannedStage:
    """One stage of the program: when it starts and ends (Việt Nam time), what it holds."""

    stage: str
    label: str
    starts: datetime
    ends: datetime
    minutes: int
    content: str

    @property
    def time_range(self) -> str:
        """`08 giờ 00 – 08 giờ 10`."""
        return f"{self.starts:%H} giờ {self.starts:%M} – {self.ends:%H} giờ {self.ends:%M}"


@dataclass
class MeetingProgram:
    """The program of one session: its stages in order, the reports, the agencies."""

    session: DialogueSession
    stages: list[PlannedStage]
    reports: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)

    @property
    def ends(self) -> datetime:
        return self.stages[-1].ends


# --------------------------------------------------------------------------- durations


def durations(kind: SessionKind) -> dict[str, int]:
    """Minutes planned per stage for `kind`: the office's setting, else the built-in value."""
    kind = SessionKind(kind)
    minutes = dict(zip(stages.STAGES, DEFAULT_MINUTES[kind]))
    for row in db.session.scalars(select(StageDuration).where(StageDuration.kind == kind)):
        if row.stage in minutes:
            minutes[row.stage] = row.minutes
    return minutes


def all_durations() -> dict[SessionKind, dict[str, int]]:
    """`durations` of every kind (one query)."""
    table = {kind: dict(zip(stages.STAGES, DEFAULT_MINUTES[kind])) for kind in SessionKind}
    for row in db.session.scalars(select(StageDuration)):
        if row.stage in table[row.kind]:
            table[row.kind][row.stage] = row.minutes
    return table


def save_durations(user, values: Mapping[tuple[SessionKind, str], int]) -> int:
    """Set the minutes of (kind, stage) pairs; each between 1 and MAX_MINUTES (422 at the
    field `<kind>-<stage>`). Returns how many changed. Does not commit."""
    rows = {(row.kind, row.stage): row for row in db.session.scalars(select(StageDuration))}
    changed = 0
    for (kind, stage), minutes in values.items():
        kind = SessionKind(kind)
        if stage not in stages.STAGES:
            raise DomainError(N_("Bước không hợp lệ."), 422)
        if minutes is None or not 1 <= int(minutes) <= MAX_MINUTES:
            raise DomainError(N_("Thời lượng mỗi bước từ 1 đến %(max)d phút."), 422,
                              f"{kind.value}-{stage}", max=MAX_MINUTES)
        row = rows.get((kind, stage))
        if row is None:
            if int(minutes) == dict(zip(stages.STAGES, DEFAULT_MINUTES[kind]))[stage]:
                continue  # the built-in value: nothing to store
            db.session.add(StageDuration(kind=kind, stage=stage, minutes=int(minutes)))
            changed += 1
        elif row.minutes != int(minutes):
            row.minutes = int(minutes)
            changed += 1
    db.session.flush()
    return changed


# --------------------------------------------------------------------------- the program


def planned_stages(session: DialogueSession) -> list[PlannedStage]:
    """The five stages from the session's start, each for its planned minutes."""
    minutes = durations(session.kind)
    at = to_local(session.starts_at)
    planned = []
    for stage in stages.STAGES:
        ends = at + timedelta(minutes=minutes[stage])
        planned.append(PlannedStage(stage, stages.STAGE_LABELS[stage], at, ends,
                                    minutes[stage], STAGE_CONTENT[stage]))
        at = ends
    return planned


def answering_agencies(session: DialogueSession) -> list[str]:
    """The agencies expected to answer, in Vietnamese order: those invited (unless they
    declined), those advising on an advance petition, those assigned one."""
    invited = select(Invitee.agency_id).where(
        Invitee.session_id == session.id, Invitee.kind == InviteeKind.AGENCY,
        Invitee.reply != Reply.DECLINED, Invitee.agency_id.is_not(None))
    advising = select(Petition.advising_agency_id).where(
        Petition.session_id == session.id, Petition.advising_agency_id.is_not(None))
    assigned = select(Assignment.agency_id).join(Petition, Petition.id == Assignment.petition_id) \
        .where(Petition.session_id == session.id)
    names = db.session.scalars(select(Agency.name).where(
        Agency.id.in_(invited.union(advising, assigned).scalar_subquery()))).all()
    return sorted(set(names), key=vn_key)


def agenda_reports(session: DialogueSession) -> list[str]:
    """The reports on the agenda: the previous related meeting's results (when there was
    one), then those the kind of dialogue calls for."""
    from portal.runner.briefing import previous_session
    from portal.documents.wording import text_date

    reports = []
    previous = previous_session(session)
    if previous is not None:
        reports.append(PREVIOUS_REPORT.format(day=text_date(to_local(previous.starts_at).date())))
    reports += KIND_REPORTS.get(session.kind, ())
    return reports


def program_of(session: DialogueSession) -> MeetingProgram:
    """The program of `session`, from its record and the durations in effect."""
    return MeetingProgram(session, planned_stages(session), agenda_reports(session),
                          answering_agencies(session))


def _blocks(program: MeetingProgram) -> list:
    from portal.documents.invitation import _chair, _sentence, meeting_time_line

    meeting = program.session
    blocks: list = [
        Heading("I. THỜI GIAN, ĐỊA ĐIỂM, CHỦ TRÌ"),
        Bullet(f"Thời gian: {meeting_time_line(meeting.starts_at)}."),
        Bullet(f"Địa điểm: {_sentence(meeting.venue)}"),
        Bullet(f"Chủ trì: {_sentence(_chair(meeting))}"),
        Bullet(f"Nội dung: {_sentence(meeting.content or meeting.title)}"),
        Heading("II. CHƯƠNG TRÌNH CỤ THỂ"),
    ]
    for number, planned in enumerate(program.stages, start=1):
        blocks.append(Bullet(f"{planned.time_range}: {number}. {planned.label}: "
                             f"{planned.content}."))
    if program.reports:
        blocks.append(Heading("III. CÁC BÁO CÁO"))
        blocks += [Bullet(f"{report}.") for report in program.reports]
    blocks.append(Heading(f"{'IV' if program.reports else 'III'}. CƠ QUAN, ĐƠN VỊ TRẢ LỜI "
                          "Ý KIẾN, KIẾN NGHỊ"))
    if program.agencies:
        blocks += [Bullet(f"{name}{';' if i < len(program.agencies) - 1 else '.'}")
                   for i, name in enumerate(program.agencies)]
    else:
        blocks.append(Paragraph("(Các cơ quan được phân công theo nội dung ý kiến, kiến nghị.)"))
    blocks.append(Paragraph(f"Buổi tiếp xúc, đối thoại dự kiến kết thúc lúc "
                            f"{program.ends:%H} giờ {program.ends:%M}./."))
    return blocks


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_program(session: DialogueSession, config: Mapping) -> AdminDocument:
    """The program laid out as a Decree 30 document (not yet numbered: `Số:      /CTr-…`)."""
    from flask_babel import force_locale

    from portal.documents.invitation import (DEFAULT_SIGNER_AUTHORITY, DEFAULT_SIGNER_TITLE,
                                             _occasion)
    from portal.labels import label

    with force_locale("vi"):
        kind = label(session.kind).lower()
    return AdminDocument(
        body_parent=config.get("ISSUING_BODY_PARENT", ""), body=config.get("ISSUING_BODY", ""),
        number=f"Số:      /CTr-{config.get('DOCUMENT_BODY_CODE', 'UBND')}", place_date="",
        doc_type="CHƯƠNG TRÌNH", summary=_capital(_occasion(kind, session.title).rstrip(".")),
        blocks=_blocks(program_of(session)),
        signer_authority=list(config.get("INVITATION_SIGNER_AUTHORITY",
                                         DEFAULT_SIGNER_AUTHORITY)),
        signer_title=config.get("INVITATION_SIGNER_TITLE", DEFAULT_SIGNER_TITLE),
        signer_name=config.get("INVITATION_SIGNER_NAME", ""),
        recipients=list(RECIPIENTS), title_for_metadata=f"Chương trình — {session.title}")


def draft_program(meeting: DialogueSession, user_id: int | None, config=None):
    """The session's program as a draft CTr of the register (`services.draft` opens an
    existing draft instead); refused once the meeting was held."""
    from portal.documents import services
    from portal.documents.models import DocumentType

    config = config or {}
    if meeting.closed_at is not None:
        raise services.DocumentError(N_("Buổi đối thoại đã kết thúc; không soạn chương trình "
                                        "mới."))
    return services.from_layout(build_program(meeting, config), DocumentType.CTR, user_id,
                                config, session_id=meeting.id)


def render_program_pdf(session: DialogueSession, config: Mapping) -> bytes:
    """The program as a PDF: the issued one exactly as issued (its newest version), else
    the draft in the register, else laid out from the record now."""
    from portal.documents import services
    from portal.documents.models import DocumentType

    doc = services.issued_of(DocumentType.CTR, session_id=session.id) \
        or services.latest_draft(DocumentType.CTR, session.id)
    if doc is not None:
        return services.document_pdf(doc, config)
    return render_pdf(build_program(session, config), tuple(config.get("PDF_FONT_DIRS") or ()))
