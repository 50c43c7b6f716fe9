"""The assignment's lifecycle: every action × every state × every role, allowed or refused.

The expected table is written out here, apart from lifecycle.ACTIONS, so a change to the
rules has to change both.
"""
from datetime import date, timedelta

import pytest

from tests.tracker.tracker_fixtures import make, third  # noqa: F401 (fixtures)

OPEN = {"assigned", "in_progress", "returned"}
STATES = ["assigned", "in_progress", "answered", "returned", "done", "beyond_authority",
          "reported_upward", "upper_answered"]
ROLES = ["office", "chair", "lead", "coordinator", "third", "observer", "admin"]

# action: (states it is taken from, who takes it, state after (None: unchanged))
EXPECTED = {
    "start": ({"assigned", "returned"}, "lead", "in_progress"),
    "answer": (OPEN, "lead", "answered"),
    "request_extension": (OPEN, "lead", None),
    "request_input": (OPEN, "lead", None),
    "give_input": (OPEN | {"answered"}, "coordinator", None),
    "accept": ({"answered"}, "office", "done"),
    "return": ({"answered"}, "office", "returned"),
    "grant_extension": (OPEN | {"answered"}, "office", None),
    "refuse_extension": (OPEN | {"answered"}, "office", None),
    "remind": (OPEN, "office", None),
    "mark_beyond_authority": (OPEN | {"answered"}, "office", "beyond_authority"),
    "report_upward": ({"beyond_authority"}, "office", "reported_upward"),
    "record_upper_answer": ({"reported_upward"}, "office", "upper_answered"),
    "record_verdict": ({"done"}, "office", None),  # satisfied: it stays done
}


def test_the_table_covers_every_action():
    from portal.tracker import lifecycle

    assert set(EXPECTED) == set(lifecycle.ACTIONS)


def _data_for(action, item, third_agency):
    from portal.admin.models import Agency
    from portal.extensions import db

    if action == "request_extension":
        return {"text": "Cần thêm thời gian đo đạc", "deadline": item.deadline + timedelta(10)}
    if action == "request_input":
        return {"text": "Đề nghị cho ý kiến", "agency": db.session.get(Agency, third_agency)}
    if action == "report_upward":
        return {"upper_body": "Bộ Tài nguyên và Môi trường", "report_number": "12/BC-UBND",
                "report_date": date(2025, 3, 5)}
    if action == "record_upper_answer":
        return {"text": "Bộ đã trả lời", "answered_on": date(2025, 4, 1)}
    if action == "record_verdict":
        return {"text": "", "verdict": "satisfied", "channel": "call"}
    return {"text": {"answer": "Đã kiểm tra", "return": "Bổ sung số liệu",
                     "refuse_extension": "Không có căn cứ", "give_input": "Đồng ý"}.get(action, "")}


def test_every_transition_by_role(app, data, make, third):  # noqa: F811
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import (
        Assignment, AssignmentStatus, AssignmentStep, CoordinatorInput, Extension,
    )

    assignment_id = make(coordinators=["other_agency"])
    users = {"office": "office", "chair": "chair", "lead": "officer",
             "coordinator": "other_officer", "third": "third", "observer": "observer",
             "admin": "admin"}
    checked = 0
    with app.app_context():
        item = db.session.get(Assignment, assignment_id)
        pending = Extension(assignment_id=item.id, reason="Xin thêm",
                            requested_deadline=item.deadline + timedelta(days=7),
                            old_deadline=item.deadline)
        db.session.add_all([pending, CoordinatorInput(assignment_id=item.id,
                                                      agency_id=data["other_agency"])])
        db.session.commit()
        pending_id = pending.id
        for action, (sources, who, target) in EXPECTED.items():
            for state in STATES:
                for role in ROLES:
                    item = db.session.get(Assignment, assignment_id)
                    user = db.session.get(User, data["users"][users[role]])
                    item.status = AssignmentStatus(state)
                    known = lifecycle.Facts(
                        pending_extension=db.session.get(Extension, pending_id)
                        if action in ("grant_extension", "refuse_extension") else None,
                        awaited_agencies={data["other_agency"]})
                    allowed = state in sources and role == who
                    assert lifecycle.can(user, item, action, known) == allowed, \
                        (action, state, role)
                    assert (action in lifecycle.allowed_actions(user, item, known)) == allowed
                    extra = _data_for(action, item, data["third_agency"])
                    text = extra.pop("text", "")
                    if allowed:
                        step = lifecycle.apply(item, action, user, text, known=known, **extra)
                        db.session.flush()
                        assert (step.action, step.from_status, step.to_status, step.actor_id) \
                            == (action, state, target or state, user.id)
                        assert item.status.value == (target or state)
                    else:
                        with pytest.raises(lifecycle.TransitionError) as refused:
                            lifecycle.apply(item, action, user, text, known=known, **extra)
                        wrong_role = role != who
                        assert refused.value.status == (403 if wrong_role else 409)
                        assert ("quyền" if wrong_role else "trạng thái") in str(refused.value)
                    db.session.rollback()
                    checked += 1
        assert db.session.query(AssignmentStep).count() == 0  # every try was rolled back
    assert checked == len(EXPECTED) * len(STATES) * len(ROLES)


