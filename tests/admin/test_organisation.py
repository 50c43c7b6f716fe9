"""Organisation changes: an agency renamed from a date keeps its former name for earlier
records; a merge moves the open assignments (not the closed ones) to the successor, each
with a timeline step; a deactivated agency is no longer offered; an officer of a merged
agency sees the successor's items only once their account moved. SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import func, select
from support import vn

from tests.tracker.tracker_fixtures import make, third  # noqa: F401


def _today():
    from portal.timefmt import local_today

    return local_today()


def _agency(app, agency_id):
    from portal.admin.models import Agency
    from portal.extensions import db

    with app.app_context():
        a = db.session.get(Agency, agency_id)
        return {"name": a.name, "short": a.short_name, "active": a.is_active,
                "ended_on": a.ended_on, "successor": a.successor_id, "version": a.version,
                "former": [(n.name, n.until) for n in a.former_names]}


def _rename(c, agency_id, version, name, short, day, **extra):
    return c.post(f"/admin/agencies/{agency_id}/rename", {
        "rn-name": name, "rn-short_name": short, "rn-effective_on": vn(day),
        "rn-version": str(version), **{f"rn-{k}": v for k, v in extra.items() if k != "htmx"}},
        htmx=extra.get("htmx", False))


# --------------------------------------------------------------------------- rename

def test_rename_keeps_the_former_name_for_earlier_dates(app, login, data):
    from portal.admin.models import Agency
    from portal.admin.organisation import names_on
    from portal.extensions import db

    c = login("admin")
    day = _today() - timedelta(days=30)
    v = _agency(app, data["agency"])["version"]
    r = _rename(c, data["agency"], v, "Sở Nông nghiệp và Môi trường", "SNNMT", day,
                reason="Quyết định số 12/QĐ-UBND")
    assert r.status_code == 303, r.get_data(as_text=True)
    after = _agency(app, data["agency"])
    assert after["name"] == "Sở Nông nghiệp và Môi trường" and after["short"] == "SNNMT"
    assert after["former"] == [("Sở Tài nguyên và Môi trường", day)]
    with app.app_context():
        agency = db.session.get(Agency, data["agency"])
        assert agency.name_on(day - timedelta(days=1)) == "Sở Tài nguyên và Môi trường"
        assert agency.name_on(day) == "Sở Nông nghiệp và Môi trường"
        assert agency.name_on(None) == "Sở Nông nghiệp và Môi trường"
        assert names_on(day - timedelta(days=1), [data["agency"], data["other_agency"]]) == {
            data["agency"]: ("Sở Tài nguyên và Môi trường", "STNMT")}
        assert names_on(day, [data["agency"]]) == {}
    page = c.get(f"/admin/agencies/{data['agency']}").get_data(as_text=True)
    assert "Sở Tài nguyên và Môi trường" in page and "Quyết định số 12/QĐ-UBND" in page
    assert vn(day - timedelta(days=1)) in page  # its last day under the former name


def test_a_second_rename_keeps_both_names_in_order(app, login, data):
    from portal.admin.models import Agency
    from portal.extensions import db

    c = login("admin")
    first, second = _today() - timedelta(days=60), _today() - timedelta(days=10)
    _rename(c, data["agency"], _agency(app, data["agency"])["version"], "Sở A", "SA", first)
    # Not on or before the previous rename's date.
    refused = _rename(c, data["agency"], _agency(app, data["agency"])["version"], "Sở B", "SB",
                      first, htmx=True)
    assert refused.status_code == 422 and "sau lần đổi tên trước" in refused.get_data(as_text=True)
    assert _rename(c, data["agency"], _agency(app, data["agency"])["version"], "Sở B", "SB",
                   second).status_code == 303
    with app.app_context():
        agency = db.session.get(Agency, data["agency"])
        assert [agency.name_on(d) for d in (first - timedelta(days=1), first, second)] == [
            "Sở Tài nguyên và Môi trường", "Sở A", "Sở B"]


@pytest.mark.parametrize("name, short, day, field, message", [
    ("Sở Xây dựng", "SXD2", 0, "name", "Đã có cơ quan mang tên này."),
    ("Sở Mới", "SXD", 0, "short_name", "Tên viết tắt này đã được dùng."),
    ("Sở Mới", "SM", 1, "effective_on", "Ngày hiệu lực không được sau hôm nay."),
    ("Sở Tài nguyên và Môi trường", "STNMT", 0, "name", "Tên mới trùng với tên hiện tại."),
])
def test_a_refused_rename_says_why_at_its_field_and_keeps_what_was_typed(
        app, login, data, name, short, day, field, message):
    c = login("admin")
    before = _agency(app, data["agency"])
    r = _rename(c, data["agency"], before["version"], name, short,
                _today() + timedelta(days=day), htmx=True)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and message in html
    assert f'id="{field}-error"' in html or f'{field}-error' in html
    assert f'value="{short}"' in html  # what was typed stays
    assert _agency(app, data["agency"]) == before


def test_a_stale_rename_is_409(app, login, data):
    c = login("admin")
    v = _agency(app, data["agency"])["version"]
    assert _rename(c, data["agency"], v, "Sở A", "SA", _today()).status_code == 303
    r = _rename(c, data["agency"], v, "Sở B", "SB", _today(), htmx=True)
    assert r.status_code == 409
    assert _agency(app, data["agency"])["name"] == "Sở A"


def test_the_period_report_names_an_agency_as_it_was_then(app, login, data, make):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.reports.figures import Period, period_report
    from portal.timefmt import local_to_utc

    held = _today() - timedelta(days=10)
    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.starts_at = local_to_utc(held, meeting.starts_at.time())
        db.session.commit()
    make()  # an assignment of that meeting, to STNMT
    c = login("admin")
    assert _rename(c, data["agency"], _agency(app, data["agency"])["version"],
                   "Sở Nông nghiệp và Môi trường", "SNNMT",
                   _today() - timedelta(days=5)).status_code == 303
    with app.app_context():
        then = period_report(Period(held, held), _today())
        now = period_report(Period(held, _today()), _today())
        assert [(a.name, a.short_name) for a in then.by_agency] == [
            ("Sở Tài nguyên và Môi trường", "STNMT")]
        assert [a.name for a in now.by_agency] == ["Sở Nông nghiệp và Môi trường"]


# --------------------------------------------------------------------------- merge

def _merge(c, sources, into=0, day=None, move="y", **extra):
    form = {"sources": [str(s) for s in sources], "into_id": str(into),
            "effective_on": vn(day or _today()), **extra}
    if move:
        form["move_accounts"] = move
    return c.post("/admin/agencies/merge", form)


def test_a_merge_moves_open_assignments_with_a_step_and_leaves_closed_ones(
        app, login, data, make, third):
    from portal.extensions import db
    from portal.tracker.models import Assignment, AssignmentStep, Notification

    open_one = make(agency="agency")
    in_progress = make(agency="agency", status="in_progress")
    closed = make(agency="agency", status="done")
    helping = make(agency="other_agency", coordinators=["agency"])
    c = login("admin")
    day = _today() - timedelta(days=2)
    r = _merge(c, [data["agency"]], into=data["third_agency"], day=day)
    assert r.status_code == 303, r.get_data(as_text=True)
    with app.app_context():
        items = {a.id: a for a in db.session.scalars(select(Assignment))}
        assert items[open_one].agency_id == data["third_agency"]
        assert items[in_progress].agency_id == data["third_agency"]
        assert items[in_progress].status.value == "in_progress"  # the state does not change
        assert items[closed].agency_id == data["agency"]  # a closed record keeps its agency
        assert [a.id for a in items[helping].coordinators] == [data["third_agency"]]
        steps = db.session.scalars(select(AssignmentStep).where(
            AssignmentStep.action == "agency_merged").order_by(AssignmentStep.assignment_id)).all()
        assert sorted(s.assignment_id for s in steps) == sorted([open_one, in_progress, helping])
        step = next(s for s in steps if s.assignment_id == open_one)
        assert "Sở Tài nguyên và Môi trường sáp nhập vào Sở Giao thông vận tải" in step.text
        assert vn(day) in step.text
        assert step.actor_id == data["users"]["admin"]
        # The successor's officers are told of each item they now answer.
        told = db.session.scalars(select(Notification).where(
            Notification.agency_id == data["third_agency"])).all()
        assert len(told) >= 2
    merged = _agency(app, data["agency"])
    assert merged["ended_on"] == day and merged["successor"] == data["third_agency"]
    assert not merged["active"]
    # The timeline of a moved item shows the step and why.
    page = login("office").get(f"/tracker/{open_one}").get_data(as_text=True)
    assert "Chuyển cơ quan do sắp xếp tổ chức" in page and "sáp nhập vào" in page


def test_a_merge_hands_the_sessions_to_come_to_the_successor(app, login, data, third):
    """In a session still to come, the merged agency's invitation and undone preparation
    step become the successor's (one invitation each: none doubled); a session already
    held keeps its record as it was."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem, Invitee, InviteeKind
    from portal.timefmt import local_to_utc

    with app.app_context():
        held = DialogueSession(kind=SessionKind.BUSINESS, title="Đối thoại doanh nghiệp",
                               starts_at=local_to_utc(_today() - timedelta(days=30), time(8)),
                               venue="Hội trường", host="Chủ tịch",
                               status=SessionStatus.CONCLUDED)
        other = DialogueSession(kind=SessionKind.BUSINESS, title="Đối thoại hợp tác xã",
                                starts_at=local_to_utc(_today() + timedelta(days=9), time(8)),
                                venue="Hội trường", host="Chủ tịch",
                                status=SessionStatus.SCHEDULED)
        db.session.add_all([held, other])
        db.session.flush()

        def invite(session_id, agency_id, name):
            invitation = Invitee(session_id=session_id, kind=InviteeKind.AGENCY,
                                 agency_id=agency_id, name=name)
            db.session.add(invitation)
            return invitation

        def step(session_id, done=False):
            item = ChecklistItem(session_id=session_id, title="Chuẩn bị báo cáo",
                                 owner_agency_id=data["agency"], due_date=_today(),
                                 done_at=datetime.now(timezone.utc) if done else None)
            db.session.add(item)
            return item

        coming = invite(data["session"], data["agency"], "Sở Tài nguyên và Môi trường")
        doubled = invite(other.id, data["agency"], "Sở Tài nguyên và Môi trường")
        invite(other.id, data["third_agency"], "Sở Giao thông vận tải")
        past = invite(held.id, data["agency"], "Sở Tài nguyên và Môi trường")
        todo, done, past_step = step(data["session"]), step(data["session"], True), step(held.id)
        db.session.commit()
        ids = {k: v.id for k, v in dict(coming=coming, doubled=doubled, past=past, todo=todo,
                                        done=done, past_step=past_step).items()}
        other_id = other.id
    r = _merge(login("admin"), [data["agency"]], into=data["third_agency"])
    assert r.status_code == 303, r.get_data(as_text=True)
    with app.app_context():
        moved = db.session.get(Invitee, ids["coming"])
        assert (moved.agency_id, moved.name) == (data["third_agency"], "Sở Giao thông vận tải")
        assert db.session.get(Invitee, ids["doubled"]) is None
        assert db.session.scalar(select(func.count(Invitee.id)).where(
            Invitee.session_id == other_id)) == 1
        assert db.session.get(Invitee, ids["past"]).agency_id == data["agency"]
        owners = {key: db.session.get(ChecklistItem, ids[key]).owner_agency_id
                  for key in ("todo", "done", "past_step")}
        assert owners == {"todo": data["third_agency"], "done": data["agency"],
                          "past_step": data["agency"]}
    # the successor's officer now sees the step among its own
    page = login("officer").get("/preparation/mine")
    assert page.status_code in (200, 404)


