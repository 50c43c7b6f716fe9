"""Session changes through the one path (portal.web.change): a form saved from an old
version is refused with both texts, a creating form sent twice creates one session, and on
PostgreSQL two requests at the same instant give one success and one 409 (or one session
for one client key), never a 500."""
from __future__ import annotations

import re
import threading
from datetime import date, time

import pytest
from sqlalchemy import func, select

from calendar_helpers import add_session, get_session, session_form, vn

DAY = date(2025, 3, 11)  # a Tuesday
LATER = date(2025, 3, 13)  # a Thursday
STALE = "Nội dung vừa được người khác thay đổi"


def _count(app) -> int:
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count(DialogueSession.id)))


def _bump(app, sid: int, **values) -> None:
    """Someone else saves the session (its version moves on)."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        item = db.session.get(DialogueSession, sid)
        for name, value in values.items():
            setattr(item, name, value)
        db.session.commit()


def _diff_row(current: str, typed: str) -> str:
    return f'<td class="pre">{current}</td><td class="pre">{typed}</td>'


# --------------------------------------------------------------------------- stale forms


def test_a_stale_edit_is_409_with_both_texts_and_saves_nothing(app, login, data):
    sid = add_session(app, DAY, host="Chủ tịch A", venue="Hội trường", title="Tiêu đề cũ")
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    _bump(app, sid, title="Người khác đã sửa")
    response = c.post(f"/calendar/sessions/{sid}/edit", htmx=True, data={**session_form(
        DAY, host="Chủ tịch A", venue="Hội trường", title="Tôi sửa"), "version": version})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert STALE in body and _diff_row("Người khác đã sửa", "Tôi sửa") in body
    assert 'value="Tôi sửa"' in body  # what was typed stays in the form
    assert get_session(app, sid).title == "Người khác đã sửa"
    # The form now carries the current version: saving again, having seen it, goes through.
    current = re.search(r'name="version" type="hidden" value="(\d+)"', body).group(1)
    assert int(current) == get_session(app, sid).version
    again = c.post(f"/calendar/sessions/{sid}/edit", data={**session_form(
        DAY, host="Chủ tịch A", venue="Hội trường", title="Tôi sửa"), "version": current})
    assert again.status_code == 303 and get_session(app, sid).title == "Tôi sửa"


def test_a_stale_reschedule_shows_the_day_and_venue_saved_meanwhile(app, login, data):
    sid = add_session(app, DAY, host="Chủ tịch A", venue="Hội trường")
    version = get_session(app, sid).version
    c = login("office")
    first = c.post(f"/calendar/sessions/{sid}/reschedule", data={
        "day": vn(LATER), "start_time": "14:00", "venue": "Nhà văn hóa", "version": version})
    assert first.status_code == 303
    response = c.post(f"/calendar/sessions/{sid}/reschedule", htmx=True, data={
        "day": vn(DAY), "start_time": "09:00", "venue": "Phòng họp số 2", "version": version})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and STALE in body
    assert _diff_row("Nhà văn hóa", "Phòng họp số 2") in body
    assert _diff_row(vn(LATER), vn(DAY)) in body
    assert 'value="Phòng họp số 2"' in body
    from portal.timefmt import local_to_utc

    item = get_session(app, sid)
    assert item.venue == "Nhà văn hóa" and item.starts_at == local_to_utc(LATER, time(14, 0))


def test_a_stale_cancel_is_409_and_keeps_the_reason_typed(app, login, data):
    sid = add_session(app, DAY)
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}/cancel").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    _bump(app, sid, title="Đổi tên trong lúc đó")
    response = c.post(f"/calendar/sessions/{sid}/cancel", htmx=True,
                      data={"reason": "Trùng lịch họp Tỉnh ủy", "version": version})
    body = response.get_data(as_text=True)
    assert response.status_code == 409 and STALE in body
    assert "Trùng lịch họp Tỉnh ủy</textarea>" in body
    item = get_session(app, sid)
    assert item.status.value == "scheduled" and item.cancel_reason == ""


def test_a_stale_restore_is_409_and_the_session_stays_cancelled(app, login, data):
    from portal.calendar.models import SessionStatus

    sid = add_session(app, DAY, status=SessionStatus.CANCELLED, cancel_reason="Hoãn")
    c = login("office")
    page = c.get(f"/calendar/sessions/{sid}").get_data(as_text=True)
    version = get_session(app, sid).version
    assert f'name="version" value="{version}"' in page  # the button carries it
    _bump(app, sid, venue="Nơi khác")
    response = c.post(f"/calendar/sessions/{sid}/restore", data={"version": version})
    assert response.status_code == 409 and STALE in response.get_data(as_text=True)
    assert get_session(app, sid).status == SessionStatus.CANCELLED


def test_a_refused_move_answers_its_reason(app, login, data):
    from portal.calendar.models import SessionStatus

    sid = add_session(app, DAY, status=SessionStatus.IN_PROGRESS)
    c = login("office")
    response = c.post(f"/calendar/sessions/{sid}/reschedule", htmx=True, data={
        "day": vn(LATER), "start_time": "08:00", "venue": "X"})
    assert response.status_code == 409
    assert "Thao tác không phù hợp với trạng thái hiện tại" in response.get_data(as_text=True)
    response = c.post(f"/calendar/sessions/{sid}/restore", data={})
    assert response.status_code == 409
    assert "Buổi đối thoại không ở trạng thái đã hủy." in response.get_data(as_text=True)


def test_the_session_page_offers_only_the_moves_allowed(app, login, data):
    from portal.calendar.models import SessionStatus

    sid = add_session(app, DAY, status=SessionStatus.IN_PROGRESS)
    page = login("office").get(f"/calendar/sessions/{sid}").get_data(as_text=True)
    assert f'href="/calendar/sessions/{sid}/edit"' in page
    assert f"/calendar/sessions/{sid}/reschedule" not in page
    assert f"/calendar/sessions/{sid}/cancel" not in page
    assert f"/calendar/sessions/{sid}/restore" not in page


# --------------------------------------------------------------------------- once


def test_the_same_create_form_sent_twice_creates_one_session(app, login, data):
    c = login("office")
    page = c.get("/calendar/sessions/new").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    form = {**session_form(DAY, host="Chủ tịch A", venue="Hội trường"), "client_key": key,
            "ignore_conflicts": "y"}
    before = _count(app)
    first = c.post("/calendar/sessions/new", data=form)
    second = c.post("/calendar/sessions/new", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]  # the same session
    assert _count(app) == before + 1
    other = c.post("/calendar/sessions/new", data={**form, "client_key": key[::-1]})
    assert other.status_code == 303 and _count(app) == before + 2


def test_a_refused_create_does_not_use_up_its_key(app, login, data):
    """Conflicts refuse the first submit (nothing saved); the same form, confirmed, saves."""
    add_session(app, DAY, "08:00", host="Chủ tịch A", venue="Khác")
    c = login("office")
    form = {**session_form(DAY, host="Chủ tịch A", venue="Hội trường"), "client_key": "k" * 32}
    before = _count(app)
    assert c.post("/calendar/sessions/new", data=form).status_code == 422
    assert c.post("/calendar/sessions/new",
                  data={**form, "ignore_conflicts": "y"}).status_code == 303
    assert _count(app) == before + 1


# --------------------------------------------------------------------------- at once (PostgreSQL)


def _at_once(requests) -> list:
    """Send (client, url, form) requests from one thread each, at the same instant; their
    status codes in order (an exception is returned in place of its status)."""
    barrier = threading.Barrier(len(requests))
    results: list = [None] * len(requests)

    def work(i, client, url, form):
        try:
            barrier.wait(timeout=30)
            results[i] = client.post(url, data=form).status_code
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


@pytest.mark.real_commit
def test_two_edits_from_one_version_at_once(app, login, data, db_name):
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    for round_ in range(3):
        sid = add_session(app, DAY, f"{8 + round_:02d}:00", host="Chủ tịch A", venue="Hội trường")
        version = get_session(app, sid).version
        clients = [login("office"), login("chair")]
        forms = [{**session_form(DAY, host="Chủ tịch A", venue="Hội trường", title=title,
                                 start_time=f"{8 + round_:02d}:00", end_time=""),
                  "version": version, "ignore_conflicts": "y"}
                 for title in ("Bản của Văn phòng", "Bản của Chủ tịch")]
        results = _at_once([(c, f"/calendar/sessions/{sid}/edit", f)
                            for c, f in zip(clients, forms, strict=True)])
        assert sorted(results) == [303, 409], results
        item = get_session(app, sid)
        assert item.title in ("Bản của Văn phòng", "Bản của Chủ tịch")
        assert item.version == version + 1


@pytest.mark.real_commit
def test_two_creates_with_one_key_at_once(app, login, data, db_name):
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the race needs PostgreSQL")
    c = login("office")
    for round_ in range(3):
        form = {**session_form(DAY, host="Chủ tịch A", venue="Hội trường",
                               title=f"Buổi {round_}"),
                "client_key": f"{round_}" * 32, "ignore_conflicts": "y"}
        before = _count(app)
        results = _at_once([(c, "/calendar/sessions/new", form),
                            (login("office"), "/calendar/sessions/new", form)])
        assert results == [303, 303], results
        assert _count(app) == before + 1
