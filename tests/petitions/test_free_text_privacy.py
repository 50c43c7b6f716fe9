"""Personal data written into a petition's free text is masked wherever the reader may not
see it: the lists and records for observers and administrators, and the public page."""
from __future__ import annotations

import pytest

pytest_plugins = ["tests.petitions.petition_fixtures"]

CONTENT = ("Đề nghị cấp sổ đỏ. Liên hệ SĐT 0987 654 321 hoặc +84 912 345 678, "
           "CCCD 024188009999, thư an.nguyen@example.vn, nhà số 45 Trần Phú.")
SECRETS = ["0987 654 321", "+84 912 345 678", "024188009999", "an.nguyen@example.vn",
           "số 45 Trần Phú"]


@pytest.mark.parametrize("text, kept", [
    ("hỗ trợ 100.000.000 đồng ngày 15/03/2024", "hỗ trợ 100.000.000 đồng ngày 15/03/2024"),
    ("thửa đất số 123 tờ bản đồ 45", "thửa đất số 123 tờ bản đồ 45"),
    ("năm 2024 có 1234 hộ", "năm 2024 có 1234 hộ"),
])
def test_redaction_leaves_other_numbers_alone(text, kept):
    from portal.petitions.privacy import redact

    assert redact(text) == kept


@pytest.mark.parametrize("text", ["0987654321", "0987.654.321", "+84987654321",
                                  "(+84) 987 654 321", "024188009999", "0241 8800 9999",
                                  "123456789", "a.b@c.vn", "số nhà 12/3 Lê Lợi",
                                  "12 đường Nguyễn Trãi", "ngõ 5"])
def test_redaction_masks_the_vietnamese_forms(text):
    from portal.petitions.privacy import MASK, redact

    masked = redact(f"x {text} y")
    assert MASK in masked and text not in masked


def test_observers_never_read_it_and_the_office_does(app, login, data, make_petition):
    pid = make_petition(content=CONTENT)
    for role, sees in (("office", True), ("observer", False), ("admin", False)):
        for url in (f"/petitions/{pid}", f"/petitions/sessions/{data['session']}",
                    "/petitions/?q=so+do"):
            body = login(role).get(url).get_data(as_text=True)
            for secret in SECRETS:
                assert (secret in body) is sees, (role, url, secret)
        # the rest of the text stays readable
        assert "Đề nghị cấp sổ đỏ." in login(role).get(f"/petitions/{pid}").get_data(
            as_text=True)


def test_the_tracker_masks_it_for_coordinators_and_readers(app, login, data, make_petition):
    from portal.extensions import db
    from portal.tracker.models import AnswerMode, Assignment, assignment_coordinator

    pid = make_petition(content=CONTENT)
    with app.app_context():
        item = Assignment(petition_id=pid, agency_id=data["agency"], mode=AnswerMode.IN_WRITING,
                          deadline=data["day"], original_deadline=data["day"])
        db.session.add(item)
        db.session.flush()
        db.session.execute(assignment_coordinator.insert().values(
            assignment_id=item.id, agency_id=data["other_agency"]))
        db.session.commit()
        item_id = item.id
    for role, sees in (("office", True), ("officer", True), ("other_officer", False),
                       ("observer", False), ("chair", False)):
        for url in (f"/tracker/{item_id}", "/tracker/?tab=all" if "officer" in role
                    else "/tracker/"):
            body = login(role).get(url).get_data(as_text=True)
            assert ("024188009999" in body) is sees, (role, url)
