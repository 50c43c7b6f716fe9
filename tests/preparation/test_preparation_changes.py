"""The preparation's changes on the one path: a stale form is refused with both texts, a
creating form sent twice creates once, another agency's step or invitation does not exist
for an officer, and the commands refuse on their own (without the web layer)."""
from datetime import timedelta

import pytest
from preparation_helpers import checklist, count, invite, item_form, row
from sqlalchemy import select


def _session_url(data, suffix=""):
    return f"/preparation/sessions/{data['session']}{suffix}"


# --------------------------------------------------------------------------- stale forms


def test_stale_item_edit_names_the_agencies_and_saves_nothing(app, login, data):
    from portal.preparation.models import ChecklistItem

    (item_id,) = checklist(app, data, owners=[None])
    shown = row(app, ChecklistItem, item_id)
    office, admin = login("office"), login("admin")
    first = admin.post(f"/preparation/items/{item_id}",
                       item_form(shown, title="Bản của quản trị", owner_agency_id=data["agency"]),
                       htmx=True)
    assert first.status_code == 200
    stale = office.post(f"/preparation/items/{item_id}",
                        item_form(shown, title="Bản của văn phòng"), htmx=True)
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert 'id="change-error"' in text
    assert '<td class="pre">Bản của quản trị</td>' in text
    assert '<td class="pre">Bản của văn phòng</td>' in text
    # The owner is named, not numbered: now the agency, typed the Office.
    assert '<td class="pre">Sở Tài nguyên và Môi trường</td>' in text
    assert '<td class="pre">Văn phòng UBND tỉnh</td>' in text
    assert 'value="Bản của văn phòng"' in text  # the typed text stays in the form
    saved = row(app, ChecklistItem, item_id)
    assert (saved.title, saved.owner_agency_id, saved.version) == (
        "Bản của quản trị", data["agency"], shown.version + 1)
    # Having seen the current text, the second save (now carrying it) goes through.
    again = office.post(f"/preparation/items/{item_id}",
                        item_form(saved, title="Bản của văn phòng"), htmx=True)
    assert again.status_code == 200
    assert row(app, ChecklistItem, item_id).title == "Bản của văn phòng"


def test_stale_note_of_an_officer(app, login, data):
    from portal.preparation.models import ChecklistItem

    mine, _theirs, _office = checklist(app, data)
    shown = row(app, ChecklistItem, mine)
    office, officer = login("office"), login("officer")
    assert office.post(f"/preparation/items/{mine}",
                       item_form(shown, note="Văn phòng đã nhắc"), htmx=True).status_code == 200
    stale = officer.post(f"/preparation/items/{mine}", {
        "edit-note": "Sở đã gửi báo cáo", "edit-version": shown.version}, htmx=True)
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "Văn phòng đã nhắc" in text and "Sở đã gửi báo cáo" in text
    assert row(app, ChecklistItem, mine).note == "Văn phòng đã nhắc"


def test_stale_default_step(app, login, data):
    from portal.preparation.models import ChecklistTemplateItem
    from portal.preparation.services import templates_of

    office = login("office")
    office.get("/preparation/templates")
    with app.app_context():
        step = templates_of("citizen_reception")[0]
        step_id, version = step.id, step.version
    page = office.get("/preparation/templates").get_data(as_text=True)
    assert f'name="t{step_id}-version" type="hidden" value="{version}"' in page

    def save(client, title, days):
        return client.post(f"/preparation/templates/{step_id}", {
            f"t{step_id}-title": title, f"t{step_id}-days_before": days,
            f"t{step_id}-owner": "office", f"t{step_id}-version": version}, htmx=True)

    assert save(login("admin"), "Tên của quản trị", "9").status_code == 200
    stale = save(office, "Tên của văn phòng", "4")
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert "Tên của quản trị" in text and 'value="Tên của văn phòng"' in text
    assert '<td class="pre">9</td>' in text and '<td class="pre">4</td>' in text
    saved = row(app, ChecklistTemplateItem, step_id)
    assert (saved.title, saved.days_before) == ("Tên của quản trị", 9)


