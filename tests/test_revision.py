"""The data revision (portal/revision.py): triggers change its token with every committed
change of a counted table, and figures kept for a token are the figures of that data."""
from datetime import timedelta

import pytest
from support import add_session, count_queries
from support import migration as support_migration


@pytest.mark.parametrize("dialect", ["sqlite", "postgresql"])
def test_the_migration_makes_the_triggers_create_all_makes(dialect):
    from portal import revision

    migration = support_migration("0025_scale_indexes.py")
    assert migration.COUNTED_TABLES == revision.COUNTED_TABLES
    assert migration.trigger_ddl(dialect) == revision.trigger_ddl(dialect)
    assert migration.drop_trigger_ddl(dialect) == revision.drop_trigger_ddl(dialect)


def _token(app):
    from portal.extensions import db
    from portal.revision import current_token

    with app.app_context():
        token = current_token()
        db.session.remove()
        return token


def _ensure_row(app):
    from portal.extensions import db
    from portal.revision import DataRevision

    with app.app_context():
        if db.session.get(DataRevision, 1) is None:
            db.session.add(DataRevision(id=1, token=0))
            db.session.commit()
        db.session.remove()


@pytest.mark.real_commit
def test_every_committed_change_of_a_counted_row_changes_the_token(app, data):
    from sqlalchemy import delete, insert, update

    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    _ensure_row(app)
    tokens = [_token(app)]
    with app.app_context():
        p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                     submitter_name="Người", field_id=data["fields"][0], content="Nội dung",
                     channel=Channel.AT_DIALOGUE)
        db.session.add(p)
        db.session.commit()
        petition_id = p.id
    tokens.append(_token(app))
    with app.app_context():  # a bulk insert (Core, no ORM event) counts too
        db.session.execute(insert(Assignment), [{
            "petition_id": petition_id, "agency_id": data["agency"],
            "mode": AnswerMode.IN_WRITING, "deadline": data["day"], "version": 1}])
        db.session.commit()
    tokens.append(_token(app))
    with app.app_context():
        db.session.execute(update(Assignment).values(deadline=data["day"] + timedelta(days=1)))
        db.session.commit()
    tokens.append(_token(app))
    with app.app_context():  # a rolled-back change leaves the token as it was
        db.session.execute(delete(Assignment))
        db.session.rollback()
    assert _token(app) == tokens[-1]
    with app.app_context():
        db.session.execute(delete(Assignment))
        db.session.commit()
    tokens.append(_token(app))
    assert len(set(tokens)) == len(tokens), tokens
    with app.app_context():  # a row nobody counts (an audit event, a user) does not
        from portal.auth.models import User
        db.session.execute(update(User).values(full_name="Tên mới"))
        db.session.commit()
    assert _token(app) == tokens[-1]


def _assign(app, data, n, deadline_days=-5):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        for i in range(n):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người {i}", field_id=data["fields"][i % 3],
                         content=f"Nội dung {i}", channel=Channel.AT_DIALOGUE)
            db.session.add(p)
            db.session.flush()
            db.session.add(Assignment(petition_id=p.id, agency_id=data["agency"],
                                      mode=AnswerMode.IN_WRITING,
                                      deadline=data["day"] + timedelta(days=deadline_days)))
        db.session.commit()
        db.session.remove()


@pytest.mark.real_commit
def test_the_dashboard_is_kept_until_a_counted_row_changes(app, login, data):
    _ensure_row(app)
    app.config["REPORT_CACHE"] = True
    try:
        from portal.revision import forget

        with app.app_context():
            forget()
        c = login("office")
        _assign(app, data, 3)
        first = count_queries(app, c, "/reports/")
        kept = count_queries(app, c, "/reports/")
        assert kept < first  # the figures came from the keeping, not from the tables
        body = c.get("/reports/").get_data(as_text=True)
        assert "3" in body
        _assign(app, data, 4)  # committed: the next view counts again
        again = count_queries(app, c, "/reports/")
        assert again == first
        from portal.reports import figures, summary
        from portal.timefmt import local_today
        with app.app_context():
            assert summary.dashboard(local_today()).total.assigned == 7
            assert figures.dashboard(local_today()).total == summary.dashboard(
                local_today()).total
        # the tracker's counts follow the same token
        page = c.get("/tracker/").get_data(as_text=True)
        assert "7 nhiệm vụ" in page
        _assign(app, data, 1)
        assert "8 nhiệm vụ" in c.get("/tracker/").get_data(as_text=True)
    finally:
        app.config.pop("REPORT_CACHE", None)


