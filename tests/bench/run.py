"""`make bench`: key pages beside /healthz under gunicorn on PostgreSQL, with a large data set.

Prints requests per second, p50/p95 latency, and the SQL queries each page issues (counted
in-process on the same database). Nothing is asserted: the figures go in the issue notes.

The sizes are measured in alternation, not one after the other: every size has its own
database and its own gunicorn, and each target runs BENCH_ROUNDS short slices per size,
taking turns (1k, 100k, 100k, 1k, …). A shared machine's slow minute then falls on every
size alike, and the growth factor compares like with like.

  BENCH_DATABASE_URL  PostgreSQL server URL; default local
  BENCH_DB            the prefix of the databases the bench drops and recreates on that
                      server, one per size: bench_1000, bench_100000 (default bench)
  BENCH_SIZES         generated petitions, one database per size, side by side (default
                      1000,100000); BENCH_PETITIONS=N is one size
  BENCH_SECONDS       seconds per target and size (default 5), in BENCH_ROUNDS slices
                      (default 5); BENCH_CONCURRENCY clients (default 4)
  BENCH_TARGETS       only the targets whose names contain one of these comma-separated words
                      (and /healthz beside them), e.g. BENCH_TARGETS=yearly,tracker list;
                      the two-host run is then left out unless BENCH_TWO_HOSTS=1
"""
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, event, select, text

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SERVER = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SIZES = [int(n) for n in (os.environ.get("BENCH_SIZES")
                          or os.environ.get("BENCH_PETITIONS") or "1000,100000").split(",") if n]
PETITIONS = SIZES[-1]
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
os.environ.setdefault("SECRET_KEY", "bench-only-secret")  # required on PostgreSQL
DATABASE = os.environ.get("BENCH_DB", "bench")
ROUNDS = max(1, int(os.environ.get("BENCH_ROUNDS", "5")))
ONLY = [word.strip() for word in os.environ.get("BENCH_TARGETS", "").split(",") if word.strip()]


def wanted(name: str) -> bool:
    """Whether BENCH_TARGETS asks for the target `name` (every one when it is not set)."""
    return not ONLY or name == "/healthz" or any(word in name for word in ONLY)
if not re.fullmatch(r"[a-z_][a-z0-9_]*", DATABASE):
    raise SystemExit("BENCH_DB: a plain lower-case database name")


def database(size: int) -> str:
    return f"{DATABASE}_{size}"


def bench_url(size: int = PETITIONS) -> str:
    """The URL of the database of `size` petitions (by default the largest)."""
    return SERVER.rsplit("/", 1)[0] + "/" + database(size)


def gunicorn() -> str:
    """The gunicorn beside this Python (a worktree may use another checkout's venv)."""
    beside = Path(sys.executable).parent / "gunicorn"
    return str(beside if beside.exists() else ROOT / ".venv/bin/gunicorn")


