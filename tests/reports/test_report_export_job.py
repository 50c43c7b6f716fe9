"""The period workbook as a background job: started from the report page, its progress
polled, the file downloaded by the one who asked, equal to the direct download."""
import io

from openpyxl import load_workbook
from report_data import CITIZEN, hand  # noqa: F401  (the fixture)

YEAR = "?from=01/01/2024&to=31/12/2024"


def _cells(body: bytes) -> dict:
    book = load_workbook(io.BytesIO(body))
    return {sheet.title: [tuple(row) for row in sheet.iter_rows(values_only=True)]
            for sheet in book}


def _job_id(response) -> int:
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_the_workbook_job_gives_the_same_workbook(app, login, hand):  # noqa: F811
    from portal.jobs import background

    c = login("office")
    page = c.get("/reports/period" + YEAR).get_data(as_text=True)
    assert 'action="/reports/period.xlsx/job?from=01/01/2024&amp;to=31/12/2024"' in page
    started = c.post("/reports/period.xlsx/job" + YEAR, data={"client_key": "x-1"})
    assert started.status_code == 303, started.get_data(as_text=True)[:300]
    job_id = _job_id(started)
    assert _job_id(c.post("/reports/period.xlsx/job" + YEAR, data={"client_key": "x-1"})) \
        == job_id  # a resent click: the same job
    waiting = c.get(f"/jobs/{job_id}", htmx=True).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in waiting and "Số liệu báo cáo (Excel)" in waiting
    with app.app_context():
        assert background.run(job_id)
    file = c.get(f"/jobs/{job_id}/file")
    assert file.status_code == 200
    assert file.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    direct = c.get("/reports/period.xlsx" + YEAR)
    assert _cells(file.data) == _cells(direct.data)
    assert CITIZEN not in str(_cells(file.data))  # masked, as every report is
    # Left and found again: the report page lists the user's exports.
    again = c.get("/reports/period" + YEAR).get_data(as_text=True)
    assert f'id="export-job-{job_id}"' in again and f"/jobs/{job_id}/file" in again


def test_a_bad_period_starts_nothing(app, login, hand):  # noqa: F811
    from sqlalchemy import func, select

    from portal.extensions import db
    from portal.jobs.models import BackgroundJob

    refused = login("office").post("/reports/period.xlsx/job?from=31/12/2024&to=01/01/2024",
                                   data={"client_key": "x-2"})
    assert refused.status_code == 303 and "/reports/period" in refused.headers["Location"]
    with app.app_context():
        assert db.session.scalar(select(func.count(BackgroundJob.id))) == 0


def test_only_the_one_who_asked_gets_the_file_and_officers_cannot_start(app, login, hand):  # noqa: F811
    from portal.jobs import background

    job_id = _job_id(login("office").post("/reports/period.xlsx/job" + YEAR,
                                          data={"client_key": "x-3"}))
    with app.app_context():
        assert background.run(job_id)
    for other in ("chair", "observer", "officer"):
        assert login(other).get(f"/jobs/{job_id}/file").status_code == 404, other
    assert login("officer").post("/reports/period.xlsx/job" + YEAR,
                                 data={"client_key": "x-4"}).status_code == 403


def test_progress_follows_the_rows_written():
    from portal.reports.exports import counted

    seen = []
    rows = list(counted(range(5000), 5000, lambda pct, step: seen.append(pct), every=1000))
    assert rows == list(range(5000))
    assert seen == [26, 42, 58, 74, 90]
