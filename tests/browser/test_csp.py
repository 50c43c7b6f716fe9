"""Every page runs under the strict Content-Security-Policy with no violation: no inline
script, handler or style, no eval (the browser reports each as `securitypolicyviolation`)."""
from __future__ import annotations

import re

import pytest
from .steps import login

pytestmark = pytest.mark.browser

LISTEN = """(() => {
  window.__violations = window.__violations || [];
  document.addEventListener("securitypolicyviolation", (e) => {
    window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " "
                             + (e.sourceFile || "") + ":" + (e.lineNumber || ""));
  });
})();"""


def _pages(live_app) -> list[str]:
    """Every GET page that needs no id, and the pages of the demo's first session."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with live_app.app_context():
        session_id = db.session.scalar(db.select(DialogueSession.id).order_by(
            DialogueSession.starts_at.desc(), DialogueSession.id).limit(1))
        urls = []
        for rule in live_app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()) or rule.endpoint in ("static", "auth.logout"):
                continue
            if re.search(r"\.(pdf|ics|xlsx|csv)", rule.rule) or "export" in rule.rule \
                    or rule.rule.endswith("/events"):
                continue  # downloads and event streams are not pages
            if rule.arguments - {"session_id"}:
                continue
            urls.append(re.sub(r"<int:session_id>", str(session_id), rule.rule))
    return sorted(set(urls))


def test_every_page_runs_under_the_csp(page, live_server, live_app):
    page.add_init_script(LISTEN)
    console = []
    page.on("console", lambda message: console.append(message.text))
    login(page, live_server, "vanphong")
    seen = {}
    for url in _pages(live_app):
        response = page.goto(live_server + url)
        if response is None or response.status >= 400:
            continue
        page.wait_for_load_state("load")  # deferred scripts (htmx, app.js) have run
        page.wait_for_timeout(150)  # and their first swaps
        violations = page.evaluate("window.__violations || []")
        violations += [m for m in console if "Content Security Policy" in m]
        console.clear()
        if violations:
            seen[url] = violations
    assert seen == {}
