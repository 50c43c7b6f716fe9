"""The locality tree: a checked CSV import (a Vietnamese reason per bad line, nothing half
imported), renames and merges of communes by a later file, and the choice lists."""
from __future__ import annotations

import io
import unicodedata

import pytest
from sqlalchemy import func, select

HEADER = "Mã,Tên,Cấp,Mã cấp trên,Sáp nhập vào,Ngày hiệu lực\n"
GOOD = (HEADER + "24,Tỉnh Bắc Ninh,Tỉnh,,,\n"
        "07210,Phường Bắc Giang,Phường,24,,\n"
        "07228,Phường Đa Mai,Phường,24,,\n"
        "07525,Phường Chũ,Phường,24,,\n")


def _post(c, text: str, encoding="utf-8", key=None):
    if encoding != "utf-8":  # a legacy Vietnamese code page (decomposed tones)
        raw = unicodedata.normalize("NFD", text).encode(encoding, errors="replace")
    else:
        raw = text.encode(encoding)
    form = {"file": (io.BytesIO(raw), "dia-ban.csv")}
    if key:
        form["client_key"] = key
    return c.post("/admin/localities/import", form, content_type="multipart/form-data")


def _tree(app):
    from portal.admin.models import Locality
    from portal.extensions import db

    with app.app_context():
        return {l.code: (l.name, l.level.value, l.parent.code if l.parent else None, l.is_active,
                         l.successor.code if l.successor else None)
                for l in db.session.scalars(select(Locality))}


def test_a_good_file_builds_the_tree(app, login, data):
    c = login("admin")
    r = _post(c, GOOD)
    assert r.status_code == 303, r.get_data(as_text=True)
    tree = _tree(app)
    assert tree["24"] == ("Tỉnh Bắc Ninh", "province", None, True, None)
    assert tree["07210"] == ("Phường Bắc Giang", "ward", "24", True, None)
    assert len(tree) == 4
    page = c.get("/admin/localities").get_data(as_text=True)
    assert "Phường Đa Mai" in page and "07525" in page
    # Vietnamese order under the province: Bắc Giang, Chũ, Đa Mai (đ after d, after c).
    assert page.index("Phường Bắc Giang") < page.index("Phường Chũ") < page.index("Phường Đa Mai")


def test_semicolons_and_a_bom_are_read_too(app, login, data):
    text = "\ufeff" + GOOD.replace(",", ";")
    assert _post(login("admin"), text).status_code == 303
    assert len(_tree(app)) == 4


@pytest.mark.parametrize("line, message", [
    (",Phường Không Mã,Phường,24,,", "Dòng 3: thiếu mã đơn vị."),
    ("07300,,Phường,24,,", "Dòng 3: thiếu tên đơn vị."),
    ("07300,Phường Mới,Huyện,24,,", "Dòng 3: cấp «Huyện» không hợp lệ"),
    ("07300,Phường Mới,Phường,,,", "Dòng 3: xã, phường, đặc khu phải có mã tỉnh cấp trên."),
    ("07300,Phường Mới,Phường,99,,", "Dòng 3: không có đơn vị cấp trên mã 99."),
    ("07300,Phường Mới,Phường,07210,,", "Dòng 3: cấp trên mã 07210 không phải là tỉnh."),
    ("07210,Phường Trùng,Phường,24,,", "Dòng 3: mã 07210 trùng với dòng 2."),
    ("07300,Phường Mới,Phường,24,07210,", "Dòng 3: sáp nhập cần ngày hiệu lực."),
    ("07300,Phường Mới,Phường,24,07210,31/02/2025", "Dòng 3: ngày «31/02/2025» không hợp lệ"),
    ("07300,Phường Mới,Phường,24,07999,01/07/2025", "Dòng 3: không có đơn vị kế thừa mã 07999."),
    ("AB12,Phường Mới,Phường,24,,", "Dòng 3: mã «AB12» phải là số"),
])
def test_a_bad_line_is_named_and_nothing_is_imported(app, login, data, line, message):
    text = HEADER + "07210,Phường Bắc Giang,Phường,24,,\n" + line + "\n24,Tỉnh Bắc Ninh,Tỉnh,,,\n"
    r = _post(login("admin"), text)
    html = r.get_data(as_text=True)
    assert r.status_code == 422, html[:300]
    assert message in html, html[html.find("import-errors") - 200:][:1200]
    assert "chưa có địa bàn nào được thêm hay sửa" in html
    assert _tree(app) == {}  # not even the good lines


