"""Live push of the meeting day: the screens hear of a change as it commits.

Every runner change bumps the meeting's live revision (`stages.bump`). On PostgreSQL the
same UPDATE sends `NOTIFY runner_live, '<meeting>:<revision>'` (delivered at commit, to every
worker on every host); each worker process keeps one listening connection in a thread and
wakes the event streams (`/runner/<id>/events`, server-sent events) waiting on that
meeting. On SQLite (one process: `make run`, the tests) a commit wakes the streams of its own
process. A stream only says «changed»: the screen then fetches its frame through its own page
(its access check, its role, its language; a cached render per revision), so what a screen
shows never travels on the stream.

The hub also remembers the last revision it heard per meeting while its listener is
connected (`known`), so an unchanged screen's poll can be answered without asking the
database for the revision. A reconnect forgets it all and wakes every stream (its screen
refetches: a 304 if nothing changed), so a notification lost meanwhile costs one refetch.
"""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy import event
from sqlalchemy.orm import Session

CHANNEL = "runner_live"
HEARTBEAT_SECONDS = 15.0  # a ping on an idle stream: the screen knows the stream lives
STREAM_SECONDS = 300.0  # a stream ends after this long; the browser reconnects at once
RECONNECT_SECONDS = 1.0

log = logging.getLogger(__name__)


