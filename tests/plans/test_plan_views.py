"""The plan pages: list, create and edit plans and programs, generate, add a session; roles."""
import re
from datetime import date

import pytest
from sqlalchemy import func, select
from support import count_queries

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]


def by_policy(action: str) -> set[str]:
    """The test roles the policy lets take `action` (portal.access.POLICY)."""
    from portal.access import POLICY

    return {role for role in ROLES[1:]
            if role.replace("other_", "") in {r.value for r in POLICY[action]}}

def _count(app, model, *where):
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _plan_form(**overrides):
    form = {"year": "2024", "leader_name": "Phan Thế Tuấn",
            "leader_title": "Phó Chủ tịch UBND tỉnh", "title": "",
            "legal_basis": "Thực hiện Quyết định số 1158-QĐ/TU ngày 09/7/2015.",
            "purpose": "Kịp thời nắm bắt khó khăn, vướng mắc.",
            "requirements": "Công khai, dân chủ, khách quan."}
    form.update(overrides)
    return form


def _program_form(**overrides):
    form = {"kind": "citizen_reception",
            "title": "Đối thoại kết hợp với các phiên tiếp công dân định kỳ hằng tháng",
            "timing": "Định kỳ vào ngày 15 hằng tháng.",
            "participants": "Các công dân trên địa bàn tỉnh.",
            "content": "Đối thoại, lắng nghe, giải quyết ý kiến, kiến nghị.",
            "rule": "monthly", "day_of_month": "15", "shift": "next", "months": "",
            "quarter": "", "default_time": "08:00", "duration_minutes": "210",
            "default_venue": "Trụ sở Tiếp công dân tỉnh"}
    form.update(overrides)
    return form


@pytest.fixture
def plan(app, data):
    """A 2024 plan with a monthly program and an undated one; returns their ids."""
    from portal.calendar.models import DayShift, Plan, Program, SessionKind, TimingRule
    from portal.extensions import db

    with app.app_context():
        item = Plan(year=2024, leader_name="Phan Thế Tuấn", leader_title="Phó Chủ tịch UBND tỉnh",
                    title="Kế hoạch tiếp xúc, đối thoại năm 2024")
        item.programs.append(Program(
            kind=SessionKind.CITIZEN_RECEPTION, position=0, title="Tiếp công dân định kỳ",
            timing="Ngày 15 hằng tháng", rule=TimingRule.MONTHLY, day_of_month=15,
            shift=DayShift.NEXT, default_venue="Trụ sở Tiếp công dân tỉnh"))
        item.programs.append(Program(
            kind=SessionKind.BUSINESS, position=1, title="Đối thoại với doanh nghiệp",
            timing="Căn cứ tình hình thực tế", rule=TimingRule.UNDATED,
            default_venue="Hội trường UBND tỉnh"))
        db.session.add(item)
        db.session.commit()
        return {"plan": item.id, "monthly": item.programs[0].id,
                "undated": item.programs[1].id}


@pytest.fixture
def override(app, data):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db

    with app.app_context():
        row = HolidayOverride(day=date(2024, 12, 31), is_day_off=True, name="Nghỉ cuối năm")
        db.session.add(row)
        db.session.commit()
        return row.id


# --------------------------------------------------------------------------- roles

# (method, url template, the policy action its view declares)
ROUTES = [
    ("GET", "/plans/", "plan.read"),
    ("GET", "/plans/new", "plan.edit"),
    ("POST", "/plans/new", "plan.edit"),
    ("GET", "/plans/{plan}", "plan.read"),
    ("GET", "/plans/{plan}/edit", "plan.edit"),
    ("POST", "/plans/{plan}/edit", "plan.edit"),
    ("POST", "/plans/{plan}/generate", "plan.edit"),
    ("GET", "/plans/{plan}/plan.pdf", "plan.read"),
    ("GET", "/plans/{plan}/programs/new", "plan.edit"),
    ("POST", "/plans/{plan}/programs/new", "plan.edit"),
    ("GET", "/plans/{plan}/programs/{monthly}/edit", "plan.edit"),
    ("POST", "/plans/{plan}/programs/{monthly}/edit", "plan.edit"),
    ("POST", "/plans/{plan}/programs/{undated}/sessions", "plan.edit"),
    ("POST", "/plans/{plan}/programs/{undated}/delete", "plan.edit"),
    ("GET", "/plans/holidays", "holiday.read"),
    ("POST", "/plans/holidays", "holiday.edit"),
    ("POST", "/plans/holidays/{override}/delete", "holiday.edit"),
]


