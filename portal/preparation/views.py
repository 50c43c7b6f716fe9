"""Preparing a session (công tác chuẩn bị, plan 5.1): the checklist and the invitations.

The Office (and admins) prepare; the chair and observers read; an agency officer sees and
ticks only the steps their agency owns and answers only their agency's invitation — anything
else of another agency does not exist for them (404).

Every change is declared with `portal.web.change` and calls one command of
`portal.preparation.checklist` or `portal.preparation.invitations`; the pages are declared
with the policy action they need (`portal.access.POLICY`).
"""
from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms import SelectField, SelectMultipleField

from portal import web
from portal.access import in_scope, may, officer_agency, requires
from portal.audit.trail import record
from portal.calendar.models import DialogueSession, SessionKind
from portal.documents.invitation import invitations_pdf
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.labels import choices as enum_choices
from portal.tracker import carryover
from portal.preparation import checklist, services
from portal.preparation import invitations as inviting
from portal.preparation.forms import (
    OFFICE_OWNER,
    AddAgenciesForm,
    AddPersonForm,
    DoneForm,
    ItemForm,
    ItemNoteForm,
    NewItemForm,
    NewTemplateItemForm,
    ReplyForm,
    TemplateItemEditForm,
    agency_choices,
)
from portal.preparation.models import (
    ChecklistItem,
    ChecklistTemplateItem,
    Invitee,
    InviteeKind,
    Reply,
)
from portal.timefmt import local_today
from portal.types import utcnow

bp = Blueprint("preparation", __name__, url_prefix="/preparation")

DASHBOARD_ITEMS = 20


# --------------------------------------------------------------------------- loading


def _meeting_or_none(session_id: int) -> DialogueSession | None:
    return db.session.get(DialogueSession, session_id)


def _meeting(session_id: int) -> DialogueSession:
    found = _meeting_or_none(session_id)
    if found is None:
        abort(404)
    return found


def _template_or_none(item_id: int) -> ChecklistTemplateItem | None:
    return db.session.get(ChecklistTemplateItem, item_id)


def _item_or_none(item_id: int) -> ChecklistItem | None:
    """The step (the pipeline answers 404 for another agency's, as for a missing one)."""
    return db.session.get(ChecklistItem, item_id)


def _invitee_or_none(invitee_id: int) -> Invitee | None:
    return db.session.get(Invitee, invitee_id)


def _readable(form, error):
    """A 409's differences name a choice (the agency, the reply) rather than its code; a
    step of the Office (no agency) is the owner choice 0."""
    current = getattr(error, "current", None)
    if not current or form is None:
        return error
    named = {}
    for field in form:
        if isinstance(field, SelectField) and not isinstance(field, SelectMultipleField):
            named[str(field.label.text)] = {str(value): str(label)
                                           for value, label, *_rest in field.choices or []}
    shown = []
    for diff in current:
        names = named.get(diff.label)
        if names is not None:
            diff = replace(diff, current=names.get(diff.current or str(OFFICE_OWNER),
                                                   diff.current),
                           typed=names.get(diff.typed, diff.typed))
        if diff.current != diff.typed:
            shown.append(diff)
    error.current = shown
    return error


# --------------------------------------------------------------------------- dashboard


@bp.get("/")
@requires("preparation.read")
def dashboard():
    """"Việc chuẩn bị": the next 60 days' sessions with progress and the oldest overdue steps.

    An agency officer is sent to their own list.
    """
    if may(current_user, "preparation.own_items"):
        return redirect_to(url_for("preparation.my_items"))
    today = local_today()
    return render(
        "preparation/dashboard.html", "dashboard",
        today=today,
        sessions=services.upcoming_sessions(today, 60),
        overdue=services.overdue_items(today, DASHBOARD_ITEMS),
    )