class Hub:
    """The revisions heard, per meeting, and the streams waiting for the next one."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._revisions: dict[int, int] = {}
        self._generation = 0  # bumped by a (re)connect of the listener and by close()
        self._listening = False
        self._closed = False
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # --- what the streams and the polls ask ------------------------------------------
    def known(self, session_id: int) -> int | None:
        """The meeting's revision as last heard, when the listener makes that reliable."""
        with self._cond:
            return self._revisions.get(session_id) if self._listening else None

    @property
    def generation(self) -> int:
        return self._generation

    def remember(self, session_id: int, revision: int, generation: int) -> None:
        """A revision read from the database after `generation` was taken: kept only if the
        listener was already listening then (so no later change can go unheard), the larger
        one winning (revisions only grow)."""
        with self._cond:
            if (self._listening and generation == self._generation
                    and revision > self._revisions.get(session_id, -1)):
                self._revisions[session_id] = revision

    def wait(self, session_id: int, seen: int, timeout: float) -> int | None:
        """Block until the meeting has a revision other than `seen` (returned), the listener
        reconnected or the hub closed (-1: look again), or `timeout` passed (None)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            generation = self._generation
            while True:
                if self._closed or self._generation != generation:
                    return -1
                revision = self._revisions.get(session_id)
                if revision is not None and (revision > seen if self._listening
                                             else revision != seen):
                    return revision
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    @property
    def closed(self) -> bool:
        return self._closed

    # --- what the changes tell it --------------------------------------------------------
    def publish(self, session_id: int, revision: int, *, exact: bool = False) -> None:
        """A committed revision. Heard from the database, the larger one wins (revisions only
        grow); `exact` (this process's own commit on SQLite) is taken as it is."""
        with self._cond:
            if exact or revision > self._revisions.get(session_id, -1):
                self._revisions[session_id] = revision
            self._cond.notify_all()

    def forget(self) -> None:
        """Forget every revision heard (the tests: each starts its data, and ids, again)."""
        with self._cond:
            self._revisions.clear()

    def close(self) -> None:
        """The worker is stopping: every stream ends (the browsers reconnect elsewhere)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    # --- the PostgreSQL listener ---------------------------------------------------------
    def listen(self, url: str) -> None:
        """Start this process's listening thread (once; again after a fork)."""
        with self._cond:
            if self._thread is not None and self._thread.is_alive() and self._url == url:
                return
            self._url = url
            self._thread = threading.Thread(target=self._run, args=(url,), daemon=True,
                                            name="runner-live-listener")
            self._thread.start()

    def _reset(self, listening: bool) -> None:
        with self._cond:
            self._listening = listening
            self._revisions.clear()
            self._generation += 1
            self._cond.notify_all()

    def _run(self, url: str) -> None:
        import psycopg

        while not self._closed and self._url == url:
            try:
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._reset(True)
                    while not self._closed and self._url == url:
                        for note in conn.notifies(timeout=HEARTBEAT_SECONDS):
                            meeting, _, revision = note.payload.partition(":")
                            if meeting.isdigit() and revision.isdigit():
                                self.publish(int(meeting), int(revision))
            except Exception:  # noqa: BLE001 - the database went away: reconnect
                log.warning("live listener lost its connection; reconnecting", exc_info=True)
            self._reset(False)
            time.sleep(RECONNECT_SECONDS)


hub = Hub()


def libpq_url(sqlalchemy_url) -> str:
    """The SQLAlchemy URL as psycopg takes it (no driver suffix, the password kept)."""
    return sqlalchemy_url.set(drivername="postgresql").render_as_string(hide_password=False)


def enabled(app) -> bool:
    """LIVE_PUSH (default on; off under tests, whose commits are rolled back and never
    notify, unless a test turns it on)."""
    return bool(app.config.get("LIVE_PUSH", not app.testing))


def start(app) -> None:
    """Listen for the meetings' changes in this process (PostgreSQL), lazily: the first
    stream or poll of a worker starts it, so a forked worker has its own."""
    from portal.extensions import db

    if enabled(app) and db.engine.dialect.name == "postgresql":
        hub.listen(libpq_url(db.engine.url))


def revision(app, session_id: int) -> int | None:
    """The meeting's live revision: as heard by the listener when it is listening (no
    query), else read (one indexed query) and remembered. None: no such meeting."""
    from portal.runner import stages

    start(app)
    known = hub.known(session_id) if enabled(app) else None
    if known is not None:
        return known
    generation = hub.generation
    found = stages.revision(session_id)
    if found is not None and enabled(app):
        hub.remember(session_id, found, generation)
    return found


# --- the changes: tell the hub once they are committed -------------------------------------

def bumped(session, session_id: int, revision: int) -> None:
    """`stages.bump` advanced this meeting's revision in `session`'s transaction. On
    PostgreSQL the UPDATE also sent the NOTIFY: the listener hears it at commit, in commit
    order, like every other worker. On SQLite the commit tells this process's hub."""
    if session.get_bind().dialect.name != "postgresql":
        session.info.setdefault("live_bumps", {})[session_id] = revision


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    for session_id, revision in session.info.pop("live_bumps", {}).items():
        hub.publish(session_id, revision, exact=True)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    session.info.pop("live_bumps", None)


# --- rendered frames, per revision ------------------------------------------------------

class Renders:
    """The last rendered frames (an LRU of `size`), keyed by the meeting, its revision, who
    sees it (view, role, agency, language) and the second it was rendered in: the screens
    that refetch after a change, and the polls in between, share one render per second.
    The per-request parts (the CSRF token, each form's client key) are marks in the cached
    text, filled in for each answer."""

    def __init__(self, size: int = 64) -> None:
        from collections import OrderedDict

        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, key):
        with self._lock:
            found = self._items.get(key)
            if found is None or isinstance(found, threading.Event):
                return None  # absent, or being made
            self._items.move_to_end(key)
            return found

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def get_or_make(self, key, make):
        """The cached value, or `make()`'s, made once however many threads ask for it at
        the same moment (the screens that refetch together after a change): the others
        wait for that one render. A failed make is not cached; each waiter makes its own."""
        with self._lock:
            found = self._items.get(key)
            if found is not None and not isinstance(found, threading.Event):
                self._items.move_to_end(key)
                return found
            making = found
            if making is None:
                making = self._items[key] = threading.Event()
                mine = True
            else:
                mine = False
        if not mine:
            making.wait(10)
            found = self.get(key)
            return found if found is not None and not isinstance(found, threading.Event) \
                else make()
        try:
            value = make()
        except BaseException:
            with self._lock:
                self._items.pop(key, None)
            making.set()
            raise
        self.put(key, value)
        making.set()
        return value


renders = Renders()
# The access checks of the streams one change wakes (every screen on one kiosk link, every
# stream of one login): made once per (who, revision) in a process, not once per stream.
checks = Renders(size=256)
