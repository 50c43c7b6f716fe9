"""An unchanged screen poll rests on the last full check of its login (portal.auth.polls)
and a kiosk's on its last lookup (portal.runner.kiosk): a 304 with no query at all while
the listener has heard the revision the screen shows. Any answer with content is checked
in full: a logout refuses the next poll at once on this process, a changed revision is
checked in full even within the trust window, and once the window has passed so is an
unchanged poll (a login ended on another host)."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, event

from support import is_savepoint


@pytest.fixture
def heard(app):
    """The hub as while its listener is connected; `heard(meeting)` makes it hear the
    meeting's revision now in the database (as a NOTIFY would tell it)."""
    from portal.runner import live, stages

    hub = live.hub
    # set quietly, without waking any stream: one left open by an earlier test would
    # wake and query on this test's connection
    with hub._cond:
        hub._listening = True

    def hear(session_id: int) -> int:
        with app.app_context():
            revision = stages.revision(session_id)
        with hub._cond:
            hub._revisions[session_id] = revision
        return revision

    yield hear
    with hub._cond:
        hub._listening = False
        hub._revisions.clear()


def _statements(app, do):
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def note(conn, cursor, sql, *args):
        if not is_savepoint(sql):
            seen.append(sql)

    event.listen(engine, "before_cursor_execute", note)
    try:
        response = do()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return response, seen


def _poll(client, url, etag):
    return client.get(url, htmx=True, headers={"If-None-Match": etag})


def test_an_unchanged_screen_poll_after_a_full_check_asks_the_database_nothing(
        app, login, data, heard):
    url = f"/runner/{data['session']}/screen"
    watcher = login("observer")
    heard(data["session"])
    first = watcher.get(url, htmx=True)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    response, statements = _statements(app, lambda: _poll(watcher, url, etag))
    assert response.status_code == 304 and response.data == b""
    assert statements == []
    # a change: the poll gets the new frame, checked in full
    office = login("office")
    assert office.post(f"/runner/{data['session']}/start", htmx=True).status_code == 200
    heard(data["session"])
    response, statements = _statements(app, lambda: _poll(watcher, url, etag))
    assert response.status_code == 200 and response.headers["ETag"] != etag
    assert any("login_session" in sql for sql in statements)


def test_a_first_poll_and_another_screen_are_checked_in_full(app, login, data, heard):
    url = f"/runner/{data['session']}/screen"
    heard(data["session"])
    etag = login("observer").get(url, htmx=True).headers["ETag"]
    other = login("observer")  # another login of the same account: its own check
    response, statements = _statements(app, lambda: _poll(other, url, etag))
    assert response.status_code == 304
    assert any("login_session" in sql for sql in statements)
    # an officer may not watch: the same ETag does not open the screen to him
    officer = login("officer")
    assert _poll(officer, url, etag).status_code == 403
    assert _poll(officer, url, etag).status_code == 403
    assert _poll(login("anonymous"), url, etag).status_code in (302, 401)


def test_after_a_logout_the_next_poll_is_refused(app, login, data, heard):
    url = f"/runner/{data['session']}/screen"
    heard(data["session"])
    watcher = login("observer")
    etag = watcher.get(url, htmx=True).headers["ETag"]
    assert _poll(watcher, url, etag).status_code == 304
    assert watcher.post("/logout").status_code == 303
    assert _poll(watcher, url, etag).status_code in (302, 401)


def test_a_login_ended_elsewhere_is_refused_once_the_trust_window_passes(
        app, login, data, heard):
    from portal.auth.models import LoginSession
    from portal.extensions import db

    url = f"/runner/{data['session']}/screen"
    heard(data["session"])
    watcher = login("observer")
    etag = watcher.get(url, htmx=True).headers["ETag"]
    with app.app_context():  # the login ended on another host: this one was not told
        db.session.execute(delete(LoginSession).where(
            LoginSession.user_id == data["users"]["observer"]))
        db.session.commit()
    # within the window: «nothing changed» only, never content
    assert _poll(watcher, url, etag).status_code == 304
    office = login("office")
    assert office.post(f"/runner/{data['session']}/start", htmx=True).status_code == 200
    heard(data["session"])
    assert _poll(watcher, url, etag).status_code in (302, 401)
    # and once the window has passed, an unchanged poll too
    app.config["POLL_TRUST_SECONDS"] = 0
    try:
        new_etag = f'"s{data["session"]}-{heard(data["session"])}"'
        assert _poll(watcher, url, new_etag).status_code in (302, 401)
    finally:
        app.config.pop("POLL_TRUST_SECONDS")


def test_an_unchanged_kiosk_poll_after_a_lookup_asks_nothing_and_a_revoke_is_404(
        app, login, data, heard):
    from portal.extensions import db
    from portal.runner.kiosk import KioskLink

    office = login("office")
    assert office.post(f"/runner/{data['session']}/kiosk", htmx=True,
                       data={"label": "Hội trường"}).status_code == 200
    with app.app_context():
        link = db.session.scalars(db.select(KioskLink).order_by(KioskLink.id.desc())).first()
        link_id, token = link.id, link.token
    url = f"/runner/{data['session']}/hall/{token}"
    heard(data["session"])
    hall = login("anonymous")
    etag = hall.get(url, htmx=True).headers["ETag"]
    response, statements = _statements(app, lambda: _poll(hall, url, etag))
    assert response.status_code == 304 and statements == []
    assert office.post(f"/runner/{data['session']}/kiosk/{link_id}/revoke",
                       htmx=True).status_code == 200
    heard(data["session"])  # the revoke bumped the meeting: every host hears it
    response = _poll(hall, url, etag)
    assert response.status_code == 404 and response.headers["HX-Refresh"] == "true"
