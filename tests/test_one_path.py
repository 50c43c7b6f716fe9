"""Every route declares its policy action, every change goes through the one path
(`portal.web.change`), and the route × role table follows from `portal.access.POLICY`."""
from __future__ import annotations

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
ROLES = ("office", "chair", "officer", "observer", "admin")
# Routes open to anyone by design: the login itself, the language switch, the health check,
# the secret-URL calendar feeds, the hall screen's kiosk links and the public page (off
# unless the office switches it on).
OPEN = {"auth.login", "auth.set_language", "auth.index", "health.healthz", "calendar.feed",
        "static", "public.index", "public.meeting",
        "runner.kiosk_screen", "runner.kiosk_events"}  # the hall screen's kiosk link: its token is the secret


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN:
            continue
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method, view


def _placeholder(match) -> str:
    converter, name = match.group(1) or "", match.group(2)
    options = re.match(r"any\((.*)\)", converter)
    if options:  # the first of the converter's words, so the route matches
        return options.group(1).split(",")[0].strip().strip("'\"")
    return "999999" if converter == "int" else "nothing"


def _url(rule) -> str:
    return re.sub(r"<(?:([^:>]+(?:\([^)]*\))?):)?([^>]+)>", _placeholder, rule.rule)


def test_no_view_commits_by_itself():
    """Views declare; the pipeline commits (`grep db.session.commit portal/*/views.py`)."""
    offenders = [str(p.relative_to(ROOT)) for p in ROOT.glob("portal/*/views.py")
                 if "db.session.commit" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_every_route_names_its_policy_action(app):
    from portal.access import POLICY

    missing = sorted({f"{method} {rule.rule}" for rule, method, view in _routes(app)
                      if getattr(view, "policy_action", None) not in POLICY})
    assert missing == []


def test_every_post_is_a_declared_change(app):
    missing = sorted({rule.rule for rule, method, view in _routes(app)
                      if method == "POST" and rule.endpoint != "auth.logout"
                      and not getattr(view, "is_change", False)})
    assert missing == []


def test_roles_outside_the_policy_are_refused_everywhere(app, login):
    """The table every route × every role, from the policy: a role the action does not name
    gets 403 (before anything is loaded, so no id can be probed); anonymous users go to the
    login page."""
    from portal.access import POLICY

    clients = {role: login(role) for role in ("anonymous", *ROLES)}
    checked = 0
    for rule, method, view in _routes(app):
        action = getattr(view, "policy_action", None)
        if action is None:
            continue
        url = _url(rule)
        for role, client in clients.items():
            if role != "anonymous" and role in {r.value for r in POLICY[action]}:
                continue
            response = client.get(url) if method == "GET" else client.post(url, {}, htmx=True)
            expected = 302 if role == "anonymous" else 403
            assert response.status_code == expected, (method, rule.rule, role,
                                                       response.status_code)
            checked += 1
    assert checked > 100
