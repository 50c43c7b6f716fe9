"""The demo data reflects today's two levels of local government: the commune-level
committees and the locality tree of one province (no district), and the office can issue a
document out of the box (an issuing profile and an active signing position are seeded)."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from support import Client


def test_the_demo_has_no_district_and_a_two_level_tree(app):
    from portal.admin.models import Agency, Locality, LocalityLevel
    from portal.demo import WARDS, seed_demo
    from portal.documents.models import IssuingProfile, SigningPosition
    from portal.extensions import db

    with app.app_context():
        assert seed_demo()
        names = list(db.session.scalars(select(Agency.name)))
        assert not [n for n in names if "huyện" in n or "thị xã" in n or "thành phố" in n]
        assert "UBND phường Bắc Giang" in names
        tree = db.session.scalars(select(Locality)).all()
        provinces = [l for l in tree if l.level == LocalityLevel.PROVINCE]
        assert [p.name for p in provinces] == ["Tỉnh Bắc Ninh"]
        assert len(WARDS) >= 12
        assert sorted(l.code for l in tree if l.parent_id == provinces[0].id) == sorted(
            code for code, _ in WARDS)
        assert all(l.level in (LocalityLevel.WARD, LocalityLevel.COMMUNE)
                   for l in tree if l.parent_id)
        # Every petition the demo registers names a ward of the tree.
        from portal.petitions.models import Petition
        assert db.session.scalar(select(func.count(Petition.id)).where(
            Petition.locality_id.is_(None))) == 0
        assert db.session.scalar(select(func.count(SigningPosition.id)).where(
            SigningPosition.active.is_(True))) >= 1
        assert {p.body for p in db.session.scalars(select(IssuingProfile))} == {
            "TỈNH BẮC GIANG", "TỈNH BẮC NINH"}


def test_the_demo_office_issues_a_letter_out_of_the_box(app):
    from portal.demo import DEMO_PASSWORD, seed_demo
    from portal.documents.models import Document, DocumentStatus, SigningPosition
    from portal.extensions import db

    with app.app_context():
        assert seed_demo()
        position = db.session.scalar(select(SigningPosition))
        position_id = position.id
    c = Client(app.test_client())
    assert c.login("vanphong", DEMO_PASSWORD).status_code == 303
    r = c.post("/documents/letters", {"summary": "Đôn đốc trả lời kiến nghị của cử tri",
                                      "unit": "KTTH"})
    assert r.status_code == 303, r.get_data(as_text=True)[:400]
    doc_id = int(re.search(r"/documents/(\d+)", r.headers["Location"]).group(1))
    page = c.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "PHÓ CHỦ TỊCH — Phan Thế Tuấn" in page  # the seeded signer is offered
    r = c.post(f"/documents/{doc_id}/issue", {"signer": str(position_id), "issued_on": ""})
    assert r.status_code == 303, r.get_data(as_text=True)[:600]
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert doc.status == DocumentStatus.ISSUED and doc.number == 1
        assert (doc.body_name, doc.place) == ("TỈNH BẮC NINH", "Bắc Ninh")
        assert doc.signer_name == "Phan Thế Tuấn"
