"""The periodic report as an Excel workbook (openpyxl, streamed in write-only mode).

Four sheets: the summary (with the sessions held), by field, by agency, and every
outstanding item. Dates are real dates shown dd/mm/yyyy; citizens' names are masked.
Call under `flask_babel.force_locale("vi")`.
"""
from __future__ import annotations

import io
from datetime import date

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.exports import inert, looks_like_formula, xlsx_value

from portal.labels import label
from portal.reports.figures import PeriodReport
from portal.reports.pdf import summary_line
from portal.reports.words import status_label

DATE_FORMAT = "DD/MM/YYYY"
PERCENT_FORMAT = "0.0%"

SHEET_SUMMARY = "Tổng hợp"
SHEET_FIELDS = "Theo lĩnh vực"
SHEET_AGENCIES = "Theo cơ quan"
SHEET_OUTSTANDING = "Tồn đọng"


class _Sheet:
    """A write-only sheet with helpers for bold headers, dates and percentages."""

    def __init__(self, book: Workbook, title: str, widths: list[float], freeze: str = ""):
        self.ws = book.create_sheet(title)
        if freeze:
            self.ws.freeze_panes = freeze
        for i, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width

    def cell(self, value, *, bold: bool = False, fmt: str | None = None, wrap: bool = False):
        cell = inert(WriteOnlyCell(self.ws, value=xlsx_value(value)))
        if bold:
            cell.font = Font(bold=True)
        if isinstance(value, date):
            cell.number_format = DATE_FORMAT
        if fmt:
            cell.number_format = fmt
        if wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        return cell

    def header(self, *titles: str) -> None:
        self.ws.append([self.cell(t, bold=True, wrap=True) for t in titles])

    def row(self, *values) -> None:
        """Plain values as they are (fast); dates through `cell` for their format, and text
        that looks like a formula through `cell` to be typed as text (never evaluated)."""
        self.ws.append([self.cell(v) if isinstance(v, date)
                        or (isinstance(v, str) and looks_like_formula(v))
                        else xlsx_value(v) for v in values])

    def blank(self) -> None:
        self.ws.append([])


def build_workbook(report: PeriodReport) -> bytes:
    """The .xlsx bytes of `report` (its `outstanding` should be the full list)."""
    book = Workbook(write_only=True)
    t = report.total

    summary = _Sheet(book, SHEET_SUMMARY, [46, 16, 40, 40])
    summary.row(summary.cell(summary_line(report), bold=True))
    summary.row("Từ ngày", report.period.start)
    summary.row("Đến ngày", report.period.end)
    summary.row("Số liệu tính đến ngày", report.today)
    summary.blank()
    summary.header("Chỉ tiêu", "Số lượng")
    for name, value in [
        ("Số buổi tiếp xúc, đối thoại đã tổ chức", len(report.sessions)),
        ("Ý kiến, kiến nghị tiếp nhận", report.received),
        ("Đã phân công trả lời", t.assigned),
        ("Đã trả lời", t.answered),
        ("Trả lời đúng hạn", t.on_time),
        ("Trả lời quá hạn", t.late_answered),
        ("Đã hoàn thành", t.done),
        ("Đang giải quyết", t.open),
        ("Đang giải quyết, đã quá hạn", t.open_late),
        ("Vượt thẩm quyền", t.beyond),
        ("Vượt thẩm quyền: chưa báo cáo", t.beyond_pending),
        ("Vượt thẩm quyền: đã báo cáo cấp có thẩm quyền", t.reported_upward),
        ("Vượt thẩm quyền: cấp có thẩm quyền đã trả lời", t.upper_answered),
    ]:
        summary.row(name, value)
    summary.row("Tỷ lệ trả lời đúng hạn",
                summary.cell(t.on_time_rate if t.on_time_rate is not None else "",
                             fmt=PERCENT_FORMAT))
    summary.blank()
    summary.row(summary.cell("Các buổi tiếp xúc, đối thoại đã tổ chức", bold=True))
    summary.header("Tên buổi", "Ngày", "Hình thức", "Địa điểm")
    for s in report.sessions:
        summary.row(s.title, s.day, label(s.kind), s.venue)

    fields = _Sheet(book, SHEET_FIELDS, [34, 18, 18], freeze="A2")
    fields.header("Lĩnh vực", "Ý kiến tiếp nhận", "Đã phân công")
    for f in report.by_field:
        fields.row(f.name, f.petitions, f.assigned)
    fields.row(fields.cell("Tổng cộng", bold=True), report.received, t.assigned)

    agencies = _Sheet(book, SHEET_AGENCIES, [40, 12, 12, 12, 12, 14, 14, 14, 14],
                      freeze="B2")
    agencies.header("Cơ quan", "Được giao", "Đã trả lời", "Đúng hạn", "Quá hạn",
                    "Đang giải quyết", "Đang giải quyết quá hạn", "Tỷ lệ đúng hạn",
                    "Vượt thẩm quyền")
    for a in report.by_agency:
        x = a.tally
        agencies.row(a.name, x.assigned, x.answered, x.on_time, x.late_answered, x.open,
                     x.open_late,
                     agencies.cell(x.on_time_rate if x.on_time_rate is not None else "",
                                   fmt=PERCENT_FORMAT),
                     x.beyond)

    outstanding = _Sheet(book, SHEET_OUTSTANDING, [6, 10, 14, 20, 22, 60, 34, 13, 12, 18],
                         freeze="A2")
    outstanding.header("STT", "Mã", "Ngày đối thoại", "Lĩnh vực", "Người kiến nghị",
                       "Nội dung", "Cơ quan được giao", "Hạn trả lời",
                       "Số ngày làm việc quá hạn", "Trạng thái")
    for number, item in enumerate(report.outstanding, start=1):
        outstanding.row(number, item.assignment_id, item.session_day, item.field, item.submitter,
                        item.content, item.agency, item.deadline, item.days_late,
                        status_label(item.status))

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
