"""Preparing a session (công tác chuẩn bị, plan 5.1): the checklist and the invitations.

The Office (and admins) prepare; the chair and observers read; an agency officer sees and
ticks only the steps their agency owns and answers only their agency's invitation — anything
else of another agency does not exist for them (404).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from portal.access import READERS, roles_required
from portal.audit.trail import record
from portal.auth.models import Role
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.documents.invitation import invitations_pdf
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to, render
from portal.labels import choices as enum_choices
from portal.preparation import services
from portal.preparation.forms import (
    OFFICE_OWNER,
    AddAgenciesForm,
    AddPersonForm,
    DoneForm,
    EmptyForm,
    ItemForm,
    ItemNoteForm,
    NewItemForm,
    ReplyForm,
    TemplateItemForm,
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

# Who prepares sessions: edits checklists, defaults and invitee lists.
PREPARERS = (Role.OFFICE, Role.ADMIN)
# Who may see a session's preparation at all (an officer only their agency's part).
VIEWERS = (*READERS, Role.OFFICER)
DASHBOARD_ITEMS = 20
STALE_MESSAGE = ("Công việc này vừa được người khác thay đổi. Dưới đây là nội dung hiện tại; "
                 "hãy xem lại rồi lưu lại nếu vẫn cần sửa.")


# --------------------------------------------------------------------------- helpers


def _can_prepare() -> bool:
    return current_user.role in PREPARERS


def _officer_agency() -> int | None:
    """The officer's agency id (their scope); None for everyone else."""
    if current_user.role == Role.OFFICER:
        return current_user.agency_id or -1  # an officer without agency sees nothing
    return None


def _meeting(session_id: int) -> DialogueSession:
    found = db.session.get(DialogueSession, session_id)
    if found is None:
        abort(404)
    return found


def _is_open(meeting: DialogueSession) -> bool:
    """A session is prepared until it is closed or cancelled."""
    return not meeting.is_locked and meeting.status != SessionStatus.CANCELLED


def _require_open(meeting: DialogueSession) -> None:
    if not _is_open(meeting):
        abort(409)


def _answer(template: str, block: str, page_url: str, context: dict, *, status: int = 200):
    """The re-rendered component for htmx; after a good plain post, back to the page (PRG)."""
    if status == 200 and request.method == "POST" and not is_fragment_request():
        return redirect_to(page_url)
    return render(template, block, status=status, **context)


# --------------------------------------------------------------------------- dashboard


@bp.get("/")
@roles_required(*VIEWERS)
def dashboard():
    """"Việc chuẩn bị": the next 60 days' sessions with progress and the oldest overdue steps.

    An agency officer is sent to their own list.
    """
    if current_user.role == Role.OFFICER:
        return redirect_to(url_for("preparation.my_items"))
    today = local_today()
    return render(
        "preparation/dashboard.html", "dashboard",
        today=today,
        sessions=services.upcoming_sessions(today, 60),
        overdue=services.overdue_items(today, DASHBOARD_ITEMS),
    )


def _my_context(message: str | None = None, errors: dict | None = None) -> dict:
    agency_id = _officer_agency()
    today = local_today()
    invitations = list(db.session.scalars(
        select(Invitee)
        .join(Invitee.session)
        .options(joinedload(Invitee.session))
        .where(Invitee.agency_id == agency_id,
               DialogueSession.status.in_(services.ACTIVE_STATUSES))
        .order_by(DialogueSession.starts_at, Invitee.id)
    ))
    reply_forms = errors or {}
    return dict(
        today=today,
        items=services.open_items_for_agency(agency_id),
        invitations=invitations,
        reply_forms={inv.id: reply_forms.get(inv.id) or _reply_form(inv, view="my")
                     for inv in invitations},
        message=message,
    )


@bp.get("/my")
@roles_required(Role.OFFICER)
def my_items():
    """An agency officer's open steps across sessions and their agency's invitations."""
    return render("preparation/my.html", "my", **_my_context())


# --------------------------------------------------------------------------- default steps


def _kind_arg(raw: str | None) -> SessionKind:
    if raw in SessionKind._value2member_map_:
        return SessionKind(raw)
    return SessionKind.CITIZEN_RECEPTION


