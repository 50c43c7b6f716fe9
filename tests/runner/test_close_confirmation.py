"""Issue 9: closing with petitions that have no disposition needs the chair's confirmation,
naming them; confirmed (or with every petition disposed), it closes."""
from __future__ import annotations

from sqlalchemy import select

from test_dispositions import _assign, _registered, _to_assignment, _url


def _at_conclusion(c, data):
    c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    assert c.post(_url(data, "/conclusion"), htmx=True,
                  data={"conclusion": "Kết luận."}).status_code == 200


def test_closing_with_undisposed_petitions_asks_again_then_closes(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    pid = _registered(app, data, name="Ngô Văn Hậu")
    c = login("chair")
    _to_assignment(c, data, floor=False)
    _at_conclusion(c, data)
    asked = c.post(_url(data, "/close"), htmx=True)
    body = asked.get_data(as_text=True)
    assert asked.status_code == 409
    assert "Còn 1 ý kiến chưa có hướng xử lý" in body and f"#{pid} Ngô Văn Hậu" in body
    assert 'id="confirm-close"' in body and "Vẫn bế mạc" in body
    assert f'hx-post="/runner/{data["session"]}/close"' in body
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).closed_at is None
    # The chair's view asks the same way.
    chair_view = c.post(_url(data, "/close"), htmx=True, data={"view": "chair"})
    assert chair_view.status_code == 409 and 'id="confirm-close"' in chair_view.get_data(
        as_text=True)
    closed = c.post(_url(data, "/close"), htmx=True, data={"confirm": "1"})
    assert closed.status_code == 200
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).closed_at is not None


def test_closing_with_every_petition_disposed_asks_nothing(app, login, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.petitions.models import Petition

    c = login("chair")
    _to_assignment(c, data)
    with app.app_context():
        pid = db.session.scalar(select(Petition.id))
    assert _assign(c, data, pid).status_code == 200
    _at_conclusion(c, data)
    assert c.post(_url(data, "/close"), htmx=True).status_code == 200
    with app.app_context():
        assert db.session.get(DialogueSession, data["session"]).closed_at is not None