def recreate_database(size: int) -> None:
    from portal.config import _database_url

    os.environ["DATABASE_URL"] = SERVER
    admin = create_engine(_database_url("/"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {database(size)} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {database(size)}"))
    admin.dispose()
    os.environ["DATABASE_URL"] = bench_url(size)


def load_data(instance: str, petitions: int):
    """Migrate, load the demo, generate petitions; add a live meeting of realistic size."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed_demo, seed_petitions

    os.environ["PORTAL_INSTANCE_PATH"] = instance
    app = create_app()
    with app.app_context():
        upgrade()
        seed_demo()
        started = time.perf_counter()
        seed_petitions(petitions, rng=random.Random(7))
        print(f"generated {petitions} petitions in {time.perf_counter() - started:.1f}s")
        live = live_meeting()
        analyze()
    return app, live


def analyze() -> None:
    """VACUUM ANALYZE after the bulk load, as autovacuum would soon do on a real database:
    without statistics the planner guesses, and the figures would measure its guesses.
    Then a CHECKPOINT: otherwise the first targets at 100k run while PostgreSQL writes the
    bulk load's pages out, and measure that instead of the pages."""
    from portal.extensions import db

    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("CHECKPOINT"))


def middle_cursor(app, petitions: int) -> tuple[str, int]:
    """The keyset link of the page halfway down the tracker (page 500 of ~1000 at 100k):
    the `after` cursor of the row before it and the page number."""
    from portal.extensions import db
    from portal.tracker.models import Assignment

    page = max(2, petitions // 200)
    with app.app_context():
        row = db.session.execute(select(Assignment.deadline, Assignment.id)
                                 .order_by(Assignment.deadline, Assignment.id)
                                 .offset((page - 1) * 50 - 1).limit(1)).one()
        db.session.remove()
    return f"{row.deadline.isoformat()}.{row.id}", page


def live_meeting() -> int:
    """A meeting in floor discussion with 30 petitions, as on a real day."""
    from datetime import time as clock

    from portal.admin.models import Field
    from portal.calendar.models import DialogueSession, SessionKind
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.runner import stages
    from portal.timefmt import local_to_utc, local_today

    meeting = DialogueSession(kind=SessionKind.CITIZEN_RECEPTION, title="Buổi đo hiệu năng",
                              starts_at=local_to_utc(local_today(), clock(8)), venue="Hội trường",
                              host="Phó Chủ tịch")
    db.session.add(meeting)
    db.session.flush()
    stages.start(meeting, None)
    stages.advance(meeting, None)
    stages.advance(meeting, None)
    field_id = db.session.scalar(select(Field.id))
    for i in range(30):
        p = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                     submitter_name=f"Người phát biểu {i}", field_id=field_id,
                     content=f"Ý kiến số {i} về đất đai", channel=Channel.AT_DIALOGUE,
                     raised_at_meeting=True)
        p.refresh_search_text()
        db.session.add(p)
    db.session.commit()
    return meeting.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    """A logged-in keep-alive HTTP client (cookies by hand, no third-party client)."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str) -> None:
        _, page = self.request("GET", "/login")
        token = re.search(rb'name="csrf-token" content="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"username": username, "password": "demo12345",
                                       "csrf_token": token})
        status, _ = self.request("POST", "/login", body,
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, f"login failed: {status}"
        return token


@contextmanager
def serving(env: dict, workers: int = WORKERS, timeout: float = 40):
    """gunicorn (gunicorn.conf.py: gthread) with `env` on a free port, yielded once its
    /healthz answers; stopped at the end of the block (SIGTERM: busy workers finish within
    `timeout`, then SIGKILL)."""
    port = free_port()
    server = subprocess.Popen(
        [gunicorn(), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env, start_new_session=True)
    try:
        for _ in range(100):
            try:
                if Session(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


_clients: dict[tuple[int, str | None], list[tuple[Session, str | None]]] = {}


def clients(port: int, username: str | None) -> list[tuple[Session, str | None]]:
    """`CONCURRENCY` sessions logged in as `username` on `port`, with their CSRF tokens: made
    once and reused by every slice (a login hashes a password; that is not what is measured)."""
    key = (port, username)
    if key not in _clients:
        made = []
        for _ in range(CONCURRENCY):
            s = Session(port)
            made.append((s, s.login(username) if username else None))
        _clients[key] = made
    return _clients[key]


def slice_of(port: int, path: str, headers: dict, username: str | None, seconds: float,
             body_fn=None, before_fn=None) -> tuple[list[float], float, int]:
    """`CONCURRENCY` logged-in clients asking for `path` for `seconds`: the latencies, the
    time it took and the errors. `before_fn()` runs untimed before each request (e.g. a
    change that makes the kept figures stale)."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    window = {}
    # every client warmed before the clock starts (the barrier's action)
    ready = threading.Barrier(CONCURRENCY + 1, action=lambda: window.update(
        deadline=time.perf_counter() + seconds, started=time.perf_counter()))

    def worker(s: Session, token: str | None):
        # A new connection every slice, kept alive through it (as the proxy's upstream
        # keepalive would): gunicorn's workers accept connections as they come, and three or
        # all four clients may land on one worker (one core); kept for a whole run, that
        # would halve one size's figures at random.
        s.conn.close()
        s.request("GET", path, headers=headers)  # warm: the first request is not timed
        ready.wait()
        deadline = window["deadline"]
        mine = []
        while time.perf_counter() < deadline:
            if before_fn is not None:
                before_fn()
            t0 = time.perf_counter()
            if body_fn is None:
                status, _ = s.request("GET", path, headers=headers)
            else:
                status, _ = s.request("POST", path, body_fn(), dict(
                    headers, **{"Content-Type": "application/x-www-form-urlencoded",
                                "X-CSRFToken": token}))
            mine.append(time.perf_counter() - t0)
            if status not in (200, 304):
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=client)
               for client in clients(port, username)]
    for t in threads:
        t.start()
    ready.wait()
    for t in threads:
        t.join()
    return latencies, max(time.perf_counter() - window["started"], 0.001), errors[0]


