"""The session lifecycle (portal.calendar.lifecycle): every move × every status, pure where
it can be (no app, no database), then the commands that read the database."""
from __future__ import annotations

from datetime import date, time

import pytest

from portal.calendar import lifecycle
from portal.calendar.lifecycle import MOVES, SessionValues, When
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.errors import DomainError

S = SessionStatus
T, SC, IP, CO, CA = (S.TENTATIVE, S.SCHEDULED, S.IN_PROGRESS, S.CONCLUDED, S.CANCELLED)

# move -> the statuses it is allowed from (a session neither locked nor opened)
ALLOWED = {
    "confirm": {T},
    "edit": {T, SC, IP, CA},
    "reschedule": {T, SC},
    "cancel": {T, SC},
    "restore": {CA},
    "open": {T, SC},
    "close": {IP},
}
# move -> status -> the status after it (restore: see test_restore_gives_back_the_status)
TARGETS = {
    "confirm": {T: SC},
    "edit": {T: T, SC: SC, IP: IP, CA: CA},
    "reschedule": {T: T, SC: SC},
    "cancel": {T: CA, SC: CA},
    "open": {T: IP, SC: IP},
    "close": {IP: CO},
}
DAY = date(2025, 3, 11)


def _session(status: S, **fields) -> DialogueSession:
    values = dict(id=1, status=status, kind=SessionKind.CITIZEN_RECEPTION, title="Buổi",
                  host="Chủ tịch A", venue="Hội trường", content="")
    values.update(fields)
    return DialogueSession(**values)


def _values(**over) -> SessionValues:
    when = over.pop("when", When(DAY, time(8, 0), time(11, 0), " Nhà văn hóa "))
    values = dict(kind=SessionKind.BUSINESS, title=" Tiêu đề mới ", host=" Chủ tịch B ",
                  content=" Nội dung ", when=when)
    values.update(over)
    return SessionValues(**values)


def test_the_table_names_every_move():
    assert set(MOVES) == set(ALLOWED)
    assert lifecycle.allowed_moves(_session(CO)) == []


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(S))
def test_every_move_from_every_status(name, status):
    session = _session(status)
    allowed = status in ALLOWED[name]
    assert lifecycle.can(session, name) is allowed
    refusal = lifecycle.refusal(session, name)
    if allowed:
        assert refusal is None
        if name in TARGETS:
            assert lifecycle.target_of(name, status) == TARGETS[name][status]
    else:
        assert isinstance(refusal, DomainError) and refusal.status == 409
        assert refusal.message  # a sentence for the user, in Vietnamese outside a request
        with pytest.raises(DomainError):
            lifecycle.require(session, name)


@pytest.mark.parametrize("name", sorted(ALLOWED))
@pytest.mark.parametrize("status", list(S))
def test_a_locked_session_allows_no_move(name, status):
    from portal.types import utcnow

    refusal = lifecycle.refusal(_session(status, closed_at=utcnow()), name)
    assert str(refusal) == "Buổi đối thoại đã kết thúc, biên bản đã khóa."


@pytest.mark.parametrize("status", [T, SC])
def test_an_opened_meeting_cannot_open_again(status):
    session = _session(status, stage="opening")
    assert str(lifecycle.refusal(session, "open")) == "Buổi đối thoại đã được khai mạc."
    assert not lifecycle.before_meeting(session)


@pytest.mark.parametrize("status, before, preparing", [
    (T, True, True), (SC, True, True), (IP, False, True), (CO, False, True), (CA, False, False)])
def test_the_predicates(status, before, preparing):
    session = _session(status)
    assert lifecycle.before_meeting(session) is before
    assert lifecycle.is_open_for_preparation(session) is preparing


def test_the_predicates_of_a_locked_session():
    from portal.types import utcnow

    session = _session(IP, closed_at=utcnow())
    assert not lifecycle.before_meeting(session)
    assert not lifecycle.is_open_for_preparation(session)


def test_refusals_say_why():
    assert str(lifecycle.refusal(_session(CA), "open")) == "Buổi đối thoại đã bị hủy."
    assert str(lifecycle.refusal(_session(IP), "open")) == "Buổi đối thoại đã được khai mạc."
    assert str(lifecycle.refusal(_session(SC), "close")) == "Buổi đối thoại chưa khai mạc."
    assert str(lifecycle.refusal(_session(CA), "cancel")) == "Buổi đối thoại đã bị hủy."
    assert str(lifecycle.refusal(_session(SC), "restore")) == \
        "Buổi đối thoại không ở trạng thái đã hủy."


# --------------------------------------------------------------------------- pure commands