def test_merging_two_into_a_new_agency(app, login, data, make):
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.tracker.models import Assignment

    a, b = make(agency="agency"), make(agency="other_agency")
    c = login("admin")
    r = _merge(c, [data["agency"], data["other_agency"]], into=0,
               new_name="Sở Nông nghiệp và Xây dựng", new_short_name="SNNXD")
    assert r.status_code == 303, r.get_data(as_text=True)
    with app.app_context():
        new = db.session.scalar(select(Agency).where(Agency.short_name == "SNNXD"))
        assert new is not None and new.is_active and new.kind.value == "department"
        assert {db.session.get(Assignment, i).agency_id for i in (a, b)} == {new.id}
        assert r.headers["Location"].endswith(f"/admin/agencies/{new.id}")
        assert db.session.get(Agency, data["agency"]).successor_id == new.id


@pytest.mark.parametrize("form, field, message", [
    ({"into_id": "0"}, "into_id", "Chọn cơ quan kế thừa hoặc nhập tên cơ quan mới."),
    ({"into_id": "SELF"}, "into_id", "không được nằm trong các cơ quan được sáp nhập"),
    ({"into_id": "0", "new_name": "Sở Mới"}, "new_short_name", "Nhập tên viết tắt"),
    ({"into_id": "0", "new_name": "Sở Xây dựng", "new_short_name": "X"}, "new_name",
     "Đã có cơ quan mang tên này."),
    ({"into_id": "OTHER", "future": True}, "effective_on", "không được sau hôm nay"),
])
def test_a_refused_merge_moves_nothing(app, login, data, make, form, field, message):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    item = make(agency="agency")
    c = login("admin")
    into = {"SELF": data["agency"], "OTHER": data["other_agency"]}.get(form["into_id"], 0)
    day = _today() + timedelta(days=1) if form.get("future") else _today()
    extra = {k: v for k, v in form.items() if k not in ("into_id", "future")}
    r = c.post("/admin/agencies/merge", {"sources": [str(data["agency"])], "into_id": str(into),
                                         "effective_on": vn(day), **extra}, htmx=True)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Assignment, item).agency_id == data["agency"]
    assert _agency(app, data["agency"])["active"]


