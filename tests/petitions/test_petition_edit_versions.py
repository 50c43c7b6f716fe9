"""A petition's edit form carries the version it started from: no lost update, no 500."""
from __future__ import annotations

import re
import threading

import pytest

from support import vn

pytest_plugins = ["tests.petitions.petition_fixtures"]


def _edit_form(data, version, **over):
    values = {
        "submitter_kind": "citizen", "submitter_name": "Nguyễn Văn An",
        "submitter_contact": "0912 345 678", "locality": "xã Tân Sỏi", "channel": "writing",
        "field_id": str(data["fields"][0]), "content": "Nội dung đã sửa",
        "advising_agency_id": str(data["agency"]), "advising_deadline": vn(data["day"]),
        "version": str(version),
    }
    values.update(over)
    return values


def _version_on(page) -> int:
    found = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True))
    assert found, "the edit form carries no version"
    return int(found.group(1))


def test_the_edit_form_carries_the_version(login, data, make_petition):
    pid = make_petition()
    assert _version_on(login("office").get(f"/petitions/{pid}/edit")) == 1


def test_a_save_from_a_stale_form_is_refused_with_both_texts(login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    pid = make_petition()
    first, second = login("office"), login("office")
    started = _version_on(first.get(f"/petitions/{pid}/edit"))
    assert _version_on(second.get(f"/petitions/{pid}/edit")) == started
    saved = first.post(f"/petitions/{pid}/edit",
                       _edit_form(data, started, content="Bản của người thứ nhất"))
    assert saved.status_code == 303

    stale = second.post(f"/petitions/{pid}/edit",
                        _edit_form(data, started, content="Bản của người thứ hai"), htmx=True)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Bản của người thứ nhất" in body  # what is saved now …
    assert "Bản của người thứ hai" in body  # … beside what this person typed
    assert fetch(Petition, pid)["content"] == "Bản của người thứ nhất"
    # Having seen the current text, the second person saves again: the form now carries the
    # current version, and the save goes through.
    assert _version_on(stale) == started + 1
    again = second.post(f"/petitions/{pid}/edit",
                        _edit_form(data, started + 1, content="Bản của người thứ hai"))
    assert again.status_code == 303
    assert fetch(Petition, pid)["content"] == "Bản của người thứ hai"


def test_a_tampered_version_never_matches(login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    pid = make_petition()
    response = login("office").post(f"/petitions/{pid}/edit",
                                    _edit_form(data, "abc", content="x"), htmx=True)
    assert response.status_code == 409
    assert fetch(Petition, pid)["content"].startswith("Đề nghị cấp giấy")


@pytest.mark.real_commit
def test_two_saves_from_one_version_at_once(app, login, data, make_petition, fetch, db_name):
    """Two office staff press «Lưu» on the same version at the same instant, on PostgreSQL
    with real threads: exactly one is saved, the other is told (409), none gets a 500."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.petitions.models import Petition

    pid = make_petition()
    clients = [login("office"), login("office")]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def save(client, text):
        barrier.wait(timeout=30)
        statuses.append(client.post(f"/petitions/{pid}/edit",
                                    _edit_form(data, 1, content=text)).status_code)

    threads = [threading.Thread(target=save, args=(c, f"Bản số {i}"))
               for i, c in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [303, 409]
    row = fetch(Petition, pid)
    assert row["version"] == 2 and row["content"] in ("Bản số 0", "Bản số 1")