def _my_page(*, status: int = 200, message: str | None = None, reply_forms: dict | None = None,
             error=None):
    agency_id = officer_agency(current_user)
    invitations = services.agency_invitations(agency_id)
    reply_forms = reply_forms or {}
    return render(
        "preparation/my.html", "my", status=status,
        today=local_today(),
        items=services.open_items_for_agency(agency_id),
        invitations=invitations,
        reply_forms={inv.id: reply_forms.get(inv.id) or _reply_form(inv, view="my")
                     for inv in invitations},
        message=message,
        error=error,
    )


def _my_saved(message: str):
    return web.saved(message, redirect=url_for("preparation.my_items"),
                     fragment=lambda: _my_page(message=message))


@bp.get("/my")
@requires("preparation.own_items")
def my_items():
    """An agency officer's open steps across sessions and their agency's invitations."""
    return _my_page()


# --------------------------------------------------------------------------- default steps


def _kind_arg(raw: str | None) -> SessionKind:
    if raw in SessionKind._value2member_map_:
        return SessionKind(raw)
    return SessionKind.CITIZEN_RECEPTION


def _templates_page(kind: SessionKind, *, status: int = 200, new_form=None,
                    row_forms: dict | None = None, message: str | None = None, error=None):
    items = services.templates_of(kind)
    row_forms = row_forms or {}
    forms = {}
    for item in items:
        forms[item.id] = row_forms.get(item.id) or TemplateItemEditForm(
            formdata=None, prefix=f"t{item.id}", title=item.title, days_before=item.days_before,
            owner="agency" if item.owned_by_agency else "office", version=item.version)
    return render(
        "preparation/templates.html", "templates", status=status,
        kind=kind, kinds=enum_choices(SessionKind), items=items, forms=forms,
        new_form=new_form or NewTemplateItemForm(formdata=None, prefix="new", owner="office",
                                                 days_before=5),
        message=message, error=error)


def _templates_saved(kind: SessionKind, message: str | None = None):
    return web.saved(message, redirect=url_for("preparation.templates", kind=kind.value),
                     fragment=lambda: _templates_page(kind, message=message))


def _template_values(form) -> dict:
    return dict(title=form.title.data, days_before=form.days_before.data,
                owned_by_agency=form.owner.data == "agency")


@bp.get("/templates")
@requires("preparation.edit")
def templates():
    """The default steps of each kind of session; htmx swaps the `templates` block per kind.
    The built-in steps of plan 5.1 are written the first time the page is opened."""
    if services.ensure_default_templates():
        web.commit_read()
    return _templates_page(_kind_arg(request.args.get("kind")))


@bp.post("/templates")
@web.change(allow="preparation.edit", form=lambda _none: NewTemplateItemForm(prefix="new"),
            once=True,
            invalid=lambda _none, form, status, error: _templates_page(
                _kind_arg(request.args.get("kind")), status=status, new_form=form, error=error),
            done=lambda _none, item: _templates_saved(
                item.kind if item is not None else _kind_arg(request.args.get("kind")),
                _("Đã thêm bước chuẩn bị.")))
def add_template(form):
    """Add a default step at the end of a kind's steps (once per client key)."""
    return checklist.add_template(_kind_arg(request.args.get("kind")), current_user,
                                  **_template_values(form))


@bp.post("/templates/<int:item_id>")
@web.change(allow="preparation.edit", load=_template_or_none,
            form=lambda item: TemplateItemEditForm(prefix=f"t{item.id}"),
            versioned=lambda item: item,
            invalid=lambda item, form, status, error: _templates_page(
                item.kind, status=status, row_forms={item.id: form},
                error=_readable(form, error)),
            done=lambda item, _result: _templates_saved(item.kind, _("Đã lưu bước chuẩn bị.")))
def save_template(item, form):
    """Rename a default step, change its days or its owner; 409 with both texts when someone
    saved it since the form was shown."""
    checklist.save_template(item, current_user, **_template_values(form))


def _template_refused(item, _form, status, error):
    return _templates_page(item.kind, status=status, error=error)


