"""The public page: absent until the Office switches it on; then the schedule, the
conclusions and the petitions' outcomes, with no personal data; cacheable."""
from datetime import date, time

import pytest
from report_data import CITIZEN, CITIZEN_CONTACT, CITIZEN_ID, CONCLUSION, hand  # noqa: F401
from sqlalchemy import event

ROLES = ["anonymous", "office", "chair", "officer", "other_officer", "observer", "admin"]


def _switch(app, enabled: bool, publish: bool = True):
    """Switch the page; with it on, the office publishes every concluded session with every
    petition, in the wording the review offers (the record with personal data masked)."""
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.documents.models import Setting
    from portal.extensions import db
    from portal.reports import publication

    with app.app_context():
        setting = db.session.get(Setting, "public_page")
        if setting is None:
            db.session.add(Setting(key="public_page", value={"enabled": enabled}))
        else:
            setting.value = {"enabled": enabled}
        if enabled and publish:
            office = db.session.scalar(db.select(User).where(User.username == "office"))
            for meeting in db.session.scalars(db.select(DialogueSession).where(
                    DialogueSession.status == SessionStatus.CONCLUDED)):
                conclusion, lines = publication.review(meeting)
                publication.publish(meeting, office, conclusion,
                                    {line.petition.id: line.text for line in lines})
        db.session.commit()


def test_off_by_default_and_when_switched_off(app, login, hand):  # noqa: F811
    session_url = f"/public/sessions/{hand['sessions']['S1']}"
    for role in ROLES:
        c = login(role)
        assert c.get("/public/").status_code == 404, role
        assert c.get(session_url).status_code == 404, role
    _switch(app, False)
    assert login("anonymous").get("/public/").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_on_for_everyone_without_login(app, login, hand, role):  # noqa: F811
    _switch(app, True)
    c = login(role)
    assert c.get("/public/").status_code == 200
    assert c.get(f"/public/sessions/{hand['sessions']['S2']}").status_code == 200


def test_schedule_and_conclusions(app, login, data, hand):  # noqa: F811
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.documents.models import Document, DocumentStatus, DocumentType
    from portal.extensions import db
    from portal.timefmt import local_to_utc

    with app.app_context():
        db.session.add(DialogueSession(
            kind=SessionKind.COOPERATIVE, title="Buổi đã hủy", venue="Nơi khác", host="X",
            starts_at=local_to_utc(data["day"], time(14)), status=SessionStatus.CANCELLED))
        db.session.add(Document(doc_type=DocumentType.TB, status=DocumentStatus.ISSUED, year=2024,
                                number=5, session_id=hand["sessions"]["S1"],
                                summary="Kết luận", issued_on=date(2024, 3, 20)))
        db.session.commit()
    _switch(app, True)
    html = login("anonymous").get("/public/").get_data(as_text=True)
    # Upcoming: the `data` session (in three days), with its venue; never the cancelled one.
    assert "Đối thoại tháng 12 về đất đai" in html and "Trụ sở Tiếp công dân tỉnh" in html
    assert "Buổi đã hủy" not in html
    # Recent, concluded: their conclusion, the notice's number, and the petitions' count.
    assert "Đối thoại tháng 3/2024" in html and CONCLUSION in html
    assert "Thông báo kết luận Số: 05/TB-UBND ngày 20/03/2024" in html
    assert "Kết quả giải quyết 6 ý kiến, kiến nghị" in html  # S1: a1 a2 a3 b4 c1 p13
    assert "Kết quả giải quyết 7 ý kiến, kiến nghị" in html  # S2: a4 b1 b2 b3 c2 c3 c4
    assert f'href="/public/sessions/{hand["sessions"]["S2"]}"' in html
    # Nothing of the intranet: no CSRF token, no account.
    assert "csrf" not in html.lower() and "Đăng xuất" not in html


def test_petitions_are_shown_masked(app, login, hand):  # noqa: F811
    _switch(app, True)
    c = login("anonymous")
    s1 = c.get(f"/public/sessions/{hand['sessions']['S1']}").get_data(as_text=True)
    s2 = c.get(f"/public/sessions/{hand['sessions']['S2']}").get_data(as_text=True)
    # a3 (S1), submitted by the citizen Nguyễn Văn An: only the initials.
    assert "Nội dung kiến nghị a3" in s1 and "Công dân N.V.A." in s1
    for secret in (CITIZEN, "Nguyễn V. A.", CITIZEN_CONTACT, CITIZEN_ID, "Phạm Thị Dung"):
        assert secret not in s1 and secret not in s2
    # b2 is a business: its kind only. Outcomes in plain words.
    assert "Công ty TNHH Đồng Tâm" not in s2 and "Doanh nghiệp" in s2
    assert "Đã giải quyết xong" in s2  # b1, b2
    assert "Vượt thẩm quyền của tỉnh, sẽ báo cáo cấp có thẩm quyền" in s2  # c2
    assert "Đã báo cáo cấp có thẩm quyền, đang chờ trả lời (Bộ Tài nguyên và Môi trường)" in s1
    assert "Cấp có thẩm quyền đã trả lời" in s1  # c1
    assert "Đang tổng hợp, chưa phân công" in s1  # p13
    assert "Tháo gỡ vướng mắc." in s2


