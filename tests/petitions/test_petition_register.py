"""The session's petition page: register with htmx, classify, give to an agency, edit, delete."""
from datetime import timedelta

import pytest

from support import vn

pytest_plugins = ["tests.petitions.petition_fixtures"]


def _form(data, **over):
    values = {
        "submitter_kind": "citizen", "submitter_name": "Trần Thị Bình",
        "submitter_contact": "0987 654 321", "submitter_id_number": "024190005678",
        "locality": "phường Trần Phú", "channel": "writing", "field_id": str(data["fields"][1]),
        "content": "Phản ánh ô nhiễm tiếng ồn từ xưởng gỗ ven khu dân cư",
        "advising_agency_id": str(data["agency"]), "advising_deadline": vn(data["day"]),
    }
    values.update(over)
    return values


def test_page_shows_the_form_to_the_office_only(login, data):
    url = f"/petitions/sessions/{data['session']}"
    office = login("office").get(url).get_data(as_text=True)
    assert 'id="petition-form"' in office and "Cơ quan tham mưu" in office
    for role in ("chair", "observer", "admin"):
        body = login(role).get(url).get_data(as_text=True)
        assert 'id="petition-list"' in body and 'id="petition-form"' not in body


def test_register_with_htmx_clears_form_and_updates_list(app, login, data, fetch, count):
    from portal.petitions.models import Petition

    c = login("office")
    response = c.post(f"/petitions/sessions/{data['session']}", _form(data), htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Đã ghi nhận ý kiến, kiến nghị." in body
    # The form came back empty, the list came out of band with the new row.
    assert 'id="petition-form"' in body and 'value="Trần Thị Bình"' not in body
    assert 'id="petition-list" class="card" hx-swap-oob="true"' in body
    assert "Phản ánh ô nhiễm tiếng ồn" in body and "<html" not in body
    assert count(Petition) == 1
    with app.app_context():
        from portal.extensions import db
        from sqlalchemy import select

        saved = db.session.scalar(select(Petition))
        assert saved.submitter_id_number == "024190005678"
        assert saved.advising_agency_id == data["agency"]
        assert saved.advising_deadline == data["day"]
        assert saved.submitter_key == "tran thi binh"
        assert "phan anh o nhiem" in saved.search_text
        assert saved.created_by_id == data["users"]["office"]


def test_register_without_htmx_redirects(login, data, count):
    from portal.petitions.models import Petition

    response = login("office").post(f"/petitions/sessions/{data['session']}", _form(data))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/petitions/sessions/{data['session']}")
    assert count(Petition) == 1


@pytest.mark.parametrize("over, message", [
    ({"submitter_name": ""}, "Trường này là bắt buộc."),
    ({"content": "x" * 10001}, "Không được dài quá 10000 ký tự."),
    ({"field_id": "0"}, "Vui lòng chọn lĩnh vực."),
    ({"channel": "at_dialogue"}, "Lựa chọn không hợp lệ."),
    ({"field_id": "abc"}, "Vui lòng chọn lĩnh vực."),
    ({"advising_agency_id": "999999"}, "Lựa chọn không hợp lệ."),
    ({"submitter_id_number": "0241-9000"}, "Số định danh chỉ gồm chữ và số."),
    ({"advising_deadline": ""}, "Vui lòng nhập hạn tham mưu."),
    ({"advising_agency_id": "0"}, "Vui lòng chọn cơ quan tham mưu cho hạn đã nhập."),
    ({"advising_deadline": "31/02/2025"}, "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ({"advising_deadline": "+1"}, "Hạn tham mưu không được sau ngày đối thoại"),
    ({"advising_deadline": "-1"}, "Hạn tham mưu không được trước ngày hôm nay."),
])
def test_bad_input_is_422_keeps_text_saves_nothing(login, data, count, over, message):
    from portal.petitions.models import Petition

    if over.get("advising_deadline") == "+1":
        over = {"advising_deadline": vn(data["day"] + timedelta(days=1))}
    elif over.get("advising_deadline") == "-1":
        from portal.timefmt import local_today

        over = {"advising_deadline": vn(local_today() - timedelta(days=1))}
    response = login("office").post(f"/petitions/sessions/{data['session']}", _form(data, **over),
                                    htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in body.replace("&#39;", "'")
    assert "Chưa lưu" in body
    assert "Phản ánh ô nhiễm tiếng ồn" in body or over.get("content")  # typed text kept
    assert 'hx-swap-oob' not in body  # the list is left alone
    assert count(Petition) == 0


def test_no_registration_once_the_meeting_opened(app, login, data, count):
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.status, meeting.stage = SessionStatus.IN_PROGRESS, "opening"
        db.session.commit()
    c = login("office")
    response = c.post(f"/petitions/sessions/{data['session']}", _form(data), htmx=True)
    assert response.status_code == 409
    assert 'id="petition-form"' not in c.get(f"/petitions/sessions/{data['session']}").get_data(
        as_text=True)
    assert count(Petition) == 0


def test_inline_classify_and_give_to_an_agency(login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    pid = make_petition()
    c = login("office")
    row = c.get(f"/petitions/{pid}/advising", htmx=True)
    assert row.status_code == 200 and f'id="petition-{pid}" class="editing"' in row.get_data(
        as_text=True)
    bad = c.post(f"/petitions/{pid}/advising", {
        f"a{pid}-field_id": str(data["fields"][2]),
        f"a{pid}-advising_agency_id": str(data["agency"]),
        f"a{pid}-advising_deadline": vn(data["day"] + timedelta(days=2))}, htmx=True)
    assert bad.status_code == 422
    assert "Hạn tham mưu không được sau ngày đối thoại" in bad.get_data(as_text=True)
    assert fetch(Petition, pid)["advising_agency_id"] is None
    good = c.post(f"/petitions/{pid}/advising", {
        f"a{pid}-field_id": str(data["fields"][2]),
        f"a{pid}-advising_agency_id": str(data["agency"]),
        f"a{pid}-advising_deadline": vn(data["day"])}, htmx=True)
    body = good.get_data(as_text=True)
    assert good.status_code == 200 and "STNMT" in body and "Xây dựng" in body
    assert 'class="editing"' not in body
    saved = fetch(Petition, pid)
    assert (saved["field_id"], saved["advising_agency_id"], saved["advising_deadline"]) == (
        data["fields"][2], data["agency"], data["day"])
    # Giving it back to nobody clears the deadline too.
    c.post(f"/petitions/{pid}/advising", {f"a{pid}-field_id": str(data["fields"][2]),
                                          f"a{pid}-advising_agency_id": "0",
                                          f"a{pid}-advising_deadline": ""}, htmx=True)
    assert fetch(Petition, pid)["advising_deadline"] is None


def test_edit_keeps_author_and_saves(login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    pid = make_petition(created_by_id=data["users"]["office"])
    c = login("office")
    page = c.get(f"/petitions/{pid}/edit").get_data(as_text=True)
    assert 'value="Nguyễn Văn An"' in page
    response = c.post(f"/petitions/{pid}/edit", _form(data, submitter_name="Nguyễn Văn Ân"))
    assert response.status_code == 303
    saved = fetch(Petition, pid)
    assert saved["submitter_name"] == "Nguyễn Văn Ân" and saved["submitter_key"] == "nguyen van an"
    assert saved["created_by_id"] == data["users"]["office"]
    bad = c.post(f"/petitions/{pid}/edit", _form(data, content=""), htmx=True)
    assert bad.status_code == 422 and fetch(Petition, pid)["content"].startswith("Phản ánh")


def test_edit_and_delete_refused_once_raised_or_assigned(app, login, data, make_petition, count):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import AnswerMode, Assignment

    raised = make_petition(raised_at_meeting=True)
    assigned = make_petition()
    with app.app_context():
        db.session.add(Assignment(petition_id=assigned, agency_id=data["agency"],
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"]))
        db.session.commit()
    c = login("office")
    for pid in (raised, assigned):
        assert c.get(f"/petitions/{pid}/edit").status_code == 409
        assert c.post(f"/petitions/{pid}/edit", _form(data)).status_code == 409
        assert c.post(f"/petitions/{pid}/delete", htmx=True).status_code == 409
        assert c.get(f"/petitions/{pid}/advising", htmx=True).status_code == 409
    assert count(Petition) == 2
    page = c.get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert f"/petitions/{raised}/delete" not in page and "Đã nêu tại buổi đối thoại" in page


def test_delete_relinks_later_repeats(login, data, make_petition, fetch, count):
    from portal.petitions.models import Petition

    first = make_petition()
    second = make_petition(duplicate_of_id=first)
    third = make_petition(duplicate_of_id=second)
    response = login("office").post(f"/petitions/{second}/delete", htmx=True)
    assert response.status_code == 200 and response.get_data(as_text=True) == ""
    assert fetch(Petition, second) is None
    assert fetch(Petition, third)["duplicate_of_id"] == first
    assert count(Petition) == 2


def test_office_sees_prepared_answers_on_session_page(login, data, make_petition):
    from portal.types import utcnow

    make_petition(advising_agency_id=data["agency"], advising_deadline=data["day"],
                  prepared_answer="Sở đã kiểm tra hồ sơ, đủ điều kiện cấp giấy",
                  prepared_at=utcnow())
    body = login("office").get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert "Sở đã kiểm tra hồ sơ, đủ điều kiện cấp giấy" in body and "Đã chuẩn bị" in body


def test_session_list_search_and_paging_are_fragments(login, data, make_petition):
    make_petition(content="Đề nghị sửa chữa đường giao thông liên xã")
    make_petition(content="Phản ánh ô nhiễm môi trường")
    c = login("office")
    response = c.get(f"/petitions/sessions/{data['session']}?q=duong+giao", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="petition-list"')
    assert "sửa chữa đường giao thông" in body and "ô nhiễm" not in body


def test_unknown_session_is_404(login):
    assert login("office").get("/petitions/sessions/999999").status_code == 404


def test_inline_forms_work_without_htmx(login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    pid = make_petition()
    c = login("office")
    page = c.get(f"/petitions/{pid}/advising")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert f'id="petition-{pid}" class="editing"' in page.get_data(as_text=True)
    bad = c.post(f"/petitions/{pid}/advising", {f"a{pid}-field_id": "0"})
    assert bad.status_code == 422 and "Vui lòng chọn lĩnh vực." in bad.get_data(as_text=True)
    good = c.post(f"/petitions/{pid}/advising", {f"a{pid}-field_id": str(data["fields"][1]),
                                                 f"a{pid}-advising_agency_id": "0"})
    assert good.status_code == 303 and fetch(Petition, pid)["field_id"] == data["fields"][1]
    assert c.get(f"/petitions/{pid}/row").status_code == 303
    assert c.get(f"/petitions/{pid}/row", htmx=True).get_data(as_text=True).lstrip().startswith(
        f'<tr id="petition-{pid}">')


def test_changing_the_field_rechecks_repeats(app, login, data, make_petition, fetch):
    from portal.petitions.models import Petition

    text = "Phản ánh tình trạng khai thác cát trái phép trên sông Cầu đoạn qua xã Tân Mỹ"
    earlier = make_petition(submitter_name="Người thứ nhất", content=text,
                            field_id=data["fields"][1])
    later = make_petition(submitter_name="Người thứ hai", content=text, field_id=data["fields"][0])
    assert fetch(Petition, later)["duplicate_of_id"] is None  # made directly, never checked
    login("office").post(f"/petitions/{later}/advising", {
        f"a{later}-field_id": str(data["fields"][1]), f"a{later}-advising_agency_id": "0"},
        htmx=True)
    assert fetch(Petition, later)["duplicate_of_id"] == earlier


@pytest.mark.real_commit
def test_concurrent_change_is_409_and_saves_nothing(app, login, data, make_petition, fetch,
                                                   monkeypatch):
    from portal.extensions import db
    from portal.petitions import services
    from portal.petitions.models import Petition

    pid = make_petition()
    real = services.update_petition

    def edited_meanwhile(petition, form):
        # another user's save lands after this one read the row, before it writes (writing
        # first would flush this one's UPDATE and hold the row the other waits for)
        with db.engine.begin() as conn:
            conn.execute(Petition.__table__.update().where(Petition.__table__.c.id == pid)
                         .values(version=Petition.__table__.c.version + 1, locality="khác"))
        real(petition, form)

    monkeypatch.setattr(services, "update_petition", edited_meanwhile)
    response = login("office").post(f"/petitions/{pid}/edit", _form(data))
    assert response.status_code == 409
    assert fetch(Petition, pid)["submitter_name"] == "Nguyễn Văn An"
