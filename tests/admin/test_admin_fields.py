"""The managed list of fields (lĩnh vực): add, rename, reorder, deactivate."""
import pytest
from sqlalchemy import select


@pytest.fixture
def make_petition(app, data):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    def make(field_id=None, content="Nội dung") -> int:
        with app.app_context():
            p = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                         submitter_name="Nguyễn Văn An", field_id=field_id or data["fields"][0],
                         channel=Channel.WRITING, content=content)
            p.refresh_search_text()
            db.session.add(p)
            db.session.commit()
            return p.id

    return make


def _names(app, active_only=False):
    from portal.admin.models import Field
    from portal.extensions import db

    with app.app_context():
        query = select(Field.name).order_by(Field.position, Field.id)
        if active_only:
            query = query.where(Field.is_active)
        return db.session.scalars(query).all()


def test_add_goes_last_and_is_offered(app, login, data):
    c = login("office")
    response = c.post("/admin/fields", {"name": "Giao thông"}, htmx=True)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<section id="fields"')
    assert "Đã thêm lĩnh vực." in body
    assert _names(app) == ["Đất đai", "Môi trường", "Xây dựng", "Giao thông"]
    page = c.get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert ">Giao thông</option>" in page


def test_names_must_differ_beyond_case_and_diacritics(app, login, data):
    c = login("admin")
    for name in ("dat dai", "ĐẤT ĐAI", " Đất  đai "):
        response = c.post("/admin/fields", {"name": name}, htmx=True)
        assert response.status_code == 422
        assert "Đã có lĩnh vực mang tên này." in response.get_data(as_text=True)
    response = c.post("/admin/fields", {"name": ""}, htmx=True)
    assert response.status_code == 422 and "Trường này là bắt buộc." in response.get_data(
        as_text=True)
    assert len(_names(app)) == 3


def test_rename(app, login, data):
    fid = data["fields"][1]
    c = login("office")
    response = c.post(f"/admin/fields/{fid}/rename", {f"f{fid}-name": "Tài nguyên, môi trường"},
                      htmx=True)
    assert response.status_code == 200
    assert _names(app)[1] == "Tài nguyên, môi trường"
    # Renaming to itself (another case) is allowed; to another field's name is not.
    assert c.post(f"/admin/fields/{fid}/rename", {f"f{fid}-name": "TÀI NGUYÊN, MÔI TRƯỜNG"},
                  htmx=True).status_code == 200
    bad = c.post(f"/admin/fields/{fid}/rename", {f"f{fid}-name": "xay dung"}, htmx=True)
    body = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Đã có lĩnh vực mang tên này." in body
    assert 'value="xay dung"' in body  # what was typed is kept
    assert _names(app)[1] == "TÀI NGUYÊN, MÔI TRƯỜNG"


def test_reorder(app, login, data):
    c = login("office")
    first, second, third = data["fields"]
    c.post(f"/admin/fields/{third}/move", {"direction": "up"}, htmx=True)
    assert _names(app) == ["Đất đai", "Xây dựng", "Môi trường"]
    c.post(f"/admin/fields/{first}/move", {"direction": "down"}, htmx=True)
    assert _names(app) == ["Xây dựng", "Đất đai", "Môi trường"]
    c.post(f"/admin/fields/{second}/move", {"direction": "down"}, htmx=True)  # already last
    assert _names(app) == ["Xây dựng", "Đất đai", "Môi trường"]
    assert c.post(f"/admin/fields/{first}/move", {"direction": "sideways"},
                  htmx=True).status_code == 400
    response = c.post(f"/admin/fields/{second}/move", {"direction": "up"})
    assert response.status_code == 303
    assert _names(app)[:2] == ["Xây dựng", "Môi trường"]


def test_deactivate_hides_it_from_new_petitions_but_keeps_old(app, login, data, make_petition):
    fid = data["fields"][2]
    pid = make_petition(field_id=fid, content="Việc xây dựng cũ")
    c = login("office")
    c.post(f"/admin/fields/{fid}/toggle", htmx=True)
    assert _names(app, active_only=True) == ["Đất đai", "Môi trường"]
    page = c.get(f"/petitions/sessions/{data['session']}").get_data(as_text=True)
    assert ">Xây dựng</option>" not in page
    assert "Việc xây dựng cũ" in page and "<td>Xây dựng<br>" in page
    rejected = c.post(f"/petitions/sessions/{data['session']}", {
        "submitter_kind": "citizen", "submitter_name": "A", "channel": "writing",
        "field_id": str(fid), "content": "B", "advising_agency_id": "0"}, htmx=True)
    assert rejected.status_code == 422
    listing = c.get("/admin/fields").get_data(as_text=True)
    assert "Ngừng dùng" in listing and "Dùng lại" in listing
    c.post(f"/admin/fields/{fid}/toggle", htmx=True)
    assert "Xây dựng" in _names(app, active_only=True)
    assert pid


def test_petition_counts_shown(login, data, make_petition):
    make_petition()
    make_petition()
    body = login("admin").get("/admin/fields").get_data(as_text=True)
    assert '<td class="num">2</td>' in body


def test_unknown_field_is_404(login, data):
    assert login("admin").post("/admin/fields/99999/toggle", htmx=True).status_code == 404