@bp.post("/templates/<int:item_id>/up")
@web.change(allow="preparation.edit", load=_template_or_none, invalid=_template_refused,
            done=lambda item, _result: _templates_saved(item.kind))
def move_template_up(item, form):
    """Move a default step one place up."""
    checklist.move_template(item, current_user, -1)


@bp.post("/templates/<int:item_id>/down")
@web.change(allow="preparation.edit", load=_template_or_none, invalid=_template_refused,
            done=lambda item, _result: _templates_saved(item.kind))
def move_template_down(item, form):
    """Move a default step one place down."""
    checklist.move_template(item, current_user, 1)


@bp.post("/templates/<int:item_id>/delete")
@web.change(allow="preparation.edit", load=_template_or_none, invalid=_template_refused,
            done=lambda _item, kind: _templates_saved(kind, _("Đã xóa bước chuẩn bị.")))
def delete_template(item, form):
    """Remove a default step (sessions' existing checklists keep theirs)."""
    return checklist.remove_template(item, current_user)


# --------------------------------------------------------------------------- the checklist


def _shown_edit_form(item: ChecklistItem, meeting_day, agencies):
    """A form holding the step's current values and version: the Office's, or an officer's
    note."""
    if checklist.may_edit_all(current_user):
        return ItemForm(formdata=None, prefix="edit", meeting_day=meeting_day, agencies=agencies,
                        title=item.title, owner_agency_id=item.owner_agency_id or OFFICE_OWNER,
                        due_date=item.due_date, note=item.note, version=item.version)
    return ItemNoteForm(formdata=None, prefix="edit", note=item.note, version=item.version)


def _posted_edit_form(item: ChecklistItem):
    if checklist.may_edit_all(current_user):
        return ItemForm(prefix="edit", meeting_day=services.meeting_day(item.session),
                        agencies=agency_choices())
    return ItemNoteForm(prefix="edit")


def _checklist_page(meeting: DialogueSession, *, status: int = 200, edit_id: int | None = None,
                    edit_form=None, new_form=None, message: str | None = None, error=None):
    items = services.visible_items(current_user, meeting)
    today = local_today()
    day = services.meeting_day(meeting)
    is_open = services.is_open_for_preparation(meeting)
    edits_all = checklist.may_edit_all(current_user)
    agencies = agency_choices() if edits_all and is_open else []
    editing = next((item for item in items if item.id == edit_id), None)
    if editing is None or not is_open or not may(current_user, "checklist.edit", editing):
        edit_id, edit_form = None, None
    elif edit_form is None:
        edit_form = _shown_edit_form(editing, day, agencies)
    if new_form is None and edits_all and is_open:
        new_form = NewItemForm(formdata=None, prefix="new", meeting_day=day, agencies=agencies,
                               owner_agency_id=OFFICE_OWNER)
    active = meeting.status in services.ACTIVE_STATUSES
    return render(
        "preparation/session.html", "checklist", status=status,
        item=meeting,
        items=items,
        done=sum(1 for item in items if item.is_done),
        total=len(items),
        overdue_ids={item.id for item in items if active and item.is_overdue(today)},
        is_open=is_open,
        edit_id=edit_id,
        edit_form=edit_form,
        new_form=new_form,
        message=message,
        error=error,
        today=today,
        carried=_carried(meeting),
    )


def _carried(meeting: DialogueSession):
    """The open items of earlier related sessions («Tồn đọng»), by agency; an officer sees
    their agency's only."""
    groups = carryover.open_items_by_agency(meeting)
    mine = officer_agency(current_user)
    if mine is not None:
        groups = [(agency, items) for agency, items in groups if agency.id == mine]
    return groups


def _checklist_saved(meeting: DialogueSession, message: str | None):
    return web.saved(message,
                     redirect=url_for("preparation.session_checklist", session_id=meeting.id),
                     fragment=lambda: _checklist_page(meeting, message=message))