def _templates_context(kind: SessionKind, *, new_form=None, row_forms=None,
                       message: str | None = None) -> dict:
    items = services.templates_of(kind)
    row_forms = row_forms or {}
    forms = {}
    for item in items:
        forms[item.id] = row_forms.get(item.id) or TemplateItemForm(
            formdata=None, prefix=f"t{item.id}", title=item.title, days_before=item.days_before,
            owner="agency" if item.owned_by_agency else "office")
    return dict(kind=kind, kinds=enum_choices(SessionKind), items=items, forms=forms,
                new_form=new_form or TemplateItemForm(formdata=None, prefix="new", owner="office",
                                                      days_before=5),
                action_form=EmptyForm(formdata=None), message=message)


def _templates_answer(kind: SessionKind, *, status: int = 200, **kw):
    return _answer("preparation/templates.html", "templates",
                   url_for("preparation.templates", kind=kind.value),
                   _templates_context(kind, **kw), status=status)


@bp.get("/templates")
@roles_required(*PREPARERS)
def templates():
    """The default steps of each kind of session; htmx swaps the `templates` block per kind."""
    if services.ensure_default_templates():
        db.session.commit()
    return render("preparation/templates.html", "templates",
                  **_templates_context(_kind_arg(request.args.get("kind"))))


def _fill_template(item: ChecklistTemplateItem, form: TemplateItemForm) -> None:
    item.title = form.title.data.strip()
    item.days_before = form.days_before.data
    item.owned_by_agency = form.owner.data == "agency"


@bp.post("/templates")
@roles_required(*PREPARERS)
def add_template():
    """Add a default step at the end of a kind's steps."""
    kind = _kind_arg(request.args.get("kind"))
    form = TemplateItemForm(prefix="new")
    if not form.validate_on_submit():
        return _templates_answer(kind, status=422, new_form=form)
    last = db.session.scalar(select(func.max(ChecklistTemplateItem.position))
                             .where(ChecklistTemplateItem.kind == kind)) or 0
    item = ChecklistTemplateItem(kind=kind, position=last + 1)
    _fill_template(item, form)
    db.session.add(item)
    db.session.commit()
    return _templates_answer(kind, message=_("Đã thêm bước chuẩn bị."))


def _template(item_id: int) -> ChecklistTemplateItem:
    item = db.session.get(ChecklistTemplateItem, item_id)
    if item is None:
        abort(404)
    return item


@bp.post("/templates/<int:item_id>")
@roles_required(*PREPARERS)
def save_template(item_id: int):
    """Rename a default step, change its days or its owner."""
    item = _template(item_id)
    form = TemplateItemForm(prefix=f"t{item.id}")
    if not form.validate_on_submit():
        return _templates_answer(item.kind, status=422, row_forms={item.id: form})
    _fill_template(item, form)
    db.session.commit()
    return _templates_answer(item.kind, message=_("Đã lưu bước chuẩn bị."))


@bp.post("/templates/<int:item_id>/up")
@roles_required(*PREPARERS)
def move_template_up(item_id: int):
    """Move a default step one place up."""
    return _move(item_id, -1)


@bp.post("/templates/<int:item_id>/down")
@roles_required(*PREPARERS)
def move_template_down(item_id: int):
    """Move a default step one place down."""
    return _move(item_id, 1)