@pytest.mark.parametrize("where", ["invitations", "my"])
def test_stale_reply(app, login, data, where):
    from portal.preparation.models import Invitee, Reply

    ids = invite(app, data)
    mine = ids["mine"]
    shown = row(app, Invitee, mine)
    form = {f"r{mine}-reply": "declined", f"r{mine}-delegate_name": "",
            f"r{mine}-version": shown.version, f"r{mine}-view": where}
    assert login("office").post(f"/preparation/invitees/{mine}/reply", {
        f"r{mine}-reply": "delegated", f"r{mine}-delegate_name": "Ông Lê Văn Hùng",
        f"r{mine}-version": shown.version}, htmx=True).status_code == 200
    stale = login("officer").post(f"/preparation/invitees/{mine}/reply", form, htmx=True)
    assert stale.status_code == 409
    text = stale.get_data(as_text=True)
    assert f'id="{"my" if where == "my" else "invitations"}"' in text
    # Both replies by name, and the delegate the Office named.
    assert '<td class="pre">Cử người dự thay</td>' in text
    assert '<td class="pre">Không tham dự</td>' in text
    assert "Ông Lê Văn Hùng" in text
    saved = row(app, Invitee, mine)
    assert (saved.reply, saved.delegate_name) == (Reply.DELEGATED, "Ông Lê Văn Hùng")


# --------------------------------------------------------------------------- repeated submits


def _twice(client, url, form):
    """The same form (the same client key) sent twice: both answers."""
    return [client.post(url, form, htmx=True) for _ in range(2)]


def test_default_step_added_once_per_key(app, login, data):
    from portal.preparation.models import ChecklistTemplateItem

    office = login("office")
    office.get("/preparation/templates")
    before = count(app, ChecklistTemplateItem)
    form = {"new-title": "Kiểm tra hội trường", "new-days_before": "1", "new-owner": "office",
            "new-client_key": "tpl-once-1"}
    answers = _twice(office, "/preparation/templates?kind=business", form)
    assert [a.status_code for a in answers] == [200, 200]
    assert count(app, ChecklistTemplateItem) == before + 1
    assert "Kiểm tra hội trường" in answers[1].get_data(as_text=True)
    # Another key is another step.
    office.post("/preparation/templates?kind=business", {**form, "new-client_key": "tpl-2"},
                htmx=True)
    assert count(app, ChecklistTemplateItem) == before + 2


def test_step_added_once_per_key(app, login, data):
    from portal.preparation.models import ChecklistItem

    office = login("office")
    page = office.get(_session_url(data)).get_data(as_text=True)
    assert 'name="new-client_key"' in page
    form = {"new-title": "Kiểm tra âm thanh", "new-owner_agency_id": "0",
            "new-due_date": data["day"].strftime("%d/%m/%Y"), "new-client_key": "item-once"}
    answers = _twice(office, _session_url(data, "/items"), form)
    assert [a.status_code for a in answers] == [200, 200]
    assert "Kiểm tra âm thanh" in answers[1].get_data(as_text=True)
    assert count(app, ChecklistItem, ChecklistItem.session_id == data["session"]) == 1


def test_checklist_created_once_per_key_and_refused_after(app, login, data):
    from portal.preparation.models import ChecklistItem
    from portal.preparation.services import DEFAULT_STEPS

    office = login("office")
    page = office.get(_session_url(data)).get_data(as_text=True)
    assert 'name="client_key"' in page
    answers = _twice(office, _session_url(data, "/checklist"), {"client_key": "cl-once"})
    assert [a.status_code for a in answers] == [200, 200]  # the replay is no error
    assert count(app, ChecklistItem) == len(DEFAULT_STEPS)
    other = office.post(_session_url(data, "/checklist"), {"client_key": "cl-other"},
                        htmx=True)
    assert other.status_code == 409
    assert "đã có danh mục" in other.get_data(as_text=True)
    assert count(app, ChecklistItem) == len(DEFAULT_STEPS)


