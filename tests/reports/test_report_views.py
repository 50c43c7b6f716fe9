"""The dashboard and the period report pages: who may see them, what they show, bad input,
and queries that do not grow with the rows."""
import re
from datetime import date, datetime, timedelta

import pytest
from report_data import CITIZEN, hand  # noqa: F401  (the fixture)
from support import count_queries

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]
READERS = {"office", "chair", "observer", "admin"}
YEAR = "?from=01/01/2024&to=31/12/2024"

TABLE = [
    ("GET", "/reports/", READERS),
    ("GET", "/reports/period", READERS),
    ("GET", "/reports/period" + YEAR, READERS),
    ("GET", "/reports/period.pdf" + YEAR, READERS),
    ("GET", "/reports/period.xlsx" + YEAR, READERS),
    ("POST", "/reports/public-page", {"office", "admin"}),
]


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_routes_by_role(login, method, url, allowed):
    for role in ROLES:
        c = login(role)
        if method == "GET":
            response = c.get(url)
        else:
            response = c.post(url, data={"enabled": "0"}, htmx=True)
        if role == "anonymous":
            assert response.status_code == 302, role
        elif role in allowed:
            assert response.status_code == 200, (role, response.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize("method, url, allowed", TABLE, ids=[f"{m} {u}" for m, u, _ in TABLE])
def test_the_table_follows_the_policy(app, method, url, allowed):
    from portal.access import POLICY

    endpoint, _args = app.url_map.bind("localhost").match(url.split("?")[0], method=method)
    action = app.view_functions[endpoint].policy_action
    assert allowed == {role.value for role in POLICY[action]}, action


def test_public_switch_requires_csrf(login):
    c = login("office")
    assert c.post("/reports/public-page", data={"enabled": "1"}, csrf=False).status_code == 400


def _svgs(html: str) -> list[str]:
    """The charts of the page (not the icons of the header)."""
    return re.findall(r'<svg\b[^>]*class="chart".*?</svg>', html, flags=re.S)


def test_dashboard_draws_every_chart_with_its_figures(login, hand):  # noqa: F811
    html = login("chair").get("/reports/").get_data(as_text=True)
    charts = {re.search(r'id="([^"]+)"', svg).group(1): svg for svg in _svgs(html)}
    assert set(charts) == {"chart-status", "chart-field", "chart-agency", "chart-on-time",
                           "chart-open-late", "chart-oldest", "chart-held"}
    for svg in charts.values():
        assert 'role="img"' in svg and "aria-label=" in svg and "<title>" in svg
    # The figures in the accessible label and in the bars' text: 7 Đất đai, 6 Môi trường.
    assert re.search(r'aria-label="[^"]*Đất đai: 7; Môi trường: 6', charts["chart-field"])
    assert "50,0 % (1/2)" in charts["chart-on-time"]  # Sở TN&MT: a1 on time, a2 late
    assert "100,0 % (1/1)" in charts["chart-on-time"]  # Yên Thế: c4
    # Every 2024 open item is late by now: a3, a4, b3, c3 -> TN&MT 2, XD 1, Yên Thế 1.
    assert re.search(r"Sở Tài nguyên và Môi trường: 2", charts["chart-open-late"])
    assert "Đối thoại kết hợp tiếp công dân định kỳ: 1" in charts["chart-held"]
    # The table beside each chart, and the links of the oldest items to the tracker.
    assert re.search(r"<th scope=\"row\">Đất đai</th><td class=\"num\">7</td>"
                     r"<td class=\"num\">7</td>", html)
    for key in ("a3", "b3", "c3", "a4"):
        assert f'href="/tracker/{hand["ids"][key]}"' in html
    assert CITIZEN not in html


def test_dashboard_escapes_names_in_charts(app, login, data):
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        agency = db.session.get(Agency, data["agency"])
        agency.name = "Sở <b>Thử</b> & \"Nghiệm\""
        p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                     submitter_name="X", field_id=data["fields"][0], content="<script>x</script>",
                     channel=Channel.WRITING)
        db.session.add(p)
        db.session.flush()
        db.session.add(Assignment(petition_id=p.id, agency_id=agency.id, deadline=date(2024, 1, 5),
                                  mode=AnswerMode.IN_WRITING))
        db.session.commit()
    html = login("office").get("/reports/").get_data(as_text=True)
    assert "<b>Thử</b>" not in html and "<script>x</script>" not in html
    assert "Sở &lt;b&gt;Thử&lt;/b&gt; &amp;" in html


