"""Issue 9: the chair's view has the secretary's speaker controls (next speaker, pause and
resume, end the turn), posting to the same actions and answering the chair's view."""
from __future__ import annotations

from test_runner_pauses import _add, _discussion, _speaker, _url, clock  # noqa: F401


def _chair(c, data, suffix):
    return c.post(_url(data, suffix), htmx=True, data={"view": "chair"})


def test_the_chair_calls_pauses_resumes_and_ends_turns(app, login, data, clock):  # noqa: F811
    c = login("chair")
    _discussion(c, data)
    _add(c, data, "Nguyễn Văn An")
    _add(c, data, "Trần Thị Bình")
    page = c.get(_url(data, "/chair")).get_data(as_text=True)
    assert 'id="next-speaker"' in page and 'id="pause-speaker"' not in page
    called = _chair(c, data, "/speakers/next")
    body = called.get_data(as_text=True)
    assert called.status_code == 200 and "view-chair" in body
    assert 'id="chair-speaker">Nguyễn Văn An<' in body
    assert ">Tạm dừng<" in body and 'id="stop-speaker"' in body
    clock(30)
    paused = _chair(c, data, "/speakers/pause").get_data(as_text=True)
    assert _speaker(app, "Nguyễn Văn An").paused_at is not None
    assert ">Tiếp tục<" in paused and 'id="paused-note"' in paused
    clock(90)
    _chair(c, data, "/speakers/resume")
    assert _speaker(app, "Nguyễn Văn An").paused_at is None
    assert _speaker(app, "Nguyễn Văn An").paused_seconds == 60
    ended = _chair(c, data, "/speakers/stop").get_data(as_text=True)
    assert _speaker(app, "Nguyễn Văn An").status.value == "done"
    assert 'id="pause-speaker"' not in ended
    assert "Trần Thị Bình" in ended  # waiting: next


def test_watchers_get_no_speaker_controls(app, login, data):
    c = login("chair")
    _discussion(c, data)
    _add(c, data, "Nguyễn Văn An")
    _chair(c, data, "/speakers/next")
    for role in ("observer", "admin"):
        page = login(role).get(_url(data, "/chair")).get_data(as_text=True)
        assert 'id="chair-speaker-controls"' not in page
        assert login(role).post(_url(data, "/speakers/pause"), htmx=True).status_code == 403
