"""Answers prepared before the meeting (issue 13): the office marks each advance petition
(answer at the meeting, answered in writing before it, to be assigned); one answered before
is closed with the prepared answer — an accepted tracker item whose timeline says so — and
the runner's disposition, the host briefing and the minutes (live and as drafted to issue)
say so."""
import io
import unicodedata

import pytest
from pypdf import PdfReader
from sqlalchemy import select

pytest_plugins = ["tests.petitions.petition_fixtures"]

ANSWER = "Sở đã kiểm tra, hồ sơ cấp giấy chứng nhận đã được giải quyết ngày 20/11"


@pytest.fixture
def advance(app, data, make_petition):
    """Two advance petitions advised by the officer's agency: one with a prepared answer."""
    from portal.timefmt import local_today
    from portal.types import utcnow

    return {
        "prepared": make_petition(advising_agency_id=data["agency"],
                                  advising_deadline=local_today(),
                                  prepared_answer=ANSWER, prepared_at=utcnow()),
        "unprepared": make_petition(content="Đề nghị sửa đường liên thôn",
                                    advising_agency_id=data["agency"],
                                    advising_deadline=local_today()),
    }


def _mark(c, pid, plan, version=None, htmx=True):
    from portal.extensions import db
    from portal.petitions.models import Petition

    if version is None:
        version = db.session.get(Petition, pid).version
        db.session.remove()
    return c.post(f"/petitions/{pid}/answer-plan", htmx=htmx,
                  data={f"ap{pid}-answer_plan": plan, f"ap{pid}-version": version})


def _steps(app, pid):
    from portal.extensions import db
    from portal.tracker.models import Assignment, AssignmentStep

    with app.app_context():
        a = db.session.scalar(select(Assignment).where(Assignment.petition_id == pid))
        if a is None:
            return None, []
        steps = db.session.scalars(select(AssignmentStep).where(
            AssignmentStep.assignment_id == a.id).order_by(AssignmentStep.id)).all()
        return ({"id": a.id, "status": a.status.value, "answer": a.answer,
                 "agency_id": a.agency_id},
                [(s.action, s.from_status, s.to_status, s.text) for s in steps])


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() for p in reader.pages)).split())


def test_marked_answered_before_closes_the_petition_with_its_prepared_answer(
        app, login, data, advance):
    from portal.petitions.models import AnswerPlan, Petition
    from portal.extensions import db

    c = login("office")
    with app.app_context():
        row = _mark(c, advance["prepared"], "before_meeting")
    assert row.status_code == 200
    body = row.get_data(as_text=True)
    assert body.lstrip().startswith(f'<tr id="petition-{advance["prepared"]}"')
    assert "Đã trả lời bằng văn bản trước buổi đối thoại" in body
    item, steps = _steps(app, advance["prepared"])
    assert item["status"] == "done" and item["answer"] == ANSWER
    assert item["agency_id"] == data["agency"]
    assert steps == [("assign", None, "assigned", ""),
                     ("answer_before_meeting", "assigned", "answered", ANSWER),
                     ("accept", "answered", "done", "")]
    with app.app_context():
        assert db.session.get(Petition, advance["prepared"]).answer_plan == \
            AnswerPlan.BEFORE_MEETING
    # The tracker item's timeline shows it.
    page = c.get(f"/tracker/{item['id']}").get_data(as_text=True)
    assert "Đã trả lời bằng văn bản trước buổi đối thoại" in page and ANSWER in page
    assert "Đã hoàn thành" in page


def test_without_a_prepared_answer_it_cannot_be_marked_answered(app, login, data, advance):
    c = login("office")
    with app.app_context():
        refused = _mark(c, advance["unprepared"], "before_meeting")
    assert refused.status_code == 422
    assert "Chưa có nội dung trả lời dự kiến" in refused.get_data(as_text=True)
    assert _steps(app, advance["unprepared"]) == (None, [])


def test_other_marks_and_taking_the_closing_back(app, login, data, advance):
    from portal.extensions import db
    from portal.petitions.models import AnswerPlan, Petition

    c = login("office")
    with app.app_context():
        assert _mark(c, advance["unprepared"], "to_assign").status_code == 200
        assert _mark(c, advance["prepared"], "before_meeting").status_code == 200
        back = _mark(c, advance["prepared"], "at_meeting")
    assert back.status_code == 200
    assert _steps(app, advance["prepared"]) == (None, [])
    with app.app_context():
        assert db.session.get(Petition, advance["prepared"]).answer_plan == AnswerPlan.AT_MEETING
        assert db.session.get(Petition, advance["unprepared"]).answer_plan == \
            AnswerPlan.TO_ASSIGN
    page = c.get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert "Phân công cơ quan trả lời bằng văn bản" in page
    assert 'name="ap%d-answer_plan"' % advance["prepared"] in page


def test_a_stale_mark_is_refused(app, login, data, advance):
    c = login("office")
    with app.app_context():
        assert _mark(c, advance["prepared"], "to_assign").status_code == 200
        stale = _mark(c, advance["prepared"], "before_meeting", version=1)
    assert stale.status_code == 409
    assert _steps(app, advance["prepared"]) == (None, [])


@pytest.mark.parametrize("role", ["officer", "chair", "observer", "admin"])
def test_only_the_office_marks(app, login, data, advance, role):
    with app.app_context():
        assert _mark(login(role), advance["prepared"], "before_meeting").status_code == 403
    assert _steps(app, advance["prepared"]) == (None, [])


