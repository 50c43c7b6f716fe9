"""`make bench` (live part): the meeting-day paths and the live push, under gunicorn as
deployed (gunicorn.conf.py: the gthread worker), on PostgreSQL.

Prints, beside /healthz: the runner fragment, the unchanged polls (304) of the room screen,
the kiosk and the chair's view, with and without 50 open live screens (server-sent events);
then the push latency: from the moment a change is posted on the console to (a) the event
reaching each open screen and (b) each screen holding its new frame (event + refetch), p50
and p95. Nothing is asserted: the figures go in the issue notes.

  BENCH_DATABASE_URL  PostgreSQL server URL; its database BENCH_LIVE_DB (default bench_live)
                      is recreated
  BENCH_SECONDS       seconds per target (default 5), BENCH_CONCURRENCY (default 4)
  BENCH_SCREENS       open live screens (default 50), BENCH_CHANGES pushed changes (default 30)
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "bench"))

import run as bench  # noqa: E402  (the shared client, hammer and live meeting)

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = os.environ.get("BENCH_LIVE_DB", "bench_live")
PETITIONS = int(os.environ.get("BENCH_LIVE_PETITIONS", "1000"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
SCREENS = int(os.environ.get("BENCH_SCREENS", "50"))
CHANGES = int(os.environ.get("BENCH_CHANGES", "30"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))


def database_url() -> str:
    return SERVER.rsplit("/", 1)[0] + "/" + DATABASE


def recreate_database() -> None:
    from portal.config import _database_url

    os.environ["DATABASE_URL"] = SERVER
    admin = create_engine(_database_url("/"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()
    os.environ["DATABASE_URL"] = database_url()


def load(instance: str):
    """Migrate, the demo, generated petitions, a meeting in floor discussion with 30
    petitions and a speaker on the floor, and a kiosk link for its hall screen."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession
    from portal.demo import seed_demo, seed_petitions
    from portal.extensions import db
    from portal.petitions.models import SubmitterKind
    from portal.runner import kiosk, speakers

    os.environ["PORTAL_INSTANCE_PATH"] = instance
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        seed_petitions(PETITIONS, rng=random.Random(7))
        live = bench.live_meeting()
        meeting = db.session.get(DialogueSession, live)
        office = db.session.scalar(db.select(User).where(User.username == "vanphong"))
        for i in range(5):
            speakers.add(meeting, office, f"Người chờ {i}", SubmitterKind.CITIZEN, "")
        db.session.commit()
        speakers.start(meeting, office)
        link = kiosk.create(meeting, office, "Hội trường")
        db.session.commit()
        token = link.token
    return app, live, token