@pytest.mark.parametrize("text, message", [
    ("Tên,Mã\nPhường A,1\n", "Dòng tiêu đề phải là"),
    (HEADER, "tệp không có dòng dữ liệu nào"),
])
def test_a_file_without_the_header_or_rows_is_refused(app, login, data, text, message):
    r = _post(login("admin"), text)
    assert r.status_code == 422 and message in r.get_data(as_text=True)


def test_a_file_not_in_utf8_is_refused_clearly(app, login, data):
    r = _post(login("admin"), GOOD, encoding="cp1258")
    assert r.status_code == 422 and "UTF-8" in r.get_data(as_text=True)
    assert _tree(app) == {}


def test_a_later_file_renames_and_merges_communes(app, login, data):
    c = login("admin")
    assert _post(c, GOOD).status_code == 303
    later = (HEADER + "24,Tỉnh Bắc Ninh,Tỉnh,,,\n"
             "07210,Phường Bắc Giang,Phường,24,,\n"
             "07228,Phường Đa Mai Mới,Phường,24,,\n"
             "07525,Phường Chũ,Phường,24,07210,01/07/2025\n")
    r = _post(c, later)
    assert r.status_code == 303
    tree = _tree(app)
    assert tree["07228"][0] == "Phường Đa Mai Mới"
    assert tree["07525"][3:] == (False, "07210")
    from portal.admin import localities
    with app.test_request_context():
        offered = [str(ch.label) for ch in localities.choices()]
        assert "Phường Chũ" not in offered and "Phường Bắc Giang" in offered


def test_the_same_upload_sent_twice_imports_once(app, login, data):
    from portal.admin.models import Locality
    from portal.extensions import db

    c = login("admin")
    assert _post(c, GOOD, key="k" * 32).status_code == 303
    assert _post(c, GOOD, key="k" * 32).status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(Locality.id))) == 4


# --------------------------------------------------------------------------- choosing one

@pytest.fixture
def tree(app, data):
    """Bắc Ninh with two wards and one merged into the first; returns their ids by code."""
    from portal.admin.models import Locality, LocalityLevel
    from portal.extensions import db
    from portal.timefmt import local_today

    with app.app_context():
        province = Locality(code="24", name="Tỉnh Bắc Ninh", level=LocalityLevel.PROVINCE)
        first = Locality(code="07210", name="Phường Bắc Giang", level=LocalityLevel.WARD,
                         parent=province)
        second = Locality(code="07228", name="Phường Đa Mai", level=LocalityLevel.WARD,
                          parent=province)
        gone = Locality(code="07999", name="Phường Cũ", level=LocalityLevel.WARD,
                        parent=province, ended_on=local_today(), successor=first)
        db.session.add_all([province, first, second, gone])
        db.session.commit()
        return {loc.code: loc.id for loc in (province, first, second, gone)}


def _petition_form(data, **over):
    values = {"submitter_kind": "citizen", "submitter_name": "Trần Thị Bình",
              "submitter_contact": "", "locality": "", "channel": "writing",
              "field_id": str(data["fields"][1]), "content": "Phản ánh ô nhiễm tiếng ồn",
              "advising_agency_id": "0", "advising_deadline": ""}
    values.update(over)
    return values


def _petitions(app):
    from portal.extensions import db
    from portal.petitions.models import Petition

    with app.app_context():
        return [(p.locality_id, p.locality) for p in db.session.scalars(
            select(Petition).order_by(Petition.id))]


