"""Spreadsheets and CSV files that cannot attack their reader (formula injection).

Every export goes through these: a text that starts like a formula (=, +, -, @, a tab or a
carriage return) stays inert text. In a CSV it gets a leading apostrophe (the OWASP advice:
Excel and LibreOffice then read it as text); in an .xlsx the cell is typed as a string, which
no spreadsheet evaluates, so the text is kept exactly as typed.
"""
from __future__ import annotations

from datetime import date, datetime

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_START)


def xlsx_value(value):
    """A value for an .xlsx cell: text without the characters XML cannot hold."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def inert(cell):
    """Type a cell whose text openpyxl took for a formula as the string it is."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def csv_value(value) -> str:
    """A CSV field: dates dd/mm/yyyy, formula-like text behind an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return "'" + text if looks_like_formula(text) else text


def from_csv(text: str) -> str:
    """Undo `csv_value`'s apostrophe when a file the portal exported is imported again."""
    if len(text) > 1 and text[0] == "'" and looks_like_formula(text[1:]):
        return text[1:]
    return text
