"""Petitions in and out of spreadsheets: Excel (.xlsx) and CSV export, batch import.

Export: a header row, then one row per petition; personal data masked unless asked for
(see `portal.petitions.privacy`). CSV is UTF-8 with a BOM so Excel opens Vietnamese
correctly; a cell that Excel would read as a formula is prefixed with an apostrophe.

Import: every row is checked before anything is written; one bad row rejects the batch.
"""
from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale, lazy_gettext as _l
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal.exports import csv_value, from_csv, inert, xlsx_value

from portal.labels import label
from portal.petitions import privacy
from portal.petitions.forms import BEFORE_MEETING_CHANNELS
from portal.petitions.models import PLAN_TEXT, Channel, SubmitterKind
from portal.text import fold
from portal.timefmt import to_local

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_EXPORT_ROWS = 20000  # about ten seconds of openpyxl; more is a sign to filter first
MAX_ROWS = 2000
MAX_UNZIPPED_BYTES = 60 * 1024 * 1024  # a 5 MB .xlsx that inflates beyond this is a zip bomb
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
DATE_FORMAT = "DD/MM/YYYY"


# --- the columns ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the Vietnamese heading, as in the template file
    required: bool = False
    max_len: int | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()


IMPORT_COLUMNS = (
    Column("submitter_kind", "Người nêu là", True,
           note="Công dân, Doanh nghiệp, Hợp tác xã, Đại diện cử tri hoặc Đại biểu"),
    Column("submitter_name", "Họ tên / tên tổ chức", True, 200, aliases=("Họ tên", "Người nêu")),
    Column("submitter_contact", "Liên hệ", False, 200, note="điện thoại, địa chỉ"),
    Column("submitter_id_number", "Số định danh", False, 20, note="số CCCD, chỉ chữ và số",
           aliases=("CCCD", "Số CCCD")),
    Column("locality", "Địa bàn", False, 200),
    Column("field", "Lĩnh vực", True, note="tên trong danh mục lĩnh vực, có dấu hoặc không dấu"),
    Column("channel", "Kênh tiếp nhận", True,
           note="Bằng văn bản, Tại phiên tiếp công dân, Qua tiếp xúc cử tri hoặc "
                "Qua Hiệp hội doanh nghiệp"),
    Column("content", "Nội dung", True, 10000),
    Column("advising_agency", "Cơ quan tham mưu", False, note="tên hoặc tên viết tắt"),
    Column("advising_deadline", "Hạn tham mưu", False,
           note="dd/mm/yyyy, không sau ngày đối thoại; bắt buộc nếu có cơ quan tham mưu"),
)

EXAMPLE_ROW = ("Công dân", "Nguyễn Văn An", "0912 345 678, thôn Đồng Tâm", "", "xã Tân Sỏi",
               "Đất đai", "Bằng văn bản",
               "Đề nghị xem xét cấp giấy chứng nhận quyền sử dụng đất cho hộ gia đình", "", "")

EXPORT_HEADERS = ("STT", "Mã", "Buổi đối thoại", "Ngày đối thoại", "Người nêu là",
                  "Họ tên / tên tổ chức", "Liên hệ", "Số định danh", "Địa bàn", "Lĩnh vực",
                  "Kênh tiếp nhận", "Nội dung", "Cơ quan tham mưu", "Hạn tham mưu",
                  "Nội dung trả lời dự kiến", "Ngày chuẩn bị", "Hướng trả lời",
                  "Trùng/lặp lại mã", "Ngày tiếp nhận")
EXPORT_WIDTHS = (6, 8, 34, 14, 16, 26, 26, 16, 26, 18, 24, 70, 30, 14, 60, 14, 34, 12, 14)


# --- export ---------------------------------------------------------------------------------

def _local_date(value: datetime | None) -> date | None:
    return to_local(value).date() if value is not None else None


def export_rows(petitions, personal: bool) -> list[list]:
    """The cells of an export, dates as `date` objects; personal data masked unless `personal`."""
    rows = []
    for n, p in enumerate(petitions, start=1):
        rows.append([
            n, p.id, p.session.title, _local_date(p.session.starts_at), label(p.submitter_kind),
            privacy.export_name(p, personal),
            privacy.export_private(p.submitter_contact, personal),
            privacy.export_private(p.submitter_id_number, personal),
            p.locality, p.field.name, label(p.channel), privacy.export_text(p, p.content, personal),
            p.advising_agency.name if p.advising_agency else "", p.advising_deadline,
            privacy.export_text(p, p.prepared_answer, personal), _local_date(p.prepared_at),
            PLAN_TEXT.get(p.answer_plan, ""), p.duplicate_of_id or "", _local_date(p.created_at),
        ])
    return rows