def test_period_page_shows_the_report(login, hand):  # noqa: F811
    c = login("observer")
    response = c.get("/reports/period?from=01/04/2024&to=30/06/2024")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kết quả tiếp xúc, đối thoại với nhân dân quý II năm 2024" in html
    assert "Đối thoại doanh nghiệp quý II" in html and "Đối thoại tháng 3/2024" not in html
    assert 'href="/reports/period.pdf?from=01/04/2024&amp;to=30/06/2024"' in html
    assert 'href="/reports/period.xlsx?from=01/04/2024&amp;to=30/06/2024"' in html
    assert 'id="chart-period-field"' in html and 'id="chart-period-agency"' in html
    # The preset of the shown period is marked.
    assert re.search(r'aria-current="true">Quý II<', html)
    assert CITIZEN not in html


def test_period_defaults_to_this_month(login, data):
    from portal.timefmt import local_today

    today = local_today()
    html = login("office").get("/reports/period").get_data(as_text=True)
    assert f'value="01/{today:%m/%Y}"' in html
    assert f"tháng {today.month} năm {today.year}" in html


def test_period_htmx_answers_with_the_fragment(login, data):
    response = login("office").get("/reports/period" + YEAR, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="period">') and "<html" not in html


@pytest.mark.parametrize("query, field, message", [
    ("from=31/12/2024&to=01/01/2024", "to", "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."),
    ("from=32/01/2024&to=01/02/2024", "from", "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ("from=hom-qua&to=01/02/2024", "from", "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy."),
    ("from=01/01/2018&to=01/01/2024", "to", "Kỳ báo cáo không được dài quá 5 năm."),
    ("from=01/01/2024", "to", "Vui lòng nhập ngày kết thúc."),
    ("to=01/01/2024&from=", "from", "Vui lòng nhập ngày bắt đầu."),
])
@pytest.mark.parametrize("path", ["/reports/period", "/reports/period.pdf",
                                  "/reports/period.xlsx"])
def test_bad_period_is_422_with_the_error_at_the_field(login, data, path, query, field,
                                                       message):
    response = login("office").get(f"{path}?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("text/html")
    found = re.search(rf'<input[^>]*id="{field}"[^>]*>\s*<p class="error" id="{field}-error">'
                      rf"([^<]*)</p>", html)
    assert found and found.group(1) == message
    # What was typed is kept.
    typed = dict(part.split("=") for part in query.split("&"))
    if typed.get(field):
        assert f'value="{typed[field]}"' in html


def test_five_years_exactly_is_allowed(login, data):
    assert login("office").get("/reports/period?from=01/01/2019&to=31/12/2023").status_code == 200


def test_office_switches_the_public_page(app, login, data):
    from portal.documents.models import Setting
    from portal.extensions import db

    c = login("office")
    html = c.get("/reports/").get_data(as_text=True)
    assert "Trang công khai đang tắt." in html and "Bật trang công khai" in html
    response = c.post("/reports/public-page", data={"enabled": "1"}, htmx=True)
    fragment = response.get_data(as_text=True)
    assert response.status_code == 200
    assert fragment.lstrip().startswith('<section id="public-switch"')
    assert "Đã bật trang công khai." in fragment and "Tắt trang công khai" in fragment
    with app.app_context():
        assert db.session.get(Setting, "public_page").value == {"enabled": True}
    assert c.get("/public/").status_code == 200
    # A plain form post (no htmx) is redirected back to the dashboard.
    response = c.post("/reports/public-page", data={"enabled": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/reports/")
    with app.app_context():
        assert db.session.get(Setting, "public_page").value == {"enabled": False}
    assert c.get("/public/").status_code == 404


def test_public_switch_bad_value_is_422(app, login, data):
    from portal.documents.models import Setting
    from portal.extensions import db

    c = login("admin")
    response = c.post("/reports/public-page", data={"enabled": "yes"}, htmx=True)
    assert response.status_code == 422
    assert "Lựa chọn không hợp lệ." in response.get_data(as_text=True)
    response = c.post("/reports/public-page", data={"enabled": "maybe"})
    assert response.status_code == 422 and 'id="chart-status"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Setting, "public_page") is None


def test_observer_and_chair_see_no_switch(login, data):
    for role in ("observer", "chair"):
        html = login(role).get("/reports/").get_data(as_text=True)
        assert 'id="public-switch"' in html and "Bật trang công khai" not in html


# --------------------------------------------------------------------------- query counts


def _add(app, data, n):
    """n assignments in a concluded 2024 session, of every status, some answered."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import LOCAL_TZ, local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    statuses = list(AssignmentStatus)
    with app.app_context():
        meeting = DialogueSession(kind=SessionKind.COOPERATIVE, title=f"Buổi {n}",
                                  starts_at=local_to_utc(date(2024, 10, 15), datetime.min.time()),
                                  venue="Hội trường", host="Phó Chủ tịch",
                                  status=SessionStatus.CONCLUDED)
        db.session.add(meeting)
        db.session.flush()
        for i in range(n):
            p = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE)
            db.session.add(p)
            db.session.flush()
            deadline = date(2024, 11, 1) + timedelta(days=i)
            db.session.add(Assignment(
                petition_id=p.id, agency_id=(data["agency"], data["other_agency"])[i % 2],
                mode=AnswerMode.IN_WRITING, deadline=deadline, status=statuses[i % len(statuses)],
                answered_at=datetime(2024, 11, 1 + i % 20, 9, tzinfo=LOCAL_TZ) if i % 3 else None))
        db.session.commit()


def _queries(app, client, url, htmx=False):
    return count_queries(app, client, url, htmx)


@pytest.mark.parametrize("url, htmx", [
    ("/reports/", False),
    ("/reports/period" + YEAR, False),
    ("/reports/period" + YEAR, True),
    ("/reports/period.pdf" + YEAR, False),
    ("/reports/period.xlsx" + YEAR, False),
])
def test_queries_do_not_grow_with_rows(app, login, data, url, htmx):
    c = login("office")
    _add(app, data, 2)
    few = _queries(app, c, url, htmx)
    _add(app, data, 28)
    many = _queries(app, c, url, htmx)
    assert many == few, f"{url}: {few} queries with 2 assignments, {many} with 30"
    assert few <= 14, few


# --------------------------------------------------------------------------- the switch's version


def _setting(app):
    from portal.documents.models import Setting
    from portal.extensions import db

    with app.app_context():
        setting = db.session.get(Setting, "public_page")
        return None if setting is None else (setting.value, setting.version)


def test_a_switch_from_a_stale_page_is_409_and_changes_nothing(app, login, data):
    """The office opened the dashboard while the page was off; meanwhile an administrator
    switched it on and off again. The office's «Bật» is refused (409), showing the state now
    beside the one asked for; the switch shown afresh carries the current version."""
    office, admin = login("office"), login("admin")
    assert admin.post("/reports/public-page", {"enabled": "0"}).status_code == 303
    page = office.get("/reports/").get_data(as_text=True)
    shown = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    assert shown and int(shown.group(1)) == _setting(app)[1]
    started = shown.group(1)
    for wanted in ("1", "0"):  # the administrator, from fresh pages each time
        version = re.search(r'name="version" type="hidden" value="(\d+)"',
                            admin.get("/reports/").get_data(as_text=True)).group(1)
        assert admin.post("/reports/public-page",
                          {"enabled": wanted, "version": version}).status_code == 303
    before = _setting(app)
    response = office.post("/reports/public-page", {"enabled": "1", "version": started},
                           htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Nội dung vừa được người khác thay đổi" in body
    diff = body[body.index('class="stale-diff"'):]
    assert re.search(r"<td[^>]*>Tắt</td><td[^>]*>Bật</td>", diff)  # now off; asked: on
    assert _setting(app) == before and before[0] == {"enabled": False}
    assert f'name="version" type="hidden" value="{before[1]}"' in body
    # Having seen it, switching on from the page now shown goes through.
    assert office.post("/reports/public-page", {"enabled": "1", "version": str(before[1])},
                       htmx=True).status_code == 200
    assert _setting(app)[0] == {"enabled": True}


def test_the_first_switch_creates_the_setting(app, login, data):
    """Before anyone switched it, the form has no version yet: the switch creates it."""
    page = login("office").get("/reports/").get_data(as_text=True)
    assert 'name="version" type="hidden" value=""' in page
    assert login("office").post("/reports/public-page", {"enabled": "1", "version": ""},
                                htmx=True).status_code == 200
    assert _setting(app) == ({"enabled": True}, 1)
