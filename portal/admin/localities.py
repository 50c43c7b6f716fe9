"""The locality tree (địa bàn): the province and its communes, wards and special zones.

It is loaded from a CSV file checked as a whole: every line with a problem is named with a
Vietnamese reason, and nothing is imported until the file is right. A line is keyed by its
administrative unit code (mã đơn vị hành chính): a new code adds a locality, a known one
takes the line's name, level and parent (a rename), and a line naming the code it merged
into, with the day, ends it on that day (a merge of communes).

Columns (a header line first, in this order; the last two may be left out or empty):
    Mã, Tên, Cấp, Mã cấp trên, Sáp nhập vào, Ngày hiệu lực
Levels: Tỉnh (or Thành phố, a centrally-run city), Xã, Phường, Đặc khu.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal.admin.models import Locality, LocalityLevel
from portal.auth.models import User
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.text import fold, vn_order

MAX_BYTES = 1_000_000
COLUMNS = ("ma", "ten", "cap", "ma cap tren", "sap nhap vao", "ngay hieu luc")
LEVELS = {"tinh": LocalityLevel.PROVINCE, "thanh pho": LocalityLevel.PROVINCE,
          "xa": LocalityLevel.COMMUNE, "phuong": LocalityLevel.WARD,
          "dac khu": LocalityLevel.SPECIAL_ZONE}


@dataclass(frozen=True)
class LineError:
    """One refused line: its number in the file, the message id and its parameters."""

    line: int
    msgid: str
    params: dict


class ImportRefused(DomainError):
    """The file has problems; `lines` names each one. Nothing was imported."""

    def __init__(self, lines: list[LineError]) -> None:
        super().__init__(N_("Chưa nhập tệp: %(n)s lỗi. Sửa các dòng dưới đây rồi nhập lại; "
                            "chưa có địa bàn nào được thêm hay sửa."), 422, "file", n=len(lines))
        self.lines = lines


@dataclass
class Imported:
    added: int = 0
    changed: int = 0
    ended: int = 0
    unchanged: int = 0


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: LocalityLevel
    parent: str
    successor: str
    effective: date | None


def _read(raw: bytes) -> list[list[str]]:
    if len(raw) > MAX_BYTES:
        raise ImportRefused([LineError(0, N_("Tệp lớn quá 1 MB."), {})])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused([LineError(0, N_("Tệp không ở mã UTF-8: lưu lại dưới dạng "
                                             "CSV UTF-8 rồi nhập lại."), {})]) from None
    sample = text[:2000]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def parse(raw: bytes) -> list[_Row]:
    """The checked rows of a CSV file; ImportRefused lists every problem."""
    lines = _read(raw)
    errors: list[LineError] = []
    if not lines or [" ".join(fold(c).lower().split()) for c in lines[0][:4]] != list(COLUMNS[:4]):
        raise ImportRefused([LineError(1, N_("Dòng tiêu đề phải là: Mã, Tên, Cấp, Mã cấp trên "
                                             "(thêm Sáp nhập vào, Ngày hiệu lực nếu có)."), {})])
    rows: list[_Row] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(lines[1:], start=2):
        cells = [" ".join(c.split()) for c in cells] + [""] * 6
        if not any(cells):
            continue
        code, name, level_text, parent, successor, day_text = cells[:6]
        bad = len(errors)
        if not code:
            errors.append(LineError(number, N_("thiếu mã đơn vị."), {}))
        elif len(code) > 10 or not code.isdigit():
            errors.append(LineError(number, N_("mã «%(code)s» phải là số, tối đa 10 chữ số."),
                                    {"code": code}))
        elif code in seen:
            errors.append(LineError(number, N_("mã %(code)s trùng với dòng %(other)s."),
                                    {"code": code, "other": seen[code]}))
        if not name:
            errors.append(LineError(number, N_("thiếu tên đơn vị."), {}))
        elif len(name) > 200:
            errors.append(LineError(number, N_("tên dài quá 200 ký tự."), {}))
        level = LEVELS.get(" ".join(fold(level_text).lower().split()))
        if level is None:
            errors.append(LineError(number, N_("cấp «%(level)s» không hợp lệ (Tỉnh, Xã, Phường "
                                               "hoặc Đặc khu)."), {"level": level_text}))
        elif level == LocalityLevel.PROVINCE and parent:
            errors.append(LineError(number, N_("tỉnh không có cấp trên."), {}))
        elif level != LocalityLevel.PROVINCE and not parent:
            errors.append(LineError(number, N_("xã, phường, đặc khu phải có mã tỉnh cấp trên."), {}))
        effective = None
        if day_text:
            try:
                effective = datetime.strptime(day_text.replace("-", "/"), "%d/%m/%Y").date()
            except ValueError:
                errors.append(LineError(number, N_("ngày «%(day)s» không hợp lệ (dd/mm/yyyy)."),
                                        {"day": day_text}))
        if successor and not day_text:
            errors.append(LineError(number, N_("sáp nhập cần ngày hiệu lực."), {}))
        if successor and successor == code:
            errors.append(LineError(number, N_("đơn vị không sáp nhập vào chính nó."), {}))
        if code and code not in seen:
            seen[code] = number
        if len(errors) == bad:
            rows.append(_Row(number, code, name, level, parent, successor, effective))
    known = {c: lv for c, lv in db.session.execute(select(Locality.code, Locality.level))}
    in_file = {r.code: r.level for r in rows}
    for row in rows:
        if row.parent:
            parent_level = in_file.get(row.parent, known.get(row.parent))
            if parent_level is None:
                errors.append(LineError(row.line, N_("không có đơn vị cấp trên mã %(code)s."),
                                        {"code": row.parent}))
            elif parent_level != LocalityLevel.PROVINCE:
                errors.append(LineError(row.line, N_("cấp trên mã %(code)s không phải là tỉnh."),
                                        {"code": row.parent}))
        if row.successor and row.successor not in in_file and row.successor not in known:
            errors.append(LineError(row.line, N_("không có đơn vị kế thừa mã %(code)s."),
                                    {"code": row.successor}))
    if errors:
        raise ImportRefused(sorted(errors, key=lambda e: e.line))
    if not rows:
        raise ImportRefused([LineError(2, N_("tệp không có dòng dữ liệu nào."), {})])
    return rows


def import_csv(raw: bytes, user: User | None) -> Imported:
    """Import the locality tree from a CSV file: all of it, or nothing (ImportRefused)."""
    rows = parse(raw)
    by_code = {loc.code: loc for loc in db.session.scalars(select(Locality))}
    result = Imported()
    # Provinces first, so each commune finds its parent; successors once all exist.
    for row in sorted(rows, key=lambda r: r.level != LocalityLevel.PROVINCE):
        found = by_code.get(row.code)
        parent = by_code.get(row.parent) if row.parent else None
        if found is None:
            found = by_code[row.code] = Locality(code=row.code, name=row.name, level=row.level,
                                                 parent=parent)
            db.session.add(found)
            result.added += 1
        elif (found.name, found.level, found.parent) != (row.name, row.level, parent):
            found.name, found.level, found.parent = row.name, row.level, parent
            result.changed += 1
        else:
            result.unchanged += 1
    for row in rows:
        if row.successor:
            found = by_code[row.code]
            if (found.successor, found.ended_on) != (by_code[row.successor], row.effective):
                found.successor, found.ended_on = by_code[row.successor], row.effective
                result.ended += 1
    return result


def tree() -> list[tuple[Locality, list[Locality]]]:
    """The provinces, each with its communes, wards and special zones, in Vietnamese order."""
    rows = db.session.scalars(select(Locality).order_by(vn_order(Locality.name), Locality.id)).all()
    provinces = [r for r in rows if r.level == LocalityLevel.PROVINCE]
    return [(p, [r for r in rows if r.parent_id == p.id]) for p in provinces]


# --------------------------------------------------------------------------- choosing one

def choices(current_id: int | None = None, blank=None) -> list[SelectChoice]:
    """The communes, wards and special zones a form offers (the active ones, in Vietnamese
    order; a record's own locality stays offered after it ended)."""
    query = (select(Locality.id, Locality.name)
             .where(Locality.level != LocalityLevel.PROVINCE)
             .order_by(vn_order(Locality.name), Locality.id))
    if current_id:
        query = query.where(Locality.is_active | (Locality.id == current_id))
    else:
        query = query.where(Locality.is_active)
    return [SelectChoice(0, blank or "—")] + [SelectChoice(r.id, r.name)
                                              for r in db.session.execute(query)]


def names() -> list[str]:
    """The names of the communes, wards and special zones offered today (Vietnamese order):
    what a free-text locality suggests as the user types."""
    return [str(c.label) for c in choices()[1:]]


def _named(typed: str | None) -> Locality | None:
    """The offered locality whose name is `typed` (case, spaces and diacritics aside)."""
    key = " ".join(fold(typed or "").lower().split())
    if not key:
        return None
    found = [loc for loc in db.session.scalars(
        select(Locality).where(Locality.level != LocalityLevel.PROVINCE, Locality.is_active))
        if " ".join(fold(loc.name).lower().split()) == key]
    return found[0] if len(found) == 1 else None


def _lookup(locality_id: int | None, typed: str | None) -> Locality | None:
    # no autoflush: the lookup must not write the record half-filled (a second UPDATE would
    # bump its version twice in one save)
    with db.session.no_autoflush:
        return db.session.get(Locality, locality_id) if locality_id else _named(typed)


def chosen(record, locality_id: int | None, typed: str | None) -> None:
    """Set a record's locality: the chosen one, or the one whose name was typed as in the
    list (its name kept beside it as it is today), or else the free text as typed (old
    records keep theirs)."""
    locality = _lookup(locality_id, typed) if locality_id or (typed or "").strip() else None
    if locality_id and locality is None:
        raise DomainError(N_("Lựa chọn không hợp lệ."), 422, "locality_id")
    if locality is not None:
        if not locality.is_active and record.locality_id != locality.id:
            raise DomainError(N_("Địa bàn này đã sáp nhập hoặc không còn; chọn địa bàn hiện nay."),
                              422, "locality_id")
        record.locality_id, record.locality = locality.id, locality.name
    else:
        record.locality_id, record.locality = None, " ".join((typed or "").split())


def _id_or_zero(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def locality_field(label=None):
    """The select of a form that takes a locality: a commune, ward or special zone of the
    tree (0: none chosen, the free text beside it is kept). `offer` fills its choices."""
    from flask_babel import lazy_gettext as _l
    from wtforms import SelectField

    return SelectField(label or _l("Xã, phường, đặc khu"), coerce=_id_or_zero, default=0,
                       invalid_choice_message=_l("Lựa chọn không hợp lệ."))


def offer(form) -> None:
    """Fill a form's `locality_id` choices (the record's own locality stays offered) and its
    `locality_names`, the names its free-text `locality` suggests as the user types."""
    from flask_babel import lazy_gettext as _l

    field = form.locality_id
    field.choices = choices(field.data or None, blank=_l("— Chọn từ danh sách địa bàn —"))
    form.locality_names = [str(c.label) for c in field.choices[1:]]
