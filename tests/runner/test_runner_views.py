"""The meeting-day runner: the stage machine through its views, as htmx fragments."""
import re
from datetime import timedelta

from sqlalchemy import func, select

from support import vn


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _floor(c, data, **overrides):
    form = {"submitter_name": "Nguyễn Văn Ước", "submitter_kind": "citizen",
            "locality": "xã Tân Sỏi", "field_id": data["fields"][0], "channel": "at_dialogue",
            "content": "Đề nghị làm rõ việc thu hồi đất của gia đình tôi"}
    form.update(overrides)
    return c.post(_url(data, "/petitions"), data=form, htmx=True)


def _to_stage(c, data, n):
    """Open the meeting and advance n times."""
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True).status_code == 200


def _meeting(app, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        db.session.expunge(meeting)
        return meeting


def test_console_page_and_fragment(login, data):
    c = login("office")
    page = c.get(_url(data)).get_data(as_text=True)
    assert "<html" in page and 'id="runner"' in page and "Khai mạc" in page
    fragment = c.get(_url(data), htmx=True).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="runner"') and "<html" not in fragment


def test_full_meeting_walks_five_stages_and_locks(app, login, data):
    from portal.extensions import db
    from portal.runner.models import TimelineEntry
    from portal.tracker.models import Assignment, AssignmentStatus

    c = login("chair")
    _to_stage(c, data, 2)
    assert _meeting(app, data).stage == "discussion"
    response = _floor(c, data)
    assert response.status_code == 200 and "Nguyễn Văn Ước" in response.get_data(as_text=True)
    _floor(c, data, submitter_name="Công ty TNHH Đồng Tâm", submitter_kind="business",
           content="Kiến nghị tháo gỡ thủ tục đầu tư")
    c.post(_url(data, "/advance"), htmx=True)
    assert _meeting(app, data).stage == "assignment"
    with app.app_context():
        from portal.petitions.models import Petition

        first, second = db.session.scalars(select(Petition.id).order_by(Petition.id)).all()
    deadline = data["day"] + timedelta(days=15)
    response = c.post(_url(data, f"/petitions/{first}/assign"), htmx=True, data={
        f"p{first}-agency_id": data["agency"], f"p{first}-mode": "in_writing",
        f"p{first}-deadline": vn(deadline), f"p{first}-answer": ""})
    assert response.status_code == 200, response.get_data(as_text=True)
    response = c.post(_url(data, f"/petitions/{second}/assign"), htmx=True, data={
        f"p{second}-agency_id": data["other_agency"], f"p{second}-mode": "on_the_spot",
        f"p{second}-deadline": "", f"p{second}-answer": "Sở Xây dựng sẽ hướng dẫn ngay trong tuần."})
    assert response.status_code == 200
    c.post(_url(data, "/advance"), htmx=True)
    assert _meeting(app, data).stage == "conclusion"
    response = c.post(_url(data, "/conclusion"), htmx=True, data={
        "conclusion": "Giao các sở trả lời đúng hạn."})
    assert response.status_code == 200
    assert c.post(_url(data, "/close"), htmx=True).status_code == 200
    meeting = _meeting(app, data)
    assert meeting.closed_at is not None and meeting.status.value == "concluded"
    with app.app_context():
        written = db.session.scalar(select(Assignment).where(Assignment.petition_id == first))
        assert written.status == AssignmentStatus.ASSIGNED and written.deadline == deadline
        spot = db.session.scalar(select(Assignment).where(Assignment.petition_id == second))
        assert spot.status == AssignmentStatus.DONE and "hướng dẫn" in spot.answer
        actions = db.session.scalars(select(TimelineEntry.action).order_by(TimelineEntry.id)).all()
    assert actions.count("stage") == 5 and actions.count("petition") == 2
    assert actions.count("assigned") == 2 and actions[-1] == "closed"
    # Locked: nothing more can be recorded.
    assert _floor(c, data).status_code == 409
    assert c.post(_url(data, "/advance"), htmx=True).status_code == 409


def test_conclusion_with_unassigned_petitions_needs_confirmation(app, login, data):
    c = login("office")
    _to_stage(c, data, 2)
    _floor(c, data)
    c.post(_url(data, "/advance"), htmx=True)
    response = c.post(_url(data, "/advance"), htmx=True)
    assert response.status_code == 409
    assert "Còn 1 ý kiến chưa có hướng xử lý" in response.get_data(as_text=True)
    assert _meeting(app, data).stage == "assignment"
    response = c.post(_url(data, "/advance"), data={"confirm": "1"}, htmx=True)
    assert response.status_code == 200 and _meeting(app, data).stage == "conclusion"


def test_cannot_record_petition_outside_discussion(app, login, data):
    from portal.petitions.models import Petition

    c = login("office")
    _to_stage(c, data, 0)
    response = _floor(c, data)
    assert response.status_code == 409
    assert "Chỉ thực hiện được ở bước" in response.get_data(as_text=True)
    with app.app_context():
        from portal.extensions import db

        assert db.session.scalar(select(func.count(Petition.id))) == 0


def test_bad_floor_petition_keeps_text(login, data):
    c = login("office")
    _to_stage(c, data, 2)
    response = _floor(c, data, field_id="0", content="Nội dung tôi vừa gõ")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="field_id-error"' in body and "Nội dung tôi vừa gõ" in body


def test_bad_assignment_input(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import Assignment

    c = login("office")
    _to_stage(c, data, 2)
    _floor(c, data)
    c.post(_url(data, "/advance"), htmx=True)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    past = data["day"] - timedelta(days=30)
    for form, field, message in [
        ({"agency_id": "0", "mode": "in_writing", "deadline": vn(data["day"])}, "agency_id",
         "Vui lòng chọn cơ quan."),
        ({"agency_id": data["agency"], "mode": "in_writing", "deadline": ""}, "deadline",
         "Vui lòng nhập hạn trả lời"),
        ({"agency_id": data["agency"], "mode": "in_writing", "deadline": vn(past)}, "deadline",
         "không được trước ngày hôm nay"),
        ({"agency_id": data["agency"], "mode": "in_writing", "deadline": "32/13/2026"},
         "deadline", "Ngày không hợp lệ"),
        ({"agency_id": data["agency"], "mode": "on_the_spot", "answer": ""}, "answer",
         "Vui lòng ghi nội dung trả lời"),
    ]:
        response = c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True,
                          data={f"p{pid}-{k}": v for k, v in form.items()})
        body = response.get_data(as_text=True)
        assert response.status_code == 422, form
        assert f'id="p{pid}-{field}-error"' in body and message in body
    with app.app_context():
        assert db.session.scalar(select(func.count(Assignment.id))) == 0


def test_stale_conclusion_is_refused_with_current_text(app, login, data):
    c = login("office")
    chair = login("chair")
    _to_stage(c, data, 4)
    from portal.runner.forms import text_base

    base = text_base(_meeting(app, data).conclusion)  # both opened the empty conclusion
    assert chair.post(_url(data, "/conclusion"), htmx=True, data={
        "conclusion": "Kết luận của đồng chí chủ trì", "base": base}).status_code == 200
    response = c.post(_url(data, "/conclusion"), htmx=True, data={
        "conclusion": "Bản của thư ký", "base": base})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Kết luận của đồng chí chủ trì" in body and "Bản của thư ký" in body
    assert _meeting(app, data).conclusion == "Kết luận của đồng chí chủ trì"


def test_close_needs_a_conclusion(app, login, data):
    c = login("office")
    _to_stage(c, data, 4)
    response = c.post(_url(data, "/close"), htmx=True)
    assert response.status_code == 409
    assert "Cần nhập kết luận" in response.get_data(as_text=True)
    assert _meeting(app, data).closed_at is None


def test_raise_registered_petition(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("office")
    c.post(f"/petitions/sessions/{data['session']}", htmx=True, data={
        "submitter_kind": "voter", "submitter_name": "Đại diện cử tri xã Tân Sỏi",
        "field_id": data["fields"][1], "channel": "voter_contact", "content": "Ô nhiễm suối"})
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    _to_stage(c, data, 2)
    assert c.post(_url(data, f"/petitions/{pid}/raise"), htmx=True).status_code == 200
    with app.app_context():
        assert db.session.get(Petition, pid).raised_at_meeting


def test_start_twice_is_refused(login, data):
    c = login("office")
    _to_stage(c, data, 0)
    assert c.post(_url(data, "/start"), htmx=True).status_code == 409


def test_runner_forms_post_without_htmx_and_never_leak_into_the_url(login, data):
    """Before htmx has hooked a form, a click must POST (with CSRF), not GET the typed text."""
    import re

    c = login("office")
    _to_stage(c, data, 2)
    page = c.get(_url(data)).get_data(as_text=True)
    forms = re.findall(r"<form[^>]*>", page)
    runner_forms = [f for f in forms if "/runner/" in f]
    assert runner_forms and all('method="post"' in f for f in runner_forms)
    response = c.post(_url(data, "/petitions"), data={
        "submitter_name": "Ngô Văn Tám", "submitter_kind": "citizen", "locality": "",
        "field_id": data["fields"][0], "channel": "at_dialogue", "content": "Đường làng"})
    assert response.status_code == 200 and "<html" in response.get_data(as_text=True)


def test_timeline_shows_labels_not_codes(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("office")
    _to_stage(c, data, 2)
    _floor(c, data)
    c.post(_url(data, "/advance"), htmx=True)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    body = c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True, data={
        f"p{pid}-agency_id": data["agency"], f"p{pid}-mode": "in_writing",
        f"p{pid}-deadline": vn(data["day"] + timedelta(days=9))}).get_data(as_text=True)
    shown = re.sub(r'(value|data-when-mode)="[^"]*"', "", body.split('id="runner"')[1])
    assert "Trả lời bằng văn bản" in body and "in_writing" not in shown