def to_xlsx(headers, rows, widths=None, sheet_title: str = "Kiến nghị") -> bytes:
    """An .xlsx workbook: bold frozen header row, column widths, dates dd/mm/yyyy."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E8EBEF")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    text_cell = Alignment(vertical="top", wrap_text=True)
    other_cell = Alignment(vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            # One cell at a time: sheet.append then sheet[row] rescans the sheet (quadratic).
            cell = inert(sheet.cell(row=r, column=c, value=xlsx_value(value)))
            if isinstance(value, (date, datetime)):
                cell.number_format = DATE_FORMAT
            cell.alignment = text_cell if isinstance(value, str) else other_cell
    for i, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def to_csv(headers, rows) -> bytes:
    """CSV in UTF-8 with a BOM, dates dd/mm/yyyy."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return out.getvalue().encode("utf-8-sig")


def template_xlsx() -> bytes:
    return to_xlsx([c.header for c in IMPORT_COLUMNS], [list(EXAMPLE_ROW)],
                   widths=[16, 26, 28, 16, 24, 18, 24, 70, 24, 14], sheet_title="Mẫu nhập")


def template_csv() -> bytes:
    return to_csv([c.header for c in IMPORT_COLUMNS], [list(EXAMPLE_ROW)])


# --- reading an upload ------------------------------------------------------------------------

class UploadError(ValueError):
    """The file itself is refused; `message` is shown to the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def safe_filename(filename: str | None) -> str:
    """The file's own name: any folder path sent with it is ignored."""
    return re.split(r"[\\/]", filename or "")[-1].strip()


