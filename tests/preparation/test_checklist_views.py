"""A session's checklist: created from the defaults, edited inline, ticked; officer scoping."""
from datetime import date, time, timedelta

from sqlalchemy import func, select


def vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _url(data, suffix=""):
    return f"/preparation/sessions/{data['session']}{suffix}"


def _items(app, data):
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    with app.app_context():
        rows = db.session.scalars(select(ChecklistItem).where(
            ChecklistItem.session_id == data["session"]).order_by(ChecklistItem.position)).all()
        db.session.expunge_all()
        return rows


def _meeting(app, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        db.session.expunge(meeting)
        return meeting


def _create(c, data):
    response = c.post(_url(data, "/checklist"), htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def _give_to_agencies(app, data):
    """The first step to the officer's agency, the second to the other agency."""
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    items = _items(app, data)
    with app.app_context():
        db.session.get(ChecklistItem, items[0].id).owner_agency_id = data["agency"]
        db.session.get(ChecklistItem, items[1].id).owner_agency_id = data["other_agency"]
        db.session.commit()
    return items[0].id, items[1].id


def test_create_checklist_from_defaults_marks_session_customized(app, login, data):
    from portal.preparation.services import DEFAULT_STEPS

    c = login("office")
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Chưa có danh mục công việc chuẩn bị." in page
    assert _meeting(app, data).is_customized is False
    body = _create(c, data).get_data(as_text=True)
    assert "<html" not in body and 'id="checklist"' in body  # the fragment
    assert f"0/{len(DEFAULT_STEPS)}" in body
    assert "Ban hành giấy mời" in body
    items = _items(app, data)
    assert len(items) == len(DEFAULT_STEPS)
    assert all(item.due_date <= data["day"] for item in items)
    assert _meeting(app, data).is_customized is True
    # A second creation is refused and adds nothing.
    again = c.post(_url(data, "/checklist"), htmx=True)
    assert again.status_code == 409
    assert "đã có danh mục" in again.get_data(as_text=True)
    assert len(_items(app, data)) == len(DEFAULT_STEPS)


def test_overdue_items_stand_out(app, login, data):
    c = login("office")
    _create(c, data)
    items = _items(app, data)
    today = data["day"] - timedelta(days=3)
    overdue = [i for i in items if i.due_date < today]
    assert overdue, "the session is three days away: its early steps are overdue"
    page = c.get(_url(data)).get_data(as_text=True)
    assert page.count('class="overdue"') == len(overdue)
    assert f"{len(overdue)} quá hạn" in page


def test_tick_and_untick_record_who_and_when(app, login, data):
    c = login("office")
    _create(c, data)
    first = _items(app, data)[0]
    body = c.post(f"/preparation/items/{first.id}/done", {"done": "1"}, htmx=True)
    assert body.status_code == 200
    text = body.get_data(as_text=True)
    assert "1/" in text and "Nguyễn Văn Phòng" in text
    ticked = _items(app, data)[0]
    assert ticked.done_at is not None and ticked.done_by_id == data["users"]["office"]
    c.post(f"/preparation/items/{first.id}/done", {"done": "0"}, htmx=True)
    unticked = _items(app, data)[0]
    assert unticked.done_at is None and unticked.done_by_id is None


def test_tick_without_htmx_redirects_back(app, login, data):
    c = login("office")
    _create(c, data)
    first = _items(app, data)[0]
    response = c.post(f"/preparation/items/{first.id}/done", {"done": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(_url(data))


def test_edit_item_inline(app, login, data):
    c = login("office")
    _create(c, data)
    item = _items(app, data)[0]
    form = c.get(_url(data, f"?edit={item.id}"), htmx=True).get_data(as_text=True)
    assert 'name="edit-title"' in form and item.title in form
    due = data["day"] - timedelta(days=1)
    response = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "Rà soát nội dung và thành phần", "edit-owner_agency_id": data["agency"],
        "edit-due_date": vn(due), "edit-note": "Gửi trước cho Sở", "edit-version": item.version,
    }, htmx=True)
    assert response.status_code == 200, response.get_data(as_text=True)
    saved = _items(app, data)[0]
    assert (saved.title, saved.owner_agency_id, saved.due_date, saved.note) == (
        "Rà soát nội dung và thành phần", data["agency"], due, "Gửi trước cho Sở")
    assert saved.version == item.version + 1


def test_bad_edit_is_refused_with_vietnamese_errors_and_nothing_saved(app, login, data):
    c = login("office")
    _create(c, data)
    item = _items(app, data)[0]
    after_meeting = data["day"] + timedelta(days=1)
    response = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "", "edit-owner_agency_id": "0", "edit-due_date": vn(after_meeting),
        "edit-note": "Ghi chú mới", "edit-version": item.version}, htmx=True)
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Trường này là bắt buộc." in text
    assert "Hạn hoàn thành không được sau ngày họp" in text
    assert "Ghi chú mới" in text  # what was typed is kept
    bad_date = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "X", "edit-owner_agency_id": "0", "edit-due_date": "31/02/2024",
        "edit-version": item.version}, htmx=True)
    assert bad_date.status_code == 422
    assert "Ngày không hợp lệ" in bad_date.get_data(as_text=True)
    bad_owner = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "X", "edit-owner_agency_id": "98765", "edit-due_date": vn(data["day"]),
        "edit-version": item.version}, htmx=True)
    assert bad_owner.status_code == 422
    assert "Lựa chọn không hợp lệ." in bad_owner.get_data(as_text=True)
    unchanged = _items(app, data)[0]
    assert (unchanged.title, unchanged.note, unchanged.version) == (item.title, item.note,
                                                                    item.version)


