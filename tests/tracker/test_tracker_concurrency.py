"""Two people act on the same assignment at the same instant, on PostgreSQL with real
threads (each its own client, session and connection): one move goes through, the other is
told (409), none gets a 500; the same form sent twice at once is applied once."""
from __future__ import annotations

import io
import threading

import pytest

from tests.tracker.tracker_fixtures import (  # noqa: F401 (fixtures)
    PDF, get_assignment, make, page_form, rows, stored_keys,
)

pytestmark = pytest.mark.real_commit


@pytest.fixture(autouse=True)
def _postgresql_only(db_name):
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")


def _at_once(sends) -> list[int]:
    """Run the `sends` (each returns a response) from as many threads, released together."""
    barrier = threading.Barrier(len(sends))
    statuses: list[int] = []
    errors: list[BaseException] = []

    def run(send):
        try:
            barrier.wait(timeout=30)
            statuses.append(send().status_code)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return sorted(statuses)


def _files(app) -> set[str]:
    return stored_keys(app)


def _answer(client, assignment_id, values, text):
    return lambda: client.post(
        f"/tracker/{assignment_id}/answer", content_type="multipart/form-data",
        data={**values, "answer": text, "files": [(io.BytesIO(PDF), "tra-loi.pdf")]})


def test_two_answers_from_one_version_at_once(app, login, make):
    from portal.tracker.models import AssignmentStep, Attachment

    assignment_id = make()
    first, second = login("officer"), login("officer")
    one, two = page_form(first, assignment_id, "answer"), page_form(second, assignment_id,
                                                                    "answer")
    assert one["version"] == two["version"] and one["client_key"] != two["client_key"]
    before = _files(app)
    statuses = _at_once([_answer(first, assignment_id, one, "Bản số 1"),
                         _answer(second, assignment_id, two, "Bản số 2")])
    assert statuses == [303, 409]
    item = get_assignment(app, assignment_id)
    assert item.status.value == "answered" and item.answer in ("Bản số 1", "Bản số 2")
    assert item.version == int(one["version"]) + 1
    assert len(rows(app, AssignmentStep, action="answer")) == 1
    attachments = rows(app, Attachment)
    assert len(attachments) == 1
    assert _files(app) - before == {attachments[0].stored_name}  # the loser's file went


def test_two_accepts_at_once(app, login, make):
    from portal.tracker.models import AssignmentStep, Notification

    assignment_id = make(status="answered")
    first, second = login("office"), login("office")
    sends = []
    for client in (first, second):
        values = page_form(client, assignment_id, "accept")
        sends.append(lambda c=client, v=values: c.post(f"/tracker/{assignment_id}/accept",
                                                       data=v))
    assert _at_once(sends) == [303, 409]
    assert get_assignment(app, assignment_id).status.value == "done"
    assert len(rows(app, AssignmentStep, action="accept")) == 1
    assert len(rows(app, Notification)) == 1  # the agency is told once


def test_the_same_answer_sent_twice_at_once_is_applied_once(app, login, make):
    """A double click that reaches the server twice at the same instant (one client key):
    one step, one file, both requests answered as a success."""
    from portal.audit.models import ClientKey
    from portal.tracker.models import AssignmentStep, Attachment

    assignment_id = make()
    first, second = login("officer"), login("officer")
    values = page_form(first, assignment_id, "answer")
    before = _files(app)
    statuses = _at_once([_answer(first, assignment_id, values, "Đã xử lý xong"),
                         _answer(second, assignment_id, values, "Đã xử lý xong")])
    assert statuses == [303, 303]
    assert len(rows(app, AssignmentStep, action="answer")) == 1
    assert len(rows(app, ClientKey)) == 1
    attachments = rows(app, Attachment)
    assert len(attachments) == 1 and _files(app) - before == {attachments[0].stored_name}
    assert get_assignment(app, assignment_id).answer == "Đã xử lý xong"


def test_an_extension_asked_twice_at_once_from_two_pages(app, login, make):
    """Two officers ask for more time at the same instant: only one request is pending
    (the step is a new version, so the second is told the item changed)."""
    from portal.tracker.models import Extension

    assignment_id = make()
    sends = []
    for n, client in enumerate((login("officer"), login("officer"))):
        values = page_form(client, assignment_id, "request_extension")
        sends.append(lambda c=client, v=values, n=n: c.post(
            f"/tracker/{assignment_id}/extension",
            data={**v, "ext-new_deadline": f"0{n + 1}/06/2099", "ext-reason": "Chờ đo đạc"}))
    assert _at_once(sends) == [303, 409]
    assert len(rows(app, Extension)) == 1
