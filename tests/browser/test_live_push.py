"""The live push in Debian's Chromium (issue 14): the hall screen follows the console over its
event stream (htmx's SSE extension) with every poll refused, and by polling alone when the
stream is refused (a proxy that buffers it, a stream that fails). The CSP stays strict
(connect-src 'self'): the browser reports no violation.

The meeting is moved through the app's own routes (a logged-in test client), as the console
posts them; what the test checks is what the browser shows.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .steps import login
from .test_hall_screen import _Office
from .test_runner_live import fresh_session

pytestmark = pytest.mark.browser

LIVE_MS = 4_000


def _hall(browser: Browser, live_server, session_id: int, refuse: str):
    """A logged-in hall screen whose polls (refuse="polls") or stream (refuse="stream") the
    network refuses; returns (context, page, refused requests, CSP violations)."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="vi-VN")
    refused: list[str] = []

    def gate(route):
        request = route.request
        is_poll = request.headers.get("hx-request") == "true" and "/screen" in request.url
        is_stream = "/events" in request.url
        if (refuse == "polls" and is_poll) or (refuse == "stream" and is_stream):
            refused.append(request.url)
            route.abort()
        else:
            route.continue_()

    context.route(f"{live_server}/runner/**", gate)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    login(page, live_server, "theodoi")
    page.goto(f"{live_server}/runner/{session_id}/screen")
    expect(page.locator(".hall-stage-now")).to_have_text("Buổi đối thoại sắp bắt đầu")
    return context, page, refused, violations


def test_the_hall_screen_follows_the_console_over_the_stream(browser: Browser, live_server,
                                                             live_app):
    session_id = fresh_session(live_app)
    context, hall, refused, violations = _hall(browser, live_server, session_id, "polls")
    try:
        # the stream is open and heard from (its first event) before the meeting moves
        hall.wait_for_function("() => !!document.body._liveAt")
        office = _Office(live_app)
        office.post(f"/runner/{session_id}/start")
        expect(hall.locator(".hall-stages li.current")).to_have_text("Khai mạc", timeout=LIVE_MS)
        office.post(f"/runner/{session_id}/advance")
        expect(hall.locator(".hall-stages li.current")).to_have_text("Chủ trì thông báo",
                                                                     timeout=LIVE_MS)
        # the frame came on the stream: the screen asked for none (any poll was refused)
        assert all("/events" not in url for url in refused)
        assert hall.evaluate("() => document.querySelectorAll('#screen').length") == 1
        assert not violations, violations
    finally:
        context.close()


def test_the_hall_screen_polls_when_the_stream_is_refused(browser: Browser, live_server,
                                                          live_app):
    session_id = fresh_session(live_app)
    context, hall, refused, violations = _hall(browser, live_server, session_id, "stream")
    try:
        office = _Office(live_app)
        office.post(f"/runner/{session_id}/start")
        expect(hall.locator(".hall-stages li.current")).to_have_text("Khai mạc", timeout=LIVE_MS)
        assert any("/events" in url for url in refused)  # it did try the stream
        assert not violations, violations
    finally:
        context.close()
