"""Administration of agencies and accounts."""
from sqlalchemy import func, select


def _count(app, model):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_add_agency(app, login, data):
    from portal.admin.models import Agency

    c = login("admin")
    response = c.post("/admin/agencies", data={"name": "Sở Công Thương", "short_name": "SCT",
                                               "kind": "department"})
    assert response.status_code == 303
    assert "Sở Công Thương" in c.get("/admin/agencies").get_data(as_text=True)
    assert _count(app, Agency) == 3


def test_duplicate_agency_is_a_field_error(app, login, data):
    from portal.admin.models import Agency

    response = login("admin").post("/admin/agencies", htmx=True, data={
        "name": "sở xây dựng", "short_name": "SXD", "kind": "department"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Đã có cơ quan mang tên này." in body and "Tên viết tắt này đã được dùng." in body
    assert 'value="sở xây dựng"' in body
    assert _count(app, Agency) == 2


def test_create_officer_account_needs_an_agency(app, login, data):
    from portal.auth.models import User

    c = login("admin")
    form = {"username": "can-bo-gtvt", "full_name": "Vũ Văn Giao", "role": "officer",
            "agency_id": "0", "password": "mat-khau-du-dai"}
    response = c.post("/admin/users", data=form, htmx=True)
    assert response.status_code == 422
    assert "Cán bộ cơ quan phải thuộc đúng một cơ quan." in response.get_data(as_text=True)
    before = _count(app, User)
    form["agency_id"] = str(data["agency"])
    assert c.post("/admin/users", data=form).status_code == 303
    assert _count(app, User) == before + 1
    new = login("anonymous")
    assert new.login("can-bo-gtvt", "mat-khau-du-dai").headers["Location"].endswith("/tracker/")


def test_weak_password_and_bad_username(app, login, data):
    response = login("admin").post("/admin/users", htmx=True, data={
        "username": "Tên Có Dấu", "full_name": "X", "role": "observer", "agency_id": "0",
        "password": "ngan"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Mật khẩu cần từ 10 ký tự." in body
    assert "Chỉ dùng chữ thường không dấu" in body


def test_account_email_is_kept_and_checked(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker.reminders import agency_addresses

    c = login("admin")
    bad = c.post("/admin/users", htmx=True, data={
        "username": "can-bo-tn", "full_name": "Cán bộ", "email": "khong-phai-thu",
        "role": "officer", "agency_id": str(data["agency"]), "password": "mat-khau-du-dai"})
    assert bad.status_code == 422
    assert "Địa chỉ thư điện tử không hợp lệ." in bad.get_data(as_text=True)
    ok = c.post("/admin/users", data={
        "username": "can-bo-tn", "full_name": "Cán bộ", "email": "canbo.tn@stnmt.gov.vn",
        "role": "officer", "agency_id": str(data["agency"]), "password": "mat-khau-du-dai"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(User.email).where(User.username == "can-bo-tn")) \
            == "canbo.tn@stnmt.gov.vn"
        # Reminders for the agency go to that address.
        assert "canbo.tn@stnmt.gov.vn" in agency_addresses([data["agency"]])[data["agency"]]
