"""Texts saved as they are typed: the autosave answer (the next base and the time), its
version check (a save from an older base is a 409 with both texts and saves nothing), a
resent autosave applied once, one timeline entry for a run of saves, «Đã lưu» on the page."""
import re

from sqlalchemy import func, select

AUTOSAVED_AT = re.compile(r"^\d\d:\d\d:\d\d$")


def _url(data, suffix=""):
    return f"/runner/{data['session']}{suffix}"


def _stage(c, data, n):
    assert c.post(_url(data, "/start"), htmx=True).status_code == 200
    for _ in range(n):
        assert c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"}).status_code == 200


def _meeting(app, data):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db

    with app.app_context():
        meeting = db.session.get(DialogueSession, data["session"])
        return meeting.opening_notes, meeting.briefing, meeting.conclusion


def _timeline(app, action):
    from portal.extensions import db
    from portal.runner.models import TimelineEntry

    with app.app_context():
        return db.session.scalar(select(func.count(TimelineEntry.id))
                                 .where(TimelineEntry.action == action))


def _autosave(c, url, **form):
    return c.post(url, htmx=True, data={"autosave": "1", **form})


def test_autosave_answers_the_next_base_and_the_time(app, login, data):
    from portal.runner.services import text_base

    c = login("office")
    _stage(c, data, 0)
    url = _url(data, "/notes/opening_notes")
    first = _autosave(c, url, text="Tuyên bố lý do", base=text_base(""), client_key="a1")
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.json["base"] == text_base("Tuyên bố lý do")
    assert AUTOSAVED_AT.match(first.json["saved_at"])
    assert _meeting(app, data)[0] == "Tuyên bố lý do"
    # Typed on: the next save goes from the base the first one answered.
    second = _autosave(c, url, text="Tuyên bố lý do; giới thiệu đại biểu  ",
                       base=first.json["base"], client_key="a2")
    assert second.status_code == 200
    assert second.json["base"] == text_base("Tuyên bố lý do; giới thiệu đại biểu")
    assert _meeting(app, data)[0] == "Tuyên bố lý do; giới thiệu đại biểu"
    # A run of saves of one text by one person is one line of the timeline.
    assert _timeline(app, "notes") == 1


def test_autosave_from_an_older_base_is_409_with_both_texts(app, login, data):
    from portal.runner.services import text_base

    secretary, chair = login("office"), login("chair")
    _stage(secretary, data, 1)
    url = _url(data, "/notes/briefing")
    assert _autosave(chair, url, text="Bản của chủ trì", base=text_base(""),
                     client_key="c1").status_code == 200
    stale = _autosave(secretary, url, text="Bản của thư ký", base=text_base(""), client_key="s1")
    body = stale.get_data(as_text=True)
    assert stale.status_code == 409 and stale.mimetype == "text/html"
    assert "vừa được người khác cập nhật" in body
    assert "Bản của chủ trì" in body and "Bản của thư ký" in body  # both texts, side by side
    assert re.search(r'<textarea[^>]*id="briefing-text"[^>]*>\s*Bản của thư ký</textarea>', body)
    assert f'name="base" value="{text_base("Bản của chủ trì")}"' in body
    assert _meeting(app, data)[1] == "Bản của chủ trì"  # nothing overwritten
    # Having seen the chair's text, the secretary's next save (from its base) goes through.
    again = _autosave(secretary, url, text="Bản chung", base=text_base("Bản của chủ trì"),
                      client_key="s2")
    assert again.status_code == 200 and _meeting(app, data)[1] == "Bản chung"


def test_resent_autosave_is_applied_once(app, login, data):
    from portal.runner.services import text_base

    c, other = login("office"), login("chair")
    _stage(c, data, 0)
    url = _url(data, "/notes/opening_notes")
    form = {"text": "Lần một", "base": text_base(""), "client_key": "same-key"}
    assert _autosave(c, url, **form).status_code == 200
    assert _autosave(other, url, text="Bản khác", base=text_base("Lần một"),
                     client_key="o1").status_code == 200
    # The first send's answer was lost; the browser sends it again with the same key.
    resent = _autosave(c, url, **form)
    assert resent.status_code == 200 and resent.json["base"] == text_base("Bản khác")
    assert _meeting(app, data)[0] == "Bản khác"


def test_conclusion_and_directive_autosave_and_their_409(app, login, data):
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.runner.services import text_base

    c, chair = login("office"), login("chair")
    _stage(c, data, 2)
    c.post(_url(data, "/petitions"), htmx=True, data={
        "submitter_name": "Nguyễn Văn Ước", "submitter_kind": "citizen", "locality": "",
        "field_id": data["fields"][0], "channel": "at_dialogue", "content": "Đề nghị làm đường"})
    for _ in range(2):
        c.post(_url(data, "/advance"), htmx=True, data={"confirm": "1"})
    with app.app_context():
        pid = db.session.scalar(select(Petition.id).where(Petition.content == "Đề nghị làm đường"))
    saved = _autosave(c, _url(data, "/conclusion"), conclusion="Giao các sở",
                      base=text_base(""), client_key="k1")
    assert saved.status_code == 200 and saved.json["base"] == text_base("Giao các sở")
    stale = _autosave(chair, _url(data, "/conclusion"), conclusion="Kết luận khác",
                      base=text_base(""), client_key="k2")
    assert stale.status_code == 409
    assert "Giao các sở" in stale.get_data(as_text=True)
    assert _meeting(app, data)[2] == "Giao các sở"

    url = _url(data, f"/petitions/{pid}/directive")
    ok = _autosave(c, url, **{f"d{pid}-directive": "Sở Xây dựng chủ trì",
                              f"d{pid}-base": text_base(""), "client_key": "d1"})
    assert ok.status_code == 200 and ok.json["base"] == text_base("Sở Xây dựng chủ trì")
    late = _autosave(chair, url, **{f"d{pid}-directive": "Khác", f"d{pid}-base": text_base(""),
                                    "client_key": "d2"})
    assert late.status_code == 409
    with app.app_context():
        assert db.session.get(Petition, pid).directive == "Sở Xây dựng chủ trì"
    # The page says when each text was saved.
    page = c.get(_url(data), htmx=True).get_data(as_text=True)
    holder = re.search(r'id="runner-saved" hidden data-saved="([^"]*)"', page).group(1)
    assert "conclusion-form" in holder and f"directive-{pid}" in holder


def test_an_autosave_that_changes_nothing_writes_nothing(app, login, data):
    from portal.runner.services import text_base

    c = login("office")
    _stage(c, data, 0)
    url = _url(data, "/notes/opening_notes")
    _autosave(c, url, text="Lý do", base=text_base(""), client_key="n1")
    before = _timeline(app, "notes")
    same = _autosave(c, url, text="Lý do ", base=text_base("Lý do"), client_key="n2")
    assert same.status_code == 200 and same.json["base"] == text_base("Lý do")
    assert _timeline(app, "notes") == before


def test_saving_without_autosave_still_answers_the_component(login, data):
    from portal.runner.services import text_base

    c = login("office")
    _stage(c, data, 0)
    response = c.post(_url(data, "/notes/opening_notes"), htmx=True,
                      data={"text": "Lý do", "base": text_base("")})
    assert response.status_code == 200
    assert response.get_data(as_text=True).lstrip().startswith('<section id="runner"')
    assert "notes-opening" in response.get_data(as_text=True)
