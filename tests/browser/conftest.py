"""Fixtures of the real-browser tests: a live server on a fresh database, Debian's Chromium.

Playwright's own browser download does not work here, so the tests always drive
/usr/bin/chromium. Without it they skip on a workstation and fail on CI (env CI set),
so a CI image that lost its browser cannot pass silently.
"""
from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 15_000  # generous: a loaded CI machine renders slowly, and we never sleep


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is a browser test, whether or not its module says so."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item, so `page` knows whether the test failed."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


# --------------------------------------------------------------------------- the server


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a fresh SQLite file, schema from the Alembic migrations, demo data loaded."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.demo import seed_demo
    from portal.extensions import db

    base = tmp_path_factory.mktemp("browser")
    instance = base / "instance"
    instance.mkdir()
    saved = os.environ.get("PORTAL_INSTANCE_PATH")
    os.environ["PORTAL_INSTANCE_PATH"] = str(instance)  # read by create_app, before anything
    try:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'b.sqlite3'}",
            "SECRET_KEY": "browser-test",
            "ARGON2_TIME_COST": 1,
            "ARGON2_MEMORY_COST": 1024,
        })
    finally:
        if saved is None:
            os.environ.pop("PORTAL_INSTANCE_PATH", None)
        else:
            os.environ["PORTAL_INSTANCE_PATH"] = saved
    with app.app_context():
        upgrade()
        assert seed_demo(), "the demo data was already there: the database is not fresh"
    yield app
    with app.app_context():
        db.engine.dispose()


def _static_read_whole(app):
    """werkzeug's development server leaves a static file open when the browser drops the
    connection during its answer (its clean-up reads the dead socket before it closes the
    file); the open file is then reported, as a ResourceWarning, in whichever test runs
    next. A static file is read whole and closed here, before the server sends it."""
    def wsgi(environ, start_response):
        body = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return body
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()
    return wsgi


@pytest.fixture(scope="session")
def live_server(live_app):
    """Serve the app on a free port in a daemon thread; yields the base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, _static_read_whole(live_app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --------------------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless; skip (or fail on CI) when it is not installed."""
    if not os.path.exists(CHROMIUM):
        message = (f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
                   f"(`make chromium`, or apt-get install chromium).")
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser, request):
    """A fresh context and page (1366×768, vi-VN, Asia/Ho_Chi_Minh); a screenshot on failure."""
    context = browser.new_context(
        viewport={"width": 1366, "height": 768},
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        accept_downloads=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    try:
        yield tab
    finally:
        failed = any(
            getattr(request.node, f"rep_{when}", None) is not None
            and getattr(request.node, f"rep_{when}").failed
            for when in ("setup", "call")
        )
        if failed and not tab.is_closed():
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            try:
                tab.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
            except Exception as exc:  # a dead page must not hide the test's own failure
                print(f"screenshot failed: {exc}")
        context.close()
