"""Queries of the follow-up tracker, always scoped to what the user may see."""
from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.auth.models import Role, User
from portal.petitions.models import Petition
from portal.tracker.models import Assignment, AssignmentStatus


def visible_assignments(user: User) -> Select:
    """Assignments `user` may see: an officer only their agency's, staff and observers all."""
    # Inner joins (every foreign key here is NOT NULL) let the planner walk the deadline
    # index and stop after one page instead of sorting every row.
    query = select(Assignment).options(
        joinedload(Assignment.agency, innerjoin=True),
        joinedload(Assignment.petition, innerjoin=True).joinedload(Petition.field, innerjoin=True),
        joinedload(Assignment.petition, innerjoin=True).joinedload(Petition.session,
                                                                   innerjoin=True),
    )
    if user.role == Role.OFFICER:
        query = query.where(Assignment.agency_id == user.agency_id)
    elif user.role not in (Role.OFFICE, Role.CHAIR, Role.ADMIN, Role.OBSERVER):
        query = query.where(False)
    return query


def filtered(user: User, status: AssignmentStatus | None) -> Select:
    query = visible_assignments(user)
    if status is not None:
        query = query.where(Assignment.status == status)
    return query.order_by(Assignment.deadline, Assignment.id)