def test_stale_edit_shows_the_saved_and_the_typed_values(app, login, data):
    c = login("office")
    _create(c, data)
    item = _items(app, data)[0]
    first = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "Bản của người thứ nhất", "edit-owner_agency_id": "0",
        "edit-due_date": vn(item.due_date), "edit-version": item.version}, htmx=True)
    assert first.status_code == 200
    stale = c.post(f"/preparation/items/{item.id}", {
        "edit-title": "Bản cũ của người thứ hai", "edit-owner_agency_id": "0",
        "edit-due_date": vn(item.due_date), "edit-version": item.version}, htmx=True)
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "vừa được người khác thay đổi" in text
    assert '<td class="pre">Bản của người thứ nhất</td>' in text  # what is saved now
    assert 'value="Bản cũ của người thứ hai"' in text  # what was typed stays in the form
    assert f'name="edit-version" type="hidden" value="{item.version + 1}"' in text
    assert _items(app, data)[0].title == "Bản của người thứ nhất"


def test_add_and_remove_items(app, login, data):
    c = login("office")
    _create(c, data)
    before = len(_items(app, data))
    bad = c.post(_url(data, "/items"), {"new-title": "", "new-owner_agency_id": "0",
                                        "new-due_date": ""}, htmx=True)
    assert bad.status_code == 422
    assert "Vui lòng nhập hạn hoàn thành." in bad.get_data(as_text=True)
    assert len(_items(app, data)) == before
    ok = c.post(_url(data, "/items"), {"new-title": "Kiểm tra âm thanh, ánh sáng",
                                       "new-owner_agency_id": "0",
                                       "new-due_date": vn(data["day"])}, htmx=True)
    assert ok.status_code == 200
    items = _items(app, data)
    assert items[-1].title == "Kiểm tra âm thanh, ánh sáng" and len(items) == before + 1
    assert items[-1].position == before + 1
    gone = c.post(f"/preparation/items/{items[-1].id}/delete", htmx=True)
    assert gone.status_code == 200
    assert len(_items(app, data)) == before


def test_add_item_to_a_fresh_session_marks_it_customized(app, login, data):
    c = login("office")
    c.post(_url(data, "/items"), {"new-title": "Việc riêng", "new-owner_agency_id": "0",
                                  "new-due_date": vn(data["day"])}, htmx=True)
    assert _meeting(app, data).is_customized is True


def test_officer_sees_and_ticks_only_their_agency_items(app, login, data):
    office = login("office")
    _create(office, data)
    mine, theirs = _give_to_agencies(app, data)

    officer = login("officer")
    page = officer.get(_url(data))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'id="item-{mine}"' in text and f'id="item-{theirs}"' not in text
    assert "0/1" in text
    assert officer.post(f"/preparation/items/{theirs}/done", {"done": "1"},
                        htmx=True).status_code == 404
    peek = officer.get(_url(data, f"?edit={theirs}"), htmx=True)
    assert peek.status_code == 200 and 'name="edit-note"' not in peek.get_data(as_text=True)
    assert officer.post(f"/preparation/items/{theirs}", {"edit-note": "x", "edit-version": 1},
                        htmx=True).status_code == 404
    assert officer.post(f"/preparation/items/{mine}/done", {"done": "1"},
                        htmx=True).status_code == 200
    assert officer.post(f"/preparation/items/{mine}/delete", htmx=True).status_code == 403
    items = {i.id: i for i in _items(app, data)}
    assert items[mine].done_by_id == data["users"]["officer"]
    assert items[theirs].done_at is None


