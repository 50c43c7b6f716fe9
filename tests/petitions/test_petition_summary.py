"""The aggregate view: counts by field and by advising agency, in GROUP BY queries."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from support import is_savepoint, vn

pytest_plugins = ["tests.petitions.petition_fixtures"]


@pytest.fixture
def spread(data, make_petition, make_session):
    from portal.timefmt import local_today
    from portal.types import utcnow

    land, env, build = data["fields"]
    old = make_session(-60)
    late = local_today() - timedelta(days=1)
    make_petition(field_id=land, advising_agency_id=data["agency"], advising_deadline=data["day"],
                  prepared_answer="x", prepared_at=utcnow())
    make_petition(field_id=land, advising_agency_id=data["agency"], advising_deadline=late)
    make_petition(field_id=land)
    make_petition(field_id=build, advising_agency_id=data["other_agency"],
                  advising_deadline=data["day"])
    make_petition(field_id=env, session_id=old)
    return {"old": old}


def _row(body, name):
    found = re.search(rf"<td><a href=\"([^\"]+)\">{re.escape(name)}</a></td>\s*"
                      r"<td class=\"num\"><a [^>]+>(\d+)</a></td>\s*<td class=\"num\">(\d+)</td>\s*"
                      r"<td class=\"num\">(\d+)</td>\s*<td class=\"num\">(\d+)</td>", body)
    assert found, name
    return found.group(1).replace("&amp;", "&"), tuple(int(found.group(i)) for i in range(2, 6))


def test_session_summary(login, data, spread):
    body = login("observer").get(f"/petitions/sessions/{data['session']}/summary").get_data(
        as_text=True)
    link, counts = _row(body, "Đất đai")
    assert counts == (3, 2, 1, 1)  # total, given, prepared, late
    assert link == f"/petitions/?session={data['session']}&field={data['fields'][0]}"
    assert _row(body, "Xây dựng")[1] == (1, 1, 0, 0)
    assert '">Môi trường</a>' not in body  # only in the older session
    link, counts = _row(body, "Sở Tài nguyên và Môi trường")
    assert counts == (2, 2, 1, 1) and link.endswith(f"agency={data['agency']}")
    link, counts = _row(body, "Chưa giao")
    assert counts == (1, 0, 0, 0) and link.endswith("agency=0")


def test_summary_links_filter_the_list(login, data, spread):
    c = login("office")
    body = c.get(f"/petitions/sessions/{data['session']}/summary").get_data(as_text=True)
    link, _ = _row(body, "Chưa giao")
    listed = c.get(link).get_data(as_text=True)
    assert "1 ý kiến, kiến nghị" in listed


def test_date_range_summary(login, data, spread):
    day = data["day"]
    c = login("chair")
    body = c.get(f"/petitions/summary?from={vn(day - timedelta(days=61))}"
                 f"&to={vn(day - timedelta(days=59))}").get_data(as_text=True)
    assert _row(body, "Môi trường")[1] == (1, 0, 0, 0) and "Đất đai" not in body
    everything = c.get("/petitions/summary").get_data(as_text=True)
    assert _row(everything, "Đất đai")[1][0] == 3 and _row(everything, "Môi trường")[1][0] == 1
    bad = c.get("/petitions/summary?from=abc", htmx=True)
    assert bad.status_code == 422
    assert "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy." in bad.get_data(as_text=True)


def test_summary_query_count_does_not_grow(app, login, data, make_petition):
    from portal.extensions import db

    c = login("office")
    url = f"/petitions/sessions/{data['session']}/summary"

    def queries():
        with app.app_context():
            engine = db.engine
        seen = []
        listener = lambda conn, cursor, sql, *a: seen.append(1) if not is_savepoint(sql) else None  # noqa: E731, E501
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert c.get(url).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    make_petition()
    few = queries()
    for i in range(3):
        make_petition(field_id=data["fields"][i], advising_agency_id=data["agency"],
                      advising_deadline=data["day"])
        make_petition(field_id=data["fields"][i], advising_agency_id=data["other_agency"],
                      advising_deadline=data["day"])
    assert queries() == few
