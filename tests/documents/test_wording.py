"""How documents name people: «Ông/Bà» before a person, never a kind said twice."""
from datetime import date

import pytest

from portal.documents.wording import person, text_date, with_kind


@pytest.mark.parametrize("name, written", [
    ("Nguyễn Văn An", "Ông/Bà Nguyễn Văn An"),
    ("Ông Nguyễn Văn An", "Ông Nguyễn Văn An"),
    ("bà  Lê Thị Hoa", "bà Lê Thị Hoa"),
    ("Ba Văn Tư", "Ông/Bà Ba Văn Tư"),  # «Ba» is a name, «Bà» a salutation
    ("Đồng chí Phan Thế Tuấn", "Đồng chí Phan Thế Tuấn"),
])
def test_a_person_is_named_with_ong_ba_once(name, written):
    assert person(name) == written


@pytest.mark.parametrize("kind, name, written", [
    ("Đại diện cử tri", "Đại diện cử tri xã Tân Sỏi", "Đại diện cử tri xã Tân Sỏi"),
    ("Công dân", "Ông Nguyễn Văn An", "Ông Nguyễn Văn An"),
    ("Công dân", "Nguyễn Thị Hằng", "Công dân Nguyễn Thị Hằng"),
    ("Doanh nghiệp", "doanh nghiệp Hòa Phát", "doanh nghiệp Hòa Phát"),
])
def test_no_kind_is_said_twice(kind, name, written):
    assert with_kind(kind, name) == written


def test_dates_in_the_text_are_written_as_the_seed_writes_them():
    assert [text_date(date(2024, m, d)) for m, d in ((3, 5), (2, 5), (11, 15))] == \
        ["05/3/2024", "05/02/2024", "15/11/2024"]


def test_the_notice_does_not_repeat_the_voters_kind(app, data):
    from portal.calendar.models import DialogueSession
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.types import utcnow

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.closed_at = utcnow()
        db.session.add(Petition(session_id=meeting.id, submitter_kind=SubmitterKind.VOTER,
                                submitter_name="Đại diện cử tri xã Tân Sỏi",
                                field_id=data["fields"][0], content="Đề nghị sửa đường.",
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True))
        db.session.flush()
        doc = draft_conclusion_notice(meeting, None, {})
        text = " ".join(block["text"] for block in doc.blocks)
        db.session.rollback()
    assert "Đại diện cử tri xã Tân Sỏi" in text
    assert "cử tri Đại diện cử tri" not in text
