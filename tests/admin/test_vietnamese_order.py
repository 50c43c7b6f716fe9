"""Vietnamese alphabetical order (ICU's "vi"): a ă â b c d đ e ê …, tones after letters.

One table of names whose order ICU decides, checked in Python and through the app's
agency list on the database under test (SQLite's registered collation, PostgreSQL's
"vi-x-icu")."""
import random

from sqlalchemy import select

# In ICU Vietnamese order: «Dân» before «Du», «Dương» before «Đặng», «Đài» and «Ủy ban»
# before «Văn phòng», «Ủy» after «Uông».
ORDERED = [
    "An Giang",
    "Ánh Dương",
    "Ăn Uống",
    "Âu Cơ",
    "Bắc Ninh",
    "Dương",
    "Đài PT-TH",
    "Đặng",
    "Ê-đê",
    "Sở Dân tộc",
    "Sở Du lịch",
    "Uông",
    "Ủy ban MTTQ",
    "Ưng",
    "Văn phòng",
]


def test_python_key_is_icu_vietnamese_order():
    from portal.text import vn_key, vn_sorted

    shuffled = ORDERED[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled, key=vn_key) == ORDERED
    assert vn_sorted([{"n": n} for n in shuffled], key=lambda r: r["n"]) == [
        {"n": n} for n in ORDERED]


def test_database_orders_names_in_vietnamese(app, data):
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.text import vn_order

    shuffled = ORDERED[:]
    random.Random(7).shuffle(shuffled)
    with app.app_context():
        for i, name in enumerate(shuffled):
            db.session.add(Agency(name=name, short_name=f"VN{i}", kind="department"))
        db.session.flush()
        names = db.session.scalars(select(Agency.name).where(Agency.name.in_(ORDERED))
                                   .order_by(vn_order(Agency.name), Agency.id)).all()
    assert names == ORDERED


def test_agency_list_page_is_in_vietnamese_order(app, login, data):
    c = login("admin")
    shuffled = ORDERED[:]
    random.Random(9).shuffle(shuffled)
    for i, name in enumerate(shuffled):
        assert c.post("/admin/agencies", data={"name": name, "short_name": f"VN{i}",
                                               "kind": "department"}).status_code == 303
    body = c.get("/admin/agencies").get_data(as_text=True)
    positions = [body.index(f"<td>{name}</td>") for name in ORDERED]
    assert positions == sorted(positions)
