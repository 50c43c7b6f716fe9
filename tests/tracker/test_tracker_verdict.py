"""The citizen's verdict: recorded on an accepted answer; not satisfied reopens the matter as
a new round with its own deadline, in the same timeline; the reports count it."""
from __future__ import annotations

import re
from datetime import timedelta

from support import vn

from tests.tracker.tracker_fixtures import make, third  # noqa: F401


def _form(page_body: str, **values) -> dict:
    version = re.search(r'id="verdict-version" name="verdict-version" type="hidden" value="(\d+)"',
                        page_body) or re.search(r'name="verdict-version" type="hidden" value="(\d+)"',
                                                page_body)
    assert version, "the verdict form carries the assignment's version"
    return {"verdict-version": version.group(1), **{f"verdict-{k}": v for k, v in values.items()}}


def _item(app, assignment_id):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        a = db.session.get(Assignment, assignment_id)
        steps = [s.text for s in a_steps(db, assignment_id)]
        return a.status.value, a.round, a.deadline, a.citizen_verdict, steps


def a_steps(db, assignment_id):
    from portal.tracker.models import AssignmentStep

    return db.session.scalars(db.select(AssignmentStep).where(
        AssignmentStep.assignment_id == assignment_id).order_by(AssignmentStep.id))


def test_satisfied_is_recorded_and_the_item_stays_done(app, login, data, make):  # noqa: F811
    item = make(status="done")
    office = login("office")
    page = office.get(f"/tracker/{item}").get_data(as_text=True)
    assert "Ý kiến của người dân về kết quả" in page
    response = office.post(f"/tracker/{item}/verdict",
                           _form(page, verdict="satisfied", channel="call", note=""))
    assert response.status_code == 303
    status, round_, _deadline, verdict, steps = _item(app, item)
    assert (status, round_, verdict.value) == ("done", 1, "satisfied")
    assert steps[-1] == "Người dân hài lòng (qua điện thoại)."


def test_not_satisfied_reopens_a_round(app, login, data, make):  # noqa: F811
    item = make(status="done")
    office = login("office")
    page = office.get(f"/tracker/{item}").get_data(as_text=True)
    new_deadline = data["day"] + timedelta(days=30)
    missing = office.post(f"/tracker/{item}/verdict", _form(
        page, verdict="not_satisfied", channel="next_session", note=""), htmx=True)
    assert missing.status_code == 422
    assert "chưa hài lòng điều gì" in missing.get_data(as_text=True)
    response = office.post(f"/tracker/{item}/verdict", _form(
        page, verdict="not_satisfied", channel="next_session",
        note="Chưa được cấp sổ đỏ như trả lời", deadline=vn(new_deadline)))
    assert response.status_code == 303
    status, round_, deadline, verdict, steps = _item(app, item)
    assert (status, round_, deadline, verdict.value) == ("assigned", 2, new_deadline,
                                                          "not_satisfied")
    assert steps[-1].startswith("Người dân chưa hài lòng (tại buổi đối thoại sau). Mở lại vòng 2")
    # the agency answers the new round in its queue
    officer = login("officer")
    assert f"/tracker/{item}" in officer.get("/tracker/?tab=open").get_data(as_text=True)


def test_only_the_office_records_it_and_only_once_done(app, login, data, make):  # noqa: F811
    open_item = make(status="answered")
    office = login("office")
    page = office.get(f"/tracker/{open_item}").get_data(as_text=True)
    assert "Ý kiến của người dân về kết quả" not in page
    done = make(status="done")
    for role in ("officer", "chair", "observer"):
        assert login(role).post(f"/tracker/{done}/verdict", {}).status_code == 403


def test_the_reports_count_satisfaction_and_rounds(app, login, data, make):  # noqa: F811
    from portal.reports import figures
    from portal.timefmt import local_today

    good, bad = make(status="done"), make(status="done")
    office = login("office")
    for item, verdict in ((good, "satisfied"), (bad, "not_satisfied")):
        page = office.get(f"/tracker/{item}").get_data(as_text=True)
        office.post(f"/tracker/{item}/verdict", _form(
            page, verdict=verdict, channel="letter", note="Ghi chú",
            deadline=vn(data["day"] + timedelta(days=30))))
    with app.app_context():
        total = figures.dashboard(local_today()).total
    assert (total.satisfied, total.unsatisfied, total.reopened) == (1, 1, 1)
    assert total.satisfaction_rate == 0.5
    body = login("observer").get("/reports/").get_data(as_text=True)
    assert "Người dân hài lòng" in body and "50,0 %" in body


def test_satisfaction_by_field(app, login, data, make):  # noqa: F811
    good, bad = make(status="done", field=0), make(status="done", field=1)
    office = login("office")
    for item, verdict in ((good, "satisfied"), (bad, "not_satisfied")):
        page = office.get(f"/tracker/{item}").get_data(as_text=True)
        office.post(f"/tracker/{item}/verdict", _form(
            page, verdict=verdict, channel="call", note="Ghi chú",
            deadline=vn(data["day"] + timedelta(days=30))))
    body = login("observer").get("/reports/").get_data(as_text=True)
    field_table = body.split('id="h-field"')[1].split("</table>")[0]
    assert "Đất đai</th><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">100,0 %" \
        in field_table
    assert "Môi trường</th><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0,0 %" \
        in field_table