def summary(latencies: list[float], elapsed: float, errors: int) -> dict:
    latencies = sorted(latencies)
    nan = float("nan")
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else nan,
        "p95_ms": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000 if latencies
        else nan,
        "errors": errors,
    }


def hammer(port: int, path: str, headers: dict, username: str | None,
           body_fn=None, before_fn=None) -> dict:
    """`slice_of` for `SECONDS`, summed up: req/s, p50, p95, errors."""
    return summary(*slice_of(port, path, headers, username, SECONDS, body_fn, before_fn))


def query_counts(app, targets, live: int) -> dict[str, int]:
    """SQL statements per request, counted in-process with the test client, with nothing
    kept by the data revision (a page whose figures are kept issues fewer)."""
    from portal.extensions import db

    counts = {}
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "vanphong", "password": "demo12345",
                                "csrf_token": token})
    revision = current_revision(app, live)
    from portal.revision import forget

    for name, path, headers, _user in targets:
        headers = {k: v.replace("{rev}", str(revision)) for k, v in headers.items()}
        with app.app_context():
            forget()  # count a page that computes its figures (the most it ever issues)
        seen = []
        listener = lambda *a, **k: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        client.get(path, headers=headers)
        event.remove(engine, "before_cursor_execute", listener)
        counts[name] = len(seen)
    return counts


def current_revision(app, session_id: int) -> int:
    from portal.runner.stages import revision

    with app.app_context():
        return revision(session_id)


def first_field(app) -> int:
    from portal.admin.models import Field
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(Field.id))


@dataclass
class Size:
    """One size's database, its gunicorn and its targets: (name, path, headers, user)."""

    petitions: int
    app: object
    live: int
    targets: list
    counts: dict
    env: dict
    port: int = 0


def main() -> None:
    """Every size prepared and served at once, then each target measured in turns across the
    sizes (`taking_turns`); the table side by side: each target's p50 and p95 at every size,
    the growth of the p50 from the smallest to the largest, and req/s against /healthz."""
    sizes = [prepare(n) for n in SIZES]
    with ExitStack() as stack:
        for size in sizes:
            size.port = stack.enter_context(serving(size.env))
        runs = measure(sizes)
    print(f"\nside by side (gunicorn {WORKERS} workers each, PostgreSQL, {CONCURRENCY} clients, "
          f"{SECONDS:.0f}s each in {ROUNDS} turns); command: make bench "
          f"BENCH_SIZES={','.join(map(str, SIZES))}\n")
    first, last = SIZES[0], SIZES[-1]
    head = f"{'target':36}" + "".join(f" {'p50@' + str(n):>10} {'p95@' + str(n):>10}"
                                      for n in SIZES)
    print(head + f" {'growth':>7} {'vs hz@' + str(last):>10} {'queries':>8}")
    base = runs[last]["/healthz"]["rps"]
    for name in runs[last]:
        cells = "".join(f" {runs[n][name]['p50_ms']:10.1f} {runs[n][name]['p95_ms']:10.1f}"
                        for n in SIZES)
        growth = runs[last][name]["p50_ms"] / max(runs[first][name]["p50_ms"], 0.001)
        queries = runs[last][name]["queries"]
        print(f"{name:36}{cells} {growth:7.2f} {runs[last][name]['rps'] / base:10.2f} "
              f"{queries if queries >= 0 else '':>8}")
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    if os.environ.get("BENCH_TWO_HOSTS", "1" if not ONLY else "0") != "0":  # two_hosts.py
        from tests.bench import two_hosts
        runs["two hosts"] = two_hosts.measure(sys.modules[__name__], runs[last])
    (out / "latest.json").write_text(json.dumps({str(k): v for k, v in runs.items()},
                                                indent=2))
    from portal.extensions import db

    for size in sizes:
        with size.app.app_context():
            db.session.remove()
            db.engine.dispose()