def test_officer_may_change_only_the_note(app, login, data):
    office = login("office")
    _create(office, data)
    mine, _ = _give_to_agencies(app, data)
    before = {i.id: i for i in _items(app, data)}[mine]
    officer = login("officer")
    form = officer.get(_url(data, f"?edit={mine}"), htmx=True).get_data(as_text=True)
    assert 'name="edit-note"' in form and 'name="edit-title"' not in form
    response = officer.post(f"/preparation/items/{mine}", {
        "edit-title": "Đổi tên trái phép", "edit-note": "Đã gửi báo cáo ngày 10",
        "edit-version": before.version}, htmx=True)
    assert response.status_code == 200
    after = {i.id: i for i in _items(app, data)}[mine]
    assert after.note == "Đã gửi báo cáo ngày 10" and after.title == before.title


def test_officer_without_anything_in_a_session_gets_404(app, login, data):
    office = login("office")
    _create(office, data)
    _give_to_agencies(app, data)
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    with app.app_context():
        for item in db.session.scalars(select(ChecklistItem).where(
                ChecklistItem.owner_agency_id == data["other_agency"])):
            item.owner_agency_id = None
        db.session.commit()
    assert login("other_officer").get(_url(data)).status_code == 404
    assert login("officer").get(_url(data)).status_code == 200


def test_my_page_lists_only_the_agencys_open_items(app, login, data):
    office = login("office")
    _create(office, data)
    mine, theirs = _give_to_agencies(app, data)
    officer = login("officer")
    text = officer.get("/preparation/my").get_data(as_text=True)
    assert f'id="item-{mine}"' in text and f'id="item-{theirs}"' not in text
    ticked = officer.post(f"/preparation/items/{mine}/done", {"done": "1", "view": "my"},
                          htmx=True)
    assert ticked.status_code == 200
    fragment = ticked.get_data(as_text=True)
    assert 'id="my"' in fragment and "<html" not in fragment
    assert f'id="item-{mine}"' not in fragment  # done: no longer open
    other = login("other_officer").get("/preparation/my").get_data(as_text=True)
    assert f'id="item-{theirs}"' in other and f'id="item-{mine}"' not in other


def test_dashboard_shows_progress_and_overdue(app, login, data):
    c = login("office")
    _create(c, data)
    first = _items(app, data)[0]
    c.post(f"/preparation/items/{first.id}/done", {"done": "1"}, htmx=True)
    for role in ("office", "chair", "admin", "observer"):
        page = login(role).get("/preparation/")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Đối thoại tháng 12 về đất đai" in text
        assert f"1/{len(_items(app, data))}" in text
        assert "Công việc quá hạn lâu nhất" in text and 'class="overdue"' in text
    redirect = login("officer").get("/preparation/")
    assert redirect.status_code == 303 and redirect.headers["Location"].endswith("/preparation/my")


def test_chair_and_observer_read_without_buttons(app, login, data):
    c = login("office")
    _create(c, data)
    item = _items(app, data)[0]
    for role in ("chair", "observer"):
        reader = login(role)
        page = reader.get(_url(data, f"?edit={item.id}")).get_data(as_text=True)
        assert item.title in page and "0/" in page
        assert "Đánh dấu đã xong" not in page and 'name="edit-note"' not in page
        assert "Thêm công việc" not in page
        assert reader.post(f"/preparation/items/{item.id}/done", {"done": "1"},
                           htmx=True).status_code == 403


def test_closed_or_cancelled_session_is_read_only(app, login, data):
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db

    c = login("office")
    _create(c, data)
    item = _items(app, data)[0]
    with app.app_context():
        db.session.get(DialogueSession, data["session"]).status = SessionStatus.CANCELLED
        db.session.commit()
    assert c.post(f"/preparation/items/{item.id}/done", {"done": "1"},
                  htmx=True).status_code == 409
    page = c.get(_url(data)).get_data(as_text=True)
    assert "Đánh dấu đã xong" not in page and 'class="overdue"' not in page


def test_unknown_items_and_sessions_are_404(login, data):
    c = login("office")
    assert c.get("/preparation/sessions/424242").status_code == 404
    assert c.post("/preparation/items/424242/done", {"done": "1"}, htmx=True).status_code == 404


# --------------------------------------------------------------------------- default steps


def _templates(app, kind="citizen_reception"):
    from portal.calendar.models import SessionKind
    from portal.extensions import db
    from portal.preparation.services import templates_of

    with app.app_context():
        rows = templates_of(SessionKind(kind))
        db.session.expunge_all()
        return rows