@pytest.mark.parametrize("status", [T, SC])
def test_cancel_needs_a_reason_and_keeps_it(status):
    session = _session(status)
    with pytest.raises(DomainError) as refused:
        lifecycle.cancel(session, None, "   ")
    assert (refused.value.status, refused.value.field) == (422, "reason")
    assert session.status == status and not session.is_customized
    lifecycle.cancel(session, None, "  Trùng lịch họp  ")
    assert session.status == CA and session.cancel_reason == "Trùng lịch họp"
    assert session.is_customized


@pytest.mark.parametrize("previous, expected", [
    (T, T), (SC, SC), (IP, SC), (CO, SC), (CA, SC)])
def test_restore_gives_back_the_status(previous, expected):
    session = _session(CA, cancel_reason="Hoãn")
    lifecycle.restore(session, None, previous=previous)
    assert session.status == expected and session.cancel_reason == ""
    assert session.is_customized
    assert lifecycle.target_of("restore", CA, None) == SC


def test_confirm_open_and_close():
    session = _session(T)
    lifecycle.confirm(session, None)
    assert session.status == SC and session.is_customized
    lifecycle.open_meeting(session)
    assert session.status == IP and session.closed_at is None
    with pytest.raises(DomainError):
        lifecycle.cancel(session, None, "Muộn rồi")
    lifecycle.close_meeting(session)
    assert session.status == CO and session.is_locked
    for name in MOVES:
        assert not lifecycle.can(session, name)


def test_apply_by_name():
    session = _session(SC)
    lifecycle.apply(session, "cancel", None, reason="Hoãn")
    lifecycle.apply(session, "restore", None, previous=T)
    assert session.status == T
    with pytest.raises(KeyError):
        lifecycle.apply(session, "edit")


def test_save_and_reschedule_without_conflict_check_are_pure():
    from portal.timefmt import local_to_utc

    session = _session(T)
    lifecycle.save(session, None, _values(), confirm_date=False, ignore_conflicts=True)
    assert (session.kind, session.title, session.host, session.content, session.venue) == (
        SessionKind.BUSINESS, "Tiêu đề mới", "Chủ tịch B", "Nội dung", "Nhà văn hóa")
    assert session.starts_at == local_to_utc(DAY, time(8, 0))
    assert session.ends_at == local_to_utc(DAY, time(11, 0))
    assert session.status == T and session.is_customized
    later = When(date(2025, 3, 13), time(14, 0), None, "Hội trường")
    lifecycle.reschedule(session, None, later, confirm_date=True, ignore_conflicts=True)
    assert session.starts_at == local_to_utc(date(2025, 3, 13), time(14, 0))
    assert session.ends_at is None and session.status == SC


def test_an_end_before_the_start_is_refused():
    with pytest.raises(DomainError) as refused:
        lifecycle.save(_session(SC), None, _values(
            when=When(DAY, time(9, 0), time(8, 0), "X")), ignore_conflicts=True)
    assert (refused.value.status, refused.value.field) == (422, "end_time")


@pytest.mark.parametrize("status", [IP, CA])
def test_a_held_or_cancelled_session_is_not_rescheduled(status):
    with pytest.raises(DomainError):
        lifecycle.reschedule(_session(status), None, When(DAY, time(8, 0), None, "X"),
                             ignore_conflicts=True)


# --------------------------------------------------------------------------- with the database


def test_conflicts_are_refused_until_ignored(app, ctx, data):
    from calendar_helpers import add_session

    from portal.extensions import db

    other = add_session(app, DAY, "08:00", host="Chủ tịch B", venue="Hội trường")
    values = _values(when=When(DAY, time(9, 0), None, "Hội trường"))
    with pytest.raises(lifecycle.Conflicts) as refused:
        lifecycle.create(None, values)
    assert refused.value.status == 422
    assert sorted(c.kind.value for c in refused.value.conflicts) == ["host", "venue"]
    assert {c.other.id for c in refused.value.conflicts} == {other}
    created = lifecycle.create(None, values, ignore_conflicts=True)
    db.session.flush()
    assert created.id and created.status == SC and not created.is_customized
    # Editing it again does not clash with itself; a cancelled session never clashes.
    mine = db.session.get(DialogueSession, other)
    lifecycle.save(mine, None, _values(host="Chủ tịch C", when=When(
        DAY, time(13, 0), None, "Phòng khác")))
    lifecycle.cancel(created, None, "Hoãn")
    assert lifecycle.conflicts_of(When(DAY, time(9, 0), None, "Hội trường"), "Chủ tịch B",
                                  created) == []


def test_restore_reads_the_status_before_the_cancel(app, ctx, data):
    """Through the audit trail: a tentative session cancelled comes back tentative."""
    from calendar_helpers import add_session

    from portal.extensions import db

    sid = add_session(app, DAY, status=T)
    session = db.session.get(DialogueSession, sid)
    lifecycle.cancel(session, None, "Hoãn")
    db.session.commit()
    lifecycle.restore(session, None)
    assert session.status == T
