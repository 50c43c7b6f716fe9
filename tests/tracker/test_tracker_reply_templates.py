"""Reply templates: the office manages them per field; the answer and reason forms offer the
ones that apply, with the petition's data filled in, to edit before sending."""
from __future__ import annotations

import html
import re

import pytest

from tests.tracker.tracker_fixtures import make, third  # noqa: F401


def _add(client, **values):
    page = client.get("/tracker/templates").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    form = {"kind": "answer", "field_id": "0", "title": "Mẫu chung",
            "body": "Kính gửi {nguoi_neu}: về nội dung «{noi_dung}», {co_quan} trả lời như sau.",
            "client_key": key}
    form.update(values)
    return client.post("/tracker/templates", form)


def test_the_answer_form_offers_filled_templates(app, login, data, make):  # noqa: F811
    office = login("office")
    assert _add(office).status_code == 303
    assert _add(office, kind="return", title="Thiếu hồ sơ",
                body="Đề nghị {co_quan} bổ sung hồ sơ trước {han}.").status_code == 303
    assert _add(office, title="Chỉ cho xây dựng", field_id=str(data["fields"][2]),
                body="Mẫu của lĩnh vực khác").status_code == 303
    item = make(status="in_progress", content="Đề nghị nạo vét kênh")
    page = html.unescape(login("officer").get(f"/tracker/{item}").get_data(as_text=True))
    assert "Dùng mẫu" in page and "Mẫu chung" in page
    assert "về nội dung «Đề nghị nạo vét kênh», Sở Tài nguyên và Môi trường trả lời" in page
    assert "Chỉ cho xây dựng" not in page  # another field's template is not offered
    assert "Thiếu hồ sơ" not in page  # the office's return reasons are not the agency's


@pytest.mark.parametrize("body", ["Xin chào {ten}", "Sai {noi_dung.__class__}", "Thiếu {"])
def test_a_bad_placeholder_is_refused_at_the_field(login, body):
    response = _add(login("office"), body=body)
    assert response.status_code == 422
    assert "chỗ điền không hợp lệ" in response.get_data(as_text=True)


def test_a_resent_form_adds_one_template(app, login):
    from portal.extensions import db
    from portal.tracker.models import ReplyTemplate

    office = login("office")
    page = office.get("/tracker/templates").get_data(as_text=True)
    key = re.search(r'name="client_key" type="hidden" value="([0-9a-f]+)"', page).group(1)
    form = {"kind": "answer", "field_id": "0", "title": "Một lần", "body": "Nội dung",
            "client_key": key}
    assert office.post("/tracker/templates", form).status_code == 303
    assert office.post("/tracker/templates", form).status_code == 303
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(ReplyTemplate.id))) == 1


def test_a_stale_edit_is_409(app, login):
    from portal.extensions import db
    from portal.tracker.models import ReplyTemplate

    office = login("office")
    _add(office)
    with app.app_context():
        template = db.session.scalar(db.select(ReplyTemplate))
        tid, version = template.id, template.version
        template.title = "Đổi bởi người khác"
        db.session.commit()
    response = office.post(f"/tracker/templates/{tid}", {
        f"t{tid}-kind": "answer", f"t{tid}-field_id": "0", f"t{tid}-title": "Bản của tôi",
        f"t{tid}-body": "Nội dung", f"t{tid}-version": str(version)}, htmx=True)
    assert response.status_code == 409
    assert "Đổi bởi người khác" in response.get_data(as_text=True)


@pytest.mark.parametrize("role, status", [("office", 200), ("admin", 200), ("chair", 403),
                                          ("officer", 403), ("observer", 403)])
def test_who_manages_them(login, role, status):
    assert login(role).get("/tracker/templates").status_code == status
