"""Repeats (trùng, lặp lại): the plain functions, and the link set on registration and import."""
from datetime import timedelta

import pytest
from support import is_savepoint, vn

from portal.petitions import duplicates

pytest_plugins = ["tests.petitions.petition_fixtures"]


def test_words_fold_and_drop_common_syllables():
    assert duplicates.words("Đề nghị GIẢI QUYẾT đất đai, của xã!") == {
        "giai", "quyet", "dat", "dai", "xa"}


def test_jaccard():
    assert duplicates.jaccard({"a", "b"}, {"a", "b"}) == 1.0
    assert duplicates.jaccard({"a", "b", "c"}, {"a", "b", "d"}) == pytest.approx(0.5)
    assert duplicates.jaccard(set(), {"a"}) == 0.0


@pytest.mark.parametrize("a, b, alike", [
    # Same words, other diacritics and order: Jaccard 1.
    ("Đề nghị bồi thường thỏa đáng khi thu hồi đất dự án đường vành đai",
     "de nghi thu hoi dat du an duong vanh dai, boi thuong thoa dang", True),
    # A few words changed out of many: still a repeat.
    ("Phản ánh tình trạng khai thác cát trái phép trên sông Cầu đoạn qua xã Tân Mỹ",
     "Phản ánh tình trạng khai thác cát trái phép trên sông Cầu đoạn qua xã Song Khê", True),
    # Typing slips leave the texts close letter by letter (difflib).
    ("Đề nghị sớm cấp giấy chứng nhận quyền sử dụng đất cho các hộ dân thôn Hạ",
     "Đề nghị sớm cấp giấy chứng nhận quyền sủ dụng đát cho cac hộ dân thôn Ha", True),
    ("Đề nghị sửa chữa đường giao thông liên xã", "Phản ánh ô nhiễm môi trường tại cụm công nghiệp",
     False),
    ("Đề nghị hỗ trợ vốn vay cho hợp tác xã", "Đề nghị hỗ trợ đào tạo nghề cho lao động nông thôn",
     False),
])
def test_is_similar(a, b, alike):
    assert duplicates.is_similar(a, b) is alike


def test_probe_words_are_the_longest_distinct_ones():
    probes = duplicates.probe_words("Đề nghị giải phóng mặt bằng khu công nghiệp Quang Châu 2")
    assert probes[:3] == ["nghiep", "phong", "quang"] and "2" not in probes
    assert len(probes) == duplicates.PROBE_WORDS
    assert all(len(w) >= duplicates.LONG_WORD for w in probes)
    assert duplicates.probe_words("đề nghị xã ta") == []


def _petition(app, **kw):
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        return db.session.get(Petition, kw["id"])


def test_same_submitter_in_an_earlier_session(app, data, make_petition, make_session):
    from portal.extensions import db
    from portal.petitions.duplicates import find_duplicate
    from portal.petitions.models import Petition

    earlier_session = make_session(-40)
    later_session = make_session(+40)
    old = make_petition(session_id=earlier_session, submitter_name="Nguyễn  Văn AN",
                        field_id=data["fields"][1], content="Việc khác hẳn")
    same_field = make_petition(session_id=earlier_session, submitter_name="nguyen van an",
                               content="Một việc nữa")
    make_petition(session_id=later_session, submitter_name="Nguyễn Văn An", content="Sau này")
    with app.app_context():
        new = Petition(session_id=data["session"], submitter_name="Nguyễn Văn An",
                       field_id=data["fields"][0], content="Nội dung mới hoàn toàn khác")
        new.refresh_search_text()
        # The same field wins over a later id; a petition of a later session never counts.
        assert find_duplicate(new) == same_field
        new.field_id = data["fields"][2]
        assert find_duplicate(new) == same_field  # no same-field one: the latest earlier
        db.session.rollback()
    assert old < same_field


def test_similar_content_same_field_only(app, data, make_petition, make_session):
    from portal.petitions.duplicates import find_duplicate
    from portal.petitions.models import Petition

    earlier = make_session(-10)
    text = "Phản ánh tình trạng khai thác cát trái phép trên sông Cầu đoạn qua xã Tân Mỹ"
    other_field = make_petition(session_id=earlier, submitter_name="Lê Văn Cường", content=text,
                                field_id=data["fields"][1])
    with app.app_context():
        new = Petition(session_id=data["session"], submitter_name="Phạm Thị Dung",
                       field_id=data["fields"][0],
                       content="phan anh tinh trang khai thac cat trai phep tren song Cau doan qua "
                               "xa Song Khe")
        new.refresh_search_text()
        assert find_duplicate(new) is None
        new.field_id = data["fields"][1]
        assert find_duplicate(new) == other_field


def test_only_earlier_petitions_of_the_same_session(app, data, make_petition):
    from portal.extensions import db
    from portal.petitions.duplicates import find_duplicate
    from portal.petitions.models import Petition

    first = make_petition(submitter_name="Hoàng Văn Đức")
    second = make_petition(submitter_name="Hoàng Văn Đức")
    with app.app_context():
        assert find_duplicate(db.session.get(Petition, second)) == first
        assert find_duplicate(db.session.get(Petition, first)) is None


