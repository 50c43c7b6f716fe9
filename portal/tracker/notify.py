"""Who is told what after a step of an assignment: the rule, in one place.

`lifecycle.apply` calls `after_step` for every step it writes, so the pages, the CLI and
the tests all tell the same people:

* an answer or an extension request: every office account (the office must review it);
* a request for a coordinating agency's input: that agency's officers;
* starting work: nobody (nothing for anyone else to do);
* anything else (accepted, returned, extension decided, input given, beyond authority, …):
  the lead agency's officers.

The notification is a row in the same transaction as the step (no step without its
notification, no notification of a refused step); the text is Vietnamese, as stored.
Plain functions, no Flask request needed.
"""
from __future__ import annotations

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale

from portal.admin.models import Agency
from portal.petitions import privacy
from portal.tracker import services
from portal.tracker.models import Assignment, AssignmentStep, Notification

TO_OFFICE = ("answer", "request_extension")
TO_NOBODY = ("start",)


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= 120 else text[:117] + "..."


def item_link(assignment_id: int) -> str:
    """The path of the assignment's page (what a notification links to, and what opening
    that page marks read); built from the URL map when there is no request (CLI, tests)."""
    if has_request_context():
        return url_for("tracker.detail", assignment_id=assignment_id)
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    return adapter.build("tracker.detail", {"assignment_id": assignment_id})


def _summary(assignment: Assignment, step: AssignmentStep, label) -> str:
    with force_locale("vi"):
        content = " ".join(assignment.petition.content.split())
        content = content if len(content) <= 80 else content[:77] + "..."
        text = f"{label}: «{content}»"
    if step.text:
        text += f" — {step.text[:300]}"
    return text


def after_step(assignment: Assignment, step: AssignmentStep, label,
               requested: Agency | None = None) -> list[Notification]:
    """Tell whoever must act next (or learn) about `step` (called `label`); `requested` is
    the agency asked for its input by a request_input step; `label` may be lazy (it is
    written in Vietnamese). Returns the notifications."""
    if step.action in TO_NOBODY:
        return []
    text = _summary(assignment, step, label)
    link = item_link(assignment.id)
    if step.action in TO_OFFICE:
        return services.notify_office(f"{assignment.agency.short_name}: {text}", link)
    if step.action == "request_input":
        if requested is None:
            return []
        return [services.notify_agency(requested.id, f"{assignment.agency.short_name}: {text}",
                                       link)]
    return [services.notify_agency(assignment.agency_id, text, link)]


def assigned(assignment: Assignment) -> list[Notification]:
    """A new assignment to answer in writing: the lead agency's officers and each
    coordinating agency's are told at once, with the petition, the deadline and a link
    (the e-mail follows from `flask jobs run`, after the commit). An answer given on the
    spot leaves nothing to do: nobody is told."""
    from portal.tracker.models import AnswerMode

    if assignment.mode == AnswerMode.ON_THE_SPOT:
        return []
    with force_locale("vi"):
        content = " ".join(assignment.petition.content.split())
        content = content if len(content) <= 120 else content[:117] + "..."
    link = item_link(assignment.id)
    deadline = assignment.deadline.strftime("%d/%m/%Y")
    notes = [services.notify_agency(
        assignment.agency_id, f"Được giao trả lời, hạn {deadline}: «{content}»", link)]
    for agency in sorted(assignment.coordinators, key=lambda a: a.id):
        if agency.id != assignment.agency_id:
            # a coordinating agency reads the petition's personal data masked
            helper = _short(privacy.for_agency(assignment.petition, agency.id,
                                               assignment.petition.content, privacy.Output.PAGE))
            notes.append(services.notify_agency(
                agency.id, f"Được đề nghị phối hợp với {assignment.agency.short_name} trả lời, "
                           f"hạn {deadline}: «{helper}»", link))
    return notes


def reassigned(assignment: Assignment, old_agency_id: int) -> list[Notification]:
    """A changed assignment: the agency it was taken from is told it no longer has to
    answer, and the agency (and coordinators) it now goes to are told as for a new one."""
    notes = []
    link = item_link(assignment.id)
    if old_agency_id != assignment.agency_id:
        with force_locale("vi"):
            content = " ".join(assignment.petition.content.split())[:120]
        notes.append(services.notify_agency(
            old_agency_id, f"Không còn được giao trả lời (đã chuyển cho "
                           f"{assignment.agency.short_name}): «{content}»", link))
    return notes + assigned(assignment)


def withdrawn(assignment: Assignment) -> list[Notification]:
    """An assignment undone at the meeting: its tracker item is removed, so the notifications
    linking to it go (they would open nothing), and the agencies that were told of it (the
    lead and the coordinators; nobody for an answer on the spot) are told it was withdrawn."""
    from sqlalchemy import delete

    from portal.extensions import db
    from portal.tracker.models import AnswerMode

    db.session.execute(delete(Notification).where(
        Notification.link == item_link(assignment.id)).execution_options(
        synchronize_session=False))
    if assignment.mode == AnswerMode.ON_THE_SPOT:
        return []
    with force_locale("vi"):
        content = " ".join(assignment.petition.content.split())
        content = content if len(content) <= 120 else content[:117] + "..."
    text = f"Đã hủy phân công tại buổi đối thoại, không phải trả lời: «{content}»"
    return [services.notify_agency(agency_id, text) for agency_id in sorted(
        {assignment.agency_id} | {a.id for a in assignment.coordinators})]
