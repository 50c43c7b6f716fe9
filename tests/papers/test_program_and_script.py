"""The program and the script drafted from a session that has invitations, replies with
stand-ins, advance petitions and a previous meeting: everything appears in the right stage,
checked against the record."""
from __future__ import annotations

from datetime import timedelta

import pytest

from papers_helpers import BUILD, FLOOD, LAND, OLD_OPEN, PHONE, PREVIOUS, PREVIOUS_ANSWER, \
    build_record


@pytest.fixture
def record(app, data):
    return build_record(app, data)


def _meeting(data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    return db.session.get(DialogueSession, data["session"])


def _user(data, role):
    from portal.auth.models import User
    from portal.extensions import db
    return db.session.get(User, data["users"][role])


def _texts(stage) -> str:
    return "\n".join(line.text for line in stage.lines)


def test_program_plans_the_five_stages_from_the_start(app, data, record):
    from portal.papers.program import DEFAULT_MINUTES, program_of
    from portal.runner.stages import STAGE_LABELS, STAGES
    from portal.timefmt import to_local

    with app.app_context():
        meeting = _meeting(data)
        program = program_of(meeting)
        assert [s.stage for s in program.stages] == list(STAGES)
        assert [s.label for s in program.stages] == [STAGE_LABELS[s] for s in STAGES]
        start = to_local(meeting.starts_at)
        assert program.stages[0].starts == start
        minutes = DEFAULT_MINUTES[meeting.kind]
        for i, planned in enumerate(program.stages):  # each starts when the one before ends
            assert planned.minutes == minutes[i]
            assert planned.starts == start + timedelta(minutes=sum(minutes[:i]))
        assert program.ends == start + timedelta(minutes=sum(minutes))
        assert program.stages[0].time_range == "08 giờ 00 – 08 giờ 10"
        # invited (not declined), advising or assigned: the agencies that will answer
        assert program.agencies == ["Sở Tài nguyên và Môi trường", "Sở Xây dựng"]
        earlier = to_local(meeting.starts_at - timedelta(days=30)).date()
        assert any(earlier.strftime("%d/") in r and "kết quả giải quyết" in r
                   for r in program.reports)


def test_program_times_follow_the_offices_durations(app, data, record):
    from portal.extensions import db
    from portal.papers.program import program_of, save_durations
    from portal.runner.stages import BRIEFING, OPENING

    with app.app_context():
        meeting = _meeting(data)
        save_durations(_user(data, "office"), {(meeting.kind, OPENING): 25,
                                               (meeting.kind, BRIEFING): 5})
        db.session.commit()
        program = program_of(meeting)
        assert program.stages[0].minutes == 25
        assert program.stages[1].time_range == "08 giờ 25 – 08 giờ 30"


def test_script_opening_introduces_every_attendee_with_stand_ins(app, data, record):
    from portal.papers.script import script_of
    from portal.preparation.models import Invitee, Reply
    from portal.extensions import db
    from sqlalchemy import select

    with app.app_context():
        meeting = _meeting(data)
        opening = script_of(meeting, _user(data, "office"))[0]
        assert opening.stage == "opening"
        text = _texts(opening)
        invitees = db.session.scalars(select(Invitee).where(
            Invitee.session_id == meeting.id)).all()
        for invitee in invitees:
            if invitee.reply == Reply.DECLINED:
                assert invitee.name not in text
            elif invitee.reply == Reply.DELEGATED:  # the stand-in, for the agency
                assert f"Ông/Bà {invitee.delegate_name}, dự thay lãnh đạo {invitee.name}" in text
            else:
                assert invitee.name in text
        assert "Ông/Bà Nguyễn Văn Đại, Đại biểu HĐND tỉnh, Tổ đại biểu huyện Yên Thế" in text
        assert "Đại diện lãnh đạo Sở Tài nguyên và Môi trường" in text
        assert "Ông/Bà Trần Thị Dân, thôn Đồng Tâm (chưa xác nhận tham dự)" in text
        assert "Ông/Bà Ông/Bà" not in text
        assert "Đối thoại tháng 12 về đất đai" in text  # the reasons
        assert "08 giờ 00 – 08 giờ 10: Khai mạc." in text  # the program


def test_script_stages_hold_the_record(app, data, record):
    from portal.papers.script import script_of

    with app.app_context():
        meeting = _meeting(data)
        script = script_of(meeting, _user(data, "office"))
        assert [s.stage for s in script] == ["opening", "briefing", "discussion", "assignment",
                                             "conclusion"]
        opening, briefing, discussion, assignment, conclusion = (_texts(s) for s in script)
        # the briefing: content, then the previous meeting's results from the tracker
        assert "Giải quyết kiến nghị về đất đai, môi trường và xây dựng" in briefing
        assert PREVIOUS in briefing and PREVIOUS_ANSWER in briefing
        assert "Sở Giao thông vận tải: Đã hoàn thành" in briefing
        assert OLD_OPEN in briefing  # the previous meeting's open one, one by one
        assert "Sở Tài nguyên và Môi trường: 1 ý kiến." in briefing  # still owed
        for other in (opening, discussion, assignment):
            assert PREVIOUS not in other
        # the discussion: every advance petition, by field, with its agency
        lines = [line.text for line in script[2].lines]
        fields = [t for t in lines if t.startswith("Lĩnh vực")]
        assert fields == ["Lĩnh vực Đất đai:", "Lĩnh vực Môi trường:", "Lĩnh vực Xây dựng:"]
        land = next(t for t in lines if "Đồng Tâm" in t)
        assert land.startswith("1. Ông/Bà Nguyễn Thị Hằng (xã Tân Sỏi): ")
        assert land.endswith("Cơ quan dự kiến trả lời: Sở Tài nguyên và Môi trường.")
        assert lines.index(land) < lines.index("Lĩnh vực Môi trường:")
        assert any(FLOOD in t and t.startswith("2.") and "Sở Tài nguyên" in t for t in lines)
        assert any(BUILD in t and t.startswith("3.") and t.endswith("Sở Xây dựng.")
                   for t in lines)
        assert "Ý kiến nêu tại buổi đối thoại" not in discussion  # not registered in advance
        assert PHONE not in "\n".join([opening, briefing, discussion, assignment, conclusion])
        # the assignment: which agency answers which petition
        assert "Sở Tài nguyên và Môi trường trả lời ý kiến số 1, số 2." in assignment
        assert "Sở Xây dựng trả lời ý kiến số 3." in assignment
        # the conclusion: a draft to complete
        assert "Dự thảo kết luận" in conclusion
        assert "Giao Sở Tài nguyên và Môi trường, Sở Xây dựng" in conclusion


@pytest.mark.parametrize("role, shown", [("office", True), ("chair", True),
                                         ("observer", False), ("admin", False)])
def test_script_masks_citizens_by_role(app, data, record, role, shown):
    from portal.papers.script import script_of

    with app.app_context():
        text = "\n".join(_texts(s) for s in script_of(_meeting(data), _user(data, role)))
        assert ("Nguyễn Thị Hằng" in text) is shown
        assert ("Trần Thị Dân" in text) is shown
        if not shown:
            assert "Nguyễn T. H." in text and "Trần T. D." in text
        assert "Nguyễn Văn Đại" in text  # a delegate's name is public


def test_stored_script_splits_by_stage_headings(app, data, record):
    from portal.papers.script import ScriptLine, blocks_of, script_of, stage_lines

    with app.app_context():
        script = script_of(_meeting(data))
        blocks = blocks_of(script)
        assert blocks[0] == {"kind": "heading", "text": "I. KHAI MẠC"}
        by_stage = stage_lines(blocks)
        for stage in script:
            assert by_stage[stage.stage] == stage.lines
        # an edited script: headings renumbered, re-cased, a sub-heading kept as a line
        edited = [{"kind": "heading", "text": "1) khai mac"},
                  {"kind": "paragraph", "text": "Lời chào."},
                  {"kind": "heading", "text": "Phần riêng"},
                  {"kind": "heading", "text": "5. KẾT LUẬN"},
                  {"kind": "bullet", "text": "Kết luận."}]
        parts = stage_lines(edited)
        assert parts["opening"] == [ScriptLine("paragraph", "Lời chào."),
                                    ScriptLine("heading", "Phần riêng")]
        assert parts["conclusion"] == [ScriptLine("bullet", "Kết luận.")]
        assert parts["briefing"] == []


def test_a_person_sends_a_stand_in(app, data, record):
    from portal.papers.script import _Reader, attendee_line
    from portal.preparation.models import Invitee, InviteeKind, Reply

    with app.app_context():
        invitee = Invitee(kind=InviteeKind.DELEGATE, name="Bà Lương Thị Hoa",
                          position="Phó Chủ tịch HĐND tỉnh", reply=Reply.DELEGATED,
                          delegate_name="Ông Đinh Văn Thế")
        line = attendee_line(invitee, _Reader(None))
        assert line == "Ông Đinh Văn Thế, dự thay Bà Lương Thị Hoa, Phó Chủ tịch HĐND tỉnh"


def test_a_bare_session_still_has_a_program_and_script(app, data):
    from portal.papers.program import program_of
    from portal.papers.script import script_of

    with app.app_context():
        meeting = _meeting(data)
        program = program_of(meeting)
        assert program.agencies == [] and program.reports == []
        script = script_of(meeting)
        assert len(script) == 5
        assert "(Chưa có ý kiến, kiến nghị đăng ký trước.)" in _texts(script[2])
        assert "chưa có kết quả của buổi trước" in _texts(script[1])