def test_empty_submitter_key_never_matches(app, data, make_petition):
    from portal.petitions.duplicates import same_submitter
    from portal.petitions.models import Petition

    make_petition(submitter_name="   ", content="A")
    with app.app_context():
        new = Petition(session_id=data["session"], submitter_name="", field_id=data["fields"][0],
                       content="B")
        new.refresh_search_text()
        assert same_submitter(new) is None


def test_candidates_are_bounded_and_fetched_in_one_query(app, data, make_petition, monkeypatch):
    from sqlalchemy import event

    from portal.extensions import db
    from portal.petitions import duplicates as dup
    from portal.petitions.models import Petition

    text = "Đề nghị nâng cấp tuyến đường tỉnh lộ 398 qua địa bàn huyện Yên Dũng"
    first = make_petition(submitter_name="Người A", content=text, locality="")
    for i in range(5):
        make_petition(submitter_name=f"Người {i}", locality="",
                      content=f"Việc riêng số {i} về chăn nuôi gia cầm")
    monkeypatch.setattr(dup, "CANDIDATES", 3)

    def find():
        with app.app_context():
            new = Petition(session_id=data["session"], submitter_name="Người B",
                           field_id=data["fields"][0], content=text)
            new.refresh_search_text()
            seen = []
            listener = lambda conn, cursor, sql, *a: seen.append(1) if not is_savepoint(sql) else None  # noqa: E731, E501
            event.listen(db.engine, "before_cursor_execute", listener)
            try:
                return dup.find_duplicate(new), len(seen)
            finally:
                event.remove(db.engine, "before_cursor_execute", listener)

    # The five later ones share no long word with it: the first is among the candidates.
    assert find() == (first, 2)  # two queries: same submitter, then the candidates
    # Three later petitions sharing a long word ("tuyen") fill the bounded candidate set.
    for i in range(3):
        make_petition(submitter_name=f"Người khác {i}", locality="",
                      content=f"Mở tuyến xe buýt số {i}")
    assert find() == (None, 2)


def test_registration_links_the_repeat_and_the_list_shows_it(app, login, data, make_petition,
                                                            make_session, fetch):
    from portal.petitions.models import Petition
    from portal.tracker.models import AnswerMode, Assignment
    from portal.extensions import db

    earlier = make_session(-30, title="Đối thoại tháng trước")
    old = make_petition(session_id=earlier, submitter_name="Vũ Thị Hằng",
                        content="Đề nghị giải quyết dứt điểm tranh chấp đất đai giữa hai hộ "
                                "ở thôn Đông")
    with app.app_context():
        db.session.add(Assignment(petition_id=old, agency_id=data["agency"],
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"]))
        db.session.commit()
    c = login("office")
    c.post(f"/petitions/sessions/{data['session']}", {
        "submitter_kind": "citizen", "submitter_name": "Đặng Văn Khoa", "channel": "reception",
        "field_id": str(data["fields"][0]), "advising_agency_id": "0", "advising_deadline": "",
        "content": "de nghi giai quyet dut diem tranh chap dat dai giua hai ho o thon Dong"},
        htmx=True)
    with app.app_context():
        from sqlalchemy import select

        new = db.session.scalar(select(Petition.id).where(Petition.session_id == data["session"]))
    assert fetch(Petition, new)["duplicate_of_id"] == old
    body = c.get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert "Trùng/lặp lại" in body and f'href="/petitions/{old}"' in body
    assert "Đã giao" in body  # the earlier one's assignment status
    assert vn(data["day"] - timedelta(days=30)) in body
    detail = c.get(f"/petitions/{old}").get_data(as_text=True)
    assert f'href="/petitions/{new}"' in detail  # "Được nêu lại ở"


def test_runner_registration_links_repeats_too(app, login, data, make_petition, fetch):
    """fill_petition, shared with the runner, links the repeat."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.forms import PetitionForm
    from portal.petitions.models import Petition
    from portal.petitions.services import fill_petition

    old = make_petition(submitter_name="Công ty TNHH Đồng Tâm", submitter_kind="business")
    with app.test_request_context(method="POST", data={
            "submitter_kind": "business", "submitter_name": "CÔNG TY TNHH ĐỒNG TÂM",
            "field_id": str(data["fields"][2]), "channel": "at_dialogue",
            "content": "Kiến nghị về thủ tục cấp phép xây dựng"}):
        form = PetitionForm(meta={"csrf": False})
        assert form.validate(), form.errors
        petition = Petition(session_id=data["session"], raised_at_meeting=True)
        fill_petition(petition, form, data["users"]["office"])
        db.session.add(petition)
        db.session.commit()
        new = db.session.scalar(select(Petition.id).order_by(Petition.id.desc()).limit(1))
    assert fetch(Petition, new)["duplicate_of_id"] == old
    assert fetch(Petition, new)["submitter_id_number"] == ""