def test_templates_page_creates_defaults_once(app, login, data):
    from portal.extensions import db
    from portal.preparation.models import ChecklistTemplateItem
    from portal.preparation.services import DEFAULT_STEPS

    c = login("office")
    for _ in range(2):
        page = c.get("/preparation/templates?kind=voter_contact")
        assert page.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(func.count(ChecklistTemplateItem.id))) == 4 * len(
            DEFAULT_STEPS)
    assert "Ban hành giấy mời" in page.get_data(as_text=True)
    fragment = c.get("/preparation/templates?kind=business", htmx=True).get_data(as_text=True)
    assert "<html" not in fragment and 'id="templates"' in fragment


def test_templates_add_rename_reorder_remove(app, login, data):
    c = login("office")
    c.get("/preparation/templates")
    steps = _templates(app)
    first, second = steps[0], steps[1]
    r = c.post(f"/preparation/templates/{first.id}", {
        f"t{first.id}-title": "Rà soát nội dung, chuyên đề của tháng",
        f"t{first.id}-days_before": "9", f"t{first.id}-owner": "agency"}, htmx=True)
    assert r.status_code == 200
    renamed = _templates(app)[0]
    assert (renamed.title, renamed.days_before, renamed.owned_by_agency) == (
        "Rà soát nội dung, chuyên đề của tháng", 9, True)
    assert c.post(f"/preparation/templates/{first.id}/down", htmx=True).status_code == 200
    assert [s.id for s in _templates(app)[:2]] == [second.id, first.id]
    assert c.post(f"/preparation/templates/{first.id}/up", htmx=True).status_code == 200
    assert [s.id for s in _templates(app)[:2]] == [first.id, second.id]
    added = c.post("/preparation/templates?kind=citizen_reception", {
        "new-title": "Kiểm tra hội trường", "new-days_before": "1", "new-owner": "office"},
        htmx=True)
    assert added.status_code == 200
    assert _templates(app)[-1].title == "Kiểm tra hội trường"
    assert c.post(f"/preparation/templates/{second.id}/delete", htmx=True).status_code == 200
    left = _templates(app)
    assert second.id not in [s.id for s in left]
    assert [s.position for s in left] == list(range(1, len(left) + 1))


def test_template_bad_input(app, login, data):
    c = login("office")
    c.get("/preparation/templates")
    step = _templates(app)[0]
    for days, message in (("nhiều", "Hãy nhập số ngày là một số nguyên."),
                          ("500", "Số ngày phải từ 0 đến 120."),
                          ("", "Vui lòng nhập số ngày.")):
        r = c.post(f"/preparation/templates/{step.id}", {
            f"t{step.id}-title": "Tên mới", f"t{step.id}-days_before": days,
            f"t{step.id}-owner": "office"}, htmx=True)
        assert r.status_code == 422
        text = r.get_data(as_text=True)
        assert message in text and 'value="Tên mới"' in text
    bad_owner = c.post("/preparation/templates?kind=business", {
        "new-title": "", "new-days_before": "3", "new-owner": "ai-do"}, htmx=True)
    assert bad_owner.status_code == 422
    assert "Lựa chọn không hợp lệ." in bad_owner.get_data(as_text=True)
    assert _templates(app)[0].title == step.title


def test_changed_defaults_shape_the_next_checklist(app, login, data):
    c = login("office")
    c.get("/preparation/templates")
    steps = _templates(app)
    for step in steps[1:]:
        c.post(f"/preparation/templates/{step.id}/delete", htmx=True)
    c.post(f"/preparation/templates/{steps[0].id}", {
        f"t{steps[0].id}-title": "Bước duy nhất", f"t{steps[0].id}-days_before": "0",
        f"t{steps[0].id}-owner": "office"}, htmx=True)
    _create(c, data)
    items = _items(app, data)
    assert [(i.title, i.due_date) for i in items] == [("Bước duy nhất", data["day"])]


def test_due_dates_after_tet_in_a_session(app, login, data):
    """A session right after Tết 2024: the invitations are due on 01/02/2024."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    with app.app_context():
        db.session.get(DialogueSession, data["session"]).starts_at = local_to_utc(
            date(2024, 2, 15), time(8, 0))
        db.session.commit()
    c = login("office")
    _create(c, data)
    due = {i.title: i.due_date for i in _items(app, data)}
    assert due["Ban hành giấy mời"] == date(2024, 2, 1)
    assert due["Chuẩn bị tài liệu, hồ sơ"] == date(2024, 2, 6)