def test_the_same_merge_sent_twice_merges_once(app, login, data, make):
    c = login("admin")
    form = {"sources": [str(data["agency"])], "into_id": str(data["other_agency"]),
            "effective_on": vn(_today()), "move_accounts": "y", "client_key": "k" * 32}
    first, second = c.post("/admin/agencies/merge", form), c.post("/admin/agencies/merge", form)
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]


def test_an_officer_of_a_merged_agency_sees_the_successors_items_only_if_moved(
        app, login, data, make, third):
    """officer (STNMT) is moved with a merge into SGTVT; other_officer (SXD) is not."""
    from portal.auth.models import User
    from portal.extensions import db

    stnmt_item = make(agency="agency")
    sgtvt_item = make(agency="third_agency")
    sxd_item = make(agency="other_agency")
    c = login("admin")
    assert _merge(c, [data["agency"]], into=data["third_agency"]).status_code == 303
    assert _merge(c, [data["other_agency"]], into=data["third_agency"],
                  move="").status_code == 303
    with app.app_context():
        assert db.session.get(User, data["users"]["officer"]).agency_id == data["third_agency"]
        assert db.session.get(User, data["users"]["other_officer"]).agency_id == data["other_agency"]
    moved, left = login("officer"), login("other_officer")
    for item in (stnmt_item, sgtvt_item, sxd_item):  # all three are SGTVT's now
        assert moved.get(f"/tracker/{item}").status_code == 200
        assert left.get(f"/tracker/{item}").status_code == 404
    # The account left behind is flagged on the agencies page.
    page = c.get("/admin/agencies").get_data(as_text=True)
    assert "Tài khoản của cơ quan đã ngừng hoạt động" in page and "Lê Văn Dũng" in page


