"""The number of SQL queries of the petition pages does not grow with the rows they show."""
import pytest
from support import count_queries


def _add(app, data, n, start=0):
    """n petitions with everything a row shows: advising agency, assignment, an earlier repeat."""
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_today
    from portal.tracker.models import AnswerMode, Assignment
    from portal.types import utcnow

    with app.app_context():
        previous = None
        for i in range(start, start + n):
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name=f"Người số {i}", submitter_contact="0912",
                         field_id=data["fields"][i % 3], content=f"Đất đai số {i}",
                         channel=Channel.WRITING, advising_agency_id=data["agency"],
                         advising_deadline=local_today(), prepared_answer="Trả lời",
                         prepared_at=utcnow(), duplicate_of_id=previous)
            p.refresh_search_text()
            db.session.add(p)
            db.session.flush()
            if i % 2:
                db.session.add(Assignment(petition_id=p.id, agency_id=data["agency"],
                                          mode=AnswerMode.IN_WRITING, deadline=data["day"]))
            previous = p.id
        db.session.commit()


def _queries(app, client, url, htmx=False):
    return count_queries(app, client, url, htmx)


@pytest.mark.parametrize("role, url, htmx", [
    ("office", "/petitions/sessions/{session}", False),
    ("office", "/petitions/sessions/{session}?q=dat+dai", True),
    ("chair", "/petitions/sessions/{session}", False),
    ("office", "/petitions/", False),
    ("office", "/petitions/?q=dat+dai", True),
    ("officer", "/petitions/?q=dat", False),
    ("observer", "/petitions/?session={session}&field={field}", False),
    ("officer", "/petitions/advising?bucket=all", False),
    ("office", "/petitions/advising?bucket=prepared", True),
    ("office", "/petitions/summary", False),
])
def test_queries_do_not_grow_with_rows(app, login, data, role, url, htmx):
    target = url.format(session=data["session"], field=data["fields"][0])
    c = login(role)
    # four rows already hold every kind a row shows (in each field: one with an assignment
    # and a repeat, whose related rows are loaded by one query each), so the counts compare
    # the same work at 4 rows and at 34
    _add(app, data, 4)
    few = _queries(app, c, target, htmx)
    _add(app, data, 30, start=4)
    many = _queries(app, c, target, htmx)
    assert many == few, f"{target}: {few} queries with 4 rows, {many} with 34"
