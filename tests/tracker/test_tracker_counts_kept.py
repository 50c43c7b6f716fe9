"""The tracker list's counts for who reads every agency's items, kept session by session
(`portal.revision.kept_by_session`): after an agency's answer only that session's items
are counted again, and every count, under any filter, equals one counted from nothing."""
import re

import pytest
from sqlalchemy import delete, update
from support import add_assigned, add_session


def _shown(client, query: str = "") -> tuple[int, int | None]:
    """The total the list shows, and the late or due-soon count on its reminder button."""
    page = client.get(f"/tracker/{query}").get_data(as_text=True)
    total = int(re.search(r"(\d+) nhiệm vụ", page).group(1))
    due = re.search(r"Đôn đốc tất cả (\d+) mục", page)
    return total, int(due.group(1)) if due else None


def _from_nothing(app, client, query: str = "") -> tuple[int, int | None]:
    from portal.revision import forget

    app.config["REPORT_CACHE"] = False
    try:
        return _shown(client, query)
    finally:
        app.config["REPORT_CACHE"] = True
        with app.app_context():
            forget()


@pytest.mark.real_commit
def test_after_an_answer_only_its_session_is_counted_again(app, data, login, keeping,
                                                         monkeypatch):
    from portal.extensions import db
    from portal.revision import kept_by_session
    from portal.tracker import services
    from portal.tracker.models import Assignment, AssignmentStatus

    a, b = data["session"], add_session(app)
    in_a = add_assigned(app, data, a, 4)  # late (deadline 5 days ago)
    in_b = add_assigned(app, data, b, 6, deadline_days=40)  # not yet due
    counted = []

    def spy(kind, key, count, zero, **kw):
        def counting(session_ids):
            counted.append(None if session_ids is None else sorted(session_ids))
            return count(session_ids)
        return kept_by_session(kind, key, counting, zero, **kw)

    monkeypatch.setattr(services, "kept_by_session", spy)
    c = login("office")
    assert _shown(c) == (10, 4)
    assert counted == [None]  # nothing kept yet: every session in one pass
    counted.clear()
    assert _shown(c) == (10, 4) and counted == []  # kept: nothing counted

    def commit(change):
        counted.clear()
        with app.app_context():
            db.session.execute(change)
            db.session.commit()
            db.session.remove()

    commit(update(Assignment).where(Assignment.id == in_a[0]).values(
        status=AssignmentStatus.ANSWERED, answer="Đã trả lời"))
    assert _shown(c) == (10, 3)  # the answered item is no longer late
    assert counted == [[a]]  # A counted again, B's kept count reused
    commit(delete(Assignment).where(Assignment.id == in_b[0]))
    assert _shown(c) == (9, 3) and counted == [[b]]
    # every filter counts its own way, each equal to a count from nothing
    for query in ("?status=answered", f"?session={b}", f"?agency={data['agency']}",
                  f"?field={data['fields'][0]}", "?lateness=late", "?status=assigned"):
        kept = _shown(c, query)
        assert kept == _from_nothing(app, c, query), query
    commit(update(Assignment).where(Assignment.id == in_a[1]).values(
        status=AssignmentStatus.ANSWERED, answer="Đã trả lời"))
    assert _shown(c, "?status=answered") == _from_nothing(app, c, "?status=answered") == (2, None)
    assert _shown(c) == _from_nothing(app, c) == (9, 2)
