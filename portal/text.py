"""Vietnamese text helpers."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case text without diacritics, for search: "Đất đai" -> "dat dai"."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


# --------------------------------------------------------------------------- Vietnamese order
# Names sort as ICU's Vietnamese collation does: a ă â b c d đ e ê …, tones after letters.
# PostgreSQL uses its ICU collation "vi-x-icu"; SQLite gets a collation "vi" registered on
# every connection, backed by the same ICU key as Python sorts (PyICU).

import icu  # noqa: E402
from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.ext.compiler import compiles  # noqa: E402
from sqlalchemy.sql.visitors import InternalTraversal  # noqa: E402
from sqlalchemy.sql.expression import ColumnElement  # noqa: E402

_COLLATOR = icu.Collator.createInstance(icu.Locale("vi"))


def vn_key(text: str | None) -> bytes:
    """The sort key of `text` in ICU Vietnamese order: `sorted(names, key=vn_key)`."""
    return _COLLATOR.getSortKey(text or "")


def vn_sorted(items, key=lambda item: item):
    """`items` in Vietnamese order of `key(item)`."""
    return sorted(items, key=lambda item: vn_key(key(item)))


class _VnOrder(ColumnElement):
    inherit_cache = True
    # Traversed like any expression, so an aliased table (a joined eager load) adapts it.
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column):
        # The column expression, not the ORM attribute, so adapting it reaches the table.
        self.column = column.__clause_element__() if hasattr(column, "__clause_element__") \
            else column
        self.type = column.type


@compiles(_VnOrder)
def _vn_order_default(element, compiler, **kw):
    return f"{compiler.process(element.column, **kw)} COLLATE vi"


@compiles(_VnOrder, "postgresql")
def _vn_order_postgresql(element, compiler, **kw):
    return f'{compiler.process(element.column, **kw)} COLLATE "vi-x-icu"'


def vn_order(column):
    """`column` in Vietnamese order, for ORDER BY on PostgreSQL and SQLite alike."""
    return _VnOrder(column)


def _sqlite_compare(a: str, b: str) -> int:
    return _COLLATOR.compare(a or "", b or "")


@event.listens_for(Engine, "connect")
def _register_sqlite_collation(dbapi_connection, _record):
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_collation("vi", _sqlite_compare)
