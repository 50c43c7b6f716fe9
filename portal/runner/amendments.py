"""Corrections to a closed meeting's record: each one a separate, reasoned, audited amendment."""
from __future__ import annotations

from portal.calendar.models import DialogueSession
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


class AmendmentError(stages.StageError):
    pass


def amend(meeting: DialogueSession, target: str, new_text: str, reason: str, user_id: int,
          petition: Petition | None = None) -> Amendment:
    """Apply a correction to a locked record, keeping the old text, the reason and the author."""
    if not meeting.is_locked:
        raise AmendmentError("Chỉ đính chính biên bản sau khi buổi đối thoại đã bế mạc; "
                             "trước đó hãy sửa trực tiếp.")
    if target not in TARGETS:
        raise AmendmentError("Nội dung đính chính không hợp lệ.")
    if not reason.strip():
        raise AmendmentError("Vui lòng nêu lý do đính chính.")
    if target.startswith("petition."):
        if petition is None or petition.session_id != meeting.id:
            raise AmendmentError("Không tìm thấy ý kiến cần đính chính.")
        attribute = target.split(".", 1)[1]
        owner = petition
    else:
        attribute, owner = target, meeting
    before = getattr(owner, attribute) or ""
    if before == new_text.strip():
        raise AmendmentError("Nội dung đính chính giống nội dung hiện có.")
    setattr(owner, attribute, new_text.strip())
    if target == "petition.content":
        petition.refresh_search_text()
    amendment = Amendment(session_id=meeting.id, petition_id=petition.id if petition else None,
                          target=target, before=before, after=new_text.strip(),
                          reason=reason.strip(), created_by_id=user_id)
    db.session.add(amendment)
    stages.bump(meeting)
    return amendment
