"""The tracker list pages by keyset: following "Trang sau" shows every item once, in the
deadline order, under any filter; "Trang trước" gives the same pages back; a jump by
deadline day and an old "?page=N" link open where they should. On SQLite and PostgreSQL."""
import html
import re
from datetime import timedelta

import pytest

PER_PAGE = 50
SMALL = 7  # pages of 7 under a filter, so a filter matching a dozen items spans pages


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr("portal.tracker.views.PAGE_SIZE", SMALL)
    return SMALL


def _seed(app, data, n=137):
    """`n` assignments over two agencies, three fields, every status; deadlines repeat
    (ties broken by id) and are inserted out of order."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    statuses = list(AssignmentStatus)
    with app.app_context():
        for i in range(n):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE,
                         raised_at_meeting=True)
            db.session.add(p)
            db.session.flush()
            db.session.add(Assignment(
                petition_id=p.id, agency_id=data["agency"] if i % 4 else data["other_agency"],
                mode=AnswerMode.IN_WRITING, status=statuses[i % len(statuses)],
                deadline=data["day"] + timedelta(days=(i * 7) % 23 - 11)))
        db.session.commit()


def _expected(app, where=()):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment

    with app.app_context():
        return [(a.id, a.deadline) for a in db.session.scalars(
            select(Assignment).join(Petition, Petition.id == Assignment.petition_id)
            .where(*where).order_by(Assignment.deadline, Assignment.id))]


ROW = re.compile(r'href="/tracker/(\d+)"')


def _ids(body: str) -> list[int]:
    return [int(n) for n in ROW.findall(body)]


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)"[^>]*rel="{rel}"', body)
    return html.unescape(found.group(1)) if found else None


def _walk(client, url: str, htmx: bool):
    """Every page from `url` on by "Trang sau", then back by "Trang trước"."""
    pages, bodies = [], []
    while url:
        response = client.get(url, htmx=htmx)
        assert response.status_code == 200
        body = response.get_data(as_text=True)
        pages.append(_ids(body))
        bodies.append(body)
        url = _link(body, "next")
        assert len(pages) < 40, "the pager does not end"
    back = []
    url = _link(bodies[-1], "prev")
    while url:
        body = client.get(url, htmx=htmx).get_data(as_text=True)
        back.append(_ids(body))
        url = _link(body, "prev")
    return pages, bodies, back


@pytest.mark.parametrize("query, where", [
    ("", lambda d, A, P, S: ()),
    ("status=assigned", lambda d, A, P, S: (A.status == S.ASSIGNED,)),
    ("field={field}", lambda d, A, P, S: (P.field_id == d["fields"][1],)),
    ("agency={agency}&status=in_progress",
     lambda d, A, P, S: (A.agency_id == d["agency"], A.status == S.IN_PROGRESS)),
], ids=["all", "status", "field", "agency+status"])
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "fragment"])
def test_every_item_once_in_order_forward_and_back(app, login, data, query, where, htmx,
                                                   small_pages):
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment, AssignmentStatus

    _seed(app, data)
    expected = [aid for aid, _ in _expected(app, where(data, Assignment, Petition,
                                                       AssignmentStatus))]
    assert len(expected) > 0
    c = login("office")
    url = "/tracker/?" + query.format(field=data["fields"][1], agency=data["agency"])
    pages, bodies, back = _walk(c, url, htmx)
    seen = [aid for page in pages for aid in page]
    assert seen == expected  # none twice, none missing, in (deadline, id) order
    assert len(pages) >= 2
    assert all(len(p) == small_pages for p in pages[:-1])
    assert back == list(reversed(pages[:-1]))
    assert f"Trang 2/{len(pages)}" in bodies[1]
    assert 'rel="prev"' not in bodies[0]
    assert 'rel="next"' not in bodies[-1]


def test_an_officer_pages_through_their_agency_only(app, login, data, small_pages):
    from portal.tracker.models import Assignment

    _seed(app, data, n=60)
    mine = [aid for aid, _ in _expected(app, (Assignment.agency_id == data["agency"],))]
    theirs = {aid for aid, _ in _expected(app, (Assignment.agency_id == data["other_agency"],))}
    c = login("officer")
    pages, _bodies, _back = _walk(c, "/tracker/?tab=all", htmx=True)
    seen = [aid for page in pages for aid in page]
    assert seen == mine and not theirs & set(seen)
    # another agency's cursor reveals nothing: the next page after it is still mine only
    other = min(theirs)
    from portal.extensions import db
    with app.app_context():
        deadline = db.session.get(Assignment, other).deadline
    body = c.get(f"/tracker/?tab=all&after={deadline.isoformat()}.{other}").get_data(
        as_text=True)
    assert set(_ids(body)) <= set(mine)


def test_jump_to_a_deadline_day(app, login, data):
    _seed(app, data)
    rows = _expected(app)
    day = sorted({d for _, d in rows})[5]
    c = login("office")
    response = c.get(f"/tracker/?from={day:%d/%m/%Y}", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    after = [aid for aid, d in rows if d >= day]
    assert _ids(body) == after[:PER_PAGE]
    assert f"Từ hạn {day:%d/%m/%Y}" in body
    assert len(after) > PER_PAGE
    following = c.get(_link(body, "next"), htmx=True).get_data(as_text=True)
    assert _ids(following) == after[PER_PAGE:2 * PER_PAGE]
    assert "Trang 1/" not in following  # the number is not known after a jump
    # the previous page from there ends right before the day
    before = [aid for aid, d in rows if d < day]
    back = c.get(_link(body, "prev"), htmx=True).get_data(as_text=True)
    assert _ids(back) == before[-PER_PAGE:]


def test_a_bad_jump_day_is_refused_at_its_field(app, login, data):
    _seed(app, data, n=60)
    response = login("office").get("/tracker/?from=31/02/2026", htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "31/02/2026" in body and "dd/mm/yyyy" in body
    assert len(_ids(body)) == PER_PAGE  # the first page, as without the jump


def test_old_page_links_still_open_that_page(app, login, data):
    _seed(app, data)
    expected = [aid for aid, _ in _expected(app)]
    c = login("office")
    body = c.get("/tracker/?page=2", htmx=True).get_data(as_text=True)
    assert _ids(body) == expected[PER_PAGE:2 * PER_PAGE]
    assert "Trang 2/3" in body
    following = c.get(_link(body, "next"), htmx=True).get_data(as_text=True)
    assert _ids(following) == expected[2 * PER_PAGE:]
    back = c.get(_link(body, "prev"), htmx=True).get_data(as_text=True)
    assert _ids(back) == expected[:PER_PAGE]
    assert _ids(c.get("/tracker/?page=9", htmx=True).get_data(as_text=True)) == []


def test_an_old_page_link_counts_rows_by_their_keys_only(app, login, data, small_pages):
    """The OFFSET of an old link reads the (deadline, id) of the rows before the page, not
    their joined rows; under a filter and in an officer's scope the page is the same as
    the keyset walk gives."""
    from sqlalchemy import event

    from portal.extensions import db
    from portal.tracker.models import Assignment

    _seed(app, data)
    where = (Assignment.agency_id == data["agency"], Assignment.status == "answered")
    expected = [aid for aid, _ in _expected(app, where)]
    c = login("officer")
    with app.app_context():
        engine = db.engine
    statements = []
    listener = lambda conn, cursor, sql, *a: statements.append(sql.lower())  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        body = c.get("/tracker/?tab=all&status=answered&page=2", htmx=True).get_data(
            as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert len(expected) > 2 * SMALL
    assert _ids(body) == expected[SMALL:2 * SMALL]
    edges = [sql for sql in statements if "offset" in sql and " join " not in sql]
    assert len(edges) == 1 and "select assignment.deadline, assignment.id" in edges[0]
    pages = [sql for sql in statements if "join petition" in sql and "limit" in sql]
    assert len(pages) == 1 and "(assignment.deadline, assignment.id) >" in pages[0]


@pytest.mark.parametrize("cursor", ["x", "2026-13-01.5", "2026-01-01", ".5",
                                    "2026-01-01.99999999999999999999", "2026-01-01.-3"])
def test_an_unreadable_cursor_is_the_first_page(app, login, data, cursor):
    _seed(app, data, n=60)
    expected = [aid for aid, _ in _expected(app)]
    body = login("office").get(f"/tracker/?after={cursor}", htmx=True).get_data(as_text=True)
    assert _ids(body) == expected[:PER_PAGE]


def test_cursor_text_round_trip():
    from datetime import date

    from portal.paging import Cursor

    cursor = Cursor(date(2026, 2, 28), 1234)
    assert Cursor.parse(cursor.text()) == cursor
    assert Cursor.parse("2026-02-30.1") is None