def test_person_invited_once_per_key(app, login, data):
    from portal.preparation.models import Invitee

    office = login("office")
    form = {"person-kind": "citizen", "person-name": "Nguyễn Thị Hằng",
            "person-client_key": "person-once"}
    answers = _twice(office, _session_url(data, "/invitations/people"), form)
    assert [a.status_code for a in answers] == [200, 200]
    assert count(app, Invitee) == 1
    assert "Nguyễn Thị Hằng" in answers[1].get_data(as_text=True)


def test_agencies_invited_once_per_key(app, login, data):
    """A resend of the same invitation form is not applied again, even when the list changed
    in between (here: one of the agencies taken off)."""
    from portal.extensions import db
    from portal.preparation.models import Invitee

    office = login("office")
    form = {"ag-agency_ids": [data["agency"], data["other_agency"]], "ag-client_key": "ag-once"}
    url = _session_url(data, "/invitations/agencies")
    assert office.post(url, form, htmx=True).status_code == 200
    with app.app_context():
        gone = db.session.scalar(select(Invitee.id).where(Invitee.agency_id == data["agency"]))
    assert office.post(f"/preparation/invitees/{gone}/delete", htmx=True).status_code == 200
    replay = office.post(url, form, htmx=True)
    assert replay.status_code == 200
    assert count(app, Invitee) == 1


# --------------------------------------------------------------------------- agency scope


def test_officer_cannot_read_or_change_another_agencys_step_or_invitation(app, login, data):
    from portal.preparation.models import ChecklistItem, Invitee

    mine, theirs, office_item = checklist(app, data)
    ids = invite(app, data)
    officer = login("officer")
    page = officer.get(_session_url(data)).get_data(as_text=True)
    assert f'id="item-{mine}"' in page
    assert f'id="item-{theirs}"' not in page and f'id="item-{office_item}"' not in page
    for other in (theirs, office_item):
        peek = officer.get(_session_url(data, f"?edit={other}"), htmx=True).get_data(
            as_text=True)
        assert f'id="item-{other}"' not in peek and 'name="edit-note"' not in peek
        assert officer.post(f"/preparation/items/{other}", {
            "edit-note": "x", "edit-version": 1}, htmx=True).status_code == 404
        assert officer.post(f"/preparation/items/{other}/done", {"done": "1"},
                            htmx=True).status_code == 404
    invitations = officer.get(_session_url(data, "/invitations")).get_data(as_text=True)
    assert f'id="invitee-{ids["mine"]}"' in invitations
    for other in (ids["theirs"], ids["citizen"]):
        assert f'id="invitee-{other}"' not in invitations
        assert officer.get(f"/preparation/invitees/{other}/giay-moi.pdf").status_code == 404
        assert officer.post(f"/preparation/invitees/{other}/reply", {
            f"r{other}-reply": "confirmed"}, htmx=True).status_code == 404
    assert officer.get(f"/preparation/sessions/{data['session']}/giay-moi.pdf"
                       ).status_code == 403
    for item_id, note in ((theirs, "Ghi chú 2"), (office_item, "Ghi chú 3")):
        saved = row(app, ChecklistItem, item_id)
        assert (saved.note, saved.done_at, saved.version) == (note, None, 1)
    for invitee_id in (ids["theirs"], ids["citizen"]):
        assert row(app, Invitee, invitee_id).replied_at is None


def test_officer_without_an_agency_sees_nothing(app, login, data):
    from portal.auth.models import User
    from portal.extensions import db

    mine, _theirs, _office = checklist(app, data)
    ids = invite(app, data)
    with app.app_context():
        db.session.get(User, data["users"]["officer"]).agency_id = None
        db.session.commit()
    officer = login("officer")
    assert officer.get(_session_url(data)).status_code == 404
    assert officer.get(_session_url(data, "/invitations")).status_code == 404
    my = officer.get("/preparation/my").get_data(as_text=True)
    assert f'id="item-{mine}"' not in my and f'id="invitee-{ids["mine"]}"' not in my
    assert officer.post(f"/preparation/items/{mine}/done", {"done": "1"},
                        htmx=True).status_code == 404
    assert officer.post(f"/preparation/invitees/{ids['mine']}/reply", {
        f"r{ids['mine']}-reply": "confirmed"}, htmx=True).status_code == 404
    assert officer.get(f"/preparation/invitees/{ids['mine']}/giay-moi.pdf").status_code == 404


