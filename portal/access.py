"""Who may do what: the one access policy of the portal.

* `POLICY` names every action and the roles that may take it. Views declare the action
  (`requires("petition.register")`, or `portal.web.change(allow=...)`), templates ask
  `may("petition.register")`, and commands ask `may(user, ...)` for the rules that
  depend on the object.
* An agency officer works only on their own agency's items: the scope of each entity
  (`agency_scope`) says which rows that is. An officer without an agency sees none.
  Another agency's item does not exist for an officer (404, never 403, so ids cannot be
  probed).
"""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.auth.models import Role

OFFICE, CHAIR, OFFICER, OBSERVER, ADMIN = (Role.OFFICE, Role.CHAIR, Role.OFFICER,
                                           Role.OBSERVER, Role.ADMIN)

# The role sets, named once.
STAFF = frozenset({OFFICE, CHAIR, ADMIN})  # see every agency's items, manage the schedule
READERS = frozenset({OFFICE, CHAIR, ADMIN, OBSERVER})  # read everything, agency-wide
EVERYONE = frozenset(Role)
RUNNERS = frozenset({OFFICE, CHAIR})  # run a meeting live
EDITORS = frozenset({OFFICE, ADMIN})  # plans, checklists, invitations, fields, public page
OFFICE_ONLY = frozenset({OFFICE})
OFFICERS = frozenset({OFFICER})
ADMINS = frozenset({ADMIN})

POLICY: dict[str, frozenset[Role]] = {
    # schedule calendar
    "calendar.read": EVERYONE,
    "session.read": READERS,
    "session.edit": STAFF,  # create, edit, reschedule, cancel, restore
    "feed.renew_own": EVERYONE,
    "feed.renew_agency": STAFF | OFFICERS,  # staff: any agency; an officer: their own
    # yearly plans
    "plan.read": READERS,
    "plan.edit": EDITORS,
    "holiday.read": READERS,
    "holiday.edit": EDITORS,
    # preparation (plan 5.1)
    "preparation.read": frozenset({OFFICE, CHAIR, ADMIN, OBSERVER, OFFICER}),
    "preparation.edit": EDITORS,  # default steps, checklists, invitee lists
    "preparation.own_items": OFFICERS,
    "checklist.tick": frozenset({OFFICE, ADMIN, OFFICER}),  # an officer: their agency's steps
    "checklist.edit": frozenset({OFFICE, ADMIN, OFFICER}),  # an officer: their step's note
    "invitation.reply": frozenset({OFFICE, ADMIN, OFFICER}),  # an officer: their agency's
    "invitation.read": READERS,
    "invitation.contacts": OFFICE_ONLY,  # enter and see invitees' contacts (personal data)
    # petitions
    "petition.search": EVERYONE,
    "petition.read": READERS,
    "petition.register": OFFICE_ONLY,  # register, edit, advise, delete, import
    "petition.advising_list": frozenset({OFFICE, CHAIR, ADMIN, OBSERVER, OFFICER}),
    "petition.prepare": OFFICERS,  # the advising agency's prepared answer
    "petition.answer_plan": OFFICE_ONLY,  # mark: at the meeting, answered before, to assign
    "petition.export": EVERYONE,
    # the meeting day (plan 5.2)
    "meeting.watch": READERS,
    "meeting.run": RUNNERS,
    "time_limit.edit": EDITORS,  # working days to answer per kind (the suggested deadline)
    "kiosk.manage": EDITORS,  # create and revoke the hall screen's kiosk links
    "papers.settings": EDITORS,  # the program's minutes per stage and kind of dialogue
    # the follow-up (plan 5.3)
    "tracker.read": EVERYONE,
    "assignment.agency_act": OFFICERS,  # start, answer, ask an extension or an input
    "assignment.office_act": OFFICE_ONLY,  # accept, return, extensions, upward, remind
    "notification.read": EVERYONE,
    "template.manage": EDITORS,  # the reply templates agencies and the office start from
    # documents
    "document.read": READERS,
    "document.pdf": frozenset({OFFICE, CHAIR, ADMIN, OBSERVER, OFFICER}),
    "document.edit": OFFICE_ONLY,  # draft, edit, issue, revise, delete
    # the issuing body, place and signing positions, effective from a date
    "document.settings": EDITORS,
    # the chair's dossier (hồ sơ) and the background jobs that build it; an officer only
    # for a session their agency is invited to or advises on, and only their own jobs
    "dossier.build": frozenset({OFFICE, CHAIR, ADMIN, OBSERVER, OFFICER}),
    "job.read": EVERYONE,
    # reports
    "report.read": READERS,
    "public_page.switch": EDITORS,
    # administration
    "field.manage": EDITORS,
    "agency.manage": ADMINS,  # add, rename, merge, deactivate agencies
    "locality.manage": ADMINS,  # the locality tree and its CSV import
    "account.manage": ADMINS,
    "account.own_password": EVERYONE,
    "audit.read": frozenset({ADMIN, OFFICE}),  # the audit viewer; officers, observers: 403
    # signing out (logging in is open to anyone)
    "auth.logout": EVERYONE,
}


def may(user_or_action, action: str | None = None, obj=None) -> bool:
    """May the user take `action`? `may("x")` asks for the current user (templates do this);
    `may(user, "x", obj)` for a given one. `obj` narrows it to an agency's item."""
    if action is None:
        user, action = current_user, user_or_action
    else:
        user = user_or_action
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role not in POLICY[action]:
        return False
    return obj is None or in_scope(user, obj)


def in_scope(user, obj) -> bool:
    """Whether `obj` is within the user's agency scope (staff and readers see every agency)."""
    if user.role != OFFICER:
        return True
    agency_ids = getattr(obj, "scope_agency_ids", None)
    if agency_ids is None:
        return True
    return user.agency_id is not None and user.agency_id in agency_ids()


def officer_agency(user) -> int | None:
    """The agency whose items `user` is limited to, or None when they see every agency.
    An officer without an agency is limited to agency -1: they see nothing."""
    if user.role != OFFICER:
        return None
    return user.agency_id if user.agency_id is not None else -1


def requires(action: str):
    """Let a view through only for a logged-in user whom the policy allows `action` (403)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in POLICY[action]:
                abort(403)
            return view(*args, **kwargs)

        wrapped.policy_action = action  # the route × role tests read it
        return wrapped

    return decorator

