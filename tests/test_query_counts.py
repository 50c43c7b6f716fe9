"""The number of SQL queries a page issues does not grow with the rows it shows."""
from datetime import timedelta

import pytest
from support import count_queries


def _add_petitions(app, data, n, assign=True):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        for i in range(n):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE,
                         raised_at_meeting=True)
            db.session.add(p)
            db.session.flush()
            if assign:
                db.session.add(Assignment(petition_id=p.id, agency_id=data["agency"],
                                          mode=AnswerMode.IN_WRITING,
                                          deadline=data["day"] + timedelta(days=i)))
        db.session.commit()


def _queries(app, client, url, htmx=False):
    return count_queries(app, client, url, htmx)


@pytest.mark.parametrize("role, url", [
    ("office", "/tracker/"),
    ("officer", "/tracker/"),
    ("office", "/calendar/sessions/{session}"),
    ("office", "/runner/{session}"),
    ("office", "/calendar/?month={month}"),
])
def test_queries_do_not_grow_with_rows(app, login, data, role, url):
    target = url.format(session=data["session"], month=data["day"].strftime("%Y-%m"))
    c = login(role)
    _add_petitions(app, data, 2)
    few = _queries(app, c, target)
    _add_petitions(app, data, 20)
    many = _queries(app, c, target)
    assert many == few, f"{target}: {few} queries with 2 rows, {many} with 22"


def test_runner_assignment_stage_queries_constant(app, login, data):
    c = login("office")
    for _ in range(2):
        c.post(f"/runner/{data['session']}/start" if _ == 0 else
               f"/runner/{data['session']}/advance", htmx=True)
    c.post(f"/runner/{data['session']}/advance", htmx=True)
    c.post(f"/runner/{data['session']}/advance", htmx=True)
    from portal.runner import live

    _add_petitions(app, data, 2, assign=False)
    live.renders.clear()  # count the render itself, not its shared copy (two queries)
    few = _queries(app, c, f"/runner/{data['session']}", htmx=True)
    _add_petitions(app, data, 20, assign=False)
    live.renders.clear()
    many = _queries(app, c, f"/runner/{data['session']}", htmx=True)
    assert many == few
