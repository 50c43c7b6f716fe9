"""Keyset pagination (phân trang theo khóa): the next page starts after the last row shown.

OFFSET makes the database read and throw away every row before the page, so page 500 of a
long list costs 500 pages. A keyset page asks for the rows after (or before) the key of the
row at its edge — `(deadline, id) > (d, n)` — which an index on those columns answers by
reading one page, whatever its depth.

A cursor is written into the link as text: "2026-12-01.1234" (a sort date and an id). A
cursor that cannot be read is ignored (the first page), never an error: links get pasted.
The page number travels with the cursor (`n`), so the pager can still say "Trang 3/40"
without counting the rows before the page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from math import ceil

from sqlalchemy import Select, and_, tuple_

from portal.extensions import db

_CURSOR = re.compile(r"(\d{4}-\d{2}-\d{2})\.(\d{1,18})")


@dataclass(frozen=True)
class Cursor:
    """The key of a row at a page's edge: its sort date and its id."""

    day: date
    id: int

    def text(self) -> str:
        return f"{self.day.isoformat()}.{self.id}"

    @classmethod
    def parse(cls, raw: str | None) -> "Cursor | None":
        found = _CURSOR.fullmatch((raw or "").strip())
        if not found:
            return None
        try:
            return cls(date.fromisoformat(found.group(1)), int(found.group(2)))
        except ValueError:
            return None


@dataclass
class KeysetPage:
    """One page of a keyset list, with what the pager needs: the arguments of the previous
    and next links (None where there is none), the page number when it is known, and the
    total the caller counted."""

    items: list
    per_page: int
    total: int = 0
    number: int | None = 1
    prev_args: dict | None = None
    next_args: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.prev_args is not None

    @property
    def has_next(self) -> bool:
        return self.next_args is not None


def _after(columns, cursor: Cursor):
    # A row-value comparison, which an index on (day, id) answers as one range (an OR of
    # "day > d, or day = d and id > n" would be read from the start of the index); the
    # plain day bound says the same and helps the planner's estimate.
    day, ident = columns
    return and_(day >= cursor.day, tuple_(day, ident) > tuple_(cursor.day, cursor.id))


def _before(columns, cursor: Cursor):
    day, ident = columns
    return and_(day <= cursor.day, tuple_(day, ident) < tuple_(cursor.day, cursor.id))


def edge(keys: Select, columns, offset: int) -> Cursor | None:
    """The key of the row just before the first `offset` rows of `keys` (a query of the
    two key columns) end, in the order of `columns`: an old "?page=N" link becomes the
    keyset page after it. The OFFSET reads only the key columns (an index). None when the
    list is shorter."""
    day, ident = columns
    row = db.session.execute(keys.order_by(day, ident).offset(offset - 1).limit(1)).first()
    return Cursor(row[0], row[1]) if row is not None else None


def keyset_page(query: Select, columns, key, *, per_page: int, after: Cursor | None = None,
                before: Cursor | None = None, since: date | None = None,
                offset: int = 0, number: int | None = 1, unique: bool = False) -> KeysetPage:
    """One page of `query` (unordered) in the order of `columns` (a date column then an id
    column, both ascending, as an index holds them): the first page, the page after
    `after`, the page before `before`, or the first page from the date `since` on.
    `key(row)` gives a row's (date, id). One query: it asks for one row more than a page to
    learn whether there is another page.

    `offset` serves the old "?page=N" links (bookmarks) once, by OFFSET; the links of that
    page are keysets again. `number` is the page number of the page asked for when the
    caller knows it (None when a jump by date made it unknown)."""
    day, ident = columns
    if before is not None:
        rows = db.session.scalars(query.where(_before(columns, before))
                                  .order_by(day.desc(), ident.desc()).limit(per_page + 1))
        rows = list(rows.unique() if unique else rows)
        more = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        page = KeysetPage(items, per_page, number=number)
        if more:
            page.prev_args = {"before": Cursor(*key(items[0])).text()}
        if items:
            page.next_args = {"after": Cursor(*key(items[-1])).text()}
        return _numbered(page)
    narrowed = query
    if after is not None:
        narrowed = narrowed.where(_after(columns, after))
    elif since is not None:
        narrowed = narrowed.where(day >= since)
    rows = db.session.scalars(narrowed.order_by(day, ident).limit(per_page + 1)
                              .offset(offset or None))
    rows = list(rows.unique() if unique else rows)
    items = rows[:per_page]
    page = KeysetPage(items, per_page, number=number)
    if len(rows) > per_page:
        page.next_args = {"after": Cursor(*key(items[-1])).text()}
    if (after is not None or since is not None or offset) and items:
        page.prev_args = {"before": Cursor(*key(items[0])).text()}
    return _numbered(page)


def _numbered(page: KeysetPage) -> KeysetPage:
    """Carry the page number into the links (n), when it is known."""
    if page.number is None:
        return page
    if page.prev_args is not None:
        page.prev_args["n"] = max(1, page.number - 1)
    if page.next_args is not None:
        page.next_args["n"] = page.number + 1
    return page
