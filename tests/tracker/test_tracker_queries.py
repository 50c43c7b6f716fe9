"""The tracker's pages issue the same number of SQL queries for 2 rows as for 22."""
from datetime import timedelta

import pytest

from tests.tracker.tracker_fixtures import make, third  # noqa: F401 (fixtures)
from support import count_queries


def _queries(app, client, url, htmx=False):
    return count_queries(app, client, url, htmx)


def _add(make, n, today):
    for i in range(n):
        make(deadline=today + timedelta(days=i - n // 2), field=i % 3,
             agency=("agency", "other_agency")[i % 2], coordinators=["third_agency"],
             status=("assigned", "answered", "in_progress", "done")[i % 4])


@pytest.mark.parametrize("role, url", [
    ("office", "/tracker/"),
    ("office", "/tracker/?lateness=late"),
    ("office", "/tracker/?agency={agency}&field={field}&status=assigned&session={session}"),
    ("office", "/tracker/?lateness=due_soon&page=1"),
    ("chair", "/tracker/"),
    ("observer", "/tracker/?status=answered"),
    ("officer", "/tracker/"),
    ("officer", "/tracker/?tab=all"),
    ("officer", "/tracker/?tab=late"),
    ("third", "/tracker/?tab=coordination"),
    ("officer", "/tracker/notifications"),
])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_list_queries_constant(app, login, data, make, third, role, url, htmx):  # noqa: F811
    from portal.timefmt import local_today

    target = url.format(agency=data["agency"], field=data["fields"][0], session=data["session"])
    c = login(role)
    _add(make, 2, local_today())
    few = _queries(app, c, target, htmx)
    _add(make, 20, local_today())
    many = _queries(app, c, target, htmx)
    assert many == few, f"{target}: {few} queries with 2 rows, {many} with 22"


def test_detail_queries_do_not_grow_with_the_history(app, login, data, make):
    assignment_id = make(deadline=local_day(60))
    officer, office = login("officer"), login("office")
    url = f"/tracker/{assignment_id}"

    def round_trip(n):
        for i in range(n):
            officer.post(url + "/answer", data={"answer": f"Lần {i}"})
            office.post(url + "/return", data={"reason": f"Bổ sung {i}"})
            officer.post(url + "/extension", data={"ext-new_deadline": local_day(61 + i).strftime(
                "%d/%m/%Y"), "ext-reason": "Thêm thời gian"})
            office.post(url + "/extension/grant", data={})

    round_trip(1)
    few = _queries(app, office, url)
    round_trip(6)
    many = _queries(app, office, url)
    assert many == few


def local_day(offset):
    from portal.timefmt import local_today

    return local_today() + timedelta(days=offset)


def test_ties_keep_their_places_from_one_request_to_the_next(app, login, data, make):
    """Two sessions at the same start time, two notifications of the same instant, two
    items of one deadline: each list breaks the tie by id, so nothing swaps places."""
    from datetime import datetime, timezone

    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.tracker import services
    from portal.tracker.models import Notification

    with app.app_context():
        first = db.session.get(DialogueSession, data["session"])
        twins = [DialogueSession(kind=SessionKind.BUSINESS, title=f"Buổi cùng giờ {n}",
                                 starts_at=first.starts_at, venue="Hội trường", host="Chủ tịch",
                                 status=SessionStatus.SCHEDULED) for n in (1, 2)]
        db.session.add_all(twins)
        at = datetime(2030, 1, 1, 8, 0, tzinfo=timezone.utc)
        db.session.add_all([Notification(agency_id=data["agency"], text=f"Cùng lúc {n}",
                                         created_at=at) for n in (1, 2, 3)])
        db.session.commit()
        session_ids = sorted([first.id, *(t.id for t in twins)], reverse=True)
    same_day = local_day(30)
    for session_id in session_ids:
        make(session=session_id, deadline=same_day)
    with app.app_context():
        assert [sid for sid, _ in services.filter_choices()["sessions"]] == session_ids
    page = login("officer").get("/tracker/notifications").get_data(as_text=True)
    assert page.index("Cùng lúc 3") < page.index("Cùng lúc 2") < page.index("Cùng lúc 1")
    listed = login("office").get("/tracker/", htmx=True).get_data(as_text=True)
    with app.app_context():
        from sqlalchemy import select

        from portal.tracker.models import Assignment

        ids = db.session.scalars(select(Assignment.id).order_by(Assignment.id)).all()
    positions = [listed.index(f'href="/tracker/{i}"') for i in ids]
    assert positions == sorted(positions)
