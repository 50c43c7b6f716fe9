"""The reports' figures counted session by session (portal.reports.summary.kept_parts):
every committed change of a session's petitions or their assignments changes that
session's token and no other's (a holiday override, every session's); after a change only
the sessions it touched are counted again, and the sums equal a count from nothing."""
from datetime import date, time, timedelta

import pytest
from sqlalchemy import delete, insert, update
from support import add_assigned as _assigned
from support import add_session as _session
from support import migration as support_migration


def _tokens(app) -> dict[int, int]:
    from portal.extensions import db
    from portal.revision import session_tokens

    with app.app_context():
        found = session_tokens()
        db.session.remove()
        return found


def _agency_tokens(app) -> dict[tuple[int, int], int]:
    from portal.extensions import db
    from portal.revision import agency_tokens

    with app.app_context():
        found = agency_tokens()
        db.session.remove()
        return found


def _changed(before: dict, after: dict) -> set[int]:
    return {sid for sid in set(before) | set(after) if before.get(sid) != after.get(sid)}


@pytest.mark.real_commit
def test_every_change_of_a_sessions_petitions_changes_its_token_and_no_other(app, data):
    from portal.calendar.models import HolidayOverride
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    a, b = data["session"], _session(app)
    assert {a, b} <= set(_tokens(app))  # a new session starts with a token of its own
    steps = []

    moved = []  # per step: the sessions whose petitions token moved, the pairs whose did

    def step(name, change):
        before, pairs = _tokens(app), _agency_tokens(app)
        with app.app_context():
            change()
            db.session.commit()
            db.session.remove()
        after = _tokens(app)
        steps.append((name, _changed(before, after)))
        moved.append((name, _changed({k: v[1] for k, v in before.items()},
                                     {k: v[1] for k, v in after.items()}),
                      _changed(pairs, _agency_tokens(app))))

    step("a petition of A", lambda: db.session.add(Petition(
        session_id=a, submitter_kind=SubmitterKind.CITIZEN, submitter_name="Người",
        field_id=data["fields"][0], content="Nội dung", channel=Channel.AT_DIALOGUE)))
    with app.app_context():
        petition_id = db.session.query(Petition.id).filter_by(session_id=a).scalar()
    step("a bulk insert of its assignment (Core)", lambda: db.session.execute(
        insert(Assignment), [{"petition_id": petition_id, "agency_id": data["agency"],
                              "mode": AnswerMode.IN_WRITING, "deadline": data["day"],
                              "version": 1}]))
    step("an answer", lambda: db.session.execute(
        update(Assignment).values(answer="Đã trả lời")))
    step("the petition moved to B", lambda: db.session.execute(
        update(Petition).where(Petition.id == petition_id).values(session_id=b)))
    step("its assignment deleted", lambda: db.session.execute(delete(Assignment)))
    step("a holiday override", lambda: db.session.add(HolidayOverride(
        day=date(2030, 1, 2), name="Nghỉ bù")))
    step("a user renamed", lambda: db.session.execute(
        update(__import__("portal.auth.models", fromlist=["User"]).User)
        .values(full_name="Tên mới")))
    assert steps == [
        ("a petition of A", {a}), ("a bulk insert of its assignment (Core)", {a}),
        ("an answer", {a}), ("the petition moved to B", {a, b}),
        ("its assignment deleted", {b}), ("a holiday override", {a, b}),
        ("a user renamed", set()),
    ]
    ag = data["agency"]
    assert moved == [  # the assignments' changes are told agency by agency
        ("a petition of A", {a}, set()),
        ("a bulk insert of its assignment (Core)", set(), {(a, ag)}),
        ("an answer", set(), {(a, ag)}), ("the petition moved to B", {a, b}, {(a, ag), (b, ag)}),
        ("its assignment deleted", set(), {(b, ag)}), ("a holiday override", {a, b}, set()),
        ("a user renamed", set(), set()),
    ]
    before = _tokens(app)
    with app.app_context():  # a rolled-back change leaves every token as it was
        db.session.execute(delete(Petition))
        db.session.rollback()
        db.session.remove()
    assert _tokens(app) == before
    c = _session(app, "Buổi sẽ bị xoá")
    kept = _tokens(app)[c]
    with app.app_context():  # a deleted session's id, if reused, never finds its part
        from portal.calendar.models import DialogueSession
        db.session.execute(delete(DialogueSession).where(DialogueSession.id == c))
        db.session.commit()
        db.session.remove()
    assert _tokens(app)[c] != kept