@bp.get("/sessions/<int:session_id>")
@requires("preparation.read")
def session_checklist(session_id: int):
    """A session's checklist with its progress; `?edit=<item id>` opens one step for editing.
    An officer sees it only when a step or an invitation of the session is their agency's."""
    meeting = _meeting(session_id)
    if not services.officer_may_see(current_user, meeting):
        abort(404)
    edit = request.args.get("edit", "")
    return _checklist_page(meeting, edit_id=int(edit) if edit.isdigit() else None)


def _session_refused(meeting, _form, status, error):
    return _checklist_page(meeting, status=status, error=error)


@bp.post("/sessions/<int:session_id>/checklist")
@web.change(allow="preparation.edit", load=_meeting_or_none, once=True,
            invalid=_session_refused,
            done=lambda meeting, _result: _checklist_saved(
                meeting, _("Đã tạo danh mục công việc chuẩn bị.")))
def create_checklist(meeting, form):
    """Create the session's checklist from its kind's default steps (once: 409 after)."""
    checklist.create_checklist(meeting, current_user)


@bp.post("/sessions/<int:session_id>/items")
@web.change(allow="preparation.edit", load=_meeting_or_none,
            form=lambda meeting: NewItemForm(prefix="new",
                                             meeting_day=services.meeting_day(meeting),
                                             agencies=agency_choices()),
            once=True,
            invalid=lambda meeting, form, status, error: _checklist_page(
                meeting, status=status, new_form=form, error=error),
            done=lambda meeting, _item: _checklist_saved(meeting, _("Đã thêm công việc.")))
def add_item(meeting, form):
    """Add a step to the session's checklist (once per client key)."""
    return checklist.add_item(meeting, current_user, title=form.title.data,
                              owner_agency_id=form.owner_agency_id.data,
                              due_date=form.due_date.data, note=form.note.data)


@bp.post("/items/<int:item_id>")
@web.change(allow="checklist.edit", load=_item_or_none, form=_posted_edit_form,
            versioned=lambda item: item,
            invalid=lambda item, form, status, error: _checklist_page(
                item.session, status=status, edit_id=item.id, edit_form=form,
                error=_readable(form, error)),
            done=lambda item, _result: _checklist_saved(item.session, _("Đã lưu công việc.")))
def save_item(item, form):
    """Save an edited step; an officer may change only the note of their agency's step.
    A stale edit (someone saved the step since the form was shown) answers 409 with the
    saved and the typed values side by side, the typed ones kept in the form."""
    if isinstance(form, ItemForm):
        checklist.edit_item(item, current_user, title=form.title.data,
                            owner_agency_id=form.owner_agency_id.data,
                            due_date=form.due_date.data, note=form.note.data)
    else:
        checklist.note_item(item, current_user, form.note.data)


def _from_my(form) -> bool:
    """The form was sent from the officer's own list ("my"), which answers with that list."""
    return (form is not None and form.view.data == "my"
            and may(current_user, "preparation.own_items"))


def _tick_refused(item, form, status, error):
    if _from_my(form):
        return _my_page(status=status, error=error)
    return _checklist_page(item.session, status=status, error=error)


def _ticked(item, from_my: bool):
    message = _("Đã đánh dấu hoàn thành.") if item.is_done else _("Đã bỏ đánh dấu hoàn thành.")
    if from_my:
        return _my_saved(message)
    return _checklist_saved(item.session, message)


@bp.post("/items/<int:item_id>/done")
@web.change(allow="checklist.tick", load=_item_or_none, form=lambda _item: DoneForm(),
            invalid=_tick_refused, done=_ticked)
def tick_item(item, form):
    """Tick (done=1) or untick (done=0) a step, recording who ticked it and when."""
    checklist.tick_item(item, current_user, form.done.data == "1", utcnow())
    return _from_my(form)


