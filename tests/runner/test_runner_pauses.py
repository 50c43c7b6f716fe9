"""A speaker paused and resumed: the countdown frozen while paused (the server's clock,
injected here: no sleeps), the speaking time per speaker and per kind of participant."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

T0 = datetime(2026, 3, 16, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock(monkeypatch):
    """The floor's clock, moved by hand: clock(90) is T0 + 90 s."""
    from portal.runner import floor

    now = {"at": T0}
    monkeypatch.setattr(floor, "now", lambda: now["at"])

    def at(seconds: int):
        now["at"] = T0 + timedelta(seconds=seconds)

    return at


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _discussion(c, data):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(2):
        assert c.post(_url(data, "/advance"), htmx=True).status_code == 200


def _add(c, data, name, kind="citizen"):
    assert c.post(_url(data, "/speakers"), htmx=True,
                  data={"sp-name": name, "sp-kind": kind, "sp-locality": ""}).status_code == 200


def _speaker(app, name):
    from portal.extensions import db
    from portal.runner.models import Speaker

    with app.app_context():
        speaker = db.session.scalar(select(Speaker).where(Speaker.name == name))
        db.session.expunge(speaker)
        return speaker


def _countdown(body):
    found = re.search(r'<div class="countdown" data-elapsed="(\d+)" data-running="(\d)"', body)
    assert found, "no countdown on the page"
    return int(found.group(1)), found.group(2) == "1", "data-paused" in body.split(
        'class="countdown"', 1)[1].split(">", 1)[0]


def test_pause_freezes_the_countdown_and_resume_goes_on(app, login, data, clock):
    c = login("office")
    _discussion(c, data)
    _add(c, data, "Nguyễn Văn An")
    clock(0)
    c.post(_url(data, "/speakers/next"), htmx=True)
    clock(30)
    paused = c.post(_url(data, "/speakers/pause"), htmx=True)
    assert paused.status_code == 200
    assert _countdown(paused.get_data(as_text=True)) == (30, False, True)
    assert "Tiếp tục" in paused.get_data(as_text=True)
    # Minutes later, on any worker: still frozen at 30 s.
    clock(95)
    assert _countdown(c.get(_url(data), htmx=True).get_data(as_text=True)) == (30, False, True)
    # A second pause (a double press, another worker) changes nothing.
    clock(100)
    assert c.post(_url(data, "/speakers/pause"), htmx=True).status_code == 200
    clock(120)
    resumed = c.post(_url(data, "/speakers/resume"), htmx=True)
    assert resumed.status_code == 200
    assert _countdown(resumed.get_data(as_text=True)) == (30, True, False)
    clock(150)
    assert _countdown(c.get(_url(data), htmx=True).get_data(as_text=True))[:2] == (60, True)
    an = _speaker(app, "Nguyễn Văn An")
    assert an.paused_seconds == 90 and an.paused_at is None
    # Ended at 170 s: 170 - 90 paused = 80 s spoken.
    clock(170)
    c.post(_url(data, "/speakers/stop"), htmx=True)
    assert _speaker(app, "Nguyễn Văn An").spoken_seconds(T0 + timedelta(hours=1)) == 80


def test_a_turn_ended_while_paused_counts_up_to_the_pause(app, login, data, clock):
    c = login("office")
    _discussion(c, data)
    _add(c, data, "Trần Thị Bình")
    _add(c, data, "Lê Văn Cường")
    clock(0)
    c.post(_url(data, "/speakers/next"), htmx=True)
    clock(40)
    c.post(_url(data, "/speakers/pause"), htmx=True)
    clock(100)
    c.post(_url(data, "/speakers/next"), htmx=True)  # the next one takes the floor
    binh = _speaker(app, "Trần Thị Bình")
    assert binh.status.value == "done" and binh.paused_at is None
    assert binh.spoken_seconds(T0 + timedelta(hours=1)) == 40
    cuong = _speaker(app, "Lê Văn Cường")
    assert cuong.paused_seconds == 0 and cuong.paused_at is None  # a fresh clock
    # Leaving the discussion while paused ends the turn the same way.
    clock(130)
    c.post(_url(data, "/speakers/pause"), htmx=True)
    clock(200)
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    assert _speaker(app, "Lê Văn Cường").spoken_seconds(T0 + timedelta(hours=1)) == 30