def _ctx_item(app, data, make, **kw):
    from portal.auth.models import User
    from portal.extensions import db
    from portal.tracker.models import Assignment

    assignment_id = make(**kw)
    item = db.session.get(Assignment, assignment_id)
    users = {k: db.session.get(User, v) for k, v in data["users"].items()}
    return item, users


def test_answer_return_answer_accept_writes_each_step(app, data, make):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import AssignmentStep

    with app.app_context():
        item, u = _ctx_item(app, data, make)
        lifecycle.apply(item, "start", u["officer"])
        lifecycle.apply(item, "answer", u["officer"], "Lần 1")
        lifecycle.apply(item, "return", u["office"], "Thiếu căn cứ")
        lifecycle.apply(item, "answer", u["officer"], "Lần 2")
        lifecycle.apply(item, "accept", u["office"])
        db.session.commit()
        steps = db.session.scalars(select(AssignmentStep).order_by(AssignmentStep.id)).all()
        assert [(s.action, s.from_status, s.to_status, s.text) for s in steps] == [
            ("start", "assigned", "in_progress", ""),
            ("answer", "in_progress", "answered", "Lần 1"),
            ("return", "answered", "returned", "Thiếu căn cứ"),
            ("answer", "returned", "answered", "Lần 2"),
            ("accept", "answered", "done", ""),
        ]
        assert [s.actor_id for s in steps] == [u["officer"].id] * 2 + [u["office"].id] + \
            [u["officer"].id] + [u["office"].id]
        assert all(s.at is not None for s in steps)
        assert item.answer == "Lần 2" and item.review_note == "Thiếu căn cứ"


def test_extension_granted_moves_deadline_keeps_original(app, data, make):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import AssignmentStep, Extension, ExtensionStatus

    with app.app_context():
        item, u = _ctx_item(app, data, make, deadline=date(2025, 3, 10))
        with pytest.raises(lifecycle.TransitionError) as early:
            lifecycle.apply(item, "request_extension", u["officer"], "Lý do",
                            deadline=date(2025, 3, 10))
        assert early.value.status == 422 and early.value.field == "new_deadline"
        assert "phải sau hạn hiện tại (10/03/2025)" in str(early.value)
        with pytest.raises(lifecycle.TransitionError) as no_reason:
            lifecycle.apply(item, "request_extension", u["officer"], " ",
                            deadline=date(2025, 3, 20))
        assert no_reason.value.field == "reason"
        lifecycle.apply(item, "request_extension", u["officer"], "Chờ kết quả đo đạc",
                        deadline=date(2025, 3, 20))
        db.session.commit()
        # A second request while one is pending is refused.
        with pytest.raises(lifecycle.TransitionError, match="đang chờ"):
            lifecycle.apply(item, "request_extension", u["officer"], "Nữa",
                            deadline=date(2025, 3, 25))
        lifecycle.apply(item, "grant_extension", u["office"], "Đồng ý")
        db.session.commit()
        assert item.deadline == date(2025, 3, 20) and item.original_deadline == date(2025, 3, 10)
        ext = db.session.scalar(select(Extension))
        assert ext.status == ExtensionStatus.GRANTED and ext.old_deadline == date(2025, 3, 10)
        assert ext.decided_by_id == u["office"].id
        step = db.session.scalar(select(AssignmentStep).where(
            AssignmentStep.action == "grant_extension"))
        assert "10/03/2025" in step.text and "20/03/2025" in step.text
        # No pending request any more: nothing to grant or refuse.
        with pytest.raises(lifecycle.TransitionError, match="Không có đề nghị gia hạn"):
            lifecycle.apply(item, "refuse_extension", u["office"], "x")


