"""Corrections to a closed meeting's record: each one a separate, reasoned, audited amendment."""
from __future__ import annotations

from portal.calendar.models import DialogueSession
from portal.errors import N_
from portal.extensions import db
from portal.petitions.models import Petition
from portal.runner import stages
from portal.runner.models import Amendment

# What may be corrected after closing, and where the text lives.
TARGETS = {
    "conclusion": "Kết luận của người chủ trì",
    "petition.content": "Nội dung ý kiến",
    "petition.directive": "Chỉ đạo đối với ý kiến",
}

NOT_YET = N_("Chỉ đính chính biên bản sau khi buổi đối thoại đã bế mạc; trước đó hãy sửa "
             "trực tiếp.")
BAD_TARGET = N_("Nội dung đính chính không hợp lệ.")
NO_REASON = N_("Vui lòng nêu lý do đính chính.")
NO_PETITION = N_("Không tìm thấy ý kiến cần đính chính.")
SAME_TEXT = N_("Nội dung đính chính giống nội dung hiện có.")


class AmendmentError(stages.StageError):
    pass


def amend(meeting: DialogueSession, user, target: str, new_text: str, reason: str,
          petition_id: int | None = None) -> Amendment:
    """Apply a correction to a locked record, keeping the old text, the reason and the author;
    the timeline notes it."""
    if not meeting.is_locked:
        raise AmendmentError(NOT_YET)
    if target not in TARGETS:
        raise AmendmentError(BAD_TARGET, 422, "target")
    if not (reason or "").strip():
        raise AmendmentError(NO_REASON, 422, "reason")
    petition = db.session.get(Petition, petition_id) if petition_id else None
    if target.startswith("petition."):
        if petition is None or petition.session_id != meeting.id:
            raise AmendmentError(NO_PETITION, 422, "petition_id")
        attribute = target.split(".", 1)[1]
        owner = petition
    else:
        attribute, owner, petition = target, meeting, None
    before = getattr(owner, attribute) or ""
    new_text = (new_text or "").strip()
    if before == new_text:
        raise AmendmentError(SAME_TEXT, 422, "text")
    setattr(owner, attribute, new_text)
    if target == "petition.content":
        petition.refresh_search_text()
    amendment = Amendment(session_id=meeting.id, petition_id=petition.id if petition else None,
                          target=target, before=before, after=new_text,
                          reason=reason.strip(), created_by_id=stages.actor_id(user))
    db.session.add(amendment)
    stages.log(meeting, "amendment", user, f"{TARGETS[target]}: {amendment.reason}",
               amendment.petition_id)
    return amendment