def _move(item_id: int, step: int):
    item = _template(item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.move_template(item, step)
    db.session.commit()
    return _templates_answer(item.kind)


@bp.post("/templates/<int:item_id>/delete")
@roles_required(*PREPARERS)
def delete_template(item_id: int):
    """Remove a default step (sessions' existing checklists keep theirs)."""
    item = _template(item_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    kind = item.kind
    db.session.delete(item)
    db.session.flush()
    services.renumber(services.templates_of(kind))
    db.session.commit()
    return _templates_answer(kind, message=_("Đã xóa bước chuẩn bị."))


# --------------------------------------------------------------------------- the checklist


def _items_of(meeting: DialogueSession) -> list[ChecklistItem]:
    """The session's steps the user may see, in order, with owner and ticker (one query)."""
    query = (
        select(ChecklistItem)
        .options(joinedload(ChecklistItem.owner_agency), joinedload(ChecklistItem.done_by))
        .where(ChecklistItem.session_id == meeting.id)
        .order_by(ChecklistItem.position, ChecklistItem.id)
    )
    agency_id = _officer_agency()
    if agency_id is not None:
        query = query.where(ChecklistItem.owner_agency_id == agency_id)
    return list(db.session.scalars(query))


def _edit_form_for(item: ChecklistItem, meeting_day, agencies):
    """A form holding the item's current values: the Office's, or an officer's note."""
    if _can_prepare():
        return ItemForm(formdata=None, prefix="edit", meeting_day=meeting_day, agencies=agencies,
                        title=item.title, owner_agency_id=item.owner_agency_id or OFFICE_OWNER,
                        due_date=item.due_date, note=item.note, version=item.version)
    return ItemNoteForm(formdata=None, prefix="edit", note=item.note, version=item.version)


def _checklist_context(meeting: DialogueSession, *, edit_id: int | None = None, edit_form=None,
                       new_form=None, message: str | None = None,
                       error: str | None = None) -> dict:
    items = _items_of(meeting)
    today = local_today()
    day = services.meeting_day(meeting)
    can_prepare = _can_prepare()
    # An officer sees only their agency's steps, and may tick them and note on them.
    can_tick = can_prepare or current_user.role == Role.OFFICER
    is_open = _is_open(meeting)
    agencies = agency_choices() if can_prepare and is_open else []
    if edit_id is not None and edit_form is None:
        editing = next((item for item in items if item.id == edit_id), None)
        if editing is None or not is_open or not can_tick:
            edit_id = None
        else:
            edit_form = _edit_form_for(editing, day, agencies)
    active = meeting.status in services.ACTIVE_STATUSES
    done = sum(1 for item in items if item.is_done)
    return dict(
        item=meeting,
        items=items,
        done=done,
        total=len(items),
        overdue_ids={item.id for item in items if active and item.is_overdue(today)},
        can_prepare=can_prepare,
        can_tick=can_tick,
        is_open=is_open,
        edit_id=edit_id,
        edit_form=edit_form,
        new_form=new_form or (NewItemForm(formdata=None, prefix="new", meeting_day=day,
                                          agencies=agencies, owner_agency_id=OFFICE_OWNER)
                              if can_prepare else None),
        action_form=EmptyForm(formdata=None),
        message=message,
        error=error,
        today=today,
    )


def _checklist_answer(meeting: DialogueSession, *, status: int = 200, **kw):
    return _answer("preparation/session.html", "checklist",
                   url_for("preparation.session_checklist", session_id=meeting.id),
                   _checklist_context(meeting, **kw), status=status)


def _officer_may_see(meeting: DialogueSession) -> bool:
    """An officer sees a session's preparation only if a step or an invitation is theirs."""
    agency_id = _officer_agency()
    if agency_id is None:
        return True
    step = db.session.scalar(select(ChecklistItem.id).where(
        ChecklistItem.session_id == meeting.id, ChecklistItem.owner_agency_id == agency_id
    ).limit(1))
    if step is not None:
        return True
    invited = db.session.scalar(select(Invitee.id).where(
        Invitee.session_id == meeting.id, Invitee.agency_id == agency_id).limit(1))
    return invited is not None


@bp.get("/sessions/<int:session_id>")
@roles_required(*VIEWERS)
def session_checklist(session_id: int):
    """A session's checklist with its progress; `?edit=<item id>` opens one step for editing."""
    meeting = _meeting(session_id)
    if not _officer_may_see(meeting):
        abort(404)
    edit = request.args.get("edit", "")
    return render("preparation/session.html", "checklist",
                  **_checklist_context(meeting, edit_id=int(edit) if edit.isdigit() else None))


@bp.post("/sessions/<int:session_id>/checklist")
@roles_required(*PREPARERS)
def create_checklist(session_id: int):
    """Create the session's checklist from its kind's default steps (once)."""
    meeting = _meeting(session_id)
    _require_open(meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.build_checklist(meeting)
    except services.ChecklistExists:
        db.session.rollback()
        return _checklist_answer(meeting, status=409,
                                 error=_("Buổi đối thoại này đã có danh mục công việc."))
    db.session.commit()
    return _checklist_answer(meeting, message=_("Đã tạo danh mục công việc chuẩn bị."))


def _fill_item(item: ChecklistItem, form: NewItemForm) -> None:
    item.title = form.title.data.strip()
    item.owner_agency_id = form.owner_agency_id.data or None
    item.due_date = form.due_date.data
    item.note = (form.note.data or "").strip()


@bp.post("/sessions/<int:session_id>/items")
@roles_required(*PREPARERS)
def add_item(session_id: int):
    """Add a step to the session's checklist."""
    meeting = _meeting(session_id)
    _require_open(meeting)
    form = NewItemForm(prefix="new", meeting_day=services.meeting_day(meeting),
                       agencies=agency_choices())
    if not form.validate_on_submit():
        return _checklist_answer(meeting, status=422, new_form=form)
    last = db.session.scalar(select(func.max(ChecklistItem.position))
                             .where(ChecklistItem.session_id == meeting.id)) or 0
    item = ChecklistItem(session_id=meeting.id, position=last + 1)
    _fill_item(item, form)
    db.session.add(item)
    services.mark_customized(meeting)
    db.session.commit()
    return _checklist_answer(meeting, message=_("Đã thêm công việc."))


def _item(item_id: int) -> ChecklistItem:
    """The step if the user may see it: an officer only their agency's (404 otherwise)."""
    item = db.session.get(ChecklistItem, item_id)
    agency_id = _officer_agency()
    if item is None or (agency_id is not None and item.owner_agency_id != agency_id):
        abort(404)
    return item


@bp.post("/items/<int:item_id>")
@roles_required(*PREPARERS, Role.OFFICER)
def save_item(item_id: int):
    """Save an edited step; an officer may change only the note of their agency's step.

    A stale edit (someone saved the step meanwhile) answers 409 with the current values.
    """
    item = _item(item_id)
    meeting = item.session
    _require_open(meeting)
    day = services.meeting_day(meeting)
    if _can_prepare():
        form = ItemForm(prefix="edit", meeting_day=day, agencies=agency_choices())
    else:
        form = ItemNoteForm(prefix="edit")
    if not form.validate_on_submit():
        return _checklist_answer(meeting, status=422, edit_id=item.id, edit_form=form)
    if form.version_number != item.version:
        return _stale(meeting, item.id)
    if isinstance(form, ItemForm):
        _fill_item(item, form)
    else:
        item.note = (form.note.data or "").strip()
    services.mark_customized(meeting)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _stale(meeting, item_id)
    return _checklist_answer(meeting, message=_("Đã lưu công việc."))


def _stale(meeting: DialogueSession, item_id: int | None):
    """409 with the step's current values (opened for editing again when `item_id` is given)."""
    db.session.expire_all()
    return _checklist_answer(meeting, status=409, edit_id=item_id, error=_(STALE_MESSAGE))


@bp.post("/items/<int:item_id>/done")
@roles_required(*PREPARERS, Role.OFFICER)
def tick_item(item_id: int):
    """Tick (done=1) or untick (done=0) a step, recording who ticked it and when."""
    item = _item(item_id)
    meeting = item.session
    _require_open(meeting)
    form = DoneForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_done(item, form.done.data == "1", current_user.id, utcnow())
    services.mark_customized(meeting)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        return _stale(meeting, None)
    message = _("Đã đánh dấu hoàn thành.") if item.is_done else _("Đã bỏ đánh dấu hoàn thành.")
    if form.view.data == "my" and current_user.role == Role.OFFICER:
        return _answer("preparation/my.html", "my", url_for("preparation.my_items"),
                       _my_context(message=message))
    return _checklist_answer(meeting, message=message)


@bp.post("/items/<int:item_id>/delete")
@roles_required(*PREPARERS)
def delete_item(item_id: int):
    """Remove a step from the session's checklist."""
    item = _item(item_id)
    meeting = item.session
    _require_open(meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(item)
    services.mark_customized(meeting)
    db.session.commit()
    return _checklist_answer(meeting, message=_("Đã xóa công việc."))


# --------------------------------------------------------------------------- invitations


def _reply_form(invitee: Invitee, *, posted: bool = False, view: str = "") -> ReplyForm:
    """The reply form of one invitee (prefixed by its id), posted or holding the reply."""
    if posted:
        return ReplyForm(prefix=f"r{invitee.id}")
    return ReplyForm(formdata=None, prefix=f"r{invitee.id}", reply=invitee.reply.value,
                     delegate_name=invitee.delegate_name, view=view)


def _invitees_of(meeting: DialogueSession) -> list[Invitee]:
    """The session's invitees the user may see: agencies first, then by kind; one query."""
    query = select(Invitee).where(Invitee.session_id == meeting.id).order_by(Invitee.id)
    agency_id = _officer_agency()
    if agency_id is not None:
        query = query.where(Invitee.agency_id == agency_id)
    order = list(InviteeKind)
    return sorted(db.session.scalars(query), key=lambda inv: order.index(inv.kind))


def _invitations_context(meeting: DialogueSession, *, agencies_form=None, person_form=None,
                         reply_forms: dict | None = None, show_contacts: bool = False,
                         message: str | None = None) -> dict:
    invitees = _invitees_of(meeting)
    can_prepare = _can_prepare()
    is_open = _is_open(meeting)
    if agencies_form is None and can_prepare:
        invited = {inv.agency_id for inv in invitees if inv.agency_id}
        agencies_form = AddAgenciesForm(
            formdata=None, prefix="ag",
            agencies=[c for c in agency_choices() if c.value not in invited])
    reply_forms = reply_forms or {}
    return dict(
        item=meeting,
        invitees=invitees,
        counts=services.reply_counts(invitees),
        can_prepare=can_prepare,
        can_see_contacts=current_user.role == Role.OFFICE,
        has_contacts=any(inv.contact for inv in invitees),
        show_contacts=show_contacts,
        is_open=is_open,
        agencies_form=agencies_form,
        person_form=person_form or (AddPersonForm(formdata=None, prefix="person")
                                    if can_prepare else None),
        reply_forms={inv.id: reply_forms.get(inv.id) or _reply_form(inv) for inv in invitees},
        action_form=EmptyForm(formdata=None),
        message=message,
        Reply=Reply,
        InviteeKind=InviteeKind,
    )


def _invitations_answer(meeting: DialogueSession, *, status: int = 200, **kw):
    return _answer("preparation/invitations.html", "invitations",
                   url_for("preparation.invitations", session_id=meeting.id),
                   _invitations_context(meeting, **kw), status=status)


@bp.get("/sessions/<int:session_id>/invitations")
@roles_required(*VIEWERS)
def invitations(session_id: int):
    """The invitee list with replies; `?contacts=1` shows contacts to the Office (logged)."""
    meeting = _meeting(session_id)
    agency_id = _officer_agency()
    if agency_id is not None and not _officer_may_see(meeting):
        abort(404)
    show = request.args.get("contacts") == "1" and current_user.role == Role.OFFICE
    context = _invitations_context(meeting, show_contacts=show)
    response = render("preparation/invitations.html", "invitations", **context)
    if show and context["has_contacts"]:
        # Logged once the page is built: committing first would expire the rows it shows.
        record("read_personal_data", "Invitee", meeting.id,
               {"field": "contact", "invitees": [inv.id for inv in context["invitees"]
                                                 if inv.contact]})
        db.session.commit()
    return response


@bp.post("/sessions/<int:session_id>/invitations/agencies")
@roles_required(*PREPARERS)
def invite_agencies(session_id: int):
    """Invite one or several agencies (those already invited are skipped)."""
    meeting = _meeting(session_id)
    _require_open(meeting)
    form = AddAgenciesForm(prefix="ag", agencies=agency_choices())
    if not form.validate_on_submit():
        return _invitations_answer(meeting, status=422, agencies_form=form)
    added = services.invite_agencies(meeting, form.agency_ids.data)
    db.session.commit()
    return _invitations_answer(meeting, message=_("Đã mời %(n)s cơ quan.", n=len(added)))


@bp.post("/sessions/<int:session_id>/invitations/people")
@roles_required(*PREPARERS)
def invite_person(session_id: int):
    """Invite a delegate or a representative of citizens, businesses or cooperatives."""
    meeting = _meeting(session_id)
    _require_open(meeting)
    form = AddPersonForm(prefix="person")
    if not form.validate_on_submit():
        return _invitations_answer(meeting, status=422, person_form=form)
    db.session.add(Invitee(
        session_id=meeting.id, kind=InviteeKind(form.kind.data), name=form.name.data.strip(),
        position=(form.position.data or "").strip(),
        organisation=(form.organisation.data or "").strip(),
        # Contacts are personal data: only the Office enters (and sees) them.
        contact=(form.contact.data or "").strip() if current_user.role == Role.OFFICE else "",
        reply=Reply.PENDING,
    ))
    services.mark_customized(meeting)
    db.session.commit()
    return _invitations_answer(meeting, message=_("Đã thêm người được mời."))


def _invitee(invitee_id: int) -> Invitee:
    """The invitee if the user may see it: an officer only their agency's (404 otherwise)."""
    invitee = db.session.get(Invitee, invitee_id)
    agency_id = _officer_agency()
    if invitee is None or (agency_id is not None and invitee.agency_id != agency_id):
        abort(404)
    return invitee


@bp.post("/invitees/<int:invitee_id>/reply")
@roles_required(*PREPARERS, Role.OFFICER)
def reply(invitee_id: int):
    """Record an attendance reply; an officer only for their own agency."""
    invitee = _invitee(invitee_id)
    meeting = invitee.session
    _require_open(meeting)
    form = _reply_form(invitee, posted=True)
    from_my = form.view.data == "my" and current_user.role == Role.OFFICER
    if not form.validate_on_submit():
        if from_my:
            return render("preparation/my.html", "my", status=422,
                          **_my_context(errors={invitee.id: form}))
        return _invitations_answer(meeting, status=422, reply_forms={invitee.id: form})
    services.set_reply(invitee, Reply(form.reply.data), form.delegate_name.data or "", utcnow())
    db.session.commit()
    message = _("Đã ghi nhận phản hồi của %(name)s.", name=invitee.name)
    if from_my:
        return _answer("preparation/my.html", "my", url_for("preparation.my_items"),
                       _my_context(message=message))
    return _invitations_answer(meeting, message=message)


@bp.post("/invitees/<int:invitee_id>/delete")
@roles_required(*PREPARERS)
def remove_invitee(invitee_id: int):
    """Take an invitee off the list."""
    invitee = _invitee(invitee_id)
    meeting = invitee.session
    _require_open(meeting)
    if not EmptyForm().validate_on_submit():
        abort(400)
    db.session.delete(invitee)
    services.mark_customized(meeting)
    db.session.commit()
    return _invitations_answer(meeting, message=_("Đã xóa khỏi danh sách mời."))


def _pdf_response(pdf: bytes, filename: str):
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/invitees/<int:invitee_id>/giay-moi.pdf")
@roles_required(*VIEWERS)
def invitation_pdf(invitee_id: int):
    """One invitee's invitation (giấy mời) as an A4 PDF; an officer only their agency's."""
    invitee = _invitee(invitee_id)
    pdf = invitations_pdf(invitee.session, [invitee], current_app.config)
    record("export", "Invitee", invitee.id, {"document": "giay-moi"})
    db.session.commit()
    return _pdf_response(pdf, f"giay-moi-{invitee.session_id}-{invitee.id}.pdf")


@bp.get("/sessions/<int:session_id>/giay-moi.pdf")
@roles_required(*READERS)
def invitations_batch_pdf(session_id: int):
    """Every invitee's invitation in one PDF, each starting on a new page."""
    meeting = _meeting(session_id)
    invitees = _invitees_of(meeting)
    if not invitees:
        abort(404)
    pdf = invitations_pdf(meeting, invitees, current_app.config)
    record("export", "Invitee", meeting.id,
           {"document": "giay-moi", "invitees": [inv.id for inv in invitees]})
    db.session.commit()
    return _pdf_response(pdf, f"giay-moi-{meeting.id}.pdf")
