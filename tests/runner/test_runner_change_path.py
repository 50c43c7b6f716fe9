"""The runner's actions on the one change path (portal.web.change): a replayed client key is
applied once and answers the component, a text saved meanwhile answers 409 with both texts,
refusals are translated DomainErrors, and the route × role table follows the policy."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from support import OK, check_access, vn

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _stage(c, data, n):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"}).status_code == 200


def _count(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _floor_petition(app, c, data, name="Vương Văn Sơn"):
    from portal.extensions import db
    from portal.petitions.models import Petition

    assert c.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": name, "submitter_kind": "business", "locality": "",
        "field_id": data["fields"][1], "channel": "at_dialogue",
        "content": "Đề nghị sửa đổi quy định về phí môi trường"}).status_code == 200
    with app.app_context():
        return db.session.scalar(select(Petition.id).where(Petition.submitter_name == name))


def _twice(c, url, form):
    """The same request sent twice (a retry after a lost answer): both answer the component."""
    first = c.post(url, htmx=True, data=form)
    again = c.post(url, htmx=True, data=form)
    for response in (first, again):
        assert response.status_code == 200, response.get_data(as_text=True)[:400]
        assert response.get_data(as_text=True).lstrip().startswith('<section id="runner"')
    return again


# --- a replayed client key ------------------------------------------------------------------

def test_replayed_speaker_and_door_are_added_once(app, login, data):
    from portal.runner.models import Attendance, Speaker, TimelineEntry

    c = login("office")
    _stage(c, data, 0)
    _twice(c, _url(data, "/attendance"), {"door-kind": "citizen", "door-name": "Hoàng Thị Xuân",
                                          "client_key": "door-1"})
    assert _count(app, Attendance) == 1
    c.post(_url(data, "/advance"), htmx=True)
    c.post(_url(data, "/advance"), htmx=True)
    again = _twice(c, _url(data, "/speakers"), {"sp-name": "Đỗ Thị Lan", "sp-kind": "citizen",
                                                "client_key": "speaker-1"})
    assert "Đỗ Thị Lan" in again.get_data(as_text=True)
    assert _count(app, Speaker) == 1
    assert _count(app, TimelineEntry, TimelineEntry.action == "speaker_added") == 1
    # A new key is a new speaker.
    c.post(_url(data, "/speakers"), htmx=True, data={"sp-name": "Đỗ Thị Lan", "sp-kind": "citizen",
                                                     "client_key": "speaker-2"})
    assert _count(app, Speaker) == 2


def test_replayed_next_speaker_gives_the_floor_once(app, login, data):
    from portal.extensions import db
    from portal.runner.models import Speaker

    c = login("office")
    _stage(c, data, 2)
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        c.post(_url(data, "/speakers"), htmx=True, data={"sp-name": name, "sp-kind": "citizen"})
    _twice(c, _url(data, "/speakers/next"), {"client_key": "next-1"})
    with app.app_context():
        state = dict(db.session.execute(select(Speaker.name, Speaker.status)).all())
    assert state == {"Nguyễn Văn An": "speaking", "Trần Thị Bình": "queued"}


def test_replayed_show_on_screen_toggles_once(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    _stage(c, data, 2)
    pid = _floor_petition(app, c, data)
    _twice(c, _url(data, f"/petitions/{pid}/current"), {"client_key": "screen-1"})
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).current_petition_id == pid


def test_replayed_assignment_answers_the_component_not_already_assigned(app, login, data):
    from portal.tracker.models import Assignment, AssignmentStep

    c = login("chair")
    _stage(c, data, 2)
    pid = _floor_petition(app, c, data)
    c.post(_url(data, "/advance"), htmx=True)
    form = {f"p{pid}-agency_id": data["agency"], f"p{pid}-mode": "in_writing",
            f"p{pid}-deadline": vn(data["day"] + timedelta(days=10)), "client_key": "assign-1"}
    again = _twice(c, _url(data, f"/petitions/{pid}/assign"), form)
    assert "đã được phân công" not in again.get_data(as_text=True)
    assert _count(app, Assignment) == 1 and _count(app, AssignmentStep) == 1
    # Without the key, assigning again is refused: one petition, one assignment.
    form.pop("client_key")
    refused = c.post(_url(data, f"/petitions/{pid}/assign"), htmx=True, data=form)
    assert refused.status_code == 409
    assert "Ý kiến này đã được phân công." in refused.get_data(as_text=True)


def test_a_key_is_claimed_only_by_a_change_that_went_through(app, login, data):
    """A refused action keeps no key: the same key sent once the move is allowed applies it."""
    from portal.petitions.models import Petition

    c = login("office")
    _stage(c, data, 0)
    form = {"submitter_name": "Ngô Văn Tám", "submitter_kind": "citizen", "locality": "",
            "field_id": data["fields"][0], "channel": "at_dialogue", "content": "Đường làng",
            "client_key": "early-1"}
    assert c.post(_url(data, "/petitions"), htmx=True, data=form).status_code == 409
    c.post(_url(data, "/advance"), htmx=True)
    c.post(_url(data, "/advance"), htmx=True)
    assert c.post(_url(data, "/petitions"), htmx=True, data=form).status_code == 200
    assert _count(app, Petition) == 1


# --- texts saved meanwhile ------------------------------------------------------------------

def test_stale_directive_shows_both_texts_and_a_second_save_wins(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.forms import text_base

    c, chair = login("office"), login("chair")
    _stage(c, data, 2)
    pid = _floor_petition(app, c, data)
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    base = text_base("")
    assert chair.post(_url(data, f"/petitions/{pid}/directive"), htmx=True, data={
        f"d{pid}-directive": "Sở TN&MT báo cáo trước 15/12", f"d{pid}-base": base}
    ).status_code == 200
    stale = c.post(_url(data, f"/petitions/{pid}/directive"), htmx=True, data={
        f"d{pid}-directive": "Bản của thư ký", f"d{pid}-base": base})
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409
    assert "Chỉ đạo vừa được người khác cập nhật" in body
    assert "Sở TN&amp;MT báo cáo trước 15/12" in body and "Bản của thư ký" in body
    assert f'value="{text_base("Sở TN&MT báo cáo trước 15/12")}"' in body  # the new base
    with app.app_context():
        assert db.session.get(Petition, pid).directive == "Sở TN&MT báo cáo trước 15/12"
    # Having seen the current text, the second save goes through.
    again = c.post(_url(data, f"/petitions/{pid}/directive"), htmx=True, data={
        f"d{pid}-directive": "Bản của thư ký",
        f"d{pid}-base": text_base("Sở TN&MT báo cáo trước 15/12")})
    assert again.status_code == 200
    with app.app_context():
        assert db.session.get(Petition, pid).directive == "Bản của thư ký"


def test_stale_conclusion_keeps_the_typed_text_in_the_form(app, login, data):
    from portal.runner.forms import text_base

    c, chair = login("office"), login("chair")
    _stage(c, data, 4)
    base = text_base("")
    chair.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Bản chủ trì",
                                                           "base": base})
    body = c.post(_url(data, "/conclusion"), htmx=True, data={
        "conclusion": "Bản thư ký", "base": base}).get_data(as_text=True)
    form = body.split('id="conclusion-form"')[1].split("</form>")[0]
    assert "Bản thư ký</textarea>" in form  # what was typed stays in the editor
    table = body.split('class="stale-diff"')[1].split("</table>")[0]
    assert "Bản chủ trì" in table and "Bản thư ký" in table  # the two texts side by side


@pytest.mark.real_commit
def test_row_changed_meanwhile_is_409_with_both_texts(app, login, data, monkeypatch):
    """Someone else's save lands between the read and the write (the version check fails at
    the flush, StaleDataError): the pipeline answers 409 with the current and the typed text,
    and nothing of the refused save is kept."""
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner import services
    from portal.runner.forms import text_base
    from portal.runner.models import TimelineEntry

    c = login("chair")
    _stage(c, data, 2)
    pid = _floor_petition(app, c, data)
    _stage_to = c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    assert _stage_to.status_code == 200
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    real = services._check_base

    def saved_meanwhile(current, base, message, **params):
        real(current, base, message, **params)
        table = Petition.__table__
        with db.engine.begin() as conn:  # another person's save lands first
            conn.execute(table.update().where(table.c.id == pid).values(
                version=table.c.version + 1, directive="Chỉ đạo của người khác"))

    monkeypatch.setattr(services, "_check_base", saved_meanwhile)
    before = _count(app, TimelineEntry, TimelineEntry.action == "directive")
    response = c.post(_url(data, f"/petitions/{pid}/directive"), htmx=True, data={
        f"d{pid}-directive": "Chỉ đạo tôi vừa gõ", f"d{pid}-base": text_base("")})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Chỉ đạo của người khác" in body and "Chỉ đạo tôi vừa gõ" in body
    with app.app_context():
        assert db.session.get(Petition, pid).directive == "Chỉ đạo của người khác"
    assert _count(app, TimelineEntry, TimelineEntry.action == "directive") == before


# --- refusals -------------------------------------------------------------------------------

def test_refusals_are_domain_errors_with_a_status(app, data):
    from portal.calendar.models import DialogueSession
    from portal.errors import DomainError, NeedsConfirmation
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.runner import speakers, stages

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        with pytest.raises(DomainError) as refused:
            stages.advance(meeting, None)
        assert refused.value.status == 409 and not refused.value.needs_confirmation
        assert str(refused.value) == "Buổi đối thoại chưa khai mạc."
        stages.start(meeting, None)
        with pytest.raises(stages.StageError) as refused:
            speakers.add(meeting, None, "An", SubmitterKind.CITIZEN)
        assert str(refused.value) == "Chỉ thực hiện được ở bước: Thảo luận, đối thoại."
        stages.advance(meeting, None)
        stages.advance(meeting, None)
        db.session.add(Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="X", field_id=data["fields"][0], content="Y",
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True))
        stages.advance(meeting, None)
        with pytest.raises(NeedsConfirmation) as refused:
            stages.advance(meeting, None)
        assert refused.value.needs_confirmation and refused.value.params["n"] == 1
        assert stages.advance(meeting, None, confirm=True) == stages.CONCLUSION
        db.session.rollback()


def test_refusals_are_shown_in_the_users_language(app, login, data):
    c = login("chair")
    _stage(c, data, 4)
    c.post(_url(data, "/conclusion"), htmx=True, data={"conclusion": "Kết luận"})
    c.post(_url(data, "/close"), htmx=True)
    c.post("/language/en", data={"next": _url(data)})
    response = c.post(_url(data, "/speakers"), htmx=True, data={"sp-name": "Muộn",
                                                                "sp-kind": "citizen"})
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The dialogue session has ended; the minutes are locked." in body
    assert "biên bản đã khóa." not in body.split('id="runner-error"')[1].split("</div>")[0]


def test_unknown_speaker_or_petition_is_404(app, login, data):
    c = login("office")
    _stage(c, data, 2)
    assert c.post(_url(data, "/speakers/999/skip"), htmx=True).status_code == 404
    assert c.post(_url(data, "/petitions/999/current"), htmx=True).status_code == 404
    assert c.post(_url(data, "/notes/elsewhere"), htmx=True).status_code == 404
    assert c.post("/runner/999/start", htmx=True).status_code == 404


# --- who may do what ------------------------------------------------------------------------

def _routes(app):
    """Every runner route with the policy action its view declares (GET and POST)."""
    import re

    from portal.access import POLICY

    found = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("runner.") or rule.endpoint in (
                "runner.kiosk_screen", "runner.kiosk_events"):
            continue  # the kiosk link is open by design: its token is the secret
        view = app.view_functions[rule.endpoint]
        method = "POST" if "POST" in rule.methods else "GET"
        action = view.policy_action  # what `requires` / `web.change` declared
        url = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", rule.rule)
        url = re.sub(r"<(?:int:)?(\w+)>", r"{\1}", url)
        found.append((method, url, action))
    assert {a for _m, _u, a in found} >= {"meeting.watch", "meeting.run", "time_limit.edit"}
    assert {a for _m, _u, a in found} <= set(POLICY)
    return sorted(found)


def test_every_runner_route_follows_the_policy(app, login, data):
    from portal.access import POLICY
    from portal.auth.models import User
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.models import Invitee, InviteeKind
    from portal.runner.kiosk import KioskLink
    from portal.runner.models import Speaker

    with app.app_context():
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="A", field_id=data["fields"][0], content="B",
                            channel=Channel.AT_DIALOGUE)
        speaker = Speaker(session_id=data["session"], name="C", kind=SubmitterKind.CITIZEN)
        invitee = Invitee(session_id=data["session"], kind=InviteeKind.CITIZEN, name="D")
        link = KioskLink(session_id=data["session"], token="t" * 43)
        db.session.add_all([petition, speaker, invitee, link])
        db.session.commit()
        ids = {"session_id": data["session"], "petition_id": petition.id,
               "speaker_id": speaker.id, "invitee_id": invitee.id, "link_id": link.id}
        roles = {name: db.session.get(User, uid).role for name, uid in data["users"].items()}
    routes = _routes(app)
    assert len(routes) >= 24
    clients = {role: login(role) for role in ROLES}
    for method, url, action in routes:
        allowed = {role: OK for role in ROLES[1:] if roles[role] in POLICY[action]}
        for role in ROLES:
            check_access(clients[role], method, url.format(**ids), role, allowed)
