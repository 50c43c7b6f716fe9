"""The dashboard's and the period reports' figures, and the period's workbook, kept per
data revision (`portal.revision`): a page at 100,000 petitions reads one token instead of
scanning every assignment, and computes afresh only after a counted row changed.

Afresh does not mean from nothing: the counts are sums of each session's part
(`figures.SessionFigures`), and each part is kept against its session's token. After an
agency answers one item, the next view counts that item's session again (three queries
over its petitions) and adds the other sessions' kept parts: the cost follows the size of
the sessions that changed, not of the whole record."""
from __future__ import annotations

import threading
from datetime import date

from flask import current_app

from portal.reports import excel, figures
from portal.revision import cached, keeping, session_tokens

# More stale sessions than this, or than half of them (a process's first view, a holiday
# override): every session is counted in one pass rather than through an IN list.
COUNT_ALL_ABOVE = 200

_parts_lock = threading.Lock()


def _parts_store() -> dict:
    """{session id: (token, figures)} of this process."""
    return current_app.extensions.setdefault("session_parts", {})


def kept_parts(today: date, session_ids: list[int]) -> dict[int, figures.SessionFigures]:
    """`figures.fresh_parts`, each session's part kept against its token: the tokens (one
    query), then the stale sessions counted again (three queries, none when every part is
    kept). A part counted on an earlier day is kept while it holds (`holds_on`: none of
    its open items' deadlines has gone by since).

    The tokens are read before counting, so a part is never kept under a token newer than
    its data: a commit in between changes the token again, and the next view recounts."""
    if not keeping():
        return figures.fresh_parts(today, session_ids)
    tokens = session_tokens()
    store = _parts_store()
    found, stale = {}, []
    with _parts_lock:
        for sid in session_ids:
            entry = store.get(sid)
            if entry is not None and entry[0] == tokens.get(sid) and entry[1].holds_on(today):
                found[sid] = entry[1]
            else:
                stale.append(sid)
    if stale:
        few = len(stale) <= min(COUNT_ALL_ABOVE, len(session_ids) // 2)
        counted = figures.session_figures(today, stale if few else None)
        with _parts_lock:
            for sid in stale:
                found[sid] = counted.get(sid) or figures.SessionFigures(counted_on=today)
                store[sid] = (tokens.get(sid), found[sid])
    return found


def dashboard(today, narrow=None, min_ranked: int = 5):
    """`figures.dashboard`, kept per data revision, day and filter."""
    return cached("dashboard", (today, narrow, min_ranked),
                  lambda: figures.dashboard(today, narrow, min_ranked=min_ranked,
                                            parts=kept_parts))


def period_report(period, today, outstanding_limit: int | None = None):
    """`figures.period_report`: the counts kept per data revision, period and day; the
    outstanding items read afresh (one query, at most `outstanding_limit` rows)."""
    counts = cached("period", (period, today),
                    lambda: figures.period_figures(period, today, parts=kept_parts))
    return figures.period_report(period, today, outstanding_limit, counts=counts)


WORKBOOKS_KEPT = 4  # per process: a workbook of a year at 100,000 petitions is ~1.3 MB


def period_workbook(period, today, report) -> bytes:
    """The period's workbook (`excel.build_workbook`, every outstanding item, names
    masked: the same for every reader), kept per data revision, period and day: a second
    download of an unchanged year is not written again. Call under force_locale("vi")."""
    return cached("workbook", (period, today), lambda: excel.build_workbook(
        report, figures.iter_outstanding(period, today)), limit=WORKBOOKS_KEPT)
