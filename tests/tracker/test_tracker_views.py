"""The follow-up tracker: the agency answers, the office accepts or returns; scoping by agency."""
from datetime import timedelta

import pytest



@pytest.fixture
def assigned(app, data):
    """One petition of the session assigned in writing to the officer's agency, one to another."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        ids = {}
        for key, agency in (("mine", data["agency"]), ("theirs", data["other_agency"])):
            petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name=f"Người dân {key}", field_id=data["fields"][0],
                                content=f"Kiến nghị về đất đai ({key})",
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.flush()
            assignment = Assignment(petition_id=petition.id, agency_id=agency,
                                    mode=AnswerMode.IN_WRITING,
                                    deadline=data["day"] + timedelta(days=15))
            db.session.add(assignment)
            db.session.flush()
            ids[key] = assignment.id
        db.session.commit()
    return ids


def _status(app, assignment_id):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    with app.app_context():
        return db.session.get(Assignment, assignment_id).status.value


def test_officer_sees_only_own_agency(login, assigned):
    page = login("officer").get("/tracker/").get_data(as_text=True)
    assert "Kiến nghị về đất đai (mine)" in page
    assert "Kiến nghị về đất đai (theirs)" not in page
    other = login("other_officer").get("/tracker/").get_data(as_text=True)
    assert "(theirs)" in other and "(mine)" not in other


def test_staff_and_observer_see_all(login, assigned):
    for role in ("office", "chair", "observer"):
        page = login(role).get("/tracker/").get_data(as_text=True)
        assert "(mine)" in page and "(theirs)" in page


@pytest.mark.parametrize("method, suffix, form", [
    ("get", "", None),
    ("post", "/answer", {"answer": "Trả lời chen ngang"}),
])
def test_officer_cannot_read_or_change_another_agency_item(app, login, assigned, method,
                                                           suffix, form):
    c = login("officer")
    url = f"/tracker/{assigned['theirs']}{suffix}"
    response = c.get(url) if method == "get" else c.post(url, data=form, htmx=True)
    assert response.status_code == 404
    assert "Kiến nghị về đất đai (theirs)" not in response.get_data(as_text=True)
    assert _status(app, assigned["theirs"]) == "assigned"


def test_answer_then_return_then_answer_then_accept(app, login, assigned):
    officer, office = login("officer"), login("office")
    url = f"/tracker/{assigned['mine']}"
    response = officer.post(url + "/answer", data={"answer": "Sở đã kiểm tra thực địa."})
    assert response.status_code == 303 and _status(app, assigned["mine"]) == "answered"
    assert "Đã trả lời" in office.get("/tracker/?status=answered").get_data(as_text=True)
    response = office.post(url + "/return", data={"reason": "Cần nêu rõ thời hạn cấp giấy."},
                           htmx=True)
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith(url)
    assert _status(app, assigned["mine"]) == "returned"
    assert "Cần nêu rõ thời hạn cấp giấy." in officer.get(url).get_data(as_text=True)
    officer.post(url + "/answer", data={"answer": "Giấy chứng nhận cấp trước 30/12."})
    assert office.post(url + "/accept").status_code == 303
    assert _status(app, assigned["mine"]) == "done"
    assert "Đã hoàn thành" in office.get(url).get_data(as_text=True)


def test_refused_transitions(app, login, assigned):
    officer, office = login("officer"), login("office")
    url = f"/tracker/{assigned['mine']}"
    # The office cannot accept what was not answered; it cannot answer for the agency.
    response = office.post(url + "/accept", htmx=True)
    assert response.status_code == 409
    assert "không phù hợp với trạng thái" in response.get_data(as_text=True)
    assert office.post(url + "/answer", data={"answer": "x"}).status_code == 403
    # The officer cannot accept their own answer.
    officer.post(url + "/answer", data={"answer": "Đã xử lý."})
    assert officer.post(url + "/accept").status_code == 403
    assert login("observer").post(url + "/return", data={"reason": "x"}).status_code == 403
    assert _status(app, assigned["mine"]) == "answered"


def test_empty_answer_is_a_field_error(app, login, assigned):
    response = login("officer").post(f"/tracker/{assigned['mine']}/answer",
                                     data={"answer": "   "}, htmx=True)
    assert response.status_code == 422
    assert "Vui lòng nhập nội dung trả lời." in response.get_data(as_text=True)
    assert _status(app, assigned["mine"]) == "assigned"


def test_return_without_reason_keeps_state(app, login, assigned):
    login("officer").post(f"/tracker/{assigned['mine']}/answer", data={"answer": "Xong."})
    response = login("office").post(f"/tracker/{assigned['mine']}/return", data={"reason": ""},
                                    htmx=True)
    assert response.status_code == 422
    assert "Vui lòng nêu lý do trả lại." in response.get_data(as_text=True)
    assert _status(app, assigned["mine"]) == "answered"


def test_status_filter_fragment(login, assigned):
    response = login("office").get("/tracker/?status=done", htmx=True)
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="list"') and "Không có nhiệm vụ nào." in body
