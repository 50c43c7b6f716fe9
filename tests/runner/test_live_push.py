"""Live push of the meeting day (issue 14): the event streams that the console, the chair's
view, the hall screen and its kiosk link hold, and the renders they share.

* A stream checks access like the page it feeds: meeting.watch (an officer 403, no login to
  the login page), an unknown meeting 404; a kiosk stream needs an active token of that
  meeting (404 otherwise).
* A stream starts with the revision; a change is told at once: «changed» to the console,
  the new frame itself to the hall screen; a revoked kiosk link hears «closed».
  In one process (SQLite) the commit wakes the streams; on PostgreSQL the NOTIFY of the
  bump reaches a stream served by another process (gunicorn, gthread): see the last test.
* The runner fragment is rendered once per revision and second and shared: each answer
  still carries the session's CSRF token and its own client keys, and costs two queries.
"""
from __future__ import annotations

import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from support import count_queries

ROOT = Path(__file__).resolve().parents[2]


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _link(app, office, data):
    from portal.extensions import db
    from portal.runner.kiosk import KioskLink

    assert office.post(_url(data, "/kiosk"), htmx=True, data={"label": "Hội trường"}) \
        .status_code == 200
    with app.app_context():
        link = db.session.scalars(select(KioskLink).order_by(KioskLink.id.desc())).first()
        return link.id, link.token


class Stream:
    """A streamed answer read event by event in a thread (a test client's, or a socket's
    lines), so a test can wait for the next event with a timeout.

    Every stream opened in a test is stopped at its end (`_streams_end_with_their_test`):
    a stream served in this process runs its checks on the reader's thread, and one left
    running would query inside the next test's transaction."""

    opened: list["Stream"] = []

    def __init__(self, chunks):
        self.events: queue.Queue = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(chunks,), daemon=True)
        Stream.opened.append(self)
        self._thread.start()

    def stop(self, timeout: float = 20.0) -> None:
        """Ends the read after the next event (a heartbeat's ping at the latest), closes
        the answer from the reader's own thread (its generator then ends), and waits."""
        self._stop.set()
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "a live stream outlived its test"

    def _read(self, chunks):
        buffer = ""
        try:
            for chunk in chunks:
                if self._stop.is_set():
                    break
                buffer += chunk.decode() if isinstance(chunk, bytes) else chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    fields: dict[str, list[str]] = {}
                    for line in block.splitlines():
                        name, _, value = line.partition(": ")
                        fields.setdefault(name, []).append(value)
                    if "event" in fields:
                        self.events.put((fields["event"][0], "\n".join(fields.get("data", []))))
        except (OSError, ValueError):
            pass
        finally:
            if hasattr(chunks, "close"):
                chunks.close()

    def next(self, timeout: float = 10.0):
        return self.events.get(timeout=timeout)

    def until(self, name: str, timeout: float = 10.0, where=lambda data: True):
        """The next event called `name` whose data passes `where` (skipping the others)."""
        ends = time.monotonic() + timeout
        while True:
            event, data = self.next(max(0.05, ends - time.monotonic()))
            if event == name and where(data):
                return data


@pytest.fixture(autouse=True)
def _streams_end_with_their_test(app):  # ends before the app (its database) does
    yield
    _stop_streams()


def _stop_streams():
    while Stream.opened:
        Stream.opened.pop().stop()


@pytest.fixture
def quick_heartbeat(monkeypatch):
    from portal.runner import live

    monkeypatch.setattr(live, "HEARTBEAT_SECONDS", 0.5)
    yield
    _stop_streams()  # while the heartbeat is still quick: each ends at its next ping


# ---- access ------------------------------------------------------------------------------

def test_streams_check_access_like_their_pages(app, login, data):
    office = login("office")
    assert office.get(_url(data, "/events")).headers["Content-Type"].startswith(
        "text/event-stream")
    assert login("officer").get(_url(data, "/events")).status_code == 403
    anonymous = login("anonymous").get(_url(data, "/events"))
    assert anonymous.status_code in (302, 303) and "/login" in anonymous.headers["Location"]
    assert office.get("/runner/999999/events").status_code == 404
    link_id, token = _link(app, office, data)
    hall = login("anonymous")
    assert hall.get(_url(data, f"/hall/{token}/events")).status_code == 200
    assert hall.get(_url(data, "/hall/" + "x" * 43 + "/events")).status_code == 404
    assert hall.get(f"/runner/999999/hall/{token}/events").status_code == 404
    assert office.post(_url(data, f"/kiosk/{link_id}/revoke"), htmx=True).status_code == 200
    assert hall.get(_url(data, f"/hall/{token}/events")).status_code == 404