def test_only_concluded_sessions_have_a_public_page(app, login, data):
    _switch(app, True)
    assert login("anonymous").get(f"/public/sessions/{data['session']}").status_code == 404
    assert login("anonymous").get("/public/sessions/999999").status_code == 404


def test_cache_headers_and_etag(app, login, hand):  # noqa: F811
    _switch(app, True)
    c = login("anonymous")
    for url in ("/public/", f"/public/sessions/{hand['sessions']['S1']}"):
        first = c.get(url)
        assert first.headers["Cache-Control"] == "public, max-age=60"
        etag = first.headers["ETag"]
        again = c.get(url, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""


def test_public_pages_paginate(app, login, data, hand):  # noqa: F811
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with app.app_context():
        for i in range(50):
            db.session.add(Petition(session_id=hand["sessions"]["S2"],
                                    submitter_kind=SubmitterKind.VOTER,
                                    submitter_name=f"Đỗ Văn Khải {i}", field_id=data["fields"][2],
                                    content=f"Thêm {i}", channel=Channel.VOTER_CONTACT))
        db.session.commit()
    _switch(app, True)
    url = f"/public/sessions/{hand['sessions']['S2']}"
    html = login("anonymous").get(url).get_data(as_text=True)
    assert "Trang 1/2" in html and f'href="{url}?page=2"' in html
    assert "Đại diện cử tri Đ.V.K." in html and "Đỗ Văn Khải" not in html


def _count_queries(app, c, url):
    from portal.extensions import db

    with app.app_context():
        engine = db.engine
    seen = []

    def count(*args, **kwargs):
        seen.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert c.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_public_queries_do_not_grow(app, login, data, hand):  # noqa: F811
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    def add(n):
        with app.app_context():
            for i in range(n):
                p = Petition(session_id=hand["sessions"]["S1"], field_id=data["fields"][0],
                             submitter_kind=SubmitterKind.CITIZEN, submitter_name=f"Hồ Thị {i}",
                             content=f"Thêm {i}", channel=Channel.WRITING)
                db.session.add(p)
                db.session.flush()
                db.session.add(Assignment(petition_id=p.id, agency_id=data["other_agency"],
                                          deadline=date(2024, 5, 1), mode=AnswerMode.IN_WRITING))
            db.session.commit()

    _switch(app, True)
    c = login("anonymous")
    urls = ["/public/", f"/public/sessions/{hand['sessions']['S1']}"]
    add(2)
    few = [_count_queries(app, c, u) for u in urls]
    add(28)
    many = [_count_queries(app, c, u) for u in urls]
    assert few == many


def test_the_public_page_masks_personal_data_in_the_text(app, client, data):
    """"SĐT 0987654321, CCCD 024188009999" written into a petition never reaches the public."""
    from datetime import time

    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.documents.models import Setting
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_to_utc
    from datetime import date

    with app.app_context():
        meeting = DialogueSession(kind=SessionKind.CITIZEN_RECEPTION, title="Đối thoại",
                                  starts_at=local_to_utc(date(2024, 3, 15), time(8)),
                                  venue="Trụ sở", host="Phó Chủ tịch",
                                  status=SessionStatus.CONCLUDED,
                                  conclusion="Gọi lại cho ông An theo số 0912 345 678.")
        db.session.add(meeting)
        db.session.flush()
        db.session.add(Petition(session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN,
                                submitter_name="Nguyễn Văn An", field_id=data["fields"][0],
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True,
                                content="Đề nghị cấp sổ đỏ. SĐT 0987654321, CCCD 024188009999"))
        db.session.commit()
        meeting_id = meeting.id
    _switch(app, True)
    body = client.http.get(f"/public/sessions/{meeting_id}").get_data(as_text=True)
    assert "Đề nghị cấp sổ đỏ." in body
    for secret in ("0987654321", "024188009999", "0912 345 678", "Nguyễn Văn An"):
        assert secret not in body
