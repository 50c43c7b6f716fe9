"""Search across sessions: words with or without diacritics ("Đ" too), on SQLite and PostgreSQL."""
import re
from datetime import timedelta

import pytest

from support import vn

pytest_plugins = ["tests.petitions.petition_fixtures"]


def _ids(body: str) -> set[int]:
    return {int(n) for n in re.findall(r'<td><a href="/petitions/(\d+)">', body)}


@pytest.fixture
def sample(data, make_petition):
    return {
        "land": make_petition(content="Đề nghị giải quyết tranh chấp ĐẤT ĐAI ở thôn Đồng Tâm",
                              submitter_name="Đỗ Văn Định", locality="xã Đông Lỗ"),
        "road": make_petition(content="Đề nghị sửa chữa đường giao thông liên xã",
                              submitter_name="Trần Thị Bình", locality="phường Trần Phú",
                              field_id=data["fields"][2]),
        "plain": make_petition(content="de nghi ho tro dat dai san xuat", submitter_name="Le Van C",
                               locality="xa Tan Soi"),
    }


@pytest.mark.parametrize("query, expected", [
    ("dat dai", {"land", "plain"}),
    ("ĐẤT ĐAI", {"land", "plain"}),
    ("đất đai", {"land", "plain"}),
    ("Dat  Dai!", {"land", "plain"}),
    ("đồng tâm", {"land"}),
    ("dong tam", {"land"}),
    ("ĐỒNG", {"land"}),
    ("do van dinh", {"land"}),        # the submitter, "Đ" folded to "d"
    ("Đỗ Văn Định", {"land"}),
    ("dong lo", {"land"}),            # the locality
    ("dat giao", set()),              # every word must match
    ("giao thong tran phu", {"road"}),
    ("_", set()),                     # LIKE wildcards are plain characters
    ("%", {"land", "road", "plain"}),  # no word at all: no text filter
])
def test_search_folds_both_sides(login, sample, query, expected):
    body = login("office").get("/petitions/", query_string={"q": query}).get_data(as_text=True)
    assert _ids(body) == {sample[k] for k in expected}


def test_search_within_a_session_and_by_field(login, data, sample, make_session, make_petition):
    other = make_session(-20)
    elsewhere = make_petition(session_id=other, content="Tranh chấp đất đai ở xã khác")
    c = login("office")
    assert _ids(c.get("/petitions/?q=dat+dai").get_data(as_text=True)) == {
        sample["land"], sample["plain"], elsewhere}
    assert _ids(c.get(f"/petitions/?q=dat+dai&session={other}").get_data(as_text=True)) == {
        elsewhere}
    assert _ids(c.get(f"/petitions/?field={data['fields'][2]}").get_data(as_text=True)) == {
        sample["road"]}
    body = c.get(f"/petitions/sessions/{data['session']}?q=dat+dai").get_data(as_text=True)
    assert "Đồng Tâm" in body and "sản xuất" not in body and "san xuat" in body
    assert "xã khác" not in body


def test_date_range_and_agency_filters(login, data, sample, make_session, make_petition):
    other = make_session(-20)
    far = make_petition(session_id=other, content="Việc tháng trước",
                        advising_agency_id=data["other_agency"], advising_deadline=data["day"])
    c = login("office")
    day = data["day"]
    span = f"from={vn(day - timedelta(days=25))}&to={vn(day - timedelta(days=15))}"
    got = _ids(c.get(f"/petitions/?{span}").get_data(as_text=True))
    assert got == {far}
    assert _ids(c.get(f"/petitions/?from={vn(day)}&to={vn(day)}").get_data(as_text=True)) == set(
        sample.values())
    assert _ids(c.get(f"/petitions/?agency={data['other_agency']}").get_data(as_text=True)) == {far}
    assert _ids(c.get("/petitions/?agency=0").get_data(as_text=True)) == set(sample.values())


def test_bad_dates_are_422_with_vietnamese_errors(login, data, sample):
    c = login("office")
    response = c.get("/petitions/?from=32/13/2024", htmx=True)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy." in body
    assert "Bộ lọc ngày chưa hợp lệ" in body
    response = c.get("/petitions/?from=10/05/2025&to=01/05/2025")
    assert response.status_code == 422
    assert "Ngày kết thúc phải từ ngày bắt đầu trở đi." in response.get_data(as_text=True)


def test_htmx_search_answers_the_results_block(login, sample):
    response = login("office").get("/petitions/?q=dat", htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="results"')
    assert "HX-Request" in response.headers["Vary"]


def test_paginated(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with app.app_context():
        for i in range(55):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.BUSINESS,
                         submitter_name=f"Công ty số {i}", field_id=data["fields"][0],
                         channel=Channel.WRITING, content=f"Kiến nghị về đất đai số {i}")
            p.refresh_search_text()
            db.session.add(p)
        db.session.commit()
    c = login("office")
    first = c.get("/petitions/?q=dat+dai").get_data(as_text=True)
    second = c.get("/petitions/?q=dat+dai&page=2").get_data(as_text=True)
    assert len(_ids(first)) == 50 and len(_ids(second)) == 5
    assert not _ids(first) & _ids(second)
    assert "Trang 2/2" in second and "55 ý kiến, kiến nghị" in first


def test_officer_sees_only_their_agency_petitions(app, login, data, make_petition):
    from portal.extensions import db
    from portal.tracker.models import AnswerMode, Assignment

    advised = make_petition(content="Ô nhiễm đất nông nghiệp", advising_agency_id=data["agency"],
                            advising_deadline=data["day"])
    assigned = make_petition(content="Ô nhiễm đất ven sông")
    theirs = make_petition(content="Đất xây dựng sai phép", advising_agency_id=data["other_agency"],
                           advising_deadline=data["day"])
    nobody = make_petition(content="Đất chưa giao ai")
    with app.app_context():
        db.session.add(Assignment(petition_id=assigned, agency_id=data["agency"],
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"]))
        db.session.commit()
    officer = login("officer")
    assert _ids(officer.get("/petitions/?q=dat").get_data(as_text=True)) == {advised, assigned}
    assert _ids(login("other_officer").get("/petitions/?q=dat").get_data(as_text=True)) == {theirs}
    assert _ids(login("observer").get("/petitions/?q=dat").get_data(as_text=True)) == {
        advised, assigned, theirs, nobody}
    # Filters cannot widen the scope.
    assert _ids(officer.get(f"/petitions/?agency={data['other_agency']}").get_data(
        as_text=True)) == set()
    for pid in (theirs, nobody):
        assert officer.get(f"/petitions/{pid}").status_code == 404
    assert officer.get(f"/petitions/{advised}").status_code == 200
    assert officer.get(f"/petitions/{assigned}").status_code == 200


def test_search_clause_directly(app, data, make_petition):
    """The search is a plain function over the query: usable by reports and the CLI."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.petitions.services import search_clause, search_words

    assert search_words("  Đất ĐAI, đường!  ") == ["dat", "dai", "duong"]
    assert search_clause("!!!") is None
    pid = make_petition(content="Đường Điện Biên")
    with app.app_context():
        assert db.session.scalars(select(Petition.id).where(search_clause("duong dien"))).all() == [
            pid]
        assert db.session.scalars(select(Petition.id).where(search_clause("ĐƯỜNG ĐIỆN"))).all() == [
            pid]