def test_a_stream_opens_with_the_revision_and_no_database_connection_held(app, login, data):
    from portal.runner import stages

    office = login("office")
    response = office.get(_url(data, "/events"), buffered=False)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Accel-Buffering"] == "no"
    first = next(iter(response.response)).decode()
    with app.app_context():
        revision = stages.revision(data["session"])
    assert f"event: changed\ndata: {revision}\n\n" in first and first.startswith("retry: ")
    response.close()


# ---- the push in one process (SQLite: the commit wakes the streams) ----------------------

def _sqlite_only(app):
    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("on PostgreSQL the push is the NOTIFY at commit: see the gunicorn test")


@pytest.mark.real_commit  # the streams read from their own threads: their own connections
def test_a_change_reaches_the_console_stream_and_the_hall_frame_at_once(
        app, login, data, quick_heartbeat):
    _sqlite_only(app)
    office = login("office")
    console = Stream(office.get(_url(data, "/events"), buffered=False).response)
    hall_client = login("observer")
    hall = Stream(hall_client.get(_url(data, "/events?frames=hall"), buffered=False).response)
    assert console.until("changed") == "0" and hall.until("changed") == "0"
    assert office.post(_url(data, "/start"), htmx=True).status_code == 200
    assert int(console.until("changed", 5)) > 0
    frame = hall.until("frame", 5)
    assert 'id="screen"' in frame and "Khai mạc" in frame and 'sse-swap="frame"' in frame
    assert "csrf" not in frame and "<form" not in frame
    # nothing happens: pings, so the page knows the stream lives
    assert hall.until("ping", 3) is not None


@pytest.mark.real_commit
def test_a_revoked_kiosk_stream_hears_closed_and_its_screen_refetches(
        app, login, data, quick_heartbeat):
    _sqlite_only(app)
    office = login("office")
    link_id, token = _link(app, office, data)
    hall = Stream(login("anonymous").get(_url(data, f"/hall/{token}/events"),
                                         buffered=False).response)
    hall.until("changed")
    assert office.post(_url(data, f"/kiosk/{link_id}/revoke"), htmx=True).status_code == 200
    assert hall.until("closed", 5) == "-1"


@pytest.mark.real_commit
def test_the_screens_of_one_kiosk_link_share_one_check_per_change(
        app, login, data, quick_heartbeat, monkeypatch):
    _sqlite_only(app)
    from portal.runner import live

    made = []

    class Counting(live.Renders):
        def get_or_make(self, key, make):
            def counted():
                made.append(key)
                return make()
            return super().get_or_make(key, counted)

    monkeypatch.setattr(live, "checks", Counting())
    office = login("office")
    _link_id, token = _link(app, office, data)
    screens = [Stream(login("anonymous").get(_url(data, f"/hall/{token}/events"),
                                             buffered=False).response) for _ in range(3)]
    for screen in screens:
        screen.until("changed")
    assert office.post(_url(data, "/start"), htmx=True).status_code == 200
    frames = [screen.until("frame", 5, lambda d: "Khai mạc" in d) for screen in screens]
    assert len(set(frames)) == 1
    woken = [key for key in made if key[0] == ("kiosk", data["session"], token)]
    assert woken and len(woken) == len(set(woken))  # one check per revision, three screens


# ---- the shared render -------------------------------------------------------------------

def test_the_shared_fragment_keeps_each_answer_its_csrf_token_and_client_keys(app, login, data):
    office = login("office")
    assert office.post(_url(data, "/start"), htmx=True).status_code == 200
    first = office.get(_url(data), htmx=True)
    second = office.get(_url(data), htmx=True)
    a, b = first.get_data(as_text=True), second.get_data(as_text=True)
    assert "mark-d1c5b7" not in a + b
    keys_a = re.findall(r'name="client_key" value="([0-9a-f]{32})"', a)
    keys_b = re.findall(r'name="client_key" value="([0-9a-f]{32})"', b)
    assert keys_a and len(keys_a) == len(keys_b) and not set(keys_a) & set(keys_b)
    assert len(set(keys_a)) == len(keys_a)  # one key per form
    token = re.search(r'name="csrf_token" value="([^"]+)"', b).group(1)
    moved = office.http.post(_url(data, "/advance"), headers={"HX-Request": "true"},
                             data={"csrf_token": token, "client_key": keys_b[0]})
    assert moved.status_code == 200, moved.get_data(as_text=True)[:300]
    # a cached answer: the login and the revision, nothing else
    office.get(_url(data), htmx=True)
    assert count_queries(app, office, _url(data), htmx=True) <= 2


