"""The dashboard's and the period reports' figures, and the period's workbook, kept per
data revision (`portal.revision`): a page at 100,000 petitions reads one token instead of
scanning every assignment, and computes afresh only after a counted row changed.

Afresh does not mean from nothing: the counts are sums of each session's part
(`figures.SessionFigures`), and each part is kept against its session's tokens. After an
agency answers one item, the next view counts again that agency's items of that session
(three queries) and adds every other kept part: the cost follows what changed, not the
size of the record."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date

from flask import current_app

from portal.reports import excel, figures
from portal.revision import COUNT_ALL_ABOVE, agency_tokens, cached, keeping, session_tokens

_parts_lock = threading.Lock()


@dataclass
class _Kept:
    """A session's part as kept, with the tokens it was counted under and its pieces."""

    token: int | None
    petitions_token: int | None
    petitions: dict[int, int]  # field id -> petitions
    agencies: dict[int, figures.AgencyPart]
    agency_tokens: dict[int, int]  # agency id -> its token when counted (none: never moved)
    part: figures.SessionFigures


def _parts_store() -> dict[int, _Kept]:
    """{session id: its kept part} of this process."""
    return current_app.extensions.setdefault("session_parts", {})


def kept_parts(today: date, session_ids: list[int]) -> dict[int, figures.SessionFigures]:
    """`figures.fresh_parts`, each session's part kept against its tokens: the sessions'
    tokens (one query); for the sessions that changed, their agencies' tokens (one query)
    and what changed counted again (three or four queries; none when every part is kept).

    A session whose own row or petitions changed is counted again whole; one where only
    assignments changed, for the agencies whose assignments changed: after an agency's
    answer, that agency's items of that session. A part counted on an earlier day is kept
    while it holds (`holds_on`: none of its open items' deadlines has gone by since).

    The tokens are read before counting, so a part is never kept under a token newer than
    its data: a commit in between changes the token again, and the next view recounts."""
    if not keeping():
        return figures.fresh_parts(today, session_ids)
    tokens = session_tokens()
    store = _parts_store()
    found, whole, partly = {}, [], []
    seen: dict[int, _Kept] = {}  # the kept entries read here: a piece is taken from them only
    with _parts_lock:
        for sid in session_ids:
            entry = store.get(sid)
            token, petitions_token = tokens.get(sid, (None, None))
            if (entry is None or entry.petitions_token != petitions_token
                    or not entry.part.holds_on(today)):
                whole.append(sid)
            elif entry.token == token:
                found[sid] = entry.part
            else:
                partly.append(sid)
                seen[sid] = entry
    if not whole and not partly:
        return found
    every = len(whole) + len(partly) > min(COUNT_ALL_ABOVE, len(session_ids) // 2)
    if every:
        whole, partly = whole + partly, []
    moved: dict[int, dict[int, int]] = {}  # session id -> agency id -> token now
    for (sid, agency), token in agency_tokens(None if every else whole + partly).items():
        moved.setdefault(sid, {})[agency] = token
    stale = {sid: {agency for agency, token in moved.get(sid, {}).items()
                   if seen[sid].agency_tokens.get(agency) != token} for sid in partly}
    counted = figures.count_parts(today, None if every else whole,
                                  [(sid, agency) for sid in partly for agency in stale[sid]])
    by_session = counted.of_session()
    for sid in whole + partly:
        fresh = by_session.get(sid, {})
        if sid in whole:
            petitions, agencies = counted.petitions.get(sid, {}), fresh
        else:  # the pieces kept, but those of the agencies whose assignments changed
            petitions, agencies = seen[sid].petitions, dict(seen[sid].agencies)
            for agency in stale[sid]:
                if agency in fresh:
                    agencies[agency] = fresh[agency]
                else:
                    agencies.pop(agency, None)
        token, petitions_token = tokens.get(sid, (None, None))
        part = figures.compose(today, petitions, agencies)
        found[sid] = part
        with _parts_lock:
            store[sid] = _Kept(token, petitions_token, petitions, agencies,
                               moved.get(sid, {}), part)
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
