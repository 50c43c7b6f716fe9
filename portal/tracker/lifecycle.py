"""The life of an assignment, the same for the office and the agency (DOMAIN.md).

assigned → in progress → answered → done, or answered → returned → answered again.
Each action names who may take it and from which states; anything else is refused.
"""
from __future__ import annotations

from dataclasses import dataclass

from portal.auth.models import Role, User
from portal.tracker.models import Assignment, AssignmentStatus
from portal.types import utcnow

S = AssignmentStatus


class TransitionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Action:
    name: str
    sources: tuple[AssignmentStatus, ...]
    target: AssignmentStatus
    roles: tuple[Role, ...]
    agency_only: bool  # the actor must be an officer of the assigned agency


ACTIONS = {
    a.name: a
    for a in (
        Action("start", (S.ASSIGNED, S.RETURNED), S.IN_PROGRESS, (Role.OFFICER,), True),
        Action("answer", (S.ASSIGNED, S.IN_PROGRESS, S.RETURNED), S.ANSWERED, (Role.OFFICER,),
               True),
        Action("accept", (S.ANSWERED,), S.DONE, (Role.OFFICE,), False),
        Action("return", (S.ANSWERED,), S.RETURNED, (Role.OFFICE,), False),
    )
}


def can(user: User, assignment: Assignment, name: str) -> bool:
    action = ACTIONS[name]
    if user.role not in action.roles or assignment.status not in action.sources:
        return False
    return not action.agency_only or user.agency_id == assignment.agency_id


def apply(assignment: Assignment, name: str, user: User, text: str = "") -> None:
    """Take action `name` on the assignment, or raise TransitionError with a Vietnamese reason."""
    action = ACTIONS[name]
    if user.role not in action.roles or (
        action.agency_only and user.agency_id != assignment.agency_id
    ):
        raise TransitionError("Bạn không có quyền thực hiện thao tác này.")
    if assignment.status not in action.sources:
        raise TransitionError("Thao tác không phù hợp với trạng thái hiện tại của nhiệm vụ.")
    text = (text or "").strip()
    if name == "answer":
        if not text:
            raise TransitionError("Vui lòng nhập nội dung trả lời.")
        assignment.answer = text
        assignment.answered_at = utcnow()
        assignment.answered_by_id = user.id
    elif name == "return":
        if not text:
            raise TransitionError("Vui lòng nêu lý do trả lại.")
        assignment.review_note = text
        assignment.reviewed_at = utcnow()
    elif name == "accept":
        assignment.reviewed_at = utcnow()
    assignment.status = action.target


def record_on_the_spot(assignment: Assignment, answer: str, user: User) -> None:
    """An answer given at the meeting, recorded by the office: the assignment is closed."""
    assignment.answer = answer.strip()
    assignment.answered_at = utcnow()
    assignment.answered_by_id = user.id
    assignment.status = S.DONE