def test_the_shared_fragment_is_per_role_and_view(app, login, data):
    office, observer = login("office"), login("observer")
    assert office.post(_url(data, "/start"), htmx=True).status_code == 200
    mine = office.get(_url(data), htmx=True).get_data(as_text=True)
    theirs = observer.get(_url(data), htmx=True).get_data(as_text=True)
    chair = office.get(_url(data, "?view=chair"), htmx=True).get_data(as_text=True)
    assert mine.count("<form") > theirs.count("<form")  # the observer runs nothing
    assert "view-chair" in chair and "view-chair" not in mine


# ---- across processes: PostgreSQL LISTEN/NOTIFY under gunicorn ---------------------------

def _free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _socket_stream(port: int, path: str, cookie: str = "") -> Stream:
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                  + (f"Cookie: {cookie}\r\n" if cookie else "") + "\r\n").encode())
    lines = sock.makefile("rb")
    status = lines.readline().decode()
    assert " 200 " in status, status
    while lines.readline() not in (b"\r\n", b""):
        pass

    def chunks():  # the chunked body, chunk by chunk
        while True:
            size = lines.readline().strip()
            if not size or int(size, 16) == 0:
                return
            yield lines.read(int(size, 16))
            lines.readline()

    stream = Stream(chunks())
    stream.close = lambda: (lines.close(), sock.close())
    return stream


def _gunicorn_login(port: int, username: str) -> str:
    import http.client
    import urllib.parse

    from support import PASSWORD

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    cookie = page.getheader("Set-Cookie").split(";", 1)[0]
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page.read()).group(1).decode()
    conn.request("POST", "/login", urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrf_token": token}),
        {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    answer = conn.getresponse()
    answer.read()
    conn.close()
    assert answer.status == 303, answer.status
    return answer.getheader("Set-Cookie").split(";", 1)[0]


@pytest.mark.real_commit
def test_a_change_in_this_process_reaches_streams_served_by_gunicorn(app, login, data,
                                                                      tmp_path):
    """Two processes: the change commits here (the test client), the streams are held by a
    gunicorn with two gthread workers on the same PostgreSQL; the NOTIFY of the bump reaches
    them: the console's «changed» and the kiosk screen's new frame."""
    from portal.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("LISTEN/NOTIFY across processes needs PostgreSQL")
        url = db.engine.url.render_as_string(hide_password=False)
    office = login("office")
    link_id, token = _link(app, office, data)
    port = next((p for p in range(5151, 5160) if _free(p)), None)
    assert port is not None, "ports 5151-5159 are all taken"
    env = dict(os.environ, DATABASE_URL=url, PORTAL_INSTANCE_PATH=str(tmp_path),
               SECRET_KEY="gunicorn-test", WORKERS="2", THREADS="8")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    streams = []
    try:
        for _ in range(150):
            if not _free(port):
                break
            time.sleep(0.1)
        cookie = _gunicorn_login(port, "observer")
        kiosk = _socket_stream(port, f"/runner/{data['session']}/hall/{token}/events")
        console = _socket_stream(port, f"/runner/{data['session']}/events", cookie)
        streams = [kiosk, console]
        assert kiosk.until("changed") == console.until("changed")
        time.sleep(0.3)  # both workers' listeners are up (each started with its stream)
        assert office.post(_url(data, "/start"), htmx=True).status_code == 200
        # told by the push, not by a heartbeat (15 s): within 5 s
        frame = kiosk.until("frame", 5, lambda d: "Khai mạc" in d)
        assert int(console.until("changed", 5, lambda d: int(d) > 0)) > 0
        assert f"/hall/{token}" in frame and "csrf" not in frame
        # a second change, and the revoked link's stream ends
        assert office.post(_url(data, f"/kiosk/{link_id}/revoke"), htmx=True).status_code == 200
        kiosk.until("closed", 20)
    finally:
        for s in streams:
            s.close()
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            raise
