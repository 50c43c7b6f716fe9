"""The plan (kế hoạch) as a Decree 30/2020 document, in the form of the seed plan."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from portal.calendar.models import Plan
from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph, render_pdf
from portal.timefmt import admin_date_line, local_today


# Section 5 of the plan: the procedure of every dialogue (fixed text of the seed).
PREPARATION = [
    "Rà soát nội dung; xác định quy mô, đối tượng; lựa chọn địa điểm, thời gian tổ chức đảm bảo "
    "phù hợp với từng cuộc tiếp xúc, đối thoại.",
    "Tổng hợp, phân loại các ý kiến, kiến nghị của người dân, doanh nghiệp; giao nhiệm vụ tham "
    "mưu, giải quyết cho các cơ quan, đơn vị, địa phương.",
    "Xây dựng chương trình, kịch bản, tài liệu, hồ sơ, ban hành giấy mời trước khi tổ chức chính "
    "thức cuộc tiếp xúc, đối thoại.",
]
MEETING = [
    "Tuyên bố lý do, giới thiệu đại biểu, thành phần tham dự, nội dung chương trình chi tiết của "
    "cuộc tiếp xúc, đối thoại.",
    "Người chủ trì thông báo mục đích, nội dung chính của cuộc tiếp xúc, đối thoại và những vấn "
    "đề liên quan mà người dân, doanh nghiệp quan tâm. Kết quả giải quyết của cuộc tiếp xúc, đối "
    "thoại liên hệ trước đó (nếu có).",
    "Các đại biểu, người dân, doanh nghiệp phát biểu trao đổi, thảo luận về những nội dung của "
    "cuộc tiếp xúc, đối thoại và những vấn đề có liên quan khác.",
    "Phân công lãnh đạo các cơ quan, đơn vị, địa phương và người chủ trì trực tiếp hoặc theo hình "
    "thức bằng văn bản để trả lời, giải đáp các ý kiến, kiến nghị của người dân, doanh nghiệp "
    "theo chức năng, nhiệm vụ và thẩm quyền.",
    "Người chủ trì kết luận những nội dung đã thảo luận, trao đổi, đối thoại.",
]
CLOSING = [
    "Ban hành văn bản chỉ đạo, thông báo kết luận đối với các cuộc tiếp xúc, đối thoại theo quy "
    "định.",
    "Chỉ đạo tổ chức giải quyết những nội dung ý kiến, kiến nghị của người dân, doanh nghiệp theo "
    "thẩm quyền và báo cáo, đề xuất với cấp có thẩm quyền những nội dung vượt quá thẩm quyền.",
]
ORGANISATION = [
    "1. Các sở, cơ quan, đơn vị, địa phương liên quan căn cứ Kế hoạch này và chức năng, nhiệm vụ "
    "được giao chủ động phối hợp với Văn phòng UBND tỉnh để tổ chức triển khai thực hiện.",
    "2. Văn phòng UBND tỉnh có trách nhiệm chủ trì tham mưu xây dựng lịch tiếp xúc đối thoại, "
    "tổng hợp các ý kiến, kiến nghị của người dân, doanh nghiệp, nhân dân; chuẩn bị kết luận, văn "
    "bản chỉ đạo; đôn đốc việc triển khai thực hiện các kết luận, văn bản chỉ đạo sau tiếp xúc, "
    "đối thoại; tổng hợp, tham mưu báo cáo Ban Thường vụ Tỉnh ủy, Thường trực Tỉnh ủy, Ban Dân "
    "vận Tỉnh ủy kết quả tiếp xúc, đối thoại định kỳ (đột xuất) theo quy định.",
]
RECIPIENTS = [
    "- Thường trực Tỉnh ủy (b/c);",
    "- Ban Dân vận Tỉnh ủy (b/c);",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Văn phòng UBND tỉnh:",
    "\u00a0\u00a0+ LĐVP, TH, TCD, KTTH;",
    "\u00a0\u00a0+ Lưu: VT, KTTH.",
]
BLANK = "\u00a0" * 6


def _lines(text: str) -> list[str]:
    """The non-empty lines of a text area, without a leading dash (the layout adds it)."""
    result = []
    for line in (text or "").splitlines():
        line = line.strip()
        if line.startswith(("- ", "+ ", "• ")):
            line = line[2:].strip()
        if line:
            result.append(line)
    return result


def signer_title(leader_title: str) -> str:
    """"Phó Chủ tịch UBND tỉnh" → "PHÓ CHỦ TỊCH" (the title without the body's name)."""
    title = leader_title.strip()
    for marker in (" UBND", " Ủy ban", " ủy ban", " Uỷ ban"):
        if marker in title:
            title = title[: title.index(marker)]
    return (title or "Phó Chủ tịch").upper()


def place_date(place: str, year: int, today: date) -> str:
    """Today's date when the plan is issued in its year or the year before; else left blank."""
    if today.year in (year - 1, year):
        return admin_date_line(place, today)
    return f"{place}, ngày{BLANK}tháng{BLANK}năm {year}"


def build_plan_document(plan: Plan, config: Mapping, today: date) -> AdminDocument:
    """Assemble the plan document from its data (unnumbered: `Số:      /KH-UBND`)."""
    leader = f"{plan.leader_title} {plan.leader_name}".strip()
    blocks: list = []
    basis = _lines(plan.legal_basis)
    opening = (f"Đồng chí {leader} xây dựng Kế hoạch tiếp xúc, đối thoại với nhân dân năm "
               f"{plan.year}, cụ thể như sau:")
    if basis:
        blocks.extend(Paragraph(text) for text in basis[:-1])
        blocks.append(Paragraph(f"{basis[-1]} {opening}"))
    else:
        blocks.append(Paragraph(opening))

    blocks.append(Heading("I. MỤC ĐÍCH, YÊU CẦU"))
    blocks.append(Heading("1. Mục đích"))
    blocks.extend(Bullet(text) for text in _lines(plan.purpose))
    blocks.append(Heading("2. Yêu cầu"))
    blocks.extend(Bullet(text) for text in _lines(plan.requirements))

    blocks.append(Heading("II. NỘI DUNG TRIỂN KHAI"))
    number = 0
    for number, program in enumerate(plan.programs, start=1):
        blocks.append(Heading(f"{number}. {program.title}"))
        blocks.append(Bullet(f"Thời gian: {program.timing}"))
        if program.participants.strip():
            blocks.append(Bullet(f"Đối tượng: {program.participants.strip()}"))
        if program.content.strip():
            blocks.append(Bullet(f"Nội dung: {program.content.strip()}"))
    step = number + 1
    blocks.append(Heading(f"{step}. Trình tự thực hiện tiếp xúc, đối thoại"))
    blocks.append(Heading(f"{step}.1. Công tác chuẩn bị"))
    blocks.extend(Bullet(text) for text in PREPARATION)
    blocks.append(Heading(f"{step}.2. Các nội dung chính khi tiếp xúc, đối thoại"))
    blocks.extend(Bullet(text) for text in MEETING)
    blocks.append(Heading(f"{step}.3. Kết thúc tiếp xúc, đối thoại"))
    blocks.extend(Bullet(text) for text in CLOSING)

    blocks.append(Heading("III. TỔ CHỨC THỰC HIỆN"))
    blocks.extend(Paragraph(text) for text in ORGANISATION)
    blocks.append(Paragraph(f"Trên đây là Kế hoạch tiếp xúc, đối thoại với nhân dân năm "
                            f"{plan.year} của đồng chí {leader}./"))

    return AdminDocument(
        body_parent=config["ISSUING_BODY_PARENT"],
        body=config["ISSUING_BODY"],
        number=f"Số:      /KH-{config.get('DOCUMENT_BODY_CODE', 'UBND')}",
        place_date=place_date(config["DOCUMENT_PLACE"], plan.year, today),
        doc_type="KẾ HOẠCH",
        summary=f"Tiếp xúc, đối thoại với nhân dân của\n{leader} năm {plan.year}",
        blocks=blocks,
        signer_title=signer_title(plan.leader_title),
        signer_name=plan.leader_name,
        recipients=RECIPIENTS,
        title_for_metadata=plan.title,
    )


def draft_plan(plan: Plan, user, config: Mapping):
    """The plan as a draft KH of the register (command): numbered and dated when issued.
    An existing draft is opened instead; an issued plan is changed by a new version."""
    from portal.documents import services
    from portal.documents.models import DocumentType

    def make():
        built = build_plan_document(plan, config, local_today())
        return services.from_layout(built, DocumentType.KH, getattr(user, "id", None), config,
                                    plan_id=plan.id)
    return services.draft_once(DocumentType.KH, (Plan, plan.id), make, plan_id=plan.id)


def plan_pdf(plan: Plan, config: Mapping, today: date) -> bytes:
    """The plan's PDF: the issued KH exactly as issued (its own number and date); else its
    draft in the register; else laid out from the plan's data, unnumbered."""
    from sqlalchemy import select

    from portal.documents import services
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    issued = services.issued_of(DocumentType.KH, plan_id=plan.id)
    if issued is not None:
        return services.document_pdf(issued, config)
    drafted = db.session.scalar(select(Document).where(
        Document.doc_type == DocumentType.KH, Document.plan_id == plan.id)
        .order_by(Document.id.desc()).limit(1))
    if drafted is not None:
        return services.document_pdf(drafted, config)
    return render_pdf(build_plan_document(plan, config, today), tuple(config["PDF_FONT_DIRS"]))