@bp.post("/items/<int:item_id>/delete")
@web.change(allow="preparation.edit", load=_item_or_none,
            invalid=lambda item, _form, status, error: _checklist_page(
                item.session, status=status, error=error),
            done=lambda _item, meeting: _checklist_saved(meeting, _("Đã xóa công việc.")))
def delete_item(item, form):
    """Remove a step from the session's checklist."""
    return checklist.remove_item(item, current_user)


# --------------------------------------------------------------------------- invitations


def _reply_form(invitee: Invitee, *, view: str = "") -> ReplyForm:
    """The reply form of one invitee (prefixed by its id), holding its reply and version."""
    return ReplyForm(formdata=None, prefix=f"r{invitee.id}", reply=invitee.reply.value,
                     delegate_name=invitee.delegate_name, view=view, version=invitee.version)


def _invitations_context(meeting: DialogueSession, *, agencies_form=None, person_form=None,
                         reply_forms: dict | None = None, show_contacts: bool = False,
                         message: str | None = None, error=None) -> dict:
    invitees = services.visible_invitees(current_user, meeting)
    is_open = services.is_open_for_preparation(meeting)
    prepares = may(current_user, "preparation.edit")
    if agencies_form is None and prepares:
        invited = {inv.agency_id for inv in invitees if inv.agency_id}
        agencies_form = AddAgenciesForm(
            formdata=None, prefix="ag",
            agencies=[c for c in agency_choices() if c.value not in invited])
    if person_form is None and prepares:
        person_form = AddPersonForm(formdata=None, prefix="person")
    reply_forms = reply_forms or {}
    return dict(
        item=meeting,
        invitees=invitees,
        counts=services.reply_counts(invitees),
        has_contacts=any(inv.contact for inv in invitees),
        show_contacts=show_contacts,
        is_open=is_open,
        agencies_form=agencies_form,
        person_form=person_form,
        reply_forms={inv.id: reply_forms.get(inv.id) or _reply_form(inv) for inv in invitees},
        message=message,
        error=error,
        Reply=Reply,
        InviteeKind=InviteeKind,
    )


def _invitations_page(meeting: DialogueSession, *, status: int = 200, **kw):
    return render("preparation/invitations.html", "invitations", status=status,
                  **_invitations_context(meeting, **kw))


def _invitations_saved(meeting: DialogueSession, message: str | None):
    return web.saved(message, redirect=url_for("preparation.invitations", session_id=meeting.id),
                     fragment=lambda: _invitations_page(meeting, message=message))


@bp.get("/sessions/<int:session_id>/invitations")
@requires("preparation.read")
def invitations(session_id: int):
    """The invitee list with replies; `?contacts=1` shows contacts to the Office (logged)."""
    meeting = _meeting(session_id)
    if not services.officer_may_see(current_user, meeting):
        abort(404)
    show = request.args.get("contacts") == "1" and may(current_user, "invitation.contacts")
    context = _invitations_context(meeting, show_contacts=show)
    response = render("preparation/invitations.html", "invitations", **context)
    if show and context["has_contacts"]:
        # Logged once the page is built: committing first would expire the rows it shows.
        record("read_personal_data", "Invitee", meeting.id,
               {"field": "contact", "invitees": [inv.id for inv in context["invitees"]
                                                 if inv.contact]})
        web.commit_read()
    return response


def _invited(meeting, added):
    # A replayed submit (same client key) invited nothing new: the list says the rest.
    message = _("Đã mời %(n)s cơ quan.", n=len(added)) if isinstance(added, list) else None
    return _invitations_saved(meeting, message)


@bp.post("/sessions/<int:session_id>/invitations/agencies")
@web.change(allow="preparation.edit", load=_meeting_or_none,
            form=lambda _meeting: AddAgenciesForm(prefix="ag", agencies=agency_choices()),
            once=True,
            invalid=lambda meeting, form, status, error: _invitations_page(
                meeting, status=status, agencies_form=form, error=error),
            done=_invited)
