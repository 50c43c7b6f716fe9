"""Small helpers of the preparation tests (import them; not fixtures)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select


def count(app, model, *where) -> int:
    from portal.extensions import db

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def row(app, model, row_id):
    """A detached copy of one row as saved now (None once deleted)."""
    from portal.extensions import db

    with app.app_context():
        found = db.session.get(model, row_id)
        if found is not None:
            db.session.expunge(found)
        return found


def checklist(app, data, owners=None) -> list[int]:
    """Steps of data's session, one per owner (an agency id, or None for the Office)."""
    from portal.extensions import db
    from portal.preparation.models import ChecklistItem

    owners = owners if owners is not None else [data["agency"], data["other_agency"], None]
    with app.app_context():
        items = [ChecklistItem(session_id=data["session"], position=n, title=f"Việc {n}",
                               owner_agency_id=owner, due_date=data["day"] - timedelta(days=1),
                               note=f"Ghi chú {n}")
                 for n, owner in enumerate(owners, start=1)]
        db.session.add_all(items)
        db.session.commit()
        return [item.id for item in items]


def invite(app, data) -> dict:
    """Both agencies and a citizen invited to data's session: their ids by name."""
    from portal.extensions import db
    from portal.preparation.models import Invitee, InviteeKind

    with app.app_context():
        rows = {
            "mine": Invitee(session_id=data["session"], kind=InviteeKind.AGENCY,
                            agency_id=data["agency"], name="Sở Tài nguyên và Môi trường"),
            "theirs": Invitee(session_id=data["session"], kind=InviteeKind.AGENCY,
                              agency_id=data["other_agency"], name="Sở Xây dựng"),
            "citizen": Invitee(session_id=data["session"], kind=InviteeKind.CITIZEN,
                               name="Nguyễn Văn A"),
        }
        db.session.add_all(rows.values())
        db.session.commit()
        return {key: inv.id for key, inv in rows.items()}


def item_form(item, **values) -> dict:
    """The Office's edit form of a step, as the page sent it (prefix "edit")."""
    form = {"edit-title": item.title, "edit-owner_agency_id": str(item.owner_agency_id or 0),
            "edit-due_date": item.due_date.strftime("%d/%m/%Y"), "edit-note": item.note,
            "edit-version": str(item.version)}
    form.update({f"edit-{k}": str(v) for k, v in values.items()})
    return form