def prepare(petitions: int) -> Size:
    """The database of `petitions` generated petitions, its targets and their SQL counts."""
    recreate_database(petitions)
    instance = tempfile.mkdtemp(prefix="bench-instance-")
    app, live = load_data(instance, petitions)
    targets = [target for target in page_targets(app, petitions, live) if wanted(target[0])]
    counts = query_counts(app, targets, live)
    env = dict(os.environ, DATABASE_URL=bench_url(petitions), PORTAL_INSTANCE_PATH=instance)
    return Size(petitions, app, live, targets, counts, env)


def yearly_report(year: int, suffix: str = "") -> str:
    """The path of this year's period report (the page, or ".pdf", ".xlsx")."""
    return f"/reports/period{suffix}?from=01/01/{year}&to=31/12/{year}"


def page_targets(app, petitions: int, live: int) -> list:
    from portal.timefmt import local_today

    month = local_today().strftime("%Y-%m")
    year = local_today().year
    hx = {"HX-Request": "true"}
    cursor, middle = middle_cursor(app, petitions)
    soon = (local_today() + timedelta(days=20)).strftime("%d/%m/%Y")
    return [
        ("/healthz", "/healthz", {}, None),
        ("calendar month", f"/calendar/?month={month}", {}, "vanphong"),
        ("calendar month (htmx fragment)", f"/calendar/?month={month}", hx, "vanphong"),
        ("tracker list, first page", "/tracker/", {}, "vanphong"),
        # halfway down the list: page 5 of ~10 at 1k, page 500 of ~1000 at 100k, by the
        # keyset link "Trang sau" gives; the old ?page=N link (OFFSET) still works, once
        ("tracker deep page (htmx)", f"/tracker/?after={cursor}&n={middle}", hx, "vanphong"),
        ("tracker old ?page=N link (OFFSET)", f"/tracker/?page={middle}", hx, "vanphong"),
        ("tracker jump to a deadline day", f"/tracker/?from={soon}", hx, "vanphong"),
        ("tracker filtered: answered", "/tracker/?status=answered", hx, "vanphong"),
        ("tracker list, agency officer", "/tracker/", {}, "so-tnmt"),
        # the open tab lists 23 rows at 1k and a full page of 50 at 100k; "all" lists 50 at
        # both, so the rows drawn are the same and the difference is the size alone
        ("tracker list, agency officer, tab all", "/tracker/?tab=all", {}, "so-tnmt"),
        ("petition list", "/petitions/", {}, "vanphong"),
        ("petition search 'dat dai' (no marks)", "/petitions/?q=dat+dai", hx, "vanphong"),
        ("dashboard", "/reports/", {}, "vanphong"),
        ("yearly report page", yearly_report(year), {}, "vanphong"),
        ("yearly report PDF", yearly_report(year, ".pdf"), {}, "vanphong"),
        ("yearly report Excel", yearly_report(year, ".xlsx"), {}, "vanphong"),
        ("runner console, 30 petitions", f"/runner/{live}", {}, "chutri"),
        ("runner fragment (htmx)", f"/runner/{live}", hx, "chutri"),
        ("room screen poll, changed (200)", f"/runner/{live}/screen", hx, "theodoi"),
        ("room screen poll, unchanged (304)", f"/runner/{live}/screen",
         dict(hx, **{"If-None-Match": f'"s{live}-{{rev}}"'}), "theodoi"),
    ]