def test_extension_refused_keeps_deadline(app, data, make):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import Extension, ExtensionStatus

    with app.app_context():
        item, u = _ctx_item(app, data, make, deadline=date(2025, 3, 10))
        lifecycle.apply(item, "request_extension", u["officer"], "Lý do",
                        deadline=date(2025, 3, 20))
        with pytest.raises(lifecycle.TransitionError) as bare:
            lifecycle.apply(item, "refuse_extension", u["office"], "")
        assert bare.value.field == "note"
        lifecycle.apply(item, "refuse_extension", u["office"], "Đủ thời gian")
        db.session.commit()
        assert item.deadline == date(2025, 3, 10)
        assert db.session.scalar(select(Extension)).status == ExtensionStatus.REFUSED


def test_beyond_authority_path(app, data, make):
    from portal.extensions import db
    from portal.tracker import lifecycle

    with app.app_context():
        item, u = _ctx_item(app, data, make, beyond=True)
        lifecycle.on_assigned(item, u["chair"])
        assert item.status.value == "beyond_authority"
        with pytest.raises(lifecycle.TransitionError) as missing:
            lifecycle.apply(item, "report_upward", u["office"], upper_body="Bộ Xây dựng",
                            report_number="", report_date=date(2025, 5, 2))
        assert missing.value.field == "report_number" and item.upper_body == ""
        lifecycle.apply(item, "report_upward", u["office"], upper_body="Bộ Xây dựng",
                        report_number="45/BC-UBND", report_date=date(2025, 5, 2))
        assert (item.status.value, item.report_number) == ("reported_upward", "45/BC-UBND")
        lifecycle.apply(item, "record_upper_answer", u["office"], "Bộ đã hướng dẫn",
                        answered_on=date(2025, 6, 1))
        db.session.commit()
        assert item.status.value == "upper_answered"
        assert item.upper_answered_at == date(2025, 6, 1)
        # Closed: the agency can no longer answer, the office can no longer act.
        assert lifecycle.allowed_actions(u["officer"], item) == []
        assert lifecycle.allowed_actions(u["office"], item) == []


def test_on_assigned_without_flag_and_on_the_spot(app, data, make):
    from sqlalchemy import select

    from portal.extensions import db
    from portal.tracker import lifecycle
    from portal.tracker.models import AssignmentStep

    with app.app_context():
        item, u = _ctx_item(app, data, make)
        lifecycle.on_assigned(item, u["chair"])
        lifecycle.record_on_the_spot(item, "Trả lời ngay tại buổi", u["office"])
        db.session.commit()
        steps = db.session.scalars(select(AssignmentStep).order_by(AssignmentStep.id)).all()
        assert [(s.action, s.from_status, s.to_status) for s in steps] == [
            ("assign", None, "assigned"), ("answer_on_the_spot", "assigned", "done")]


def test_coordination_request_and_input(app, data, make, third):  # noqa: F811
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.tracker import lifecycle

    with app.app_context():
        item, u = _ctx_item(app, data, make)
        lead_agency = db.session.get(Agency, data["agency"])
        other = db.session.get(Agency, data["other_agency"])
        with pytest.raises(lifecycle.TransitionError, match="khác cơ quan chủ trì"):
            lifecycle.apply(item, "request_input", u["officer"], "x", agency=lead_agency)
        # Not asked yet: Sở Xây dựng may not give input.
        assert not lifecycle.can(u["other_officer"], item, "give_input")
        lifecycle.apply(item, "request_input", u["officer"], "Cho ý kiến về quy hoạch",
                        agency=other)
        db.session.commit()
        assert other in item.coordinators
        with pytest.raises(lifecycle.TransitionError, match="đang chờ trả lời"):
            lifecycle.apply(item, "request_input", u["officer"], "Lần nữa", agency=other)
        assert lifecycle.can(u["other_officer"], item, "give_input")
        assert not lifecycle.can(u["third"], item, "give_input")
        lifecycle.apply(item, "give_input", u["other_officer"], "Phù hợp quy hoạch")
        db.session.commit()
        assert not lifecycle.can(u["other_officer"], item, "give_input")  # answered once
