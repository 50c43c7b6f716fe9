"""The period report's workbook as a background job: at 100,000 petitions it takes seconds,
so the page starts a job (`portal.jobs.background`) whose progress page shows a bar, and
the file is kept to download, from any host, until the job is deleted. The workbook is
the one `/reports/period.xlsx` gives (masked for every reader, as every report is)."""
from __future__ import annotations

from datetime import date

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from portal.jobs.background import JobContext, JobResult, job_kind
from portal.reports import excel, figures
from portal.timefmt import local_today

KIND = "period_xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def params_of(period: figures.Period) -> dict:
    return {"start": period.start.isoformat(), "end": period.end.isoformat()}


def period_of(params: dict) -> figures.Period:
    return figures.Period(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))


def file_name(period: figures.Period) -> str:
    return f"bao-cao-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx"


def counted(items, total: int, progress, start: int = 10, end: int = 90, every: int = 2000):
    """`items` unchanged, telling `progress` how far through `total` rows it is."""
    for done, item in enumerate(items, 1):
        if total and done % every == 0:
            progress(start + (end - start) * min(done, total) // total,
                     f"Đã ghi {done}/{total} ý kiến tồn đọng")
        yield item


def _back(job) -> str | None:
    period = period_of(job.params)
    return url_for("reports.period", **{"from": f"{period.start:%d/%m/%Y}",
                                        "to": f"{period.end:%d/%m/%Y}"})


@job_kind(KIND, _l("Số liệu báo cáo (Excel)"), back=_back)
def period_workbook(ctx: JobContext) -> JobResult:
    """The workbook of `params` (start and end, ISO days) with every outstanding item."""
    period = period_of(ctx.params)
    today = local_today()
    ctx.progress(5, "Đang tính số liệu")
    report = figures.period_report(period, today, outstanding_limit=0)
    items = counted(figures.iter_outstanding(period, today), report.total.open, ctx.progress)
    with force_locale("vi"):
        body = excel.build_workbook(report, items)
    return JobResult(body, file_name(period), XLSX)