def taking_turns(sizes: list[Size], name: str, one_slice) -> dict[int, dict]:
    """`one_slice(size, seconds)` (a `slice_of`) in ROUNDS slices per size, taking turns and
    reversing the order every round; each size's slices summed up. Printed as one line."""
    got = {size.petitions: ([], 0.0, 0) for size in sizes}
    for turn in range(ROUNDS):
        for size in sizes if turn % 2 == 0 else sizes[::-1]:
            latencies, elapsed, errors = one_slice(size, SECONDS / ROUNDS)
            had = got[size.petitions]
            got[size.petitions] = (had[0] + latencies, had[1] + elapsed, had[2] + errors)
    results = {n: summary(*parts) for n, parts in got.items()}
    print(f"{name:36}" + "".join(
        f" {r['rps']:8.1f} {r['p50_ms']:8.1f} {r['p95_ms']:8.1f} {r['errors']:6d}"
        for r in results.values()))
    return results


def measure(sizes: list[Size]) -> dict[int, dict]:
    """Every target at every size, in turns; {size: {target: figures}}."""
    runs: dict[int, dict] = {size.petitions: {} for size in sizes}
    print(f"\ngunicorn {WORKERS} workers per size, PostgreSQL, {CONCURRENCY} clients, "
          f"{SECONDS:.0f}s per target and size in {ROUNDS} turns\n")
    print(f"{'target':36}" + "".join(f" {'req/s@' + str(s.petitions):>8} {'p50 ms':>8} "
                                     f"{'p95 ms':>8} {'errors':>6}" for s in sizes))

    def record(name: str, results: dict[int, dict], counts: dict[int, int]) -> None:
        for n, r in results.items():
            runs[n][name] = r | {"queries": counts.get(n, -1)}

    revisions = {size.petitions: current_revision(size.app, size.live) for size in sizes}
    for index, (name, *_rest) in enumerate(sizes[0].targets):
        def page(size: Size, seconds: float, index=index):
            _name, path, headers, user = size.targets[index]
            headers = {k: v.replace("{rev}", str(revisions[size.petitions]))
                       for k, v in headers.items()}
            return slice_of(size.port, path, headers, user, seconds)

        record(name, taking_turns(sizes, name, page),
               {size.petitions: size.counts[name] for size in sizes})
    # The same pages right after an agency's answer (an assignment of a random session
    # changed): the kept figures are stale, so each request counts again what changed
    # (that session's part) and reuses the rest.
    from portal.extensions import db
    from portal.timefmt import local_today

    year = local_today().year
    changes = {}
    for size in sizes:
        with size.app.app_context():
            engine = db.engine
            with engine.connect() as conn:
                ids = conn.execute(text("SELECT id FROM assignment")).scalars().all()
        changes[size.petitions] = (engine, ids, random.Random(11))

    def change(size: Size) -> None:
        engine, ids, pick = changes[size.petitions]
        with engine.begin() as conn:
            conn.execute(text("UPDATE assignment SET review_note = review_note "
                              "WHERE id = :id"), {"id": pick.choice(ids)})

    for name, path in [
        ("dashboard, just after an answer", "/reports/"),
        ("yearly report page, after an answer", yearly_report(year)),
        ("tracker list, after an answer", "/tracker/"),
    ]:
        if wanted(name):
            record(name, taking_turns(sizes, name, lambda size, seconds, path=path: slice_of(
                size.port, path, {}, "vanphong", seconds, before_fn=lambda: change(size))), {})
    # Adding a petition from the floor: each POST writes a petition and a timeline entry
    # and answers the re-rendered runner (so the meeting grows during the run).
    name = "add a petition (POST, htmx)"
    if wanted(name):
        counter = iter(range(10**9))
        fields = {size.petitions: first_field(size.app) for size in sizes}

        def add(size: Size, seconds: float):
            body = lambda: urllib.parse.urlencode({  # noqa: E731
                "submitter_name": "Người phát biểu", "submitter_kind": "citizen",
                "locality": "", "field_id": fields[size.petitions], "channel": "at_dialogue",
                "content": f"Ý kiến đo hiệu năng {next(counter)}"})
            return slice_of(size.port, f"/runner/{size.live}/petitions",
                            {"HX-Request": "true"}, "vanphong", seconds, body_fn=body)

        record(name, taking_turns(sizes, name, add), {})
    return runs


if __name__ == "__main__":
    main()