def test_pause_with_nobody_speaking_is_refused(login, data, clock):
    c = login("office")
    _discussion(c, data)
    for action in ("pause", "resume"):
        response = c.post(_url(data, f"/speakers/{action}"), htmx=True)
        assert response.status_code == 409
        assert "Chưa có ai đang phát biểu." in response.get_data(as_text=True)


def test_pause_is_only_for_the_discussion(login, data):
    c = login("office")
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    assert c.post(_url(data, "/speakers/pause"), htmx=True).status_code == 409


def test_speaking_time_per_speaker_and_per_kind(app, login, data, clock):
    c = login("office")
    _discussion(c, data)
    _add(c, data, "Công dân Một")
    _add(c, data, "Công ty Hai", kind="business")
    _add(c, data, "Công dân Ba")
    _add(c, data, "Không nói", kind="delegate")
    clock(0)
    c.post(_url(data, "/speakers/next"), htmx=True)  # Một: 0–75 s
    clock(75)
    c.post(_url(data, "/speakers/next"), htmx=True)  # Hai: 75–195 s, 20 s paused
    clock(100)
    c.post(_url(data, "/speakers/pause"), htmx=True)
    clock(120)
    c.post(_url(data, "/speakers/resume"), htmx=True)
    clock(215)
    c.post(_url(data, "/speakers/next"), htmx=True)  # Ba: from 215 s, still speaking
    delegate = _speaker(app, "Không nói").id
    c.post(_url(data, f"/speakers/{delegate}/skip"), htmx=True)
    clock(245)
    body = c.get(_url(data), htmx=True).get_data(as_text=True)
    # Per speaker: Một 1:15, Hai 2:00 (pause left out).
    assert re.search(r"Công dân Một</span>.*?class=\"spoken\"[^>]*>1:15<", body, re.S)
    assert re.search(r"Công ty Hai</span>.*?class=\"spoken\"[^>]*>2:00<", body, re.S)
    # Per kind: citizens 2 turns, 75 + 30 s (Ba so far); businesses 1 turn, 2:00; the
    # skipped delegate is not a kind that spoke.
    totals = body.split('id="speaking-totals"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r'<tr><th scope="row">([^<]+)</th><td>(\d+)</td><td>([\d:]+)</td></tr>',
                      totals)
    assert rows == [("Công dân", "2", "1:45"), ("Doanh nghiệp", "1", "2:00"),
                    ("Tổng", "3", "3:45")]


def test_totals_by_kind_is_a_pure_rule():
    from portal.petitions.models import SubmitterKind
    from portal.runner.floor import totals_by_kind
    from portal.runner.models import Speaker, SpeakerStatus

    def turn(kind, start, end, paused=0, status=SpeakerStatus.DONE):
        return Speaker(name="x", kind=kind, status=status, paused_seconds=paused,
                       started_at=T0 + timedelta(seconds=start),
                       ended_at=T0 + timedelta(seconds=end) if end is not None else None)

    now = T0 + timedelta(seconds=500)
    speakers = [turn(SubmitterKind.BUSINESS, 0, 60), turn(SubmitterKind.CITIZEN, 60, 200, 40),
                Speaker(name="y", kind=SubmitterKind.CITIZEN, status=SpeakerStatus.QUEUED),
                turn(SubmitterKind.CITIZEN, 400, None, 10, SpeakerStatus.SPEAKING)]
    totals = {t.kind: (t.turns, t.seconds) for t in totals_by_kind(speakers, now)}
    assert totals == {SubmitterKind.CITIZEN: (2, 100 + 90), SubmitterKind.BUSINESS: (1, 60)}
