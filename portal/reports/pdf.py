"""The periodic report (báo cáo, III.2) as an administrative document (Decree 30/2020).

Addressed to the Provincial Party Committee's Standing Committee, Standing Board and Mass
Mobilization Committee. Built from `figures.PeriodReport`; citizens' names are masked.
Call under `flask_babel.force_locale("vi")`: labels print in Vietnamese.
"""
from __future__ import annotations

from portal.documents.layout import AdminDocument, Bullet, Heading, Paragraph
from portal.documents.wording import text_date
from portal.labels import label
from portal.reports.charts import percent
from portal.reports.figures import PeriodReport
from portal.reports.words import status_label
from portal.timefmt import admin_date_line

PDF_OUTSTANDING_LIMIT = 200  # the PDF lists the oldest; the Excel workbook lists them all

RECIPIENTS = [
    "- Ban Thường vụ Tỉnh ủy (b/c);",
    "- Thường trực Tỉnh ủy (b/c);",
    "- Ban Dân vận Tỉnh ủy (b/c);",
    "- Lưu: VT, KTTH.",
]


def summary_line(report: PeriodReport) -> str:
    return f"Kết quả tiếp xúc, đối thoại với nhân dân {report.period.label}"


def build_report(report: PeriodReport, config, signer_name: str = "") -> AdminDocument:
    """The report, not yet numbered (`Số:      /BC-UBND`), dated the day it is made."""
    t = report.total
    blocks: list = [Paragraph(
        f"Thực hiện kế hoạch tiếp xúc, đối thoại với nhân dân, Ủy ban nhân dân tỉnh báo cáo "
        f"kết quả tiếp xúc, đối thoại với nhân dân {report.period.label} như sau:")]

    blocks.append(Heading("I. CÁC BUỔI TIẾP XÚC, ĐỐI THOẠI ĐÃ TỔ CHỨC"))
    if report.sessions:
        blocks.append(Paragraph(f"Trong kỳ đã tổ chức {len(report.sessions)} buổi tiếp xúc, "
                                f"đối thoại:"))
        for s in report.sessions:
            blocks.append(Bullet(f"Ngày {text_date(s.day)}: {label(s.kind)} — {s.title}."))
    else:
        blocks.append(Paragraph("Trong kỳ không tổ chức buổi tiếp xúc, đối thoại nào."))

    blocks.append(Heading("II. Ý KIẾN, KIẾN NGHỊ TIẾP NHẬN"))
    blocks.append(Paragraph(f"Tổng số ý kiến, kiến nghị tiếp nhận: {report.received}; "
                            f"đã phân công trả lời: {t.assigned}. Theo lĩnh vực:"))
    for f in report.by_field:
        blocks.append(Bullet(f"{f.name}: {f.petitions} ý kiến, kiến nghị "
                             f"(đã phân công {f.assigned})."))

    blocks.append(Heading("III. KẾT QUẢ GIẢI QUYẾT"))
    blocks.append(Bullet(f"Đã trả lời: {t.answered}, trong đó đúng hạn {t.on_time}, "
                         f"quá hạn {t.late_answered}; tỷ lệ trả lời đúng hạn "
                         f"{percent(t.on_time_rate)}."))
    blocks.append(Bullet(f"Đã hoàn thành (Văn phòng đã xác nhận): {t.done}."))
    blocks.append(Bullet(f"Đang giải quyết: {t.open}, trong đó còn trong hạn {t.open_in_time}, "
                         f"đã quá hạn {t.open_late}."))
    blocks.append(Bullet(
        f"Vượt thẩm quyền của tỉnh: {t.beyond}, trong đó đã báo cáo cấp có thẩm quyền "
        f"{t.reported_upward}, cấp có thẩm quyền đã trả lời {t.upper_answered}, chưa báo cáo "
        f"{t.beyond_pending}."))
    if report.by_agency:
        blocks.append(Paragraph("Kết quả theo cơ quan được giao:"))
        for a in report.by_agency:
            x = a.tally
            blocks.append(Bullet(
                f"{a.name}: được giao {x.assigned}; đã trả lời {x.answered} (đúng hạn "
                f"{x.on_time}, quá hạn {x.late_answered}); đang giải quyết {x.open} (quá hạn "
                f"{x.open_late}); vượt thẩm quyền {x.beyond}."))

    blocks.append(Heading("IV. CÁC Ý KIẾN, KIẾN NGHỊ CÒN TỒN ĐỌNG"))
    blocks.append(Paragraph(f"Từ các buổi trước kỳ báo cáo còn {report.carried_open} ý kiến, "
                            f"kiến nghị chưa được trả lời."))
    if not report.outstanding:
        blocks.append(Paragraph("Không còn ý kiến, kiến nghị tồn đọng."))
    else:
        blocks.append(Paragraph(f"Còn {t.open} ý kiến, kiến nghị chưa được trả lời "
                                f"(tính đến ngày {text_date(report.today)}):"))
        for item in report.outstanding:
            late = (f", quá hạn {item.days_late} ngày làm việc" if item.days_late
                    else ", còn trong hạn")
            blocks.append(Bullet(
                f"{item.agency} — {item.field}: {item.content} ({item.submitter}, buổi "
                f"ngày {text_date(item.session_day)}); hạn {text_date(item.deadline)}{late}; "
                f"{status_label(item.status).lower()}."))
        if not report.outstanding_shown_all:
            blocks.append(Paragraph(
                f"(Trên đây là {len(report.outstanding)} ý kiến, kiến nghị tồn đọng lâu nhất; "
                f"danh sách đầy đủ {t.open} ý kiến tại tệp Excel kèm theo.)", italic=True))

    blocks.append(Paragraph(
        "Ủy ban nhân dân tỉnh báo cáo Ban Thường vụ Tỉnh ủy, Thường trực Tỉnh ủy, Ban Dân vận "
        "Tỉnh ủy biết, chỉ đạo./."))

    return AdminDocument(
        body_parent=config["ISSUING_BODY_PARENT"],
        body=config["ISSUING_BODY"],
        number=f"Số:      /BC-{config.get('DOCUMENT_BODY_CODE', 'UBND')}",
        place_date=admin_date_line(config["DOCUMENT_PLACE"], report.today),
        doc_type="BÁO CÁO",
        summary=summary_line(report),
        blocks=blocks,
        signer_authority=["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"],
        signer_title="PHÓ CHỦ TỊCH",
        signer_name=signer_name,
        recipients=list(RECIPIENTS),
        title_for_metadata=f"Báo cáo — {summary_line(report)}",
    )


def draft_report(report: PeriodReport, user, config, signer_name: str = ""):
    """The period report as a draft BC of the register (command), its period kept with it
    (`source`). One draft per period: an existing draft is opened instead, an issued one is
    changed by a new version."""
    from flask_babel import force_locale
    from sqlalchemy import select

    from portal.documents import services
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    period = {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()}
    same = [doc for doc in db.session.scalars(
        select(Document).where(Document.doc_type == DocumentType.BC).order_by(Document.id))
        if (doc.source or {}).get("period") == period]
    drafts = [doc for doc in same if doc.status.value == "draft"]
    if drafts:
        raise services.DraftExists(drafts[0])
    if same:
        raise services.DocumentError(services.ISSUED_NO_SECOND_DRAFT)
    with force_locale("vi"):
        built = build_report(report, config, signer_name)
    return services.from_layout(built, DocumentType.BC, getattr(user, "id", None), config,
                                source={"period": period})
