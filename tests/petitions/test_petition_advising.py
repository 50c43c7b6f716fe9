"""The advising agency prepares answers before the meeting; never sees other agencies' petitions."""
from datetime import timedelta

import pytest

pytest_plugins = ["tests.petitions.petition_fixtures"]


@pytest.fixture
def work(app, data, make_petition):
    from portal.timefmt import local_today
    from portal.types import utcnow

    today = local_today()
    mine = dict(advising_agency_id=data["agency"])
    return {
        "late": make_petition(content="Việc đã quá hạn",
                              advising_deadline=today - timedelta(days=1),
                              **mine),
        "soon": make_petition(content="Việc sắp đến hạn", advising_deadline=today, **mine),
        "later": make_petition(content="Việc còn xa hạn",
                               advising_deadline=today + timedelta(days=30),
                               **mine),
        "done": make_petition(content="Việc đã chuẩn bị", advising_deadline=today,
                              prepared_answer="Đã có", prepared_at=utcnow(), **mine),
        "other": make_petition(content="Việc của Sở Xây dựng", advising_deadline=today,
                               advising_agency_id=data["other_agency"]),
        "none": make_petition(content="Việc chưa giao"),
    }


def _has(body, *texts):
    return {t for t in texts if t in body}


ALL = ("Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn xa hạn", "Việc đã chuẩn bị",
       "Việc của Sở Xây dựng", "Việc chưa giao")


@pytest.mark.parametrize("bucket, expected", [
    ("open", {"Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn xa hạn"}),
    ("due_soon", {"Việc sắp đến hạn"}),
    ("late", {"Việc đã quá hạn"}),
    ("prepared", {"Việc đã chuẩn bị"}),
    ("all", {"Việc đã quá hạn", "Việc sắp đến hạn", "Việc còn xa hạn", "Việc đã chuẩn bị"}),
])
def test_officer_buckets(login, work, bucket, expected):
    body = login("officer").get(f"/petitions/advising?bucket={bucket}").get_data(as_text=True)
    assert _has(body, *ALL) == expected


def test_bucket_counts_and_fragment(login, work):
    response = login("officer").get("/petitions/advising?bucket=late", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="advising"')
    assert "Chưa chuẩn bị (3)" in body and "Quá hạn (1)" in body and "Đã chuẩn bị (1)" in body
    assert "Tất cả (4)" in body


def test_office_sees_every_agency(login, work):
    body = login("office").get("/petitions/advising?bucket=all").get_data(as_text=True)
    assert _has(body, *ALL) == set(ALL) - {"Việc chưa giao"}


def test_officer_prepares_an_answer(app, login, work, fetch):
    from portal.petitions.models import Petition

    c = login("officer")
    page = c.get(f"/petitions/{work['soon']}/prepare")
    assert page.status_code == 200 and "Việc sắp đến hạn" in page.get_data(as_text=True)
    bad = c.post(f"/petitions/{work['soon']}/prepare", {"prepared_answer": "  "}, htmx=True)
    assert bad.status_code == 422
    assert "Vui lòng nhập nội dung trả lời." in bad.get_data(as_text=True)
    assert fetch(Petition, work["soon"])["prepared_at"] is None
    long = c.post(f"/petitions/{work['soon']}/prepare", {"prepared_answer": "x" * 20001}, htmx=True)
    assert long.status_code == 422 and ("x" * 20001) in long.get_data(as_text=True)
    good = c.post(f"/petitions/{work['soon']}/prepare",
                  {"prepared_answer": "Sở sẽ kiểm tra thực địa trong tuần"}, htmx=True)
    assert good.status_code == 204 and good.headers["HX-Redirect"] == "/petitions/advising"
    saved = fetch(Petition, work["soon"])
    assert saved["prepared_answer"] == "Sở sẽ kiểm tra thực địa trong tuần"
    assert saved["prepared_at"] is not None
    office = login("office").get(f"/petitions/sessions/{saved['session_id']}").get_data(
        as_text=True)
    assert "Sở sẽ kiểm tra thực địa trong tuần" in office


def test_other_agency_gets_404_everywhere(login, work, fetch):
    from portal.petitions.models import Petition

    c = login("other_officer")
    for pid in (work["soon"], work["none"]):
        assert c.get(f"/petitions/{pid}").status_code == 404
        assert c.get(f"/petitions/{pid}/prepare").status_code == 404
        answer = {"prepared_answer": "Chen ngang"}
        assert c.post(f"/petitions/{pid}/prepare", answer).status_code == 404
    assert fetch(Petition, work["soon"])["prepared_answer"] == ""
    body = c.get("/petitions/advising?bucket=all").get_data(as_text=True)
    assert _has(body, *ALL) == {"Việc của Sở Xây dựng"}


def test_no_preparing_after_the_meeting_closed(app, login, data, work):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.types import utcnow

    with app.app_context():
        db.session.get(DialogueSession, data["session"]).closed_at = utcnow()
        db.session.commit()
    assert login("officer").get(f"/petitions/{work['soon']}/prepare").status_code == 404


def test_due_soon_counts_working_days(app):
    from datetime import date

    from portal.petitions.services import due_soon_limit

    with app.app_context():
        # Friday 7 March 2025 + 3 working days = Wednesday 12 March.
        assert due_soon_limit(date(2025, 3, 7), 3) == date(2025, 3, 12)
        # Across Hùng Kings' day (Monday 7 April 2025).
        assert due_soon_limit(date(2025, 4, 4), 1) == date(2025, 4, 8)