def extension(filename: str | None) -> str:
    name = safe_filename(filename).lower()
    return name[name.rfind("."):] if "." in name else ""


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UploadError(_l("Tệp không phải là tệp Excel (.xlsx) hợp lệ.")) from exc
    with archive:
        names = archive.namelist()
        if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
            raise UploadError(_l("Tệp không phải là tệp Excel (.xlsx) hợp lệ."))
        if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise UploadError(_l("Tệp Excel quá lớn khi giải nén."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                sheet = book.worksheets[0]
                rows = []
                for values in sheet.iter_rows(values_only=True):
                    rows.append([_cell_text(v) for v in values])
                    if len(rows) > MAX_ROWS + 1:
                        break
            finally:
                book.close()
    except UploadError:
        raise
    except Exception as exc:  # noqa: BLE001 - a damaged workbook fails in many ways
        raise UploadError(_l("Không đọc được tệp Excel: tệp bị hỏng hoặc không đúng định dạng.")
                          ) from exc
    return rows


def _read_csv(data: bytes) -> list[list[str]]:
    if b"\x00" in data or data.startswith(b"PK\x03\x04"):
        raise UploadError(_l("Tệp CSV không phải là tệp văn bản."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(_l("Tệp CSV phải được lưu với bảng mã UTF-8 (trong Excel: "
                             "“CSV UTF-8 (Comma delimited)”).")) from exc
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    rows = []
    for values in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        cells = []
        for v in values:
            cells.append(from_csv(v.strip()))  # our export's apostrophe before a formula
        rows.append(cells)
        if len(rows) > MAX_ROWS + 1:
            break
    return rows


def read_table(filename: str | None, data: bytes) -> list[list[str]]:
    """The rows of an uploaded .csv or .xlsx (the header first); UploadError if refused."""
    ext = extension(filename)
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadError(_l("Chỉ nhận tệp .csv hoặc .xlsx."))
    if not data:
        raise UploadError(_l("Tệp rỗng."))
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(_l("Tệp quá lớn: tối đa %(mb)d MB.", mb=MAX_UPLOAD_BYTES // 1024 // 1024))
    return _read_xlsx(data) if ext == ".xlsx" else _read_csv(data)


# --- validating rows ----------------------------------------------------------------------------

@dataclass
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    message: object  # a lazy Vietnamese string


@dataclass
class Lookups:
    """Names the import accepts, folded: fields, agencies, submitter kinds, channels."""

    fields: dict[str, int]
    agencies: dict[str, int]
    meeting_day: date
    kinds: dict[str, SubmitterKind]
    channels: dict[str, Channel]


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", fold(text)))


def _labels(members) -> dict[str, object]:
    found = {}
    for member in members:
        found[_key(member.value)] = member
        found[_key(str(label(member)))] = member
        with force_locale("vi"):
            found[_key(str(label(member)))] = member
    return found


def make_lookups(fields: list[tuple[int, str]], agencies: list[tuple[int, str, str]],
                 meeting_day: date) -> Lookups:
    """Build the folded lookups from (id, name) fields and (id, name, short name) agencies."""
    agency_map = {}
    for agency_id, name, short in agencies:
        agency_map[_key(name)] = agency_id
        agency_map[_key(short)] = agency_id
    return Lookups(
        fields={_key(name): fid for fid, name in fields},
        agencies=agency_map,
        meeting_day=meeting_day,
        kinds=_labels(list(SubmitterKind)),
        channels=_labels(BEFORE_MEETING_CHANNELS),
    )


def _map_header(header: list[str]) -> tuple[dict[str, int], list[RowError]]:
    wanted = {}
    for column in IMPORT_COLUMNS:
        for name in (column.header, *column.aliases):
            wanted[_key(name)] = column
    positions, errors = {}, []
    for index, title in enumerate(header):
        column = wanted.get(_key(title))
        if column is not None and column.key not in positions:
            positions[column.key] = index
    for column in IMPORT_COLUMNS:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.header, _l("Thiếu cột bắt buộc.")))
    return positions, errors


def _parse_date(text: str) -> date:
    return datetime.strptime(text.replace("-", "/").replace(".", "/"), "%d/%m/%Y").date()


def _validate_row(number: int, cells: list[str], positions: dict[str, int], lookups: Lookups,
                  errors: list[RowError]) -> dict:
    """Check one row, append its errors, return its petition's values."""
    by_key = {c.key: c for c in IMPORT_COLUMNS}

    def get(key: str) -> str:
        index = positions.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def fail(key: str, message) -> None:
        errors.append(RowError(number, by_key[key].header, message))

    row: dict = {}
    for column in IMPORT_COLUMNS:
        text = get(column.key)
        if column.required and not text:
            fail(column.key, _l("Không được để trống."))
        elif column.max_len and len(text) > column.max_len:
            fail(column.key, _l("Dài quá %(max)d ký tự.", max=column.max_len))

    kind_text, channel_text = get("submitter_kind"), get("channel")
    if kind_text:
        kind = lookups.kinds.get(_key(kind_text))
        if kind is None:
            fail("submitter_kind", _l("Không rõ “%(value)s”; dùng một trong: %(allowed)s.",
                                      value=kind_text, allowed=by_key["submitter_kind"].note))
        row["submitter_kind"] = kind
    if channel_text:
        channel = lookups.channels.get(_key(channel_text))
        if channel is None:
            fail("channel", _l("Không rõ “%(value)s”; dùng một trong: %(allowed)s.",
                               value=channel_text, allowed=by_key["channel"].note))
        row["channel"] = channel
    field_text = get("field")
    if field_text:
        row["field_id"] = lookups.fields.get(_key(field_text))
        if row["field_id"] is None:
            fail("field", _l("Không có lĩnh vực “%(value)s” trong danh mục.", value=field_text))

    id_number = get("submitter_id_number")
    if id_number and not re.fullmatch(r"[0-9A-Za-z]+", id_number):
        fail("submitter_id_number", _l("Số định danh chỉ gồm chữ và số."))

    agency_text, deadline_text = get("advising_agency"), get("advising_deadline")
    agency_id = deadline = None
    if agency_text:
        agency_id = lookups.agencies.get(_key(agency_text))
        if agency_id is None:
            fail("advising_agency", _l("Không có cơ quan “%(value)s”.", value=agency_text))
    if deadline_text:
        try:
            deadline = _parse_date(deadline_text)
        except ValueError:
            fail("advising_deadline", _l("Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."))
        else:
            if deadline > lookups.meeting_day:
                fail("advising_deadline", _l(
                    "Hạn tham mưu không được sau ngày đối thoại (%(day)s).",
                    day=lookups.meeting_day.strftime("%d/%m/%Y")))
            if not agency_text:
                fail("advising_agency", _l("Có hạn tham mưu thì phải ghi cơ quan tham mưu."))
    elif agency_text:
        fail("advising_deadline", _l("Vui lòng ghi hạn tham mưu."))

    row.update(
        submitter_name=get("submitter_name"), submitter_contact=get("submitter_contact"),
        submitter_id_number=id_number, locality=get("locality"), content=get("content"),
        advising_agency_id=agency_id, advising_deadline=deadline if agency_id else None,
    )
    return row


def validate_rows(table: list[list[str]], lookups: Lookups) -> tuple[list[dict], list[RowError]]:
    """Check every row; return the petitions' values and every error found (row, column, why).

    Blank rows are skipped. The values are only meant to be used if there is no error.
    """
    if not table or not any(c.strip() for c in table[0]):
        return [], [RowError(1, "", _l("Tệp không có dòng tiêu đề."))]
    positions, errors = _map_header(table[0])
    if errors:
        return [], errors
    data_rows = [(n, r) for n, r in enumerate(table[1:], start=2) if any(c.strip() for c in r)]
    if not data_rows:
        return [], [RowError(2, "", _l("Tệp không có dòng dữ liệu nào."))]
    if len(data_rows) > MAX_ROWS:
        return [], [RowError(MAX_ROWS + 2, "", _l("Mỗi lần nhập tối đa %(n)d dòng.", n=MAX_ROWS))]

    values = [_validate_row(number, cells, positions, lookups, errors)
              for number, cells in data_rows]
    order = {c.header: i for i, c in enumerate(IMPORT_COLUMNS)}
    errors.sort(key=lambda e: (e.row, order.get(e.column, -1)))
    return values, errors
