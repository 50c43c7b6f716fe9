"""Two app hosts behind one nginx work together in every respect: a login made on one is
valid on the other, a file sent to one is served by the other, an issued PDF is the same
bytes everywhere, wrong passwords spread over both hosts still lock the account, and the
scheduled jobs started on both at once run once."""
from __future__ import annotations

import hashlib
import re

from sqlalchemy import text

from tests.hosts import cluster
from tests.hosts.conftest import LOCKOUT_AFTER, PDF

PASSWORD = "demo12345"  # the demo accounts'


def _engine(hosts):
    return hosts["engine"]


def _upstreams(browser, port, path, times=4) -> set[str]:
    seen = set()
    for _ in range(times):
        answer = browser.get(port, path)
        assert answer.status == 200, (answer.status, answer.text[:300])
        seen.add(answer.headers["x-upstream"])
    return seen


def test_nginx_sends_requests_to_both_hosts_in_turn(hosts):
    seen = _upstreams(cluster.Browser(), hosts["proxy"], "/healthz")
    assert seen == {f"127.0.0.1:{hosts['a'].port}", f"127.0.0.1:{hosts['b'].port}"}


def test_a_login_on_one_host_is_valid_on_the_other_and_ends_on_both(hosts):
    a, b = hosts["a"].port, hosts["b"].port
    browser = cluster.Browser()
    answer = browser.login(a, "vanphong", PASSWORD)
    assert answer.status == 303, answer.text[:300]
    on_b = browser.get(b, "/tracker/")
    assert on_b.status == 200, (on_b.status, on_b.headers.get("location"))  # not sent to log in
    # Through the proxy, whichever host answers, the user stays logged in.
    assert len(_upstreams(browser, hosts["proxy"], "/tracker/")) == 2
    # A form shown by A is accepted by B (one SECRET_KEY signs both): log out on B …
    page = browser.get(a, "/tracker/")
    out = browser.post(b, "/logout", {"csrf_token": cluster.csrf(page.text)})
    assert out.status == 303, out.text[:300]
    # … and the login session is gone on A too (it lives in the database).
    after = browser.get(a, "/tracker/")
    assert after.status == 302 and "/login" in after.headers["location"]


def test_an_answer_with_a_file_sent_to_a_is_downloaded_from_b(hosts):
    a, b = hosts["a"].port, hosts["b"].port
    item = hosts["ids"]["answerable"]
    officer = cluster.Browser()
    assert officer.login(a, "so-tnmt", PASSWORD).status == 303
    page = officer.get(a, f"/tracker/{item}")
    assert page.status == 200, page.text[:300]
    content = PDF + b"% answered through host A\n"
    sent = officer.post(b, f"/tracker/{item}/answer", {
        "csrf_token": cluster.csrf(page.text), "version": cluster.hidden(page.text, "version"),
        "client_key": cluster.hidden(page.text, "client_key"),
        "answer": "Sở đã trả lời, kèm văn bản."},
        files=[("files", "Văn bản trả lời.pdf", content, "application/pdf")],
        headers={"HX-Request": "true"})
    assert sent.status == 204, sent.text[:500]
    with _engine(hosts).connect() as conn:
        attachment_id, key = conn.execute(text(
            "SELECT id, stored_name FROM attachment WHERE assignment_id = :a"), {"a": item}).one()
        stored = conn.execute(text("SELECT sha256, size FROM stored_file WHERE key = :k"),
                              {"k": key}).one()
    assert stored == (hashlib.sha256(content).hexdigest(), len(content))
    assert not (hosts["a"].instance / "uploads").exists()  # nothing on either host's disk
    assert not (hosts["b"].instance / "uploads").exists()
    office = cluster.Browser()
    assert office.login(b, "vanphong", PASSWORD).status == 303
    for port in (a, b, hosts["proxy"], hosts["proxy"]):
        download = office.get(port, f"/tracker/attachments/{attachment_id}")
        assert download.status == 200 and download.body == content
    # The answer itself is seen by both hosts.
    assert "Sở đã trả lời, kèm văn bản." in office.get(a, f"/tracker/{item}").text


def test_an_issued_pdf_is_the_same_bytes_from_every_host(hosts):
    letter = hosts["ids"]["letter"]
    with _engine(hosts).connect() as conn:
        frozen = conn.execute(text("SELECT content FROM document_file WHERE document_id = :d"),
                              {"d": letter}).scalar_one()
    office = cluster.Browser()
    assert office.login(hosts["proxy"], "vanphong", PASSWORD).status == 303
    for port in (hosts["a"].port, hosts["b"].port):
        answer = office.get(port, f"/documents/{letter}.pdf")
        assert answer.status == 200 and answer.headers["content-type"] == "application/pdf"
        assert answer.body == bytes(frozen)


def test_wrong_passwords_split_over_both_hosts_still_lock_the_account(hosts):
    a, b = hosts["a"].port, hosts["b"].port
    someone = cluster.Browser()
    for n in range(LOCKOUT_AFTER):
        wrong = someone.login(a if n % 2 else b, "theodoi", "sai-mat-khau")
        assert wrong.status == 200 and "theodoi" in wrong.text  # refused, name kept
    # The right password now fails on either host, and through the proxy.
    for port in (a, b, hosts["proxy"]):
        locked = cluster.Browser().login(port, "theodoi", PASSWORD)
        assert locked.status == 429, locked.text[:300]


def _job_report(process) -> str:
    out, _ = process.communicate(timeout=180)
    assert process.returncode == 0, out
    # the scheduled jobs' summary (the background jobs' count follows it)
    return [line for line in out.strip().splitlines() if not line.startswith("Việc nền")][-1]


def _reminded(line: str) -> int:
    if line.startswith("Một máy khác đang chạy"):
        return 0
    found = re.match(r"Đã nhắc (\d+) nhiệm vụ", line)
    assert found, line
    return int(found.group(1))


def test_the_jobs_started_on_both_hosts_at_once_run_once(hosts):
    from portal.jobs.reminders import LOCK_KEY

    engine = _engine(hosts)
    # While another host holds the job's lock, a run skips.
    with engine.connect() as holder:
        holder.execute(text("SELECT pg_advisory_lock(:k)"), {"k": LOCK_KEY})
        assert _job_report(hosts["a"].flask("jobs", "run")) == \
            "Một máy khác đang chạy việc định kỳ; lần này bỏ qua."
        holder.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
    both = [hosts["a"].flask("jobs", "run"), hosts["b"].flask("jobs", "run")]
    lines = [_job_report(p) for p in both]
    counts = [_reminded(line) for line in lines]
    assert sum(counts) > 0, lines  # some items are due a reminder
    assert 0 in counts, lines  # one host did it all; the other skipped or found it done
    with engine.connect() as conn:
        steps = conn.execute(text(
            "SELECT count(*), count(DISTINCT assignment_id) FROM assignment_step "
            "WHERE action = 'auto_remind'")).one()
    assert steps[0] == steps[1] == max(counts)  # each due item reminded once, not twice
    # A later run on either host sends nothing more.
    assert _reminded(_job_report(hosts["b"].flask("jobs", "run"))) == 0
