"""Administration through the one change path: a resent creating form creates once, a
field's forms carry its version (a stale rename or switch is 409 and saves nothing), and
every route × every role follows the policy."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from support import OK, check_access

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
KEY = "khoa-mot-lan-cua-bieu-mau-01"


def _count(app, model, *where) -> int:
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _field(app, field_id):
    from portal.admin.models import Field
    from portal.extensions import db

    with app.app_context():
        row = db.session.get(Field, field_id)
        return row.name, row.is_active, row.version


# --------------------------------------------------------------------------- resent forms


@pytest.mark.parametrize("url, form, model", [
    ("/admin/agencies", {"name": "Sở Công Thương", "short_name": "SCT", "kind": "department"},
     "Agency"),
    ("/admin/users", {"username": "can-bo-ct", "full_name": "Vũ Thị Công", "role": "observer",
                      "agency_id": "0", "password": "mat-khau-du-dai"}, "User"),
    ("/admin/fields", {"name": "Giao thông"}, "Field"),
])
def test_the_same_creating_form_twice_creates_once(app, login, data, url, form, model):
    """A double click, or a resend after a lost answer: the second answers like the first."""
    from portal.admin.models import Agency, Field
    from portal.auth.models import User

    model = {"Agency": Agency, "User": User, "Field": Field}[model]
    before = _count(app, model)
    c = login("admin")
    first = c.post(url, {**form, "client_key": KEY})
    second = c.post(url, {**form, "client_key": KEY})
    assert first.status_code == 303, first.get_data(as_text=True)
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert _count(app, model) == before + 1
    # Without the key (another form), the same values are refused as a duplicate (422).
    assert c.post(url, {**form, "client_key": KEY + "-b"}, htmx=True).status_code == 422


def test_creating_forms_carry_a_client_key(login, data):
    c = login("admin")
    for url in ("/admin/agencies", "/admin/users", "/admin/fields"):
        assert re.search(r'name="client_key" type="hidden" value="[0-9a-f]{32}"',
                         c.get(url).get_data(as_text=True)), url


# --------------------------------------------------------------------------- versions


def _shown_version(page_html: str, field_id: int) -> str:
    found = re.search(rf'name="f{field_id}-version" type="hidden" value="(\d+)"', page_html)
    assert found, "the rename form carries no version"
    return found.group(1)


def test_a_stale_rename_is_409_with_both_names(app, login, data):
    fid = data["fields"][1]
    mine, other = login("office"), login("admin")
    started = _shown_version(mine.get("/admin/fields").get_data(as_text=True), fid)
    assert other.post(f"/admin/fields/{fid}/rename", {
        f"f{fid}-name": "Tài nguyên và môi trường", f"f{fid}-version": started},
        htmx=True).status_code == 200
    stale = mine.post(f"/admin/fields/{fid}/rename", {
        f"f{fid}-name": "Môi trường sống", f"f{fid}-version": started}, htmx=True)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    diff = body[body.index('class="stale-diff"'):body.index("</table>")]
    assert "Tài nguyên và môi trường" in diff and "Môi trường sống" in diff
    assert 'value="Môi trường sống"' in body  # the typed name stays in its row
    assert _field(app, fid)[0] == "Tài nguyên và môi trường"
    # The row now carries the current version: renaming again, having seen it, works.
    current = _shown_version(body, fid)
    assert int(current) == int(started) + 1
    assert mine.post(f"/admin/fields/{fid}/rename", {
        f"f{fid}-name": "Môi trường sống", f"f{fid}-version": current},
        htmx=True).status_code == 200
    assert _field(app, fid)[0] == "Môi trường sống"


def test_a_second_click_on_a_stale_switch_does_not_switch_back(app, login, data):
    """«Ngừng dùng» pressed twice from the same page: the second is refused (409), so the
    field is not offered again behind the user's back."""
    fid = data["fields"][2]
    c = login("office")
    started = str(_field(app, fid)[2])
    assert c.post(f"/admin/fields/{fid}/toggle", {"version": started},
                  htmx=True).status_code == 200
    again = c.post(f"/admin/fields/{fid}/toggle", {"version": started}, htmx=True)
    assert again.status_code == 409
    assert "Nội dung vừa được người khác thay đổi" in again.get_data(as_text=True)
    assert _field(app, fid)[1] is False


# --------------------------------------------------------------------------- who may do what

ADMINS = dict(admin=OK)
EDITORS = dict(office=OK, admin=OK)
TABLE = [
    ("GET", "/admin/agencies", ADMINS),
    ("POST", "/admin/agencies", ADMINS),
    ("GET", "/admin/users", ADMINS),
    ("POST", "/admin/users", ADMINS),
    ("GET", "/admin/fields", EDITORS),
    ("POST", "/admin/fields", EDITORS),
    ("POST", "/admin/fields/{field}/rename", EDITORS),
    ("POST", "/admin/fields/{field}/move", EDITORS),
    ("POST", "/admin/fields/{field}/toggle", EDITORS),
]


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(app, login, data, method, url, allowed):
    from portal.access import POLICY

    target = url.format(field=data["fields"][0])
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(target, method=method)
    action = app.view_functions[endpoint].policy_action
    # The table is the policy: the roles let in are exactly the action's.
    assert {r for r, v in allowed.items() if v == OK} == {r.value for r in POLICY[action]}
    for role in ROLES:
        check_access(login(role), method, target, role, allowed)