def hammer(port: int, path: str, headers: dict, username: str | None,
           seconds: float | None = None) -> dict:
    """Like run.py's, but the clients log in (and warm their worker up) before the clock
    starts: a login (Argon2) must not count against a page's requests per second."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    ready = threading.Barrier(bench.CONCURRENCY + 1)
    deadline = [0.0]

    def worker():
        s = bench.Session(port)
        if username:
            s.login(username)
        for _ in range(3):
            s.request("GET", path, headers=headers)
        ready.wait()
        mine = []
        while time.perf_counter() < deadline[0]:
            t0 = time.perf_counter()
            status, _ = s.request("GET", path, headers=headers)
            mine.append(time.perf_counter() - t0)
            if status not in (200, 304):
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(bench.CONCURRENCY)]
    for t in threads:
        t.start()
    deadline[0] = time.perf_counter() + 3600
    ready.wait()
    seconds = seconds or bench.SECONDS
    deadline[0] = time.perf_counter() + seconds
    for t in threads:
        t.join()
    latencies.sort()
    return {"requests": len(latencies), "rps": len(latencies) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p95_ms": latencies[int(len(latencies) * 0.95) - 1] * 1000, "errors": errors[0]}


def revision(app, live: int) -> int:
    with app.app_context():
        return bench.current_revision(app, live)


class Screen(threading.Thread):
    """One open live screen: holds the event stream; a `frame` event is its new frame; on a
    `changed` event it refetches its frame (If-None-Match, as htmx does). It notes when the
    event and the frame arrived, per revision."""

    def __init__(self, port: int, events: str, frame: str, cookies: dict, etag: str):
        super().__init__(daemon=True)
        self.port, self.events, self.frame = port, events, frame
        self.cookies, self.etag = cookies, etag
        self.heard: dict[int, float] = {}  # revision -> when its event arrived
        self.wall: dict[int, float] = {}  # the same, by the wall clock
        self.shown: dict[int, float] = {}  # revision -> when its frame arrived
        self.opened = threading.Event()
        self.stop = False
        self.sock = None

    def _headers(self) -> str:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return f"Cookie: {cookie}\r\n" if cookie else ""

    def run(self) -> None:
        fetch = bench.Session(self.port)
        fetch.cookies = dict(self.cookies)
        self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        self.sock.sendall((f"GET {self.events} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           f"Accept: text/event-stream\r\n{self._headers()}\r\n").encode())
        stream = self.sock.makefile("rb")
        while True:  # the response head
            line = stream.readline()
            if not line or line in (b"\r\n", b"\n"):
                break
        self.opened.set()
        event, data, ident = None, [], None
        try:
            for raw in stream:
                line = raw.decode().rstrip("\r\n")
                if re.fullmatch(r"[0-9a-fA-F]+", line) and event is None and not data:
                    continue  # a chunk size (chunked transfer)
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: "):
                    data.append(line[6:])
                elif line.startswith("id: "):
                    ident = line[4:]
                elif line == "" and event:
                    self.event(event, data, ident, fetch)
                    event, data, ident = None, [], None
                if self.stop:
                    break
        except OSError:
            pass

    def event(self, event: str, data: list, ident, fetch) -> None:
        now, wall = time.perf_counter(), time.time()
        if event == "frame":  # the hall screen's new frame, pushed
            rev = int(ident)
            self.wall.setdefault(rev, wall)
            self.heard.setdefault(rev, now)
            self.shown.setdefault(rev, now)
        elif event == "changed" and data and int(data[0]) >= 0:
            rev = int(data[0])
            if rev in self.heard:
                return
            self.heard[rev] = now
            self.wall[rev] = wall
            status, _ = fetch.request("GET", self.frame, headers={
                "HX-Request": "true", "If-None-Match": self.etag})
            if status == 200:
                self.shown[rev] = time.perf_counter()

    def close(self) -> None:
        self.stop = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
            self.sock.close()
        except OSError:
            pass


def percentiles(values: list[float]) -> tuple[float, float]:
    values = sorted(values)
    if not values:
        return float("nan"), float("nan")
    return statistics.median(values) * 1000, values[max(0, int(len(values) * 0.95) - 1)] * 1000


def main() -> None:
    recreate_database()
    instance = tempfile.mkdtemp(prefix="bench-live-")
    app, live, token = load(instance)
    env = dict(os.environ, DATABASE_URL=database_url(), PORTAL_INSTANCE_PATH=instance)
    screens: list[Screen] = []
    try:
        with bench.serving(env, WORKERS, timeout=20) as port:
            hx = {"HX-Request": "true"}
            rev = revision(app, live)
            watcher = bench.Session(port)
            watcher.login("theodoi")
            _, console = watcher.request("GET", f"/runner/{live}", headers=hx)
            chair_etag = re.search(rb'If-None-Match&#34;: &#34;([^&]+)&#34;', console)
            targets = [
                ("/healthz", "/healthz", {}, None),
                ("runner fragment (htmx), 30 petitions", f"/runner/{live}", hx, "chutri"),
                ("room screen poll, unchanged (304)", f"/runner/{live}/screen",
                 dict(hx, **{"If-None-Match": f'"s{live}-{rev}"'}), "theodoi"),
                ("kiosk screen poll, unchanged (304)", f"/runner/{live}/hall/{token}",
                 dict(hx, **{"If-None-Match": f'"k{{kiosk}}-{rev}"'}), None),
            ]
            with app.app_context():
                from portal.runner.kiosk import KioskLink
                from portal.extensions import db
                kiosk_id = db.session.scalar(db.select(KioskLink.id))
            targets = [(n, p, {k: v.replace("{kiosk}", str(kiosk_id)) for k, v in h.items()}, u)
                       for n, p, h, u in targets]
            results: dict = {"idle": {}, "with screens": {}}
            print(f"\ngunicorn {WORKERS} workers ({worker_class()}), PostgreSQL, "
                  f"{bench.CONCURRENCY} clients, {bench.SECONDS:.0f}s each\n")
            print(f"{'target':40} {'open':>5} {'req/s':>8} {'vs healthz':>10} {'p50 ms':>8} "
                  f"{'p95 ms':>8} {'errors':>6}")

            def measure(label: str, open_screens: int) -> None:
                """Each target in ROUNDS short rounds, each right after a round of /healthz: the
                machine's load changes by the second when it is shared, so the ratio is taken
                round by round (its median), the latencies over all rounds."""
                for name, path, headers, user in targets:
                    ratios, runs = [], []
                    for _ in range(ROUNDS):
                        floor = hammer(port, "/healthz", {}, None, bench.SECONDS / ROUNDS)
                        r = hammer(port, path, headers, user, bench.SECONDS / ROUNDS)
                        ratios.append(r["rps"] / floor["rps"])
                        runs.append(r)
                    r = {"rps": statistics.median(x["rps"] for x in runs),
                         "vs_healthz": statistics.median(ratios),
                         "p50_ms": statistics.median(x["p50_ms"] for x in runs),
                         "p95_ms": max(x["p95_ms"] for x in runs),
                         "errors": sum(x["errors"] for x in runs)}
                    results[label][name] = r
                    print(f"{name:40} {open_screens:5d} {r['rps']:8.1f} {r['vs_healthz']:10.2f} "
                          f"{r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['errors']:6d}")

            measure("idle", 0)
            if "runner.events" not in app.view_functions:
                print("no event stream at /runner/<id>/events: the push is not measured")
                return
            kiosk_etag = f'"k{kiosk_id}-{rev}"'
            for i in range(SCREENS):
                if i % 2:
                    s = Screen(port, f"/runner/{live}/hall/{token}/events",
                               f"/runner/{live}/hall/{token}", {}, kiosk_etag)
                else:
                    s = Screen(port, f"/runner/{live}/events?frames=hall", f"/runner/{live}/screen",
                               watcher.cookies, f'"s{live}-{rev}"')
                s.start()
                screens.append(s)
            for s in screens:
                s.opened.wait(10)
            time.sleep(0.5)
            print(f"\n{sum(s.opened.is_set() for s in screens)} live screens open")
            measure("with screens", SCREENS)
            # Changes from the console: each sets the speaking limit (one change, one revision).
            office = bench.Session(port)
            csrf = office.login("vanphong")
            posted: dict[int, float] = {}
            answered: list[float] = []
            for n in range(CHANGES):
                before = revision(app, live)
                t0 = time.perf_counter()
                status, _ = office.request(
                    "POST", f"/runner/{live}/limit",
                    urllib.parse.urlencode({"minutes": 3 + n % 5, "csrf_token": csrf}),
                    {"Content-Type": "application/x-www-form-urlencoded", "HX-Request": "true",
                     "X-CSRFToken": csrf})
                assert status == 200, status
                answered.append(time.perf_counter() - t0)
                posted[before + 1] = t0
                time.sleep(0.3)
            time.sleep(1)
            heard = [s.heard[r] - t0 for s in screens for r, t0 in posted.items() if r in s.heard]
            shown = [s.shown[r] - t0 for s in screens for r, t0 in posted.items() if r in s.shown]
            missed = sum(1 for s in screens for r in posted if r not in s.heard)
            p50, p95 = percentiles(heard)
            f50, f95 = percentiles(shown)
            print(f"\npush latency, {len(screens)} screens x {CHANGES} changes "
                  f"(from the console's POST):")
            print(f"  event reaches a screen   p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                  f"({len(heard)} events, {missed} missed)")
            print(f"  screen shows the change  p50 {f50:6.1f} ms  p95 {f95:6.1f} ms  "
                  f"({len(shown)} frames)")
            # from the change itself: its timeline entry's time (set by the command, a moment
            # before the commit) to the frame reaching each screen
            with app.app_context():
                from portal.extensions import db
                from portal.runner.models import TimelineEntry

                made = [at.timestamp() for at in db.session.scalars(
                    db.select(TimelineEntry.at).where(TimelineEntry.session_id == live,
                                                      TimelineEntry.action == "limit")
                    .order_by(TimelineEntry.id))][-CHANGES:]
            by_revision = dict(zip(sorted(posted), made))
            since = [s.wall[r] - at for s in screens for r, at in by_revision.items()
                     if r in s.wall]
            c50, c95 = percentiles(since)
            print(f"  screen shows it, from the change itself (its command's time) "
                  f"p50 {c50:6.1f} ms  p95 {c95:6.1f} ms")
            a50, a95 = percentiles(answered)
            print(f"  (the console's own answer to the POST: p50 {a50:6.1f} ms  p95 {a95:6.1f} ms)")
            results["push"] = {"event_p50_ms": p50, "event_p95_ms": p95, "frame_p50_ms": f50,
                               "frame_p95_ms": f95, "events": len(heard), "missed": missed,
                               "change_p50_ms": c50, "change_p95_ms": c95}
            out = ROOT / "bench-results"
            out.mkdir(exist_ok=True)
            (out / "live.json").write_text(json.dumps(results, indent=2))
    finally:
        for s in screens:
            s.close()
        with app.app_context():
            from portal.extensions import db

            db.session.remove()
            db.engine.dispose()


def worker_class() -> str:
    try:
        conf: dict = {}
        exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 - our own file
        return f"{conf.get('worker_class', 'sync')}, {conf.get('threads', 1)} threads"
    except OSError:
        return "sync"


if __name__ == "__main__":
    main()
