"""No input gives a 500: out-of-range integers, extreme dates and odd strings, sent to every
query parameter and form field the portal reads, on every route, as a role allowed there."""
from __future__ import annotations

import re

import pytest

HUGE = "9" * 25
VALUES = [HUGE, "-1", "0", "abc", "0001-01", "9999-99", "01/01/0001", "31/12/9999", "1e308",
          "%00", "' OR 1=1 --", "2024-13"]
# Every name the portal reads from a query string or a form (grep `args.get`, forms' fields).
NAMES = ["page", "session", "agency", "field", "status", "ids", "year", "month", "from",
         "to", "q", "bucket", "tab", "view", "lateness", "format", "kind", "leader",
         "personal", "doc_type", "edit", "contacts", "start", "end", "scope", "next",
         "version", "client_key", "deadline", "day", "start_time", "end_time", "minutes",
         "days_before", "petition_id", "agency_id", "field_id", "advising_agency_id",
         "advising_deadline", "position", "confirm", "base", "mode"]
PREFERRED = ("office", "chair", "officer", "admin", "observer")


def _routes(app):
    skip = {"static", "calendar.feed"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in skip:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            yield rule, method, getattr(view, "policy_action", None)


def _fill(rule, ids) -> str:
    def one(match):
        converter, name = match.group(1) or "", match.group(2)
        options = re.match(r"any\((.*)\)", converter)
        if options:
            return options.group(1).split(",")[0].strip().strip("'\"")
        if name in ids:
            return str(ids[name])
        return "1" if converter.startswith("int") else "x"
    return re.sub(r"<(?:([^:>]+(?:\([^)]*\))?):)?([^>]+)>", one, rule.rule)


@pytest.fixture
def ids(app, data):
    return {"session_id": data["session"], "agency_id": data["agency"],
            "field_id": data["fields"][0], "user_id": data["users"]["officer"],
            "year": 2025, "fmt": "xlsx"}


def test_no_odd_value_gives_a_500(app, login, ids):
    from portal.access import POLICY

    clients = {}
    checked = 0
    for rule, method, action in _routes(app):
        roles = [r for r in PREFERRED if action is None or r in {x.value for x in POLICY[action]}]
        role = roles[0] if roles else "office"
        client = clients.setdefault(role, login(role))
        url = _fill(rule, ids)
        for value in VALUES:
            params = {name: value for name in NAMES}
            if method == "GET":
                response = client.get(url, query_string=params)
            else:
                response = client.post(url, params, htmx=True)
            assert response.status_code != 500, (method, url, value)
            checked += 1
    assert checked > 1000


def test_a_forty_digit_id_is_a_404(login):
    assert login("office").get("/petitions/" + "9" * 40).status_code == 404


@pytest.mark.parametrize("query", ["page=" + HUGE, "session=" + HUGE, "agency=" + HUGE,
                                   "month=0001-01", "from=01/01/0001", "to=31/12/9999"])
def test_known_cases(login, query):
    for url in ("/tracker/", "/petitions/", "/calendar/", "/reports/period"):
        response = login("office").get(f"{url}?{query}")
        assert response.status_code in (200, 400, 422), (url, query, response.status_code)