@pytest.mark.real_commit
def test_figures_read_across_a_commit_are_not_kept(app, data):
    _ensure_row(app)
    app.config["REPORT_CACHE"] = True
    try:
        from portal.revision import cached, forget

        calls = []

        def compute():
            calls.append(1)
            if len(calls) == 1:  # another writer commits while the figures are read
                _assign(app, data, 1)
            return len(calls)

        with app.app_context():
            forget()
            assert cached("test", "k", compute) == 1
            assert cached("test", "k", compute) == 2  # not kept: recomputed
            assert cached("test", "k", compute) == 2  # kept now
    finally:
        app.config.pop("REPORT_CACHE", None)


def test_without_the_row_nothing_is_kept(app, data):
    from portal.extensions import db
    from portal.revision import DataRevision, cached

    app.config["REPORT_CACHE"] = True
    try:
        with app.app_context():
            db.session.query(DataRevision).delete()
            calls = []
            cached("none", 1, lambda: calls.append(1))
            cached("none", 1, lambda: calls.append(1))
            assert len(calls) == 2
    finally:
        app.config.pop("REPORT_CACHE", None)


@pytest.mark.real_commit
def test_the_period_workbook_is_kept_until_a_counted_row_changes(app, login, data):
    """A second download of an unchanged period is the same file, not written again; after
    a change it holds the new item."""
    import io

    from openpyxl import load_workbook

    from portal.reports import excel

    _ensure_row(app)
    app.config["REPORT_CACHE"] = True
    written = []
    real = excel.build_workbook

    def counting(*args, **kwargs):
        written.append(1)
        return real(*args, **kwargs)

    excel.build_workbook = counting
    try:
        from portal.revision import forget

        with app.app_context():
            forget()
        c = login("office")
        _assign(app, data, 2)
        day = data["day"]
        url = (f"/reports/period.xlsx?from=01/01/{day.year}&to=31/12/{day.year}")

        def rows() -> int:
            response = c.get(url)
            assert response.status_code == 200
            book = load_workbook(io.BytesIO(response.data), read_only=True)
            return sum(1 for _ in book[excel.SHEET_OUTSTANDING].iter_rows(min_row=2))

        assert rows() == 2 and rows() == 2
        assert len(written) == 1
        _assign(app, data, 1)
        assert rows() == 3 and len(written) == 2
    finally:
        excel.build_workbook = real
        app.config.pop("REPORT_CACHE", None)


def test_at_most_limit_values_of_a_kind_are_kept(app, data):
    from portal.revision import cached, forget

    _ensure_row(app)
    app.config["REPORT_CACHE"] = True
    try:
        with app.app_context():
            forget()
            calls = []
            for key in (1, 2, 3, 1):
                cached("few", key, lambda: calls.append(1), limit=2)
            assert len(calls) == 4  # 1 was pushed out by 3
            cached("few", 3, lambda: calls.append(1), limit=2)
            assert len(calls) == 4
    finally:
        app.config.pop("REPORT_CACHE", None)


@pytest.mark.real_commit
def test_a_session_counted_across_a_commit_is_counted_again(app, data, keeping):
    """`kept_by_session` reads the tokens before counting: a session whose rows another
    writer commits while it is counted is counted again on the next call, then kept."""
    from portal.revision import kept_by_session

    add_session(app)
    add_session(app)  # of three sessions, one stale is counted alone (not every session)
    sid, calls = data["session"], []

    def count(session_ids):
        calls.append(session_ids)
        if len(calls) == 1:  # another writer commits in the session while it is counted
            _assign(app, data, 1)
        return {sid: len(calls)}

    with app.app_context():
        assert kept_by_session("test", "k", count, 0)[sid] == 1
        assert kept_by_session("test", "k", count, 0)[sid] == 2
        assert calls == [None, [sid]]  # the second time, that session alone
        assert kept_by_session("test", "k", count, 0)[sid] == 2
        assert len(calls) == 2  # kept now
        assert kept_by_session("test", "other key", count, 0)[sid] == 3  # its own figures