def test_refusals_are_messages_not_500(app, login, data):
    """A closed session's preparation answers 409 with the reason; a bad reply 422 at its
    field; never a bare error page."""
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.extensions import db

    mine, _theirs, _office = checklist(app, data)
    ids = invite(app, data)
    with app.app_context():
        db.session.get(DialogueSession, data["session"]).status = SessionStatus.CANCELLED
        db.session.commit()
    office, officer = login("office"), login("officer")
    for client, url, form in (
            (office, f"/preparation/items/{mine}/done", {"done": "1"}),
            (officer, f"/preparation/items/{mine}/done", {"done": "1", "view": "my"}),
            (office, f"/preparation/invitees/{ids['mine']}/reply",
             {f"r{ids['mine']}-reply": "confirmed"}),
            (office, _session_url(data, "/invitations/people"),
             {"person-kind": "citizen", "person-name": "Người mới"}),
            (office, _session_url(data, "/checklist"), {}),
            (office, f"/preparation/items/{mine}/delete", {}),
    ):
        response = client.post(url, form, htmx=True)
        assert response.status_code == 409, url
        assert "công tác chuẩn bị không còn thay đổi được" in response.get_data(as_text=True)


# --------------------------------------------------------------------------- the commands


def test_commands_refuse_by_themselves(app, data):
    """Without the web layer: an officer's command on another agency's step or invitation
    is a 404 DomainError, a role the policy does not name a 403, a late due date a 422."""
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession
    from portal.errors import DomainError
    from portal.extensions import db
    from portal.preparation import checklist as steps
    from portal.preparation import invitations as inviting
    from portal.preparation.models import ChecklistItem, Invitee, Reply
    from portal.types import utcnow

    mine, theirs, _office = checklist(app, data)
    ids = invite(app, data)
    with app.app_context():
        users = {k: db.session.get(User, v) for k, v in data["users"].items()}
        meeting = db.session.get(DialogueSession, data["session"])
        theirs_item = db.session.get(ChecklistItem, theirs)
        with pytest.raises(DomainError) as err:
            steps.tick_item(theirs_item, users["officer"], True, utcnow())
        assert err.value.status == 404
        with pytest.raises(DomainError) as err:
            steps.edit_item(db.session.get(ChecklistItem, mine), users["officer"], title="x",
                            owner_agency_id=None, due_date=data["day"], note="")
        assert err.value.status == 403
        with pytest.raises(DomainError) as err:
            inviting.reply(db.session.get(Invitee, ids["theirs"]), users["officer"],
                           Reply.CONFIRMED, "", utcnow())
        assert err.value.status == 404
        with pytest.raises(DomainError) as err:
            steps.tick_item(theirs_item, users["chair"], True, utcnow())
        assert err.value.status == 403
        with pytest.raises(DomainError) as err:
            steps.add_item(meeting, users["office"], title="Muộn", owner_agency_id=None,
                           due_date=data["day"] + timedelta(days=1))
        assert (err.value.status, err.value.field) == (422, "due_date")
        with pytest.raises(DomainError) as err:
            inviting.reply(db.session.get(Invitee, ids["mine"]), users["officer"],
                           Reply.DELEGATED, " ", utcnow())
        assert (err.value.status, err.value.field) == (422, "delegate_name")
        person = inviting.invite_person(meeting, users["admin"], kind="citizen",
                                        name=" Trần Văn B ", contact="0900 111 222")
        assert (person.name, person.contact) == ("Trần Văn B", "")  # only the Office's
        db.session.rollback()