# --------------------------------------------------------------------------- deactivate

def test_a_deactivated_agency_is_not_offered_but_stays_on_its_records(app, login, data, make):
    from portal.extensions import db
    from portal.tracker.models import Assignment

    closed = make(agency="other_agency", status="done")
    c = login("admin")
    v = _agency(app, data["other_agency"])["version"]
    r = c.post(f"/admin/agencies/{data['other_agency']}/deactivate",
               {"end-effective_on": vn(_today()), "end-version": str(v)})
    assert r.status_code == 303, r.get_data(as_text=True)
    assert not _agency(app, data["other_agency"])["active"]
    office = login("office")
    # Not in the choice lists of new work: assigning in the runner, the invitees, accounts.
    from portal.runner.forms import AssignForm  # noqa: F401 - the assignment form's choices
    with app.test_request_context():
        from portal.admin.forms import MergeAgenciesForm, UserForm
        from portal.runner.forms import AssignForm as Assign
        for form in (UserForm(formdata=None), MergeAgenciesForm(formdata=None)):
            labels = [str(ch.label) for ch in (form.agency_id.choices if hasattr(form, "agency_id")
                                               else form.sources.choices)]
            assert "Sở Xây dựng" not in labels and "Sở Tài nguyên và Môi trường" in labels
        assign = Assign(formdata=None)
        offered = [str(ch[1] if isinstance(ch, tuple) else ch.label) for ch in assign.agency_id.choices]
        assert "Sở Xây dựng" not in offered
    # Still on its record.
    with app.app_context():
        assert db.session.get(Assignment, closed).agency.name == "Sở Xây dựng"
    assert "Sở Xây dựng" in office.get(f"/tracker/{closed}").get_data(as_text=True)
    listing = c.get("/admin/agencies").get_data(as_text=True)
    assert "Ngừng hoạt động từ" in listing


