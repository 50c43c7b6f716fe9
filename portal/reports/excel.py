"""The periodic report as an Excel workbook (openpyxl, streamed in write-only mode).

Four sheets: the summary (with the sessions held), by field, by agency, and every
outstanding item. Dates are real dates shown dd/mm/yyyy; citizens' names are masked.
Call under `flask_babel.force_locale("vi")`.

The outstanding sheet can hold tens of thousands of rows; openpyxl spends some 10 µs on
each cell, so its rows are written as the sheet's XML text directly (`_ItemRows`), in
the form openpyxl itself writes (inline strings, dates as serial numbers with the
workbook's date style), and put into the saved workbook in place of its empty body. The
items are read as a stream (a generator over the query), never as one list.
"""
from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from datetime import date
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from portal.exports import inert, looks_like_formula, xlsx_value

from portal.labels import label
from portal.reports.figures import OpenItem, PeriodReport
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


def build_workbook(report: PeriodReport, items: Iterable[OpenItem] | None = None) -> bytes:
    """The .xlsx bytes of `report`; the outstanding sheet lists `items` (a stream, e.g.
    `figures.iter_outstanding`), or the report's `outstanding` when none are given."""
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
    outstanding.header(*OUTSTANDING_COLUMNS)
    date_style = outstanding.cell(date(2000, 1, 1)).style_id

    buffer = io.BytesIO()
    book.save(buffer)
    rows = _ItemRows(report.outstanding if items is None else items, date_style)
    return _with_rows(buffer.getvalue(), outstanding.ws.path.lstrip("/"), rows)


OUTSTANDING_COLUMNS = ("STT", "Mã", "Ngày đối thoại", "Lĩnh vực", "Người kiến nghị",
                       "Nội dung", "Cơ quan được giao", "Hạn trả lời",
                       "Số ngày làm việc quá hạn", "Trạng thái")
_LETTERS = [get_column_letter(i) for i in range(1, len(OUTSTANDING_COLUMNS) + 1)]
_EXCEL_EPOCH = date(1899, 12, 30)


class _ItemRows:
    """The XML of the outstanding sheet's rows, from row 2 (after the header)."""

    def __init__(self, items: Iterable[OpenItem], date_style: int):
        self.items = items
        self.date_style = date_style
        self.labels: dict = {}
        self.names: dict = {}  # texts that repeat, escaped once

    @staticmethod
    def _inline(value: str) -> str:
        """A text cell's attributes and body after its reference ('' for no text)."""
        value = xlsx_value(value or "")
        if not value:
            return ""
        space = ' xml:space="preserve"' if value != value.strip() else ""
        return f' t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>'

    def _known(self, value: str) -> str:
        """`_inline` of a text that repeats (a field, an agency, a status, a name)."""
        known = self.names.get(value)
        if known is None:
            known = self.names[value] = self._inline(value)
        return known

    def __iter__(self):
        a, b, c, d, e, f, g, h, i, j = _LETTERS
        style, epoch, inline, known = self.date_style, _EXCEL_EPOCH, self._inline, self._known

        def text(ref: str, body: str) -> str:
            return f'<c r="{ref}"{body}' if body else ""

        for n, item in enumerate(self.items, start=1):
            r = n + 1
            status = self.labels.get(item.status)
            if status is None:
                status = self.labels[item.status] = str(status_label(item.status))
            yield (f'<row r="{r}"><c r="{a}{r}" t="n"><v>{n}</v></c>'
                   f'<c r="{b}{r}" t="n"><v>{item.assignment_id}</v></c>'
                   f'<c r="{c}{r}" s="{style}" t="n"><v>{(item.session_day - epoch).days}</v></c>'
                   f'{text(f"{d}{r}", known(item.field))}{text(f"{e}{r}", known(item.submitter))}'
                   f'{text(f"{f}{r}", inline(item.content))}{text(f"{g}{r}", known(item.agency))}'
                   f'<c r="{h}{r}" s="{style}" t="n"><v>{(item.deadline - epoch).days}</v></c>'
                   f'<c r="{i}{r}" t="n"><v>{item.days_late}</v></c>'
                   f'{text(f"{j}{r}", known(status))}</row>')


def _with_rows(xlsx: bytes, sheet: str, rows: Iterable[str]) -> bytes:
    """The workbook `xlsx` with `rows` appended to the body of its part `sheet`."""
    source = zipfile.ZipFile(io.BytesIO(xlsx))
    out = io.BytesIO()
    # a fast compression level: the rows are most of the work
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename != sheet:
                target.writestr(info, source.read(info.filename))
                continue
            text = source.read(sheet).decode("utf-8")
            head, tail = text.split("</sheetData>", 1)
            with target.open(sheet, "w") as part:
                part.write(head.encode("utf-8"))
                batch = []
                for row in rows:
                    batch.append(row)
                    if len(batch) >= 500:
                        part.write("".join(batch).encode("utf-8"))
                        batch.clear()
                part.write(("".join(batch) + "</sheetData>" + tail).encode("utf-8"))
    return out.getvalue()