def test_each_plan_route_declares_the_action_of_the_table(app):
    from portal.access import POLICY

    adapter = app.url_map.bind("localhost")
    for method, url, action in ROUTES:
        assert action in POLICY
        endpoint, _args = adapter.match(url.format(plan=1, monthly=1, undated=1, override=1),
                                        method=method)
        view = app.view_functions[endpoint]
        assert getattr(view, "policy_action", None) == action, (method, url)
        assert getattr(view, "is_change", False) is (method == "POST"), (method, url)


@pytest.mark.parametrize("method, url, action", ROUTES, ids=[f"{m} {u}" for m, u, _ in ROUTES])
def test_plan_route_permissions(login, plan, override, method, url, action):
    target = url.format(**plan, override=override)
    allowed = by_policy(action)
    gone = False  # a delete succeeds once; the next allowed role finds nothing (404)
    for role in ROLES:
        c = login(role)
        response = c.get(target) if method == "GET" else c.post(target, data={}, htmx=True)
        if role == "anonymous":
            assert response.status_code == 302, (role, response.status_code)
        elif role in allowed and gone:
            assert response.status_code == 404, (role, response.status_code)
        elif role in allowed:
            assert response.status_code not in (302, 401, 403, 404), (role, response.status_code)
            gone = url.endswith("/delete")
        else:
            assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize("url", ["/plans/new", "/plans/{plan}/generate",
                                 "/plans/{plan}/programs/new", "/plans/holidays"])
def test_plan_posts_require_csrf(app, login, plan, url):
    from portal.calendar.models import Plan

    before = _count(app, Plan)
    response = login("office").post(url.format(**plan), data=_plan_form(year="2030"), csrf=False)
    assert response.status_code == 400
    assert _count(app, Plan) == before


def test_unknown_plan_and_program_are_404(login, plan):
    c = login("office")
    assert c.get("/plans/424242").status_code == 404
    assert c.get("/plans/424242/plan.pdf").status_code == 404
    assert c.get(f"/plans/{plan['plan']}/programs/424242/edit").status_code == 404
    assert c.post("/plans/holidays/424242/delete").status_code == 404


def test_a_program_of_another_plan_is_404(app, login, plan):
    from portal.calendar.models import Plan
    from portal.extensions import db

    with app.app_context():
        other = Plan(year=2025, leader_name="Lê Ánh Dương", leader_title="Chủ tịch UBND tỉnh",
                     title="Kế hoạch khác")
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    c = login("office")
    assert c.get(f"/plans/{other_id}/programs/{plan['monthly']}/edit").status_code == 404
    assert c.post(f"/plans/{other_id}/programs/{plan['monthly']}/delete").status_code == 404


# --------------------------------------------------------------------------- plans


def test_create_plan_defaults_its_title(app, login, data):
    from portal.calendar.models import Plan
    from portal.extensions import db

    response = login("office").post("/plans/new", data=_plan_form())
    assert response.status_code == 303
    with app.app_context():
        created = db.session.scalar(select(Plan))
        assert created.year == 2024 and created.leader_name == "Phan Thế Tuấn"
        assert created.title == ("Kế hoạch tiếp xúc, đối thoại với nhân dân của Phó Chủ tịch "
                                 "UBND tỉnh Phan Thế Tuấn năm 2024")
        assert response.headers["Location"].endswith(f"/plans/{created.id}")


