"""Every petition route × every role (a table, as STYLE.md asks), and CSRF on every POST."""
import pytest
from support import OK, check_access

pytest_plugins = ["tests.petitions.petition_fixtures"]

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
READ = dict(office=OK, chair=OK, observer=OK, admin=OK)
EVERYONE = dict(READ, officer=OK, other_officer=OK)

# The petition {mine} is advised by the officer's agency (Sở TN&MT).
TABLE = [
    ("GET", "/petitions/", EVERYONE),
    ("GET", "/petitions/export?format=csv", EVERYONE),
    ("GET", "/petitions/advising", EVERYONE),
    ("GET", "/petitions/summary", READ),
    ("GET", "/petitions/sessions/{session}", READ),
    ("POST", "/petitions/sessions/{session}", dict(office=OK)),
    ("GET", "/petitions/sessions/{session}/summary", READ),
    ("GET", "/petitions/sessions/{session}/export?format=xlsx", READ),
    ("GET", "/petitions/sessions/{session}/import", dict(office=OK)),
    ("POST", "/petitions/sessions/{session}/import", dict(office=OK)),
    ("GET", "/petitions/import-template.xlsx", dict(office=OK)),
    ("GET", "/petitions/{mine}", dict(EVERYONE, other_officer=404)),
    ("GET", "/petitions/{mine}/row", READ),
    ("GET", "/petitions/{mine}/edit", dict(office=OK)),
    ("POST", "/petitions/{mine}/edit", dict(office=OK)),
    ("GET", "/petitions/{mine}/advising", dict(office=OK)),
    ("POST", "/petitions/{mine}/advising", dict(office=OK)),
    ("GET", "/petitions/{mine}/prepare", dict(officer=OK, other_officer=404)),
    ("POST", "/petitions/{mine}/prepare", dict(officer=OK, other_officer=404)),
    ("POST", "/petitions/{spare}/delete", dict(office=OK)),
    ("GET", "/admin/fields", dict(office=OK, admin=OK)),
    ("POST", "/admin/fields", dict(office=OK, admin=OK)),
    ("POST", "/admin/fields/{field}/rename", dict(office=OK, admin=OK)),
    ("POST", "/admin/fields/{field}/move", dict(office=OK, admin=OK)),
    ("POST", "/admin/fields/{field}/toggle", dict(office=OK, admin=OK)),
]


@pytest.fixture
def ids(data, make_petition):
    return {"session": data["session"], "field": data["fields"][0],
            "mine": make_petition(advising_agency_id=data["agency"], advising_deadline=data["day"]),
            "spare": make_petition()}


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_route_permissions(app, login, ids, make_petition, method, url, allowed):
    for role in ROLES:
        if "{spare}" in url:
            ids["spare"] = make_petition()  # a delete that succeeds consumes it
        target = url.format(**ids)
        c = login(role)
        check_access(c, method, target, role, allowed)


@pytest.mark.parametrize("method, url, allowed", [r for r in TABLE if r[0] == "POST"],
                         ids=[u for m, u, _ in TABLE if m == "POST"])
def test_every_state_change_requires_csrf(login, ids, method, url, allowed):
    role = next(r for r in ROLES if allowed.get(r) == OK)
    response = login(role).post(url.format(**ids), data={}, htmx=True, csrf=False)
    assert response.status_code == 400
    assert "yêu cầu không hợp lệ" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_the_table_follows_the_policy(app, ids, method, url, allowed):
    """The roles let in (OK, or 404 for another agency's item) are the action's roles."""
    from portal.access import POLICY

    endpoint, _args = app.url_map.bind("localhost").match(url.format(**ids).split("?")[0],
                                                          method=method)
    action = app.view_functions[endpoint].policy_action
    let_in = {"officer" if role == "other_officer" else role for role in allowed}
    assert let_in == {role.value for role in POLICY[action]}, action