def test_a_petition_chooses_its_commune_from_the_tree(app, login, data, tree):
    c = login("office")
    url = f"/petitions/sessions/{data['session']}"
    page = c.get(url).get_data(as_text=True)
    assert "Phường Đa Mai" in page and "Phường Cũ" not in page  # a merged one is not offered
    assert page.index("Phường Bắc Giang") < page.index("Phường Đa Mai")
    r = c.post(url, _petition_form(data, locality_id=str(tree["07228"])))
    assert r.status_code == 303, r.get_data(as_text=True)[:500]
    # Without a choice, the free text is kept as typed (and old records keep theirs).
    assert c.post(url, _petition_form(data, locality="thôn Đông, xã Cũ")).status_code == 303
    assert _petitions(app) == [(tree["07228"], "Phường Đa Mai"), (None, "thôn Đông, xã Cũ")]
    # A merged commune cannot be chosen for a new record.
    refused = c.post(url, _petition_form(data, locality_id=str(tree["07999"])), htmx=True)
    assert refused.status_code == 422 and "đã sáp nhập hoặc không còn" in refused.get_data(as_text=True)


def test_an_old_free_text_locality_stays_readable_on_edit(app, login, data, tree):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    with app.app_context():
        p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                     submitter_name="Lê Văn Cũ", field_id=data["fields"][0], content="Cũ",
                     channel=Channel.WRITING, locality="xã Tân Sỏi, huyện Yên Thế")
        db.session.add(p)
        db.session.commit()
        pid = p.id
    page = login("office").get(f"/petitions/{pid}/edit").get_data(as_text=True)
    assert 'value="xã Tân Sỏi, huyện Yên Thế"' in page
    assert "Phường Bắc Giang" in page  # the tree is offered beside it


def test_a_session_and_a_speaker_choose_from_the_tree(app, login, data, tree):
    from portal.calendar.models import DialogueSession
    from portal.extensions import db
    from portal.runner.models import Speaker

    c = login("office")
    sid = data["session"]
    edit = c.get(f"/calendar/sessions/{sid}/edit").get_data(as_text=True)
    assert "Phường Đa Mai" in edit
    import re
    version = re.search(r'name="version" type="hidden" value="(\d+)"', edit).group(1)
    with app.app_context():
        s = db.session.get(DialogueSession, sid)
        from portal.timefmt import to_local
        start = to_local(s.starts_at)
    r = c.post(f"/calendar/sessions/{sid}/edit", {
        "kind": "voter_contact", "title": "Tiếp xúc cử tri", "day": start.strftime("%d/%m/%Y"),
        "start_time": start.strftime("%H:%M"), "venue": "Nhà văn hóa", "host": "Phan Thế Tuấn",
        "content": "", "locality_id": str(tree["07210"]), "locality": "", "version": version,
        "ignore_conflicts": "y"})
    assert r.status_code == 303, r.get_data(as_text=True)[:800]
    with app.app_context():
        s = db.session.get(DialogueSession, sid)
        assert (s.locality_id, s.locality) == (tree["07210"], "Phường Bắc Giang")
    # The floor-discussion queue is typed (the console runs by keyboard): the field offers the
    # tree's names as one types, and a name typed as in the list (even without diacritics)
    # links the speaker to that ward; anything else stays free text.
    assert c.post(f"/runner/{sid}/start", htmx=True).status_code == 200
    for _ in range(2):
        assert c.post(f"/runner/{sid}/advance", htmx=True, data={"confirm": "1"}).status_code == 200
    console = c.get(f"/runner/{sid}").get_data(as_text=True)
    assert 'list="sp-locality-names"' in console and '<option value="Phường Đa Mai">' in console
    assert '<option value="Phường Cũ">' not in console
    for name, typed in (("Ngô Thị Hoa", "phuong  da mai"), ("Lý Văn Mạnh", "thôn Đông")):
        assert c.post(f"/runner/{sid}/speakers", htmx=True, data={
            "sp-name": name, "sp-kind": "citizen", "sp-locality": typed}).status_code == 200
    with app.app_context():
        speakers = db.session.scalars(select(Speaker).order_by(Speaker.id)).all()
        assert [(s.locality_id, s.locality) for s in speakers] == [
            (tree["07228"], "Phường Đa Mai"), (None, "thôn Đông")]
