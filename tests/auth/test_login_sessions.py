"""Sessions that end: logout, a password change, a disabled account, the lifetime and the
idle time end a login on the server, so a copied cookie stops working."""
from __future__ import annotations

import statistics
import time
from datetime import timedelta

import pytest
from support import PASSWORD, Client, csrf_from


def _copy(app, client: Client) -> Client:
    """Another browser holding a copy of `client`'s cookies (a stolen or shared cookie)."""
    thief = Client(app.test_client())
    for cookie in client.http._cookies.values():
        thief.http.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    thief.token = client.token
    return thief


def _in(client: Client) -> bool:
    response = client.get("/tracker/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


def _age(app, data, role: str, **changes) -> None:
    from sqlalchemy import update

    from portal.auth.models import LoginSession
    from portal.extensions import db

    with app.app_context():
        db.session.execute(update(LoginSession).where(
            LoginSession.user_id == data["users"][role]).values(**changes))
        db.session.commit()


def test_a_cookie_copied_before_logout_is_dead_after_it(app, login):
    office = login("office")
    copy = _copy(app, office)
    assert _in(copy)
    assert office.post("/logout").status_code == 303
    assert not _in(copy)
    assert not _in(office)


def test_logout_ends_only_that_login(app, login):
    laptop, phone = login("office"), login("office")
    laptop.post("/logout")
    assert _in(phone)


def test_a_password_change_ends_every_other_session(app, login, data):
    laptop, phone = login("officer"), login("officer")
    new = "Hoa sen nở giữa đầm 2026!"
    response = laptop.post("/account/password", {"current_password": PASSWORD,
                                                 "new_password": new, "confirm": new})
    assert response.status_code == 303
    assert _in(laptop)  # this browser got a fresh session
    assert not _in(phone)
    fresh = Client(app.test_client())
    assert fresh.login("officer", new).status_code == 303


@pytest.mark.parametrize("new, message", [
    ("ngan", "ít nhất 10 ký tự"),
    ("password123", "quá phổ biến"),
    ("1234567890", "quá phổ biến"),
])
def test_a_weak_new_password_is_refused_at_its_field(login, new, message):
    office = login("office")
    response = office.post("/account/password", {"current_password": PASSWORD,
                                                 "new_password": new, "confirm": new})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body and 'id="new_password-error"' in body
    assert _in(office)


def test_the_current_password_is_checked(login):
    response = login("office").post("/account/password", {
        "current_password": "sai", "new_password": "Hoa sen nở giữa đầm 2026!",
        "confirm": "Hoa sen nở giữa đầm 2026!"})
    assert response.status_code == 422
    assert "Mật khẩu hiện tại không đúng." in response.get_data(as_text=True)


def test_a_disabled_account_is_logged_out_at_once(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db

    officer = login("officer")
    with app.app_context():
        db.session.get(User, data["users"]["officer"]).is_active_account = False
        db.session.commit()
    assert not _in(officer)


def test_the_absolute_lifetime_ends_a_session(app, login, data):
    from portal.types import utcnow

    office = login("office")
    _age(app, data, "office", created_at=utcnow() - timedelta(hours=13))
    assert not _in(office)


def test_idle_time_ends_a_session_and_polling_does_not_count(app, login, data):
    from portal.types import utcnow

    office = login("office")
    _age(app, data, "office", last_seen_at=utcnow() - timedelta(minutes=30))
    # A screen's poll (If-None-Match) does not keep the login alive …
    office.get(f"/runner/{data['session']}", headers={"If-None-Match": '"x"'})
    _age(app, data, "office", last_seen_at=utcnow() - timedelta(minutes=61))
    assert not _in(office)


def test_activity_refreshes_the_idle_clock(app, login, data):
    from portal.auth.models import LoginSession
    from portal.extensions import db
    from portal.types import utcnow

    office = login("office")
    _age(app, data, "office", last_seen_at=utcnow() - timedelta(minutes=50))
    assert _in(office)  # a real page view …
    with app.app_context():
        seen = db.session.scalar(db.select(LoginSession.last_seen_at).where(
            LoginSession.user_id == data["users"]["office"]))
    assert utcnow() - seen < timedelta(minutes=1)  # … restarts the idle clock


def test_an_administrator_requires_a_password_change(app, login, data):
    officer = login("officer")
    admin = login("admin")
    response = admin.post(f"/accounts/{data['users']['officer']}/require-password-change")
    assert response.status_code == 303
    assert not _in(officer)  # its sessions ended
    again = Client(app.test_client())
    again.login("officer")
    response = again.get("/tracker/")
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/password")
    new = "Hoa sen nở giữa đầm 2026!"
    assert again.post("/account/password", {"current_password": PASSWORD, "new_password": new,
                                             "confirm": new}).status_code == 303
    assert again.get("/tracker/").status_code == 200


def test_only_administrators_require_a_password_change(login, data):
    for role in ("office", "chair", "officer", "observer"):
        response = login(role).post(
            f"/accounts/{data['users']['officer']}/require-password-change")
        assert response.status_code == 403


def test_known_and_unknown_names_cost_the_same(app, data):
    """A wrong password for an existing account and any password for an unknown name take
    the same time (median of 20 tries each within 20 %): the timing tells nothing."""
    from portal.auth.models import User
    from portal.extensions import db

    saved = app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"]
    app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"] = 2, 32768
    try:
        with app.app_context():
            db.session.get(User, data["users"]["office"]).set_password(PASSWORD)
            db.session.commit()
        client = Client(app.test_client())
        token = csrf_from(client.http.get("/login"))

        def attempt(name: str) -> float:
            start = time.perf_counter()
            client.http.post("/login", data={"username": name, "password": "sai-mat-khau",
                                             "csrf_token": token})
            return time.perf_counter() - start

        known, unknown = [], []
        for _ in range(20):
            known.append(attempt("office"))
            unknown.append(attempt("khong-co-ai"))
        ratio = statistics.median(known) / statistics.median(unknown)
        assert 0.8 <= ratio <= 1.25, ratio
    finally:
        app.config["ARGON2_TIME_COST"], app.config["ARGON2_MEMORY_COST"] = saved
