"""The preparation under real concurrency (PostgreSQL, real threads, real commits): two
saves of one step from one version, a resend racing the original with one client key, two
people creating one session's checklist at once. Exactly one wins; never a 500."""
import threading

import pytest
from preparation_helpers import checklist, count, item_form, row

pytestmark = pytest.mark.real_commit


@pytest.fixture(autouse=True)
def _postgresql_only(db_name):
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the races need PostgreSQL")


def _at_once(calls):
    """Send every (client, url, form) at the same instant, each from its own thread (its own
    app context, session and connection); the (status, body) of each, in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def send(i, client, url, form):
        try:
            barrier.wait(timeout=30)
            response = client.post(url, form, htmx=True)
            answers[i] = (response.status_code, response.get_data(as_text=True))
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            answers[i] = (500, repr(exc))  # the test client raises what would be a 500

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_two_saves_of_one_step_from_one_version(app, login, data):
    from portal.preparation.models import ChecklistItem

    (item_id,) = checklist(app, data, owners=[data["agency"]])
    office, admin = login("office"), login("admin")
    for _round in range(3):
        shown = row(app, ChecklistItem, item_id)
        typed = (f"Bản của văn phòng {_round}", f"Bản của quản trị {_round}")
        answers = _at_once([
            (office, f"/preparation/items/{item_id}", item_form(shown, title=typed[0])),
            (admin, f"/preparation/items/{item_id}", item_form(shown, title=typed[1])),
        ])
        assert sorted(status for status, _ in answers) == [200, 409], \
            [(s, b[:300]) for s, b in answers]
        won = 0 if answers[0][0] == 200 else 1
        saved = row(app, ChecklistItem, item_id)
        assert (saved.title, saved.version) == (typed[won], shown.version + 1)
        refused = answers[1 - won][1]
        assert f'<td class="pre">{typed[won]}</td>' in refused  # saved now
        assert f'value="{typed[1 - won]}"' in refused  # typed, kept


def test_officer_and_office_save_one_step_at_once(app, login, data):
    """The officer's note and the Office's edit of the same step from one version."""
    from portal.preparation.models import ChecklistItem

    (item_id,) = checklist(app, data, owners=[data["agency"]])
    office, officer = login("office"), login("officer")
    shown = row(app, ChecklistItem, item_id)
    answers = _at_once([
        (office, f"/preparation/items/{item_id}", item_form(shown, note="Văn phòng nhắc")),
        (officer, f"/preparation/items/{item_id}", {"edit-note": "Sở đã gửi",
                                                    "edit-version": shown.version}),
    ])
    assert sorted(status for status, _ in answers) == [200, 409], \
        [(s, b[:300]) for s, b in answers]
    won = 0 if answers[0][0] == 200 else 1
    assert row(app, ChecklistItem, item_id).note == ("Văn phòng nhắc", "Sở đã gửi")[won]


def test_two_replies_from_one_version(app, login, data):
    from portal.extensions import db
    from portal.preparation.models import Invitee, InviteeKind, Reply

    with app.app_context():
        invitee = Invitee(session_id=data["session"], kind=InviteeKind.AGENCY,
                          agency_id=data["agency"], name="Sở Tài nguyên và Môi trường")
        db.session.add(invitee)
        db.session.commit()
        inv_id = invitee.id
    office, officer = login("office"), login("officer")
    url = f"/preparation/invitees/{inv_id}/reply"
    answers = _at_once([
        (office, url, {f"r{inv_id}-reply": "confirmed", f"r{inv_id}-version": "1"}),
        (officer, url, {f"r{inv_id}-reply": "declined", f"r{inv_id}-version": "1"}),
    ])
    assert sorted(status for status, _ in answers) == [200, 409], \
        [(s, b[:300]) for s, b in answers]
    won = 0 if answers[0][0] == 200 else 1
    assert row(app, Invitee, inv_id).reply == (Reply.CONFIRMED, Reply.DECLINED)[won]


@pytest.mark.parametrize("what", ["person", "agencies", "item", "template"])
def test_one_key_twice_at_once_creates_one(app, login, data, what):
    from portal.preparation.models import ChecklistItem, ChecklistTemplateItem, Invitee

    office = login("office")
    resend = login("office")  # the same user's second request: another connection
    office.get("/preparation/templates")  # the default steps exist before the race
    model = ChecklistTemplateItem if what == "template" else (
        ChecklistItem if what == "item" else Invitee)
    before = count(app, model)
    for _round in range(3):
        key = f"race-{what}-{_round}"
        url, form = {
            "person": ("/invitations/people", {"person-kind": "citizen",
                                               "person-name": f"Nguyễn Thị Hằng {_round}",
                                               "person-client_key": key}),
            "agencies": ("/invitations/agencies", {
                "ag-agency_ids": [data["agency"], data["other_agency"]][_round % 2],
                "ag-client_key": key}),
            "item": ("/items", {"new-title": f"Kiểm tra âm thanh {_round}",
                                "new-owner_agency_id": "0",
                                "new-due_date": data["day"].strftime("%d/%m/%Y"),
                                "new-client_key": key}),
            "template": (None, {"new-title": f"Bước {_round}", "new-days_before": "1",
                                "new-owner": "office", "new-client_key": key}),
        }[what]
        url = ("/preparation/templates?kind=business" if url is None
               else f"/preparation/sessions/{data['session']}{url}")
        answers = _at_once([(office, url, form), (resend, url, form)])
        assert all(status < 500 for status, _ in answers), [(s, b[:300]) for s, b in answers]
        assert [status for status, _ in answers].count(200) >= 1, \
            [(s, b[:300]) for s, b in answers]
        expected = min(_round + 1, 2) if what == "agencies" else _round + 1
        assert count(app, model) == before + expected


def test_two_people_create_one_checklist_at_once(app, login, data):
    """Different keys (two people): the session's row is held while the first builds its
    checklist, so the second finds it and is told so (409). The session is prepared by hand
    already (its invitations), so building the checklist does not change its row."""
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem
    from portal.preparation.services import DEFAULT_STEPS

    with app.app_context():
        db.session.get(DialogueSession, data["session"]).is_customized = True
        db.session.commit()
    office, admin = login("office"), login("admin")
    office.get("/preparation/templates")
    url = f"/preparation/sessions/{data['session']}/checklist"
    answers = _at_once([(office, url, {"client_key": "cl-a"}),
                        (admin, url, {"client_key": "cl-b"})])
    assert sorted(status for status, _ in answers) == [200, 409], \
        [(s, b[:300]) for s, b in answers]
    assert count(app, ChecklistItem) == len(DEFAULT_STEPS)
