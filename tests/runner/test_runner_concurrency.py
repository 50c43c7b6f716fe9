"""The meeting day under real concurrency (PostgreSQL, real threads, real commits): two
people saving the same text from the same version, a retry racing the original request
with one client key, the room-screen toggle hit twice at once. Never a 500."""
import threading

import pytest
from sqlalchemy import func, select

pytestmark = pytest.mark.real_commit


@pytest.fixture(autouse=True)
def _postgresql_only(db_name):
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the races need PostgreSQL")


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _stage(c, data, n):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"}).status_code == 200


def _at_once(app, calls):
    """Send every (client, url, form) at the same instant, each from its own thread (its own
    app context, session and connection); the (status, body) of each, in order."""
    barrier = threading.Barrier(len(calls))
    answers: list = [None] * len(calls)

    def send(i, client, url, form):
        try:
            barrier.wait(timeout=30)
            response = client.post(url, htmx=True, data=form)
            answers[i] = (response.status_code, response.get_data(as_text=True))
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            answers[i] = (500, repr(exc))  # the test client raises what would be a 500

    threads = [threading.Thread(target=send, args=(i, *call)) for i, call in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return answers


def _count(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_conclusion_saves_from_one_base_one_wins_one_409(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.runner.forms import text_base

    chair, office = login("chair"), login("office")
    _stage(chair, data, 4)
    base = text_base("")  # both opened the empty conclusion
    for _round in range(3):
        answers = _at_once(app, [
            (chair, _url(data, "/conclusion"), {"conclusion": f"Bản của chủ trì {_round}",
                                                "base": base}),
            (office, _url(data, "/conclusion"), {"conclusion": f"Bản của thư ký {_round}",
                                                 "base": base}),
        ])
        statuses = sorted(status for status, _body in answers)
        assert statuses == [200, 409], [(s, b[:300]) for s, b in answers]
        with app.app_context():
            saved = db.session.get(DialogueSession, data["session"]).conclusion
        won = 0 if answers[0][0] == 200 else 1
        assert saved == ("Bản của chủ trì", "Bản của thư ký")[won] + f" {_round}"
        refused = answers[1 - won][1]
        # The refused one sees the text now saved beside the text they typed.
        assert saved in refused
        assert ("Bản của thư ký", "Bản của chủ trì")[won] + f" {_round}" in refused
        base = text_base(saved)


@pytest.mark.parametrize("what", ["petition", "speaker", "limit"])
def test_same_action_twice_at_once_with_one_key_is_applied_once(app, login, data, what):
    from portal.petitions.models import Petition
    from portal.runner.models import Speaker, TimelineEntry

    office = login("office")
    retry = login("office")  # the same user's second request: another connection
    _stage(office, data, 2)
    for _round in range(3):
        key = f"retry-{what}-{_round}"
        url, form, action = {
            "petition": ("/petitions", {
                "submitter_name": f"Lý Văn Mạnh {_round}", "submitter_kind": "citizen",
                "locality": "", "field_id": data["fields"][0], "channel": "at_dialogue",
                "content": "Đèn đường hỏng"}, "petition"),
            "speaker": ("/speakers", {"sp-name": f"Đỗ Thị Lan {_round}", "sp-kind": "citizen",
                                      "sp-locality": ""}, "speaker_added"),
            "limit": ("/limit", {"minutes": str(2 + _round)}, "limit"),
        }[what]
        form = {**form, "client_key": key}
        answers = _at_once(app, [(office, _url(data, url), form), (retry, _url(data, url), form)])
        assert all(status < 500 for status, _ in answers), \
            [(s, b[:300]) for s, b in answers]
        assert [s for s, _ in answers].count(200) >= 1
        assert _count(app, TimelineEntry, TimelineEntry.action == action) == _round + 1
    if what == "petition":
        assert _count(app, Petition) == 3
    if what == "speaker":
        assert _count(app, Speaker) == 3


def test_show_on_screen_toggled_twice_at_once_never_500(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition

    office, chair = login("office"), login("chair")
    _stage(office, data, 2)
    office.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Vương Văn Sơn", "submitter_kind": "business", "locality": "",
        "field_id": data["fields"][1], "channel": "at_dialogue", "content": "Phí môi trường"})
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    for _round in range(4):
        answers = _at_once(app, [
            (office, _url(data, f"/petitions/{pid}/current"), {"client_key": f"a{_round}"}),
            (chair, _url(data, f"/petitions/{pid}/current"), {"client_key": f"b{_round}"}),
        ])
        statuses = [status for status, _ in answers]
        assert all(s in (200, 409) for s in statuses), [(s, b[:300]) for s, b in answers]
        assert 200 in statuses