def test_an_agency_that_owes_answers_is_merged_not_deactivated(app, login, data, make):
    make(agency="other_agency")
    c = login("admin")
    v = _agency(app, data["other_agency"])["version"]
    r = c.post(f"/admin/agencies/{data['other_agency']}/deactivate",
               {"end-effective_on": vn(_today()), "end-version": str(v)}, htmx=True)
    assert r.status_code == 409 and "còn 1 nhiệm vụ chưa hoàn thành" in r.get_data(as_text=True)
    assert _agency(app, data["other_agency"])["active"]


def test_a_deactivation_from_a_later_date_keeps_it_offered_until_then(app, data):
    from portal.admin.models import Agency
    from portal.extensions import db

    with app.app_context():
        agency = db.session.get(Agency, data["other_agency"])
        agency.ended_on = _today() + timedelta(days=3)
        db.session.commit()
        active = set(db.session.scalars(select(Agency.id).where(Agency.is_active)))
        assert data["other_agency"] in active and agency.is_active
        agency.ended_on = _today()
        db.session.commit()
        assert data["other_agency"] not in set(db.session.scalars(
            select(Agency.id).where(Agency.is_active)))


def test_organisation_routes_follow_the_policy(login, data):
    from support import OK, check_access

    allowed = {"admin": OK}
    for role in ("office", "chair", "officer", "observer"):
        c = login(role)
        for method, url in (("GET", "/admin/agencies/merge"), ("POST", "/admin/agencies/merge"),
                            ("GET", f"/admin/agencies/{data['agency']}"),
                            ("POST", f"/admin/agencies/{data['agency']}/rename"),
                            ("POST", f"/admin/agencies/{data['agency']}/deactivate"),
                            ("GET", "/admin/localities"), ("POST", "/admin/localities/import")):
            check_access(c, method, url, role, allowed)
    assert login("admin").get("/admin/agencies/99999").status_code == 404


def test_an_agency_that_still_coordinates_open_work_is_not_deactivated(app, login, data, make):
    make(agency="agency", coordinators=["other_agency"])
    c = login("admin")
    v = _agency(app, data["other_agency"])["version"]
    r = c.post(f"/admin/agencies/{data['other_agency']}/deactivate",
               {"end-effective_on": vn(_today()), "end-version": str(v)}, htmx=True)
    assert r.status_code == 409 and _agency(app, data["other_agency"])["active"]


@pytest.mark.parametrize("as_lead", [True, False])
def test_a_deactivated_agency_gets_no_new_assignment(app, data, as_lead):
    """Even a request that names it (a form opened before the change) is refused."""
    from portal.admin.models import Agency
    from portal.auth.models import User
    from portal.errors import DomainError
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker import lifecycle

    with app.app_context():
        db.session.get(Agency, data["other_agency"]).ended_on = _today()
        petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                            submitter_name="Nguyễn Văn Dân", field_id=data["fields"][0],
                            content="Kiến nghị", channel=Channel.AT_DIALOGUE)
        db.session.add(petition)
        db.session.flush()
        lead, helpers = ((data["other_agency"], []) if as_lead
                         else (data["agency"], [data["other_agency"]]))
        with pytest.raises(DomainError) as refused:
            lifecycle.assign(petition, db.session.get(User, data["users"]["chair"]),
                             agency_id=lead, mode="in_writing",
                             deadline=_today() + timedelta(days=10), coordinators=helpers,
                             beyond_authority=False, answer="")
        assert refused.value.status == 422
        assert refused.value.field == ("agency_id" if as_lead else "coordinators")
        assert "Sở Xây dựng đã ngừng hoạt động" in str(refused.value)
        db.session.rollback()


def test_organisation_changes_are_audited(app, login, data, make):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    item = make(agency="agency")
    c = login("admin")
    _rename(c, data["agency"], _agency(app, data["agency"])["version"], "Sở A", "SA", _today())
    assert _merge(c, [data["agency"]], into=data["other_agency"]).status_code == 303
    with app.app_context():
        events = {(e.action, e.entity, e.entity_id, e.user_id) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.entity.in_(
                ("Agency", "AgencyName", "Assignment", "AssignmentStep"))))}
        admin = data["users"]["admin"]
        assert any(a == "create" and e == "AgencyName" and u == admin for a, e, i, u in events)
        assert ("update", "Agency", str(data["agency"]), admin) in events
        assert ("update", "Assignment", str(item), admin) in events
        assert any(a == "create" and e == "AssignmentStep" and u == admin for a, e, i, u in events)
