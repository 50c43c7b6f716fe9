"""The commands of the invitations (giấy mời): the invitee list and the replies.

Each takes the user and the values, applies the rules and raises `DomainError` when it
refuses; none reads the request or commits (`portal.web.change` does, once):

* the Office (and administrators) keep the invitee list while the session is still open
  for preparation; only the Office enters a person's contact (personal data);
* a reply is recorded by the Office, or by an officer for their own agency's invitation
  only (another's does not exist for them: 404).
"""
from __future__ import annotations

from datetime import datetime

from portal.access import may
from portal.auth.models import User
from portal.calendar.models import DialogueSession
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.preparation import services
from portal.preparation.models import Invitee, InviteeKind, Reply

NOT_FOUND = N_("Không tìm thấy người được mời này.")


def _require(user: User, action: str, obj=None) -> None:
    services.require(user, action, obj, NOT_FOUND)


def invite_agencies(session: DialogueSession, user: User, agency_ids: list[int]) -> list[Invitee]:
    """Invite agencies under their current names; those already invited are skipped."""
    _require(user, "preparation.edit")
    services.require_open(session)
    return services.invite_agencies(session, agency_ids)


def invite_person(session: DialogueSession, user: User, *, kind: InviteeKind, name: str,
                  position: str = "", organisation: str = "", contact: str = "") -> Invitee:
    """Invite a delegate or a representative of citizens, businesses or cooperatives.
    The contact is kept only when the Office enters it."""
    _require(user, "preparation.edit")
    services.require_open(session)
    kind = InviteeKind(kind)
    if kind == InviteeKind.AGENCY:
        raise DomainError(N_("Cơ quan được mời chọn từ danh sách cơ quan."), 422, "kind")
    invitee = Invitee(
        session_id=session.id, kind=kind, name=name.strip(),
        position=(position or "").strip(), organisation=(organisation or "").strip(),
        contact=(contact or "").strip() if may(user, "invitation.contacts") else "",
        reply=Reply.PENDING,
    )
    db.session.add(invitee)
    services.mark_customized(session)
    return invitee


def reply(invitee: Invitee, user: User, answer: Reply, delegate_name: str,
          now: datetime) -> Invitee:
    """Record an attendance reply; a delegated one names who attends instead."""
    _require(user, "invitation.reply", invitee)
    services.require_open(invitee.session)
    answer = Reply(answer)
    if answer == Reply.DELEGATED and not (delegate_name or "").strip():
        raise DomainError(services.DELEGATE_REQUIRED, 422, "delegate_name")
    services.set_reply(invitee, answer, delegate_name or "", now)
    return invitee


def remove(invitee: Invitee, user: User) -> DialogueSession:
    """Take an invitee off the list; returns the session."""
    _require(user, "preparation.edit")
    session = invitee.session
    services.require_open(session)
    db.session.delete(invitee)
    services.mark_customized(session)
    return session
