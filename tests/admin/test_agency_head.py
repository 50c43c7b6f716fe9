"""Issue 12: the agency head's contact, set on the admin's agency page, for escalations."""
from __future__ import annotations


def _agency(app, agency_id):
    from portal.admin.models import Agency
    from portal.extensions import db

    with app.app_context():
        agency = db.session.get(Agency, agency_id)
        return agency.head_name, agency.head_title, agency.head_email, agency.version


def test_admin_sets_the_head_of_an_agency(app, login, data):
    c = login("admin")
    page = c.get("/admin/agencies").get_data(as_text=True)
    assert "Thủ trưởng cơ quan" in page and f'name="h{data["agency"]}-head_email"' in page
    version = _agency(app, data["agency"])[3]
    prefix = f"h{data['agency']}-"
    response = c.post(f"/admin/agencies/{data['agency']}/head", {
        prefix + "head_name": " Nguyễn  Văn Hùng ", prefix + "head_title": "Giám đốc",
        prefix + "head_email": "giamdoc@stnmt.gov.vn", prefix + "version": str(version)})
    assert response.status_code == 303
    assert _agency(app, data["agency"])[:3] == ("Nguyễn Văn Hùng", "Giám đốc",
                                                "giamdoc@stnmt.gov.vn")
    assert "Giám đốc Nguyễn Văn Hùng" in c.get("/admin/agencies").get_data(as_text=True)


def test_a_bad_email_is_refused_at_its_field_and_a_stale_form_is_409(app, login, data):
    c = login("admin")
    prefix = f"h{data['agency']}-"
    version = _agency(app, data["agency"])[3]
    response = c.post(f"/admin/agencies/{data['agency']}/head", {
        prefix + "head_name": "Nguyễn Văn Hùng", prefix + "head_email": "not-an-address",
        prefix + "version": str(version)}, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Địa chỉ thư điện tử không hợp lệ." in body and 'value="not-an-address"' in body
    response = c.post(f"/admin/agencies/{data['agency']}/head", {
        prefix + "head_name": "Trần B", prefix + "version": str(version - 1)}, htmx=True)
    assert response.status_code == 409
    assert _agency(app, data["agency"])[0] == ""


def test_only_admins_set_heads_and_a_new_agency_takes_its_head(app, login, data):
    from portal.admin.models import Agency
    from portal.extensions import db
    from sqlalchemy import select

    for role in ("office", "officer", "observer", "chair"):
        assert login(role).post(f"/admin/agencies/{data['agency']}/head", {},
                                htmx=True).status_code == 403
    assert login("admin").post("/admin/agencies/999999/head", {}).status_code == 404
    response = login("admin").post("/admin/agencies", {
        "name": "Sở Y tế", "short_name": "SYT", "kind": "department",
        "head_name": "Lê Văn C", "head_title": "Giám đốc", "head_email": "gd@syt.gov.vn"})
    assert response.status_code == 303
    with app.app_context():
        agency = db.session.scalar(select(Agency).where(Agency.short_name == "SYT"))
        assert (agency.head_name, agency.head_email) == ("Lê Văn C", "gd@syt.gov.vn")