@pytest.mark.parametrize("overrides, message", [
    ({"year": "1999"}, "Năm phải từ 2000 đến 2100."),
    ({"year": "2101"}, "Năm phải từ 2000 đến 2100."),
    ({"year": "hai nghìn"}, "Vui lòng nhập một số nguyên."),
    ({"year": ""}, "Vui lòng nhập năm của kế hoạch."),
    ({"leader_name": "  "}, "Trường này là bắt buộc."),
    ({"leader_title": "x" * 121}, "Không được dài quá 120 ký tự."),
])
def test_bad_plan_is_refused_with_a_vietnamese_error(app, login, data, overrides, message):
    from portal.calendar.models import Plan

    form = _plan_form(**overrides)
    response = login("office").post("/plans/new", data=form, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body
    assert body.lstrip().startswith('<form id="plan-form"')
    assert "Thực hiện Quyết định số 1158-QĐ/TU ngày 09/7/2015." in body  # kept as typed
    if overrides.get("year"):
        assert f'value="{overrides["year"]}"' in body
    assert _count(app, Plan) == 0


def test_one_plan_per_leader_and_year(app, login, plan):
    from portal.calendar.models import Plan

    c = login("office")
    response = c.post("/plans/new", data=_plan_form(leader_name="phan the tuan"))
    assert response.status_code == 422
    assert "Lãnh đạo này đã có kế hoạch năm 2024." in response.get_data(as_text=True)
    assert _count(app, Plan) == 1
    # Editing the plan itself does not collide with itself.
    edit = c.post(f"/plans/{plan['plan']}/edit", data=_plan_form(title="Kế hoạch đã sửa"))
    assert edit.status_code == 303


def test_edit_plan_shows_values_and_saves(app, login, plan):
    from portal.calendar.models import Plan
    from portal.extensions import db

    c = login("admin")
    page = c.get(f"/plans/{plan['plan']}/edit").get_data(as_text=True)
    assert 'value="Phan Thế Tuấn"' in page and 'value="2024"' in page
    response = c.post(f"/plans/{plan['plan']}/edit",
                      data=_plan_form(year="2025", purpose="Mục đích mới\nÝ thứ hai"))
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(Plan, plan["plan"])
        assert saved.year == 2025 and saved.purpose == "Mục đích mới\nÝ thứ hai"
    bad = c.post(f"/plans/{plan['plan']}/edit", data=_plan_form(year="0"))
    assert bad.status_code == 422
    with app.app_context():
        assert db.session.get(Plan, plan["plan"]).year == 2025


def test_index_filters_by_year_and_leader_without_diacritics(app, login, plan):
    from portal.calendar.models import Plan
    from portal.extensions import db

    with app.app_context():
        db.session.add(Plan(year=2025, leader_name="Lê Ánh Dương",
                            leader_title="Chủ tịch UBND tỉnh", title="Kế hoạch của Chủ tịch"))
        db.session.commit()
    c = login("observer")
    page = c.get("/plans/").get_data(as_text=True)
    assert "Kế hoạch tiếp xúc, đối thoại năm 2024" in page and "Kế hoạch của Chủ tịch" in page
    by_year = c.get("/plans/?year=2025").get_data(as_text=True)
    assert "Kế hoạch của Chủ tịch" in by_year and "đối thoại năm 2024" not in by_year
    by_leader = c.get("/plans/?leader=phan the tuan", htmx=True)
    body = by_leader.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="plans"') and "<html" not in body
    assert "đối thoại năm 2024" in body and "Kế hoạch của Chủ tịch" not in body
    assert "HX-Request" in by_leader.headers["Vary"]
    assert "Không có kế hoạch nào phù hợp." in c.get("/plans/?leader=khong%20co").get_data(
        as_text=True)


# --------------------------------------------------------------------------- programs


def test_add_program_with_each_rule(app, login, plan):
    from portal.calendar.models import DayShift, Program, TimingRule
    from portal.extensions import db

    c = login("office")
    url = f"/plans/{plan['plan']}/programs/new"
    assert c.post(url, data=_program_form(kind="voter_contact", rule="months",
                                          months=" 11, 6 ", day_of_month="")).status_code == 303
    assert c.post(url, data=_program_form(kind="cooperative", rule="quarter", quarter="4",
                                          default_time="")).status_code == 303
    assert c.post(url, data=_program_form(shift="previous", day_of_month="10")).status_code == 303
    with app.app_context():
        rows = db.session.scalars(select(Program).where(Program.plan_id == plan["plan"])
                                  .order_by(Program.position)).all()
        voter, coop, monthly = rows[2:]
        assert voter.rule == TimingRule.MONTHS and voter.months == "6,11"
        assert voter.day_of_month is None
        assert coop.rule == TimingRule.QUARTER and coop.quarter == 4 and coop.default_time is None
        assert monthly.day_of_month == 10 and monthly.shift == DayShift.PREVIOUS
        assert monthly.duration_minutes == 210 and [p.position for p in rows] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("overrides, message", [
    ({"day_of_month": "31"}, "Ngày trong tháng phải từ 1 đến 28 (tháng nào cũng có)."),
    ({"day_of_month": "0"}, "Ngày trong tháng phải từ 1 đến 28 (tháng nào cũng có)."),
    ({"day_of_month": ""}, "Vui lòng nhập ngày trong tháng."),
    ({"day_of_month": "mười lăm"}, "Vui lòng nhập một số nguyên."),
    ({"rule": "months", "months": "13"},
     "Các tháng phải là số từ 1 đến 12, cách nhau bởi dấu phẩy."),
    ({"rule": "months", "months": "6,tháng 11"},
     "Các tháng phải là số từ 1 đến 12, cách nhau bởi dấu phẩy."),
    ({"rule": "months", "months": ""}, "Vui lòng nhập các tháng dự kiến, ví dụ: 6,11."),
    ({"rule": "quarter", "quarter": ""}, "Vui lòng chọn quý."),
    ({"rule": "quarter", "quarter": "5"}, "Quý phải từ I đến IV."),
    ({"default_time": "25:00"}, "Giờ không hợp lệ, hãy nhập theo dạng HH:MM (24 giờ)."),
    ({"duration_minutes": "5"}, "Thời lượng phải từ 15 đến 720 phút."),
    ({"title": ""}, "Trường này là bắt buộc."),
    ({"timing": ""}, "Trường này là bắt buộc."),
    ({"rule": "weekly"}, "Lựa chọn không hợp lệ."),
    ({"kind": "party"}, "Lựa chọn không hợp lệ."),
])
def test_bad_program_is_refused_and_nothing_saved(app, login, plan, overrides, message):
    from portal.calendar.models import Program

    form = _program_form(**overrides)
    response = login("office").post(f"/plans/{plan['plan']}/programs/new", data=form, htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<form id="program-form"')
    assert message in body
    assert "Các công dân trên địa bàn tỉnh." in body  # what was typed is kept
    assert _count(app, Program) == 2


def test_edit_program_then_regenerate_follows_the_new_rule(app, login, plan):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.timefmt import to_local

    c = login("office")
    c.post(f"/plans/{plan['plan']}/generate")
    url = f"/plans/{plan['plan']}/programs/{plan['monthly']}/edit"
    page = c.get(url).get_data(as_text=True)
    assert 'value="15"' in page and "Tiếp công dân định kỳ" in page
    assert c.post(url, data=_program_form(day_of_month="20")).status_code == 303
    with app.app_context():  # saving the rule does not move sessions by itself
        march = db.session.scalar(select(DialogueSession).where(
            DialogueSession.occurrence == "2024-03"))
        assert to_local(march.starts_at).date() == date(2024, 3, 15)
    body = c.post(f"/plans/{plan['plan']}/generate", htmx=True).get_data(as_text=True)
    assert "Cập nhật theo quy tắc: 12 buổi" in body
    with app.app_context():
        march = db.session.scalar(select(DialogueSession).where(
            DialogueSession.occurrence == "2024-03"))
        assert to_local(march.starts_at).date() == date(2024, 3, 20)


def test_delete_program_keeps_touched_sessions(app, login, plan):
    from portal.calendar.models import DialogueSession, Program
    from portal.extensions import db

    c = login("office")
    c.post(f"/plans/{plan['plan']}/generate")
    with app.app_context():
        edited = db.session.scalar(select(DialogueSession).where(
            DialogueSession.occurrence == "2024-05"))
        edited.is_customized = True
        db.session.commit()
        edited_id = edited.id
    response = c.post(f"/plans/{plan['plan']}/programs/{plan['monthly']}/delete")
    assert response.status_code == 303
    assert _count(app, Program, Program.id == plan["monthly"]) == 0
    with app.app_context():
        left = db.session.scalars(select(DialogueSession).where(
            DialogueSession.plan_id == plan["plan"])).all()
        assert [s.id for s in left] == [edited_id] and left[0].program_id is None
    page = c.get(response.headers["Location"]).get_data(as_text=True)
    assert "xóa 11 buổi chưa chuẩn bị, giữ lại 1 buổi" in page
    assert "Buổi khác của kế hoạch" in page


# --------------------------------------------------------------------------- generation


def test_generate_shows_a_summary_and_never_duplicates(app, login, plan):
    from portal.calendar.models import DialogueSession

    c = login("office")
    first = c.post(f"/plans/{plan['plan']}/generate", htmx=True)
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="programs"')
    assert "Tạo mới: 12 buổi" in body and "Xóa vì không còn trong kế hoạch: 0 buổi" in body
    assert "16/09/2024" in body and "15/09/2024" not in body
    assert "Đối thoại kết hợp tiếp công dân định kỳ tháng 9/2024" in body
    second = c.post(f"/plans/{plan['plan']}/generate").get_data(as_text=True)
    assert "<html" in second  # a plain post gets the whole page with the summary
    assert "Tạo mới: 0 buổi" in second and "Không thay đổi: 12 buổi" in second
    assert _count(app, DialogueSession, DialogueSession.plan_id == plan["plan"]) == 12


def test_generate_reports_sessions_kept_because_edited(app, login, plan):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    c = login("office")
    c.post(f"/plans/{plan['plan']}/generate")
    with app.app_context():
        for s in db.session.scalars(select(DialogueSession).where(
                DialogueSession.occurrence.in_(["2024-01", "2024-02"]))):
            s.is_customized = True
        db.session.commit()
    body = c.post(f"/plans/{plan['plan']}/generate", htmx=True).get_data(as_text=True)
    assert "Giữ nguyên vì đã chỉnh sửa, chuẩn bị hoặc đã họp: 2 buổi" in body


def test_add_session_to_an_undated_program(app, login, plan):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.timefmt import to_local

    c = login("office")
    url = f"/plans/{plan['plan']}/programs/{plan['undated']}/sessions"
    prefix = f"add{plan['undated']}-"
    response = c.post(url, htmx=True, data={prefix + "day": "20/08/2024",
                                            prefix + "start_time": "14:00",
                                            prefix + "venue": ""})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Đã thêm buổi" in body and "20/08/2024" in body
    with app.app_context():
        added = db.session.scalar(select(DialogueSession).where(
            DialogueSession.program_id == plan["undated"]))
        assert to_local(added.starts_at).date() == date(2024, 8, 20)
        assert added.venue == "Hội trường UBND tỉnh" and added.is_customized
    # Generating afterwards leaves it be.
    c.post(f"/plans/{plan['plan']}/generate")
    assert _count(app, DialogueSession, DialogueSession.program_id == plan["undated"]) == 1


@pytest.mark.parametrize("day, message", [
    ("", "Vui lòng nhập ngày họp."),
    ("31/02/2024", "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ("20/08/2025", "Ngày họp phải thuộc năm 2024 của kế hoạch."),
])
def test_add_session_bad_date(app, login, plan, day, message):
    from portal.calendar.models import DialogueSession

    prefix = f"add{plan['undated']}-"
    response = login("office").post(
        f"/plans/{plan['plan']}/programs/{plan['undated']}/sessions", htmx=True,
        data={prefix + "day": day, prefix + "start_time": "14:00",
              prefix + "venue": "Phòng họp số 2"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and 'value="Phòng họp số 2"' in body
    assert _count(app, DialogueSession, DialogueSession.program_id == plan["undated"]) == 0


def test_readers_see_no_edit_controls(login, plan):
    page = login("chair").get(f"/plans/{plan['plan']}").get_data(as_text=True)
    assert "Tiếp công dân định kỳ" in page and "Ngày 15 hằng tháng" in page
    assert "Sinh lịch từ kế hoạch" not in page and "Sửa chương trình" not in page
    office = login("office").get(f"/plans/{plan['plan']}").get_data(as_text=True)
    assert "Sinh lịch từ kế hoạch" in office and "Thêm buổi" in office


# --------------------------------------------------------------------------- query counts


def _queries(app, client, url):
    return count_queries(app, client, url, htmx=False)


def _more_plans(app, n, start):
    from portal.calendar.models import Plan, Program, SessionKind, TimingRule
    from portal.extensions import db
    from portal.plans.generation import generate_sessions

    with app.app_context():
        for i in range(n):
            plan = Plan(year=2030 + start + i, leader_name=f"Lãnh đạo {start + i}",
                        leader_title="Phó Chủ tịch UBND tỉnh", title=f"Kế hoạch {start + i}")
            plan.programs.append(Program(kind=SessionKind.COOPERATIVE, title="HTX", timing="Quý IV",
                                         rule=TimingRule.QUARTER, quarter=4))
            db.session.add(plan)
            db.session.flush()
            generate_sessions(plan)
        db.session.commit()


def test_plan_list_queries_do_not_grow(app, login, plan):
    c = login("office")
    _more_plans(app, 2, 0)
    few = _queries(app, c, "/plans/")
    _more_plans(app, 15, 2)
    many = _queries(app, c, "/plans/")
    assert many == few


def test_plan_detail_queries_do_not_grow(app, login, plan):
    from portal.calendar.models import Plan, Program, SessionKind, TimingRule
    from portal.extensions import db
    from portal.plans.generation import generate_sessions

    c = login("office")
    url = f"/plans/{plan['plan']}"
    few = _queries(app, c, url)
    with app.app_context():
        item = db.session.get(Plan, plan["plan"])
        for i in range(3):
            item.programs.append(Program(kind=SessionKind.VOTER_CONTACT, title=f"Cử tri {i}",
                                         timing="Tháng 6, 11", rule=TimingRule.MONTHS,
                                         months="6,11", position=5 + i))
        generate_sessions(item)
        db.session.commit()
    many = _queries(app, c, url)
    assert many == few
    assert re.search(r"Cử tri 2", c.get(url).get_data(as_text=True))