@pytest.mark.real_commit
def test_after_a_change_only_what_it_touched_is_counted_again(app, data, keeping, monkeypatch):
    """An answer: that agency's items of that session; a reassignment: both agencies'; a
    petition's change: its session whole. Every other part is kept, and the sums equal a
    count from nothing."""
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.reports import figures, summary
    from portal.timefmt import local_today
    from portal.tracker.models import Assignment, AssignmentStatus

    a, b = data["session"], _session(app)
    in_a = _assigned(app, data, a, 4)  # in_a[0] and in_a[2] are the other agency's
    _assigned(app, data, b, 6, deadline_days=10)
    one, other = data["agency"], data["other_agency"]
    counted = []
    real = figures.count_parts

    def spy(today, session_ids=None, pairs=()):
        counted.append((None if session_ids is None else sorted(session_ids), sorted(pairs)))
        return real(today, session_ids, pairs)

    def commit(change):
        counted.clear()
        db.session.execute(change)
        db.session.commit()
        db.session.remove()

    def same_as_counted_from_nothing(day):
        monkeypatch.setattr(figures, "count_parts", real)
        kept, fresh = summary.dashboard(day), figures.dashboard(day)
        assert (kept.total, kept.by_agency, kept.by_field, kept.by_status, kept.ranking,
                kept.held_by_kind) == (fresh.total, fresh.by_agency, fresh.by_field,
                                       fresh.by_status, fresh.ranking, fresh.held_by_kind)
        kept, whole = summary.period_report(year, day), figures.period_figures(year, day)
        assert (kept.total, kept.by_agency, kept.by_field, kept.carried_open) == (
            whole.total, whole.by_agency, whole.by_field, whole.carried_open)
        monkeypatch.setattr(figures, "count_parts", spy)
        return kept

    monkeypatch.setattr(figures, "count_parts", spy)
    today = local_today()
    year = figures.Period(date(today.year - 1, 1, 1), date(today.year + 1, 12, 31))
    with app.app_context():
        first = summary.dashboard(today)
        assert counted == [(None, [])] and first.total.assigned == 10  # all stale: one pass
        summary.period_report(year, today)
        assert counted == [(None, [])]  # the period's counts: the same kept parts
        commit(update(Assignment).where(Assignment.id == in_a[0]).values(
            status=AssignmentStatus.ANSWERED, answer="Đã trả lời",
            answered_at=figures.local_to_utc(today, time(9))))
        after = summary.dashboard(today)
        assert counted == [([], [(a, other)])]  # that agency's items of A, nothing of B
        assert after.total.answered == first.total.answered + 1
        summary.period_report(year, today)
        assert len(counted) == 1
        same_as_counted_from_nothing(today)

        commit(update(Assignment).where(Assignment.id == in_a[2]).values(agency_id=one))
        moved = summary.dashboard(today)
        assert counted == [([], [(a, one), (a, other)])]
        assert [t.tally.assigned for t in moved.by_agency] != [
            t.tally.assigned for t in after.by_agency]
        same_as_counted_from_nothing(today)

        commit(update(Petition).where(Petition.session_id == a).values(
            field_id=data["fields"][0]))
        summary.dashboard(today)
        assert counted == [([a], [])]  # its petitions changed: A whole
        same_as_counted_from_nothing(today)

        # A new day counts again only the sessions one of whose open deadlines went by:
        # none tomorrow; two weeks on, B's (its six open items are late then), not A's.
        assert summary.dashboard(today).total.open_late == 3
        counted.clear()
        summary.dashboard(today + timedelta(days=1))
        summary.period_report(year, today + timedelta(days=1))
        assert counted == []
        later = today + timedelta(days=14)
        kept = summary.dashboard(later)
        summary.period_report(year, later)
        assert counted == [([b], [])]
        assert kept.total.open_late == 9
        same_as_counted_from_nothing(later)


@pytest.mark.real_commit
def test_a_part_kept_meanwhile_by_another_request_is_not_mixed_in(
        app, data, keeping, monkeypatch):
    """Two requests of one process count the same changed session: the pieces one keeps
    are taken only from the entry it compared with the tokens, never from one the other
    put in the store meanwhile (whose pieces may be older than this one's tokens)."""
    import dataclasses

    from portal.extensions import db
    from portal.reports import figures, summary
    from portal.timefmt import local_today
    from portal.tracker.models import Assignment, AssignmentStatus

    a = data["session"]
    in_a = _assigned(app, data, a, 4)
    sessions = [a] + [_session(app, f"Buổi {n}") for n in range(3)]  # one stale of four
    today = local_today()
    with app.app_context():
        summary.kept_parts(today, sessions)
        db.session.execute(update(Assignment).where(Assignment.id == in_a[0]).values(
            status=AssignmentStatus.ANSWERED, answered_at=figures.local_to_utc(today, time(9))))
        db.session.commit()
        db.session.remove()
        real = figures.count_parts

        def meanwhile(*args, **kwargs):  # the other request stores an entry of its own
            store = summary._parts_store()
            wrong = {agency: dataclasses.replace(piece, groups={
                status: [n * 100 for n in counts] for status, counts in piece.groups.items()})
                for agency, piece in store[a].agencies.items()}
            store[a] = dataclasses.replace(store[a], agencies=wrong)
            return real(*args, **kwargs)

        monkeypatch.setattr(figures, "count_parts", meanwhile)
        kept = summary.kept_parts(today, sessions)[a]
        monkeypatch.setattr(figures, "count_parts", real)
        assert kept.groups == figures.session_figures(today, [a])[a].groups
        assert summary.kept_parts(today, sessions)[a].groups == kept.groups


