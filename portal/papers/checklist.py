"""Issuing the program or the script ticks its step of the session's checklist (plan 5.1:
«Xây dựng chương trình…», «Xây dựng kịch bản…»), inside the issuing transaction."""
from __future__ import annotations

from sqlalchemy import select

from portal.documents.models import Document, DocumentType
from portal.extensions import db
from portal.preparation import services
from portal.preparation.models import ChecklistItem
from portal.text import fold
from portal.types import utcnow

# The start of each step's title, folded (a step the office renamed still starts so).
STEP_PREFIXES = {
    DocumentType.CTR: fold("Xây dựng chương trình").casefold(),
    DocumentType.KB: fold("Xây dựng kịch bản").casefold(),
}


def steps_for(doc_type: DocumentType, session_id: int) -> list[ChecklistItem]:
    """The session's checklist steps that the issued `doc_type` completes."""
    prefix = STEP_PREFIXES.get(doc_type)
    if prefix is None:
        return []
    items = db.session.scalars(select(ChecklistItem)
                               .where(ChecklistItem.session_id == session_id)).all()
    return [item for item in items
            if " ".join(fold(item.title).casefold().split()).startswith(prefix)]


def tick_on_issue(doc: Document, user_id: int | None) -> list[ChecklistItem]:
    """Tick the step of the issued program or script (a step already ticked keeps its
    tick); returns the steps ticked."""
    if doc.session_id is None:
        return []
    steps = steps_for(doc.doc_type, doc.session_id)
    now = utcnow()
    for item in steps:
        services.set_done(item, True, user_id, now)
    return steps
