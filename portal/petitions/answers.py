"""Answers prepared before the meeting (plan 5.1): the office marks each petition registered
in advance — answer at the meeting, answered in writing before the meeting, or to be
assigned. A petition answered before the meeting is closed with the advising agency's
prepared answer: an accepted item of the follow-up tracker (its timeline says so), which
the runner's dispositions, the host briefing and the minutes show as answered before.

Plain commands: no Flask request, no commit; they raise DomainError.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.calendar.models import DialogueSession
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.petitions.models import AnswerPlan, Petition
from portal.petitions.services import before_meeting
from portal.timefmt import local_today, to_local
from portal.tracker import lifecycle
from portal.tracker.models import Assignment

NOT_BEFORE = N_("Buổi đối thoại đã bắt đầu: không thay đổi hướng trả lời trước buổi được nữa.")
RAISED = N_("Ý kiến này đã được nêu tại buổi đối thoại.")
NO_PREPARED = N_("Chưa có nội dung trả lời dự kiến của cơ quan tham mưu: chưa thể đánh dấu đã "
                 "trả lời trước buổi đối thoại.")
ASSIGNED = N_("Ý kiến này đã được phân công trả lời.")


def answered_before(petition: Petition) -> bool:
    """Closed before the meeting with the prepared answer."""
    return petition.answer_plan == AnswerPlan.BEFORE_MEETING and petition.assignment is not None


def mark(petition: Petition, plan: AnswerPlan | str | None, user) -> Petition:
    """Set the office's mark on an advance petition, before the meeting opens. Marking it
    answered before the meeting closes it with the prepared answer; changing that mark
    takes the closing back (while nothing else happened to the item)."""
    meeting = petition.session
    if not before_meeting(meeting):
        raise DomainError(NOT_BEFORE)
    if petition.raised_at_meeting:
        raise DomainError(RAISED)
    plan = AnswerPlan(plan) if plan else None
    if plan == petition.answer_plan:
        return petition
    was_before = answered_before(petition)
    if plan == AnswerPlan.BEFORE_MEETING:
        answer = (petition.prepared_answer or "").strip()
        if not answer or petition.advising_agency_id is None:
            raise DomainError(NO_PREPARED, 422, "answer_plan")
        if petition.assignment is not None:
            raise DomainError(ASSIGNED)
        answered_on = to_local(petition.prepared_at).date() if petition.prepared_at else None
        lifecycle.close_before_meeting(
            petition, user, agency_id=petition.advising_agency_id, answer=answer,
            answered_at=petition.prepared_at,
            deadline=petition.advising_deadline or answered_on or local_today())
    elif was_before:
        lifecycle.reopen_before_meeting(petition.assignment)
    petition.answer_plan = plan
    return petition


def answered_before_meeting(meeting: DialogueSession) -> list[Petition]:
    """The session's petitions closed before the meeting, with their answers (one query)."""
    return list(db.session.scalars(
        select(Petition)
        .join(Assignment, Assignment.petition_id == Petition.id)
        .options(joinedload(Petition.assignment).joinedload(Assignment.agency),
                 joinedload(Petition.field))
        .where(Petition.session_id == meeting.id,
               Petition.answer_plan == AnswerPlan.BEFORE_MEETING)
        .order_by(Petition.id)).unique())
