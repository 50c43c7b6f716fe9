"""An assignment's coordinating agencies are listed in ICU Vietnamese order (not the byte
order of the database), on the item page and wherever the relationship is read."""
from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from tests.tracker.tracker_fixtures import make  # noqa: F401

# The order ICU's Vietnamese collation decides: Đ right after D (byte order puts it last), â
# before u, Ủ with U.
ICU_ORDER = ["Đài PT-TH tỉnh", "Sở Dân tộc", "Sở Du lịch", "Sở Văn hóa", "Ủy ban MTTQ tỉnh"]


def _agencies(app):
    from portal.admin.models import Agency, AgencyKind
    from portal.extensions import db

    with app.app_context():
        # Added in an order that is neither the ICU one nor the byte one.
        rows = [Agency(name=name, short_name=f"C{i}", kind=AgencyKind.DEPARTMENT)
                for i, name in enumerate(["Sở Văn hóa", "Đài PT-TH tỉnh", "Sở Du lịch",
                                          "Ủy ban MTTQ tỉnh", "Sở Dân tộc"])]
        db.session.add_all(rows)
        db.session.commit()
        return [a.id for a in rows]


def test_coordinators_are_in_vietnamese_order(app, login, data, make):
    from portal.admin.models import Agency
    from portal.extensions import db
    from portal.text import vn_sorted
    from portal.tracker.models import Assignment

    assert vn_sorted(ICU_ORDER) == ICU_ORDER  # the same order in Python
    ids = _agencies(app)
    item = make()
    with app.app_context():
        a = db.session.get(Assignment, item)
        a.coordinators = [db.session.get(Agency, i) for i in ids]
        db.session.commit()
    with app.app_context():
        assert [c.name for c in db.session.get(Assignment, item).coordinators] == ICU_ORDER
        db.session.expire_all()
        for option in (selectinload, joinedload):
            loaded = db.session.query(Assignment).options(
                option(Assignment.coordinators)).filter_by(id=item).one()
            assert [c.name for c in loaded.coordinators] == ICU_ORDER
            db.session.expire_all()
    page = login("office").get(f"/tracker/{item}").get_data(as_text=True)
    assert ", ".join(ICU_ORDER) in page
