"""Every response carries the security headers; pages never go to a cache."""
from __future__ import annotations

import pytest

PAGES = ["/login", "/calendar/", "/petitions/", "/tracker/", "/healthz", "/nothing-here"]


@pytest.mark.parametrize("url", PAGES)
def test_headers_on_every_response(login, url):
    response = login("office").get(url)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "'unsafe-eval'" not in csp and "frame-ancestors 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in headers  # only behind TLS (next test)


def test_hsts_and_secure_cookie_behind_tls(app, login):
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        response = login("office").get("/calendar/")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        app.config["SESSION_COOKIE_SECURE"] = False


def test_static_files_keep_their_cache(client):
    response = client.get("/static/css/app.css")
    try:
        assert response.status_code == 200
        assert response.headers.get("Cache-Control") != "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
    finally:
        response.close()


def test_pages_configure_htmx_without_eval(login):
    body = login("office").get("/calendar/").get_data(as_text=True)
    assert '"allowEval": false' in body and '"includeIndicatorStyles": false' in body
    assert " onsubmit=" not in body and " onclick=" not in body
