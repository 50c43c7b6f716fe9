"""A screen's unchanged poll, answered without asking the database who is polling.

A hall screen or a console polls every second as the fallback of its event stream, with the
ETag of the frame it shows (If-None-Match). A 304 tells it only that nothing changed since
that frame, which it was allowed to see: so an unchanged poll may rest on the last full
check of the same login session for the same page, made at most TRUST_SECONDS ago by a
request that did check it in full (the account, the login session's lifetime and idle
clock, the role). Any answer with content checks the login in full, as every other request.

So, after a logout, a disabled account or a changed role, a screen that already shows a
frame keeps hearing «nothing changed» for at most TRUST_SECONDS (it learns nothing new),
then its next poll is checked in full and refused. Each process keeps its own record (a
poll that reaches another host or worker is checked there in full, once).

A view takes part with `@unchanged_poll(etag_of)`: `etag_of(**view_args)` is its current
ETag without a query (the live revision the listener heard), or None when it cannot tell
(the view then runs as usual).
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from flask import Flask, g, make_response, request, session

TRUST_SECONDS = 10.0
MAX_ENTRIES = 10_000  # login sessions × pages watched, per process

_checked: OrderedDict = OrderedDict()  # (login, endpoint, args) -> when checked in full
_lock = threading.Lock()


def unchanged_poll(etag_of: Callable[..., str | None]):
    """Mark a view whose unchanged poll is answered from a recent full check (above)."""

    def decorator(view):
        view.unchanged_poll = etag_of
        return view

    return decorator


def _key():
    login = session.get("_user_id")
    if not login or request.method != "GET":
        return None
    return login, request.endpoint, tuple(sorted((request.view_args or {}).items()))


def _etag_of(app: Flask):
    view = app.view_functions.get(request.endpoint or "")
    return getattr(view, "unchanged_poll", None)


def _answer_unchanged(app: Flask):
    """Before anything else of the request (the login included): a 304 for an unchanged
    poll of a login checked in full within TRUST_SECONDS, else nothing (the request runs)."""
    sent = request.headers.get("If-None-Match")
    etag_of = _etag_of(app) if sent else None
    if etag_of is None:
        return None
    key = _key()
    if key is None:
        return None
    with _lock:
        checked = _checked.get(key)
    if checked is None or time.monotonic() - checked > app.config.get(
            "POLL_TRUST_SECONDS", TRUST_SECONDS):
        return None
    if etag_of(**request.view_args) != sent:
        return None
    g.unchanged_poll = True
    response = make_response("", 304)
    response.headers["Cache-Control"] = "no-store"
    return response


def _note_full_check(app: Flask, response):
    """After a request of such a view that checked its login in full and was let through
    (200 or 304), remember when."""
    if (response.status_code in (200, 304) and not g.get("unchanged_poll")
            and _etag_of(app) is not None):
        user = g.get("_login_user")  # loaded by this request: checked in full
        key = _key()
        if key is not None and user is not None and user.is_authenticated:
            with _lock:
                _checked[key] = time.monotonic()
                _checked.move_to_end(key)
                while len(_checked) > MAX_ENTRIES:
                    _checked.popitem(last=False)
    return response


def forget() -> None:
    """Forget every full check (a logout, the tests)."""
    with _lock:
        _checked.clear()


def forget_login(login: str | None) -> None:
    """Forget the full checks of one login session (its logout, on this process)."""
    if not login:
        return
    with _lock:
        for key in [k for k in _checked if k[0] == login]:
            del _checked[key]


def install(app: Flask) -> None:
    """Answer unchanged polls first, before the login and every other hook."""
    app.before_request_funcs.setdefault(None, []).insert(0, lambda: _answer_unchanged(app))
    app.after_request(lambda response: _note_full_check(app, response))