def test_no_mark_once_the_meeting_opened(app, login, data, advance):
    c = login("office")
    assert c.post(f"/runner/{data['session']}/start", htmx=True).status_code == 200
    with app.app_context():
        refused = _mark(c, advance["prepared"], "before_meeting")
    assert refused.status_code == 409
    assert _steps(app, advance["prepared"]) == (None, [])


def test_runner_briefing_and_minutes_say_it_was_answered_before(app, login, data, advance):
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    c = login("office")
    with app.app_context():
        assert _mark(c, advance["prepared"], "before_meeting").status_code == 200
    url = f"/runner/{data['session']}"
    assert c.post(f"{url}/start", htmx=True).status_code == 200
    assert c.post(f"{url}/advance", htmx=True).status_code == 200  # the host briefing
    briefing = c.get(f"{url}/briefing").get_data(as_text=True)
    assert 'id="answered-before"' in briefing
    assert "Ý kiến đã được trả lời bằng văn bản trước buổi đối thoại" in briefing
    assert "Nguyễn Văn An" in briefing and ANSWER[:60] in briefing
    console = c.get(url).get_data(as_text=True)
    assert 'id="answered-before"' in console
    c.post(f"{url}/advance", htmx=True)
    page = c.post(f"{url}/advance", htmx=True).get_data(as_text=True)  # Phân công trả lời
    prepared = advance["prepared"]
    assert f'class="disposition d-answered-before"' in page
    assert "Đã được Sở Tài nguyên và Môi trường trả lời bằng văn bản trước buổi đối thoại" in page
    assert f'id="assign-{prepared}"' not in page
    assert "Còn 1/2 ý kiến chưa có hướng xử lý." in page
    # The chair cannot assign it again nor undo it.
    again = c.post(f"{url}/petitions/{prepared}/assign", htmx=True, data={
        f"p{prepared}-agency_id": data["other_agency"], f"p{prepared}-mode": "on_the_spot",
        f"p{prepared}-answer": "Khác"})
    assert again.status_code == 409
    assert c.post(f"{url}/petitions/{prepared}/unassign", htmx=True).status_code == 409
    assert _steps(app, prepared)[0]["status"] == "done"
    # The minutes as shown live.
    text = _pdf_text(c.get(f"/documents/sessions/{data['session']}/minutes.pdf").data)
    assert ("Đã được Sở Tài nguyên và Môi trường trả lời bằng văn bản trước buổi đối thoại: "
            + ANSWER) in text
    assert "trong đó 1 ý kiến đã được trả lời bằng văn bản trước buổi đối thoại" in text
    # The minutes drafted at closing, the text that is issued.
    c.post(f"{url}/petitions/{advance['unprepared']}/close", htmx=True,
           data={f"c{advance['unprepared']}-reason": "Đã rút ý kiến", "client_key": "k1"})
    c.post(f"{url}/advance", htmx=True, data={"confirm": "1"})
    c.post(f"{url}/conclusion", htmx=True, data={"conclusion": "Giao các sở trả lời."})
    closed = c.post(f"{url}/close", htmx=True)
    assert closed.status_code == 200, closed.get_data(as_text=True)[:400]
    with app.app_context():
        minutes = db.session.scalar(select(Document).where(
            Document.session_id == data["session"], Document.doc_type == DocumentType.BB))
        texts = " ".join(b["text"] for b in minutes.blocks)
    assert "trả lời bằng văn bản trước buổi đối thoại: " + ANSWER in texts


def test_the_petition_page_shows_the_mark(app, login, data, advance):
    c = login("office")
    with app.app_context():
        assert _mark(c, advance["prepared"], "before_meeting").status_code == 200
    page = c.get(f"/petitions/{advance['prepared']}").get_data(as_text=True)
    assert 'id="answer-plan">Đã trả lời bằng văn bản trước buổi đối thoại<' in page
    other = c.get(f"/petitions/{advance['unprepared']}").get_data(as_text=True)
    assert 'id="answer-plan">—<' in other


def test_the_answer_given_before_cannot_be_rewritten_by_the_agency(app, login, data, advance):
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        assert _mark(login("office"), advance["prepared"], "before_meeting").status_code == 200
        version = db.session.get(Petition, advance["prepared"]).version
    refused = login("officer").post(f"/petitions/{advance['prepared']}/prepare", htmx=True,
                                    data={"prepared_answer": "Khác", "version": version})
    assert refused.status_code == 409
    assert "đã được trả lời bằng văn bản trước buổi đối thoại" in refused.get_data(as_text=True)
    assert _steps(app, advance["prepared"])[0]["answer"] == ANSWER
    page = login("officer").get(f"/petitions/{advance['prepared']}/prepare").get_data(as_text=True)
    assert 'id="answered-before"' in page and 'name="prepared_answer"' not in page


def test_the_script_says_which_were_answered_before(app, login, data, advance):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.papers.script import script_of

    with app.app_context():
        assert _mark(login("office"), advance["prepared"], "before_meeting").status_code == 200
        script = {part.stage: " ".join(line.text for line in part.lines)
                  for part in script_of(db.session.get(DialogueSession, data["session"]))}
    assert "Đã trả lời bằng văn bản trước buổi đối thoại." in script["discussion"]
    assignment = script["assignment"]
    assert "Ý kiến đã được trả lời bằng văn bản trước buổi đối thoại: số" in assignment
    # The other advance petition is still to be answered by the advising agency.
    assert "Sở Tài nguyên và Môi trường trả lời ý kiến số" in assignment