def invite_agencies(meeting, form):
    """Invite one or several agencies (those already invited are skipped)."""
    return inviting.invite_agencies(meeting, current_user, form.agency_ids.data)


@bp.post("/sessions/<int:session_id>/invitations/people")
@web.change(allow="preparation.edit", load=_meeting_or_none,
            form=lambda _meeting: AddPersonForm(prefix="person"), once=True,
            invalid=lambda meeting, form, status, error: _invitations_page(
                meeting, status=status, person_form=form, error=error),
            done=lambda meeting, _invitee: _invitations_saved(
                meeting, _("Đã thêm người được mời.")))
def invite_person(meeting, form):
    """Invite a delegate or a representative of citizens, businesses or cooperatives."""
    return inviting.invite_person(
        meeting, current_user, kind=InviteeKind(form.kind.data), name=form.name.data,
        position=form.position.data, organisation=form.organisation.data,
        contact=form.contact.data)


def _reply_refused(invitee, form, status, error):
    error = _readable(form, error)
    if _from_my(form):
        return _my_page(status=status, reply_forms={invitee.id: form}, error=error)
    return _invitations_page(invitee.session, status=status, reply_forms={invitee.id: form},
                             error=error)


def _replied(invitee, from_my: bool):
    message = _("Đã ghi nhận phản hồi của %(name)s.", name=invitee.name)
    if from_my:
        return _my_saved(message)
    return _invitations_saved(invitee.session, message)


@bp.post("/invitees/<int:invitee_id>/reply")
@web.change(allow="invitation.reply", load=_invitee_or_none,
            form=lambda invitee: ReplyForm(prefix=f"r{invitee.id}"),
            versioned=lambda invitee: invitee, invalid=_reply_refused, done=_replied)
def reply(invitee, form):
    """Record an attendance reply; an officer only for their own agency (404 otherwise);
    409 with both replies when someone recorded one since the form was shown."""
    inviting.reply(invitee, current_user, Reply(form.reply.data), form.delegate_name.data or "",
                   utcnow())
    return _from_my(form)


@bp.post("/invitees/<int:invitee_id>/delete")
@web.change(allow="preparation.edit", load=_invitee_or_none,
            invalid=lambda invitee, _form, status, error: _invitations_page(
                invitee.session, status=status, error=error),
            done=lambda _invitee, meeting: _invitations_saved(
                meeting, _("Đã xóa khỏi danh sách mời.")))
def remove_invitee(invitee, form):
    """Take an invitee off the list."""
    return inviting.remove(invitee, current_user)


def _pdf_response(pdf: bytes, filename: str):
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/invitees/<int:invitee_id>/giay-moi.pdf")
@requires("preparation.read")
def invitation_pdf(invitee_id: int):
    """One invitee's invitation (giấy mời) as an A4 PDF; an officer only their agency's."""
    invitee = _invitee_or_none(invitee_id)
    if invitee is None or not in_scope(current_user, invitee):
        abort(404)
    pdf = invitations_pdf(invitee.session, [invitee], current_app.config)
    record("export", "Invitee", invitee.id, {"document": "giay-moi"})
    web.commit_read()
    return _pdf_response(pdf, f"giay-moi-{invitee.session_id}-{invitee.id}.pdf")


@bp.get("/sessions/<int:session_id>/giay-moi.pdf")
@requires("invitation.read")
def invitations_batch_pdf(session_id: int):
    """Every invitee's invitation in one PDF, each starting on a new page."""
    meeting = _meeting(session_id)
    invitees = services.visible_invitees(current_user, meeting)
    if not invitees:
        abort(404)
    pdf = invitations_pdf(meeting, invitees, current_app.config)
    record("export", "Invitee", meeting.id,
           {"document": "giay-moi", "invitees": [inv.id for inv in invitees]})
    web.commit_read()
    return _pdf_response(pdf, f"giay-moi-{meeting.id}.pdf")
