"""The dashboard's and the period reports' figures, and the period's workbook, kept per
data revision (`portal.revision`): a page at 100,000 petitions reads one token instead of
scanning every assignment, and computes afresh only after a counted row changed."""
from __future__ import annotations

from portal.reports import excel, figures
from portal.revision import cached


def dashboard(today, narrow=None, min_ranked: int = 5):
    """`figures.dashboard`, kept per data revision, day and filter."""
    return cached("dashboard", (today, narrow, min_ranked),
                  lambda: figures.dashboard(today, narrow, min_ranked=min_ranked))


def period_report(period, today, outstanding_limit: int | None = None):
    """`figures.period_report`: the counts kept per data revision, period and day; the
    outstanding items read afresh (one query, at most `outstanding_limit` rows)."""
    counts = cached("period", (period, today), lambda: figures.period_figures(period, today))
    return figures.period_report(period, today, outstanding_limit, counts=counts)


WORKBOOKS_KEPT = 4  # per process: a workbook of a year at 100,000 petitions is ~1.3 MB


def period_workbook(period, today, report) -> bytes:
    """The period's workbook (`excel.build_workbook`, every outstanding item, names
    masked: the same for every reader), kept per data revision, period and day: a second
    download of an unchanged year is not written again. Call under force_locale("vi")."""
    return cached("workbook", (period, today), lambda: excel.build_workbook(
        report, figures.iter_outstanding(period, today)), limit=WORKBOOKS_KEPT)
