"""The dashboard's and the period reports' figures, kept per data revision
(`portal.revision`): a page at 100,000 petitions reads one token instead of scanning every
assignment, and computes afresh only after a counted row changed."""
from __future__ import annotations

from portal.reports import figures
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
