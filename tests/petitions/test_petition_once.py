"""A petition form sent again after a lost answer (a double click, a resend) saves once;
the prepared answer carries the petition's version; an import resent imports once."""
from __future__ import annotations

import csv
import io
import re
import threading
import time

import pytest

from support import vn

pytest_plugins = ["tests.petitions.petition_fixtures"]

KEY = "5d41402abc4b2a76b9719d911017c592"
OTHER_KEY = "7d793037a0760186574b0282f2f435e7"


def _register_form(data, **over) -> dict:
    values = {
        "submitter_kind": "citizen", "submitter_name": "Trần Thị Bình",
        "submitter_contact": "0987 654 321", "locality": "phường Trần Phú", "channel": "writing",
        "field_id": str(data["fields"][1]), "content": "Phản ánh tiếng ồn của xưởng gỗ",
        "advising_agency_id": str(data["agency"]), "advising_deadline": vn(data["day"]),
        "client_key": KEY,
    }
    values.update(over)
    return values


# --------------------------------------------------------------------------- registering


def test_the_register_form_carries_a_client_key(login, data):
    page = login("office").get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    form = page[page.index('id="petition-form"'):]
    assert re.search(r'name="client_key" type="hidden" value="[0-9a-f]{32}"', form)


@pytest.mark.parametrize("htmx", [False, True])
def test_a_register_form_sent_again_after_a_lost_answer_saves_once(login, data, count, htmx):
    """The first answer was lost (the connection dropped): the user sends the same form
    again. One petition is saved; the second answer is the one the first would have been."""
    from portal.petitions.models import Petition

    c = login("office")
    url = f"/petitions/sessions/{data['session']}"
    first = c.post(url, _register_form(data), htmx=htmx)
    second = c.post(url, _register_form(data), htmx=htmx)
    expected = 200 if htmx else 303
    assert first.status_code == second.status_code == expected
    if htmx:
        assert "Đã ghi nhận ý kiến, kiến nghị." in second.get_data(as_text=True)
    else:
        assert second.headers["Location"] == first.headers["Location"]
    assert count(Petition) == 1
    # Another form (a new key) with the same text is another petition: registered too.
    assert c.post(url, _register_form(data, client_key=OTHER_KEY)).status_code == 303
    assert count(Petition) == 2


@pytest.mark.real_commit
def test_one_register_form_sent_twice_at_once_saves_once(app, login, data, count, db_name,
                                                         monkeypatch):
    """The same form (one client key) arrives twice at the same instant, on PostgreSQL with
    real threads: one petition is saved, both requests get the answer of a saved form, no
    500. The second waits on the first's key until it commits, then answers what it saved."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    from portal.petitions import services
    from portal.petitions.models import Petition

    real = services.register

    def slow(*args, **kwargs):  # both requests are inside the pipeline before either commits
        petition = real(*args, **kwargs)
        time.sleep(0.3)
        return petition

    monkeypatch.setattr(services, "register", slow)
    url = f"/petitions/sessions/{data['session']}"
    clients = [login("office"), login("office")]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def send(client):
        barrier.wait(timeout=30)
        statuses.append(client.post(url, _register_form(data)).status_code)

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [303, 303]
    assert count(Petition) == 1


# --------------------------------------------------------------------------- the prepared answer


@pytest.fixture
def advised(make_petition, data):
    return make_petition(advising_agency_id=data["agency"], advising_deadline=data["day"])


def _version_on(page) -> str:
    found = re.search(r'name="version" type="hidden" value="(\d+)"', page.get_data(as_text=True))
    assert found, "the prepare form carries no version"
    return found.group(1)


def test_a_stale_prepared_answer_is_409_with_both_texts(login, data, advised, fetch):
    from portal.petitions.models import Petition

    mine, colleague = login("officer"), login("officer")
    started = _version_on(mine.get(f"/petitions/{advised}/prepare"))
    assert colleague.post(f"/petitions/{advised}/prepare", {
        "prepared_answer": "Sở đã cử cán bộ kiểm tra thực địa", "version": started},
        htmx=True).status_code == 204
    stale = mine.post(f"/petitions/{advised}/prepare", {
        "prepared_answer": "Sở sẽ trả lời bằng văn bản", "version": started}, htmx=True)
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    diff = body[body.index('class="stale-diff"'):body.index("</table>")]
    assert "Sở đã cử cán bộ kiểm tra thực địa" in diff and "Sở sẽ trả lời bằng văn bản" in diff
    assert "Sở sẽ trả lời bằng văn bản</textarea>" in body  # the typed text stays
    assert fetch(Petition, advised)["prepared_answer"] == "Sở đã cử cán bộ kiểm tra thực địa"
    # Having seen it, saving again from the version now on the form goes through.
    again = mine.post(f"/petitions/{advised}/prepare", {
        "prepared_answer": "Sở sẽ trả lời bằng văn bản", "version": _version_on(stale)},
        htmx=True)
    assert again.status_code == 204
    assert fetch(Petition, advised)["prepared_answer"] == "Sở sẽ trả lời bằng văn bản"


# --------------------------------------------------------------------------- the import


def _upload(c, data, rows, key: str):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    body = out.getvalue().encode("utf-8-sig")
    boundary = "----petitions-once-boundary"
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"client_key\"\r\n\r\n"
               f"{key}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
               f"filename=\"ds.csv\"\r\nContent-Type: text/csv\r\n\r\n").encode() \
        + body + f"\r\n--{boundary}--\r\n".encode()
    return c.post(f"/petitions/sessions/{data['session']}/import", data=payload,
                  content_type=f"multipart/form-data; boundary={boundary}")


def test_an_import_sent_again_imports_once(login, data, count):
    from portal.petitions.models import Petition

    rows = [["Người nêu là", "Họ tên / tên tổ chức", "Lĩnh vực", "Kênh tiếp nhận", "Nội dung"],
            ["Công dân", "Ngô Văn Phúc", "Đất đai", "Bằng văn bản", "Đề nghị trả lại đất"],
            ["Công dân", "Lê Thị Hồng", "Xây dựng", "Bằng văn bản", "Đề nghị sửa cầu"]]
    c = login("office")
    page = c.get(f"/petitions/sessions/{data['session']}/import").get_data(as_text=True)
    assert re.search(r'name="client_key" type="hidden" value="[0-9a-f]{32}"', page)
    first = _upload(c, data, rows, KEY)
    assert first.status_code == 303 and count(Petition) == 2
    again = _upload(c, data, rows, KEY)
    assert again.status_code == 303 and count(Petition) == 2
    assert "Tệp này đã được nhập" in c.get(again.headers["Location"]).get_data(as_text=True)
    # A refused file claims no key: fixed and sent with the same key, it is imported.
    bad = rows[:1] + [["Công dân", "", "Đất đai", "Bằng văn bản", "Nội dung"]]
    assert _upload(c, data, bad, OTHER_KEY).status_code == 422
    assert _upload(c, data, rows[:2], OTHER_KEY).status_code == 303
    assert count(Petition) == 3
