import pytest

from support import PASSWORD, csrf_from


def test_login_page_is_vietnamese(client):
    page = client.get("/login").get_data(as_text=True)
    assert "Tên đăng nhập" in page and "Mật khẩu" in page


@pytest.mark.parametrize("role, home", [
    ("office", "/calendar/"), ("chair", "/calendar/"), ("observer", "/calendar/"),
    ("officer", "/tracker/"), ("admin", "/admin/users"),
])
def test_login_redirects_home_by_role(login, role, home):
    c = login(role)
    assert c.get("/").headers["Location"].endswith(home)


def test_wrong_password_gives_field_error_and_keeps_username(client, data):
    token = csrf_from(client.get("/login"))
    response = client.http.post("/login", data={"username": "office", "password": "sai",
                                                 "csrf_token": token})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in page
    assert 'value="office"' in page
    assert client.get("/calendar/").status_code == 302  # still not logged in


def test_login_without_csrf_is_refused(client, data):
    response = client.http.post("/login", data={"username": "office", "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/calendar/").status_code == 302


def test_open_redirect_is_ignored(client, data):
    token = csrf_from(client.get("/login"))
    response = client.http.post("/login?next=https://evil.example/", data={
        "username": "office", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/calendar/")


def test_logout_requires_post_with_csrf(login):
    c = login("office")
    assert c.post("/logout", csrf=False).status_code == 400
    assert c.get("/calendar/").status_code == 200
    assert c.post("/logout").status_code == 303
    assert c.get("/calendar/").status_code == 302


def test_password_is_hashed_with_argon2(app, data):
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        user = db.session.get(User, data["users"]["office"])
        assert user.password_hash.startswith("$argon2id$")
        assert PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD) and not user.check_password("x")


def test_inactive_account_cannot_log_in(app, client, data):
    from portal.auth.models import User
    from portal.extensions import db

    with app.app_context():
        db.session.get(User, data["users"]["office"]).is_active_account = False
        db.session.commit()
    assert client.login("office").status_code == 200


def test_language_switch_to_english(login):
    c = login("office")
    c.post("/language/en", data={"next": "/calendar/"})
    page = c.get("/calendar/").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert "Contact and dialogue calendar" in page and "Lịch tiếp xúc, đối thoại" not in page
    c.post("/language/vi", data={"next": "/calendar/"})
    assert '<html lang="vi">' in c.get("/calendar/").get_data(as_text=True)


def test_repeated_wrong_passwords_lock_the_login_for_a_while(app, client, data):
    app.config["LOGIN_MAX_FAILURES"] = 3
    try:
        for _ in range(3):
            assert client.login("office", "sai-mat-khau").status_code == 200
        locked = client.login("office")  # even the right password is refused for now
        assert locked.status_code == 429
        assert "Đăng nhập sai quá nhiều lần" in locked.get_data(as_text=True)
        assert client.get("/calendar/").status_code == 302
    finally:
        app.config["LOGIN_MAX_FAILURES"] = 10


def _events(app, action):
    from sqlalchemy import select

    from portal.audit.models import AuditEvent
    from portal.extensions import db

    with app.app_context():
        return [(e.user_id, e.entity_id) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))]


def test_login_logout_and_failures_are_audited(app, client, data):
    office = data["users"]["office"]
    assert client.login("office", "sai-mat-khau").status_code == 200
    assert _events(app, "login_failed") == [(None, "office")]
    assert client.login("office").status_code == 303
    assert _events(app, "login") == [(office, str(office))]  # the user is the actor
    assert client.post("/logout").status_code == 303
    assert _events(app, "logout") == [(office, str(office))]
    assert client.get("/calendar/").status_code == 302


def test_logout_is_a_declared_change_for_every_role(app, login):
    from portal.access import POLICY
    from portal.auth.models import Role

    view = app.view_functions["auth.logout"]
    assert view.is_change and POLICY[view.policy_action] == frozenset(Role)
    assert login("anonymous").post("/logout").status_code == 302  # to the login page
    for role in ("office", "chair", "officer", "observer", "admin"):
        assert login(role).post("/logout").status_code == 303, role
