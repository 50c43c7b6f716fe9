"""The reports' figures computed for scale equal the older computations on generated data:
days to answer grouped in SQL (not a Python loop per item), the period counts split from
the outstanding list, the figures kept per data revision."""
import io
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook


def _generate(app, data, n=120, seed=3):
    """Assignments created and answered at random instants, many near Việt Nam's midnight
    (17:00 UTC), over weekends and holidays."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    rng = random.Random(seed)
    base = datetime(2024, 4, 20, tzinfo=timezone.utc)
    with app.app_context():
        for i in range(n):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE)
            db.session.add(p)
            db.session.flush()
            created = base + timedelta(days=rng.randint(0, 60), hours=rng.choice(
                [16, 16.99, 17, 17.01, 3, 23.5]))
            answered = created + timedelta(days=rng.randint(0, 40), minutes=rng.randint(0, 600)) \
                if rng.random() < 0.7 else None
            db.session.add(Assignment(
                petition_id=p.id, agency_id=data["agency"] if i % 3 else data["other_agency"],
                mode=AnswerMode.IN_WRITING, deadline=created.date() + timedelta(days=15),
                status=AssignmentStatus.ANSWERED if answered else AssignmentStatus.ASSIGNED,
                created_at=created, answered_at=answered))
        db.session.commit()


def _days_to_answer_one_by_one(today, scope=None):
    """The computation before: every answered assignment loaded, counted in Python."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.reports.figures import LateDays
    from portal.timefmt import to_local
    from portal.tracker.models import Assignment

    query = (select(Assignment.agency_id, Assignment.created_at, Assignment.answered_at)
             .where(Assignment.answered_at.is_not(None)))
    if scope is not None:
        query = scope(query.join(Petition, Assignment.petition_id == Petition.id))
    rows = db.session.execute(query).all()
    if not rows:
        return {}
    earliest = min(to_local(r.created_at).date() for r in rows)
    late = LateDays(earliest - timedelta(days=1), today)
    sums = {}
    for r in rows:
        days = late.of(to_local(r.created_at).date(), to_local(r.answered_at).date())
        sums.setdefault(r.agency_id, []).append(days)
    return {agency: sum(d) / len(d) for agency, d in sums.items()}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_days_to_answer_grouped_equals_one_by_one(app, data, seed):
    from portal.reports import figures

    _generate(app, data, seed=seed)
    today = date(2024, 8, 1)
    with app.app_context():
        # summed from the sessions' parts, as the dashboard ranks the agencies
        grouped = figures._days_to_answer(figures._summed(
            figures.session_figures(today).values()))
        assert grouped == pytest.approx(_days_to_answer_one_by_one(today))
        assert set(grouped) == {data["agency"], data["other_agency"]}
        narrow = figures.DashboardFilter(start=date(2000, 1, 1))
        ranked = {r.name: r.days_to_answer for r in figures.dashboard(
            today, narrow, min_ranked=1).ranking}
        by_id = _days_to_answer_one_by_one(today, narrow.scope())
        assert sorted(ranked.values()) == pytest.approx(sorted(by_id.values()))


def test_local_day_is_the_day_in_viet_nam(app, data):
    from sqlalchemy import literal, select

    from portal.extensions import db
    from portal.reports.figures import as_date, local_day
    from portal.types import UTCDateTime

    with app.app_context():
        for moment, day in [(datetime(2024, 5, 1, 16, 59), date(2024, 5, 1)),
                            (datetime(2024, 5, 1, 17, 0), date(2024, 5, 2)),
                            (datetime(2024, 12, 31, 23, 0), date(2025, 1, 1))]:
            value = db.session.scalar(select(local_day(literal(
                moment.replace(tzinfo=timezone.utc), UTCDateTime()))))
            assert as_date(value) == day


def test_period_report_is_its_counts_and_its_outstanding_list(app, data):
    from portal.reports import figures, summary

    _generate(app, data)
    today = date(2024, 8, 1)
    period = figures.Period(date(2000, 1, 1), date(2100, 12, 31))
    app.config["REPORT_CACHE"] = True
    try:
        with app.app_context():
            whole = figures.period_report(period, today)
            counts = figures.period_figures(period, today)
            assert whole.total == counts.total and whole.by_agency == counts.by_agency
            assert whole.by_field == counts.by_field and whole.received == counts.received
            assert [i.assignment_id for i in whole.outstanding] == [
                i.assignment_id for i in figures.outstanding_items(period, today)]
            kept = summary.period_report(period, today, 5)
            assert kept.total == whole.total
            assert [i.assignment_id for i in kept.outstanding] == [
                i.assignment_id for i in whole.outstanding[:5]]
    finally:
        app.config.pop("REPORT_CACHE", None)


def _reference_outstanding(items):
    """The outstanding sheet as openpyxl writes it cell by cell (the way before)."""
    from openpyxl import Workbook

    from portal.reports import excel
    from portal.reports.words import status_label

    book = Workbook(write_only=True)
    sheet = excel._Sheet(book, excel.SHEET_OUTSTANDING, [6] * 10, freeze="A2")
    sheet.header(*excel.OUTSTANDING_COLUMNS)
    for number, item in enumerate(items, start=1):
        sheet.row(number, item.assignment_id, item.session_day, item.field, item.submitter,
                  item.content, item.agency, item.deadline, item.days_late,
                  status_label(item.status))
    buffer = io.BytesIO()
    book.save(buffer)
    return load_workbook(buffer)[excel.SHEET_OUTSTANDING]


def _cells(sheet):
    return [[(c.value, c.number_format if c.value is not None else None) for c in row]
            for row in sheet.iter_rows()]


ODD_CONTENTS = ["=HYPERLINK(\"http://x\")", "  lề trái và phải  ", "a & b < c > d \"q\" 'p'",
                "chuông\x07 và\x0b dọc", "", "+84 912 345 678", "dòng một\ndòng hai", "@SUM(A1)"]


def test_excel_outstanding_sheet_equals_openpyxl_cell_by_cell(app, login, data):
    from flask_babel import force_locale

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.reports import excel, figures
    from portal.timefmt import local_today
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        for i, content in enumerate(ODD_CONTENTS * 8):
            p = Petition(session_id=data["session"], submitter_kind=list(SubmitterKind)[i % 3],
                         submitter_name=f"Nguyễn Văn {i}", field_id=data["fields"][i % 3],
                         content=content, channel=Channel.AT_DIALOGUE)
            db.session.add(p)
            db.session.flush()
            db.session.add(Assignment(
                petition_id=p.id, agency_id=data["agency"], mode=AnswerMode.IN_WRITING,
                deadline=data["day"] - timedelta(days=i), status=[
                    AssignmentStatus.ASSIGNED, AssignmentStatus.IN_PROGRESS,
                    AssignmentStatus.RETURNED][i % 3]))
        db.session.commit()
    day = data["day"]
    query = f"?from={day:%d/%m/%Y}&to={day:%d/%m/%Y}"
    response = login("office").get("/reports/period.xlsx" + query)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    with app.test_request_context(), force_locale("vi"):
        items = figures.outstanding_items(figures.Period(day, day), local_today())
        reference = _reference_outstanding(items)
    assert len(items) == len(ODD_CONTENTS) * 8
    assert _cells(book[excel.SHEET_OUTSTANDING]) == _cells(reference)
    assert book[excel.SHEET_OUTSTANDING].freeze_panes == "A2"
    streamed = [i.assignment_id for i in items]
    with app.app_context():
        assert [i.assignment_id for i in figures.iter_outstanding(
            figures.Period(day, day), local_today(), batch=7)] == streamed