def test_the_sums_of_the_parts_honour_the_filter_and_the_carried_items(app, data):
    """A filter keeps its sessions' parts only; a period counts the open items of the
    sessions before it as carried forward."""
    from portal.reports import figures
    from portal.timefmt import local_today

    today = local_today()
    old = _session(app, "Buổi năm trước", day=date(today.year - 1, 6, 1))
    _assigned(app, data, old, 3)
    _assigned(app, data, data["session"], 2)
    with app.app_context():
        everything = figures.dashboard(today)
        recent = figures.dashboard(today, figures.DashboardFilter(
            start=date(today.year, 1, 1)))
        year = figures.period_figures(
            figures.Period(date(today.year, 1, 1), date(today.year, 12, 31)), today)
    assert (everything.total.assigned, recent.total.assigned) == (5, 2)
    assert dict(everything.held_by_kind)[figures.SessionKind.VOTER_CONTACT] == 1
    assert dict(recent.held_by_kind)[figures.SessionKind.VOTER_CONTACT] == 0
    assert (year.total.assigned, year.carried_open) == (2, 3)


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migration_makes_the_session_triggers_create_all_makes(dialect):
    from portal import revision

    migration = support_migration("0028_session_agency_revision.py")
    assert migration.SESSION_TRIGGERS == revision.SESSION_TRIGGERS
    assert migration.session_trigger_ddl(dialect) == revision.session_trigger_ddl(dialect)
    assert migration.drop_session_trigger_ddl(dialect) == \
        revision.drop_session_trigger_ddl(dialect)


@pytest.mark.real_commit
def test_each_assignment_carries_its_petitions_session_however_written(app, data):
    """Assignment.session_id is the database's copy: set on an ORM or a Core insert, and
    moved with its petition, whoever moves it."""
    from sqlalchemy import select

    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.tracker.models import AnswerMode, Assignment

    a, b = data["session"], _session(app)
    orm = _assigned(app, data, a, 1)[0]
    with app.app_context():
        petition = db.session.scalar(select(Petition.id).where(Petition.session_id == a))
        other = Petition(session_id=b, submitter_kind="citizen", submitter_name="Người",
                         field_id=data["fields"][0], content="Nội dung", channel="at_dialogue")
        db.session.add(other)
        db.session.flush()
        db.session.execute(insert(Assignment), [{
            "petition_id": other.id, "agency_id": data["agency"],
            "mode": AnswerMode.IN_WRITING, "deadline": data["day"], "version": 1}])
        db.session.commit()
        copied = dict(db.session.execute(select(Assignment.id, Assignment.session_id)).all())
        core = next(i for i in copied if i != orm)
        assert copied == {orm: a, core: b}
        assert db.session.get(Assignment, orm).session_id == a  # read back by the ORM
        db.session.execute(update(Petition).where(Petition.id == petition)
                           .values(session_id=b))  # a merge moves the petition
        db.session.commit()
        assert db.session.scalar(select(Assignment.session_id)
                                 .where(Assignment.id == orm)) == b
        db.session.remove()


@pytest.mark.real_commit
def test_writers_of_two_sessions_in_opposite_orders_both_commit(app, data, db_name):
    """PostgreSQL, real threads: two transactions change the assignments of sessions A and
    B, one A then B, the other B then A, and commit at the same moment. The deferred
    triggers take the data revision's row before any session's, so neither waits on the
    other in a cycle: both commit (no deadlock), and both sessions' tokens change."""
    if db_name == "sqlite":
        pytest.skip("SQLite serialises writers: the overlap cannot happen there")
    import threading

    from portal.extensions import db
    from portal.tracker.models import Assignment

    a, b = data["session"], _session(app)
    in_a, in_b = _assigned(app, data, a, 2), _assigned(app, data, b, 2)
    before = _tokens(app)
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(first: int, second: int):
        try:
            with engine.connect() as conn:
                with conn.begin():
                    for assignment_id in (first, second):
                        conn.execute(update(Assignment).where(Assignment.id == assignment_id)
                                     .values(review_note=f"ghi chú {assignment_id}"))
                    barrier.wait(timeout=30)  # both hold their rows; now both commit
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(in_a[0], in_b[0])),
               threading.Thread(target=write, args=(in_b[1], in_a[1]))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    after = _tokens(app)
    assert after[a] != before[a] and after[b] != before[b]
