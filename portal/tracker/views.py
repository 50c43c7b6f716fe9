"""The follow-up tracker (theo dõi, đôn đốc): agencies answer, the office reviews and urges.

Who may do what (portal.tracker.lifecycle.ACTIONS is the table):
* an agency officer sees their agency's queue (open, due soon, late, all) and the items
  their agency coordinates on ("Phối hợp"); answers with attachments, asks for an
  extension or for a coordinating agency's input; gives their agency's input when asked;
* the office sees everything, filters, urges (đôn đốc), accepts or returns answers,
  decides extensions and records the beyond-authority steps;
* the chair, administrators and observers read.
Another agency's item, or its file, does not exist for an officer (404).
"""
from __future__ import annotations

import io
import os
import smtplib
from functools import wraps

from flask import Blueprint, abort, current_app, flash, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import case
from sqlalchemy.orm.exc import StaleDataError

from portal.access import roles_required
from portal.admin.models import Agency
from portal.audit import trail
from portal.auth.models import Role
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to, render
from portal.petitions import privacy
from portal.timefmt import format_date, local_today
from portal.tracker import deadlines, lifecycle, reminders, services, uploads
from portal.tracker.forms import (
    max_attachment_bytes,
    AnswerForm,
    BeyondAuthorityForm,
    ConfirmForm,
    ExtensionDecisionForm,
    ExtensionRequestForm,
    InputForm,
    InputRequestForm,
    RemindForm,
    ReportUpwardForm,
    ReturnForm,
    UpperAnswerForm,
)
from portal.tracker.labels import LATENESS_LABELS, TAB_LABELS, status_label
from portal.tracker.mail import MailSettings, send_all
from portal.tracker.models import Assignment, AssignmentStatus, Attachment, Notification
from portal.tracker.services import Filters, Today

bp = Blueprint("tracker", __name__, url_prefix="/tracker")

PAGE_SIZE = 50
OFFICE = (Role.OFFICE,)
OFFICER = (Role.OFFICER,)


@bp.context_processor
def _helpers():
    return {"status_label": status_label, "step_label": lifecycle.step_label,
            "LATENESS_LABELS": LATENESS_LABELS, "TAB_LABELS": TAB_LABELS}


@bp.app_context_processor
def _bell():
    """`unread_notifications()` for the header's bell on every page (one query when called)."""

    def unread_notifications() -> int:
        return services.unread_count(current_user) if current_user.is_authenticated else 0

    return {"unread_notifications": unread_notifications}


def _today() -> Today:
    return Today.of(local_today(), int(current_app.config.get(
        "DUE_SOON_DAYS", deadlines.DUE_SOON_WORKING_DAYS)))


def _upload_folder() -> str:
    return current_app.config.get("UPLOAD_FOLDER") or os.path.join(current_app.instance_path,
                                                                   "uploads")


# --------------------------------------------------------------------------- the list

def _int(args, name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def _filters(args) -> Filters:
    """The list's filters from query-string (or posted) arguments; unknown values are ignored."""
    raw_status = args.get("status", "")
    status = AssignmentStatus(raw_status) if raw_status in AssignmentStatus._value2member_map_ \
        else None
    lateness = args.get("lateness", "")
    filters = Filters(session_id=_int(args, "session"), agency_id=_int(args, "agency"),
                      field_id=_int(args, "field"), status=status,
                      lateness=lateness if lateness in services.LATENESS else "")
    if current_user.role == Role.OFFICER:
        tab = args.get("tab", "")
        filters.tab = tab if tab in services.TABS else (
            "all" if status or filters.lateness else "open")
        filters.agency_id = None
    return filters


def _list(filters: Filters, *, status: int = 200, remind_form: RemindForm | None = None,
          message: str | None = None, message_kind: str = "success"):
    today = _today()
    page = db.paginate(services.filtered(current_user, filters, today), per_page=PAGE_SIZE,
                       error_out=False, count=False)
    page.total = services.count(current_user, filters, today)
    office = current_user.role == Role.OFFICE
    return render(
        "tracker/index.html", "list", status=status, page=page, filters=filters,
        status_filter=filters.status, statuses=list(AssignmentStatus), today=today,
        counts=services.queue_counts(current_user, today),
        due_count=services.count_due(current_user, filters, today) if office else 0,
        choices=services.filter_choices() if current_user.role != Role.OFFICER else None,
        remind_form=remind_form or (RemindForm(formdata=None) if office else None),
        message=message, message_kind=message_kind, officer=current_user.role == Role.OFFICER,
        awaited=services.awaited_inputs(current_user, [a.id for a in page.items])
        if filters.tab == "coordination" else set(),
    )


@bp.get("/")
@login_required
def index():
    """The assignments the user may see: an officer's queue by tab (open by default), or
    everything for the office with filters by session, agency, field, status and lateness,
    combinable. htmx swaps the `list` block (the URL is pushed)."""
    return _list(_filters(request.args))


@bp.post("/remind")
@roles_required(*OFFICE)
def remind():
    """Bulk reminders (đôn đốc) to the ticked items, or to every late or due-soon item under
    the posted filters: a notification per agency, an e-mail per agency when SMTP is set.
    Answers the `list` block (htmx) or redirects back to the list; 422 when nothing chosen."""
    filters = _filters(request.form)
    form = RemindForm()
    if not form.validate_on_submit():
        return _list(filters, status=422, remind_form=form)
    today = _today()
    query = services.filtered(current_user, Filters(tab="all"), today)
    if form.scope.data == "selected":
        query = query.where(Assignment.id.in_(form.ids.data[:reminders.BATCH_LIMIT]))
    else:
        query = (services.filtered(current_user, filters, today)
                 .where(services.lateness_clause("late_or_due_soon", today)).order_by(None)
                 .order_by(case((Assignment.last_reminded_at.is_(None), 0), else_=1),
                           Assignment.last_reminded_at, Assignment.deadline, Assignment.id)
                 .limit(reminders.BATCH_LIMIT))
    items = list(db.session.scalars(query).unique())
    note = (form.note.data or "").strip()
    outcome = reminders.remind(items, current_user, note=note, lateness=today.lateness,
                               link=lambda agency: url_for("tracker.index", tab="open"))
    settings = MailSettings.from_config(current_app.config)
    messages = reminders.mail_messages(
        outcome, settings,
        item_link=lambda a: url_for("tracker.detail", assignment_id=a.id, _external=True),
        deadline_text=lambda a: format_date(a.deadline), note=note) if settings else []
    db.session.commit()
    text = _("Đã đôn đốc %(n)s nhiệm vụ của %(m)s cơ quan.", n=outcome.items,
             m=len(outcome.agencies))
    kind = "success"
    if outcome.skipped:
        text += " " + _("%(n)s mục không còn phải trả lời nên không đôn đốc.", n=outcome.skipped)
    if len(items) == reminders.BATCH_LIMIT:
        text += " " + _("Mỗi lần đôn đốc tối đa %(n)s nhiệm vụ (những nhiệm vụ lâu chưa được "
                        "đôn đốc trước); hãy bấm lại để đôn đốc các nhiệm vụ còn lại.",
                        n=reminders.BATCH_LIMIT)
    if messages:
        try:
            sent = send_all(settings, messages)
            text += " " + _("Đã gửi %(n)s thư điện tử.", n=sent)
        except (OSError, smtplib.SMTPException) as err:
            current_app.logger.warning("reminder mail failed: %s", err)
            text += " " + _("Không gửi được thư điện tử (máy chủ thư không phản hồi); thông "
                            "báo trong hệ thống vẫn đã được gửi.")
            kind = "warning"
    if not is_fragment_request():
        flash(text, kind)
        return redirect_to(url_for("tracker.index", **filters.args()))
    return _list(filters, message=text, message_kind=kind)


# --------------------------------------------------------------------------- one assignment

def _visible(assignment_id: int) -> Assignment:
    """The assignment if the user may see it; 404 otherwise (another agency's items do not
    exist)."""
    item = db.session.scalar(
        services.visible_assignments(current_user).where(Assignment.id == assignment_id))
    if item is None:
        abort(404)
    return item


def item_action(*roles: Role):
    """An action on one assignment: 404 when the user may not see it (whatever their role:
    another agency's item does not exist for an officer), then 403 without one of `roles`.
    The view receives the assignment."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(assignment_id: int):
            item = _visible(assignment_id)
            if current_user.role not in roles:
                abort(403)
            return view(item)

        return wrapped

    return decorator


# The forms of the assignment page by action, with the prefix that keeps their field ids
# apart (several have a "text" or a "note").
FORMS = {
    "start": (ConfirmForm, "start"), "accept": (ConfirmForm, "accept"),
    "answer": (AnswerForm, ""), "return": (ReturnForm, ""),
    "request_extension": (ExtensionRequestForm, "ext"),
    "decide_extension": (ExtensionDecisionForm, "decision"),
    "request_input": (InputRequestForm, "ask"), "give_input": (InputForm, "input"),
    "mark_beyond_authority": (BeyondAuthorityForm, "beyond"),
    "report_upward": (ReportUpwardForm, "upper"),
    "record_upper_answer": (UpperAnswerForm, "upper-answer"),
}


def _form(key: str, **kwargs):
    cls, prefix = FORMS[key]
    return cls(prefix=prefix, **kwargs)


def _detail(item: Assignment, *, status: int = 200, forms: dict | None = None,
            error: str | None = None):
    known = lifecycle.facts(item)
    allowed = lifecycle.allowed_actions(current_user, item, known)
    given = dict(forms or {})
    built = {key: given.get(key) or _form(key, formdata=None) for key in FORMS
             if key not in ("answer", "request_input")}
    built["answer"] = given.get("answer") or _form("answer", formdata=None, answer=item.answer)
    built["request_input"] = given.get("request_input") or _form(
        "request_input", formdata=None,
        agencies=services.coordinator_agency_choices(item) if "request_input" in allowed else ())
    today = _today()
    return render(
        "tracker/detail.html", "assignment", status=status, item=item, known=known,
        allowed=allowed, forms=built, error=error, record=services.record_of(item),
        viewer=privacy.Viewer(current_user), lateness=today.lateness(item),
        upper_bodies=services.upper_bodies() if "report_upward" in allowed else [],
        max_mb=uploads._megabytes(max_attachment_bytes()),
    )


@bp.get("/<int:assignment_id>")
@login_required
def detail(assignment_id: int):
    """One assignment: the petition, the deadline in effect, the actions the user may take,
    the timeline with attachments, extensions and coordinators' input; 404 outside scope.
    Opening it marks read the user's notifications that point here."""
    item = _visible(assignment_id)
    if services.mark_read_for(current_user, url_for("tracker.detail", assignment_id=item.id)):
        db.session.commit()
    return _detail(item)


def _notify(item: Assignment, step, requested_agency: Agency | None = None) -> None:
    """Tell whoever must act next (or learn) what just happened, in Vietnamese."""
    with force_locale("vi"):
        content = " ".join(item.petition.content.split())
        content = content if len(content) <= 80 else content[:77] + "..."
        text = f"{lifecycle.step_label(step.action)}: «{content}»"
        if step.text:
            text += f" — {step.text[:300]}"
    link = url_for("tracker.detail", assignment_id=item.id)
    if step.action in ("answer", "request_extension"):
        services.notify_office(f"{item.agency.short_name}: {text}", link)
    elif step.action == "request_input" and requested_agency is not None:
        services.notify_agency(requested_agency.id, f"{item.agency.short_name}: {text}", link)
    elif step.action != "start":
        services.notify_agency(item.agency_id, text, link)


def _run(item: Assignment, action: str, form, form_key: str, text: str = "", *,
         files: list[uploads.CheckedFile] | None = None, **data):
    """Take the action; on success commit and go back to the page (PRG / HX-Redirect).
    A refusal re-renders the page block: 422 with the message at its field, 403 or 409
    with the reason. Files are written only once everything else is valid, and removed
    again if the transaction fails: nothing is ever half-saved."""
    folder, stored = _upload_folder(), []
    try:
        step = lifecycle.apply(item, action, current_user, text, **data)
        db.session.flush()
        for checked in files or []:
            name = uploads.store(checked, folder)
            stored.append(name)
            db.session.add(Attachment(
                assignment_id=item.id, step_id=step.id, filename=checked.filename,
                stored_name=name, content_type=checked.content_type, size=checked.size,
                sha256=checked.sha256, uploaded_by_id=current_user.id))
        _notify(item, step, data.get("agency"))
        db.session.commit()
    except lifecycle.TransitionError as err:
        db.session.rollback()
        uploads.remove(folder, stored)
        target = getattr(form, err.field, None) if err.field else None
        if target is not None:
            target.errors = list(target.errors) + [err.message]
            return _detail(item, status=422, forms={form_key: form})
        return _detail(item, status=err.status, forms={form_key: form}, error=str(err.message))
    except StaleDataError:
        db.session.rollback()
        uploads.remove(folder, stored)
        return _detail(item, status=409, forms={form_key: form}, error=_(
            "Nhiệm vụ vừa được người khác cập nhật. Trang đã được tải lại với trạng thái mới; "
            "nội dung bạn nhập vẫn còn trong ô."))
    except BaseException:
        db.session.rollback()
        uploads.remove(folder, stored)
        raise
    flash(_("Đã cập nhật."), "success")
    return redirect_to(url_for("tracker.detail", assignment_id=item.id))


def _invalid(item: Assignment, form, form_key: str):
    return _detail(item, status=422, forms={form_key: form})


@bp.post("/<int:assignment_id>/start")
@item_action(*OFFICER)
def start(item: Assignment):
    """The lead agency starts work on the item (assigned or returned → in progress)."""
    form = _form("start")
    if not form.validate_on_submit():
        abort(400)
    return _run(item, "start", form, "start")


@bp.post("/<int:assignment_id>/answer")
@item_action(*OFFICER)
def answer(item: Assignment):
    """The lead agency answers, with up to five attachments; a bad field or file answers 422
    and saves neither the answer nor any file."""
    form = _form("answer")
    if not form.validate_on_submit():
        return _invalid(item, form, "answer")
    return _run(item, "answer", form, "answer", form.answer.data, files=form.checked)


@bp.post("/<int:assignment_id>/accept")
@item_action(*OFFICE)
def accept(item: Assignment):
    """The office accepts the answer: the assignment is done."""
    form = _form("accept")
    if not form.validate_on_submit():
        abort(400)
    return _run(item, "accept", form, "accept")


@bp.post("/<int:assignment_id>/return")
@item_action(*OFFICE)
def send_back(item: Assignment):
    """The office returns the answer with a reason."""
    form = _form("return")
    if not form.validate_on_submit():
        return _invalid(item, form, "return")
    return _run(item, "return", form, "return", form.reason.data)


@bp.post("/<int:assignment_id>/extension")
@item_action(*OFFICER)
def request_extension(item: Assignment):
    """The lead agency asks for a later deadline, with a reason (the date must be after the
    deadline in effect)."""
    form = _form("request_extension")
    if not form.validate_on_submit():
        return _invalid(item, form, "request_extension")
    return _run(item, "request_extension", form, "request_extension", form.reason.data,
                deadline=form.deadline.data)


@bp.post("/<int:assignment_id>/extension/grant")
@item_action(*OFFICE)
def grant_extension(item: Assignment):
    """The office grants the pending extension: the deadline in effect moves."""
    form = _form("decide_extension")
    if not form.validate_on_submit():
        return _invalid(item, form, "decide_extension")
    return _run(item, "grant_extension", form, "decide_extension", form.note.data)


@bp.post("/<int:assignment_id>/extension/refuse")
@item_action(*OFFICE)
def refuse_extension(item: Assignment):
    """The office refuses the pending extension, with a reason."""
    form = _form("decide_extension")
    if not form.validate_on_submit():
        return _invalid(item, form, "decide_extension")
    return _run(item, "refuse_extension", form, "decide_extension", form.note.data)


@bp.post("/<int:assignment_id>/coordination")
@item_action(*OFFICER)
def request_input(item: Assignment):
    """The lead agency asks a coordinating agency for its input."""
    form = _form("request_input", agencies=services.coordinator_agency_choices(item))
    if not form.validate_on_submit():
        return _invalid(item, form, "request_input")
    agency = db.session.get(Agency, form.agency_id.data)
    return _run(item, "request_input", form, "request_input", form.text.data, agency=agency)


@bp.post("/<int:assignment_id>/coordination/answer")
@item_action(*OFFICER)
def give_input(item: Assignment):
    """A coordinating agency's officer gives the input their agency was asked for."""
    form = _form("give_input")
    if not form.validate_on_submit():
        return _invalid(item, form, "give_input")
    return _run(item, "give_input", form, "give_input", form.text.data)


@bp.post("/<int:assignment_id>/beyond-authority")
@item_action(*OFFICE)
def mark_beyond_authority(item: Assignment):
    """The office finds the petition beyond the province's authority."""
    form = _form("mark_beyond_authority")
    if not form.validate_on_submit():
        return _invalid(item, form, "mark_beyond_authority")
    return _run(item, "mark_beyond_authority", form, "mark_beyond_authority", form.note.data)


@bp.post("/<int:assignment_id>/report-upward")
@item_action(*OFFICE)
def report_upward(item: Assignment):
    """The office records the report to the competent body (which body, the outgoing
    document's number and date)."""
    form = _form("report_upward")
    if not form.validate_on_submit():
        return _invalid(item, form, "report_upward")
    return _run(item, "report_upward", form, "report_upward", form.note.data,
                upper_body=form.upper_body.data, report_number=form.report_number.data,
                report_date=form.report_date.data)


@bp.post("/<int:assignment_id>/upper-answer")
@item_action(*OFFICE)
def record_upper_answer(item: Assignment):
    """The office records the competent body's answer: the item is closed."""
    form = _form("record_upper_answer")
    if not form.validate_on_submit():
        return _invalid(item, form, "record_upper_answer")
    return _run(item, "record_upper_answer", form, "record_upper_answer", form.text.data,
                answered_on=form.answered_on.data)


# --------------------------------------------------------------------------- files

@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int):
    """Download an attachment (always as a download, never rendered by the browser) for
    those who may see its assignment; 404 for anyone else or a missing file."""
    att = services.attachment_for(current_user, attachment_id)
    if att is None:
        abort(404)
    try:
        path = uploads.path_of(_upload_folder(), att.stored_name)
    except FileNotFoundError:
        abort(404)
    try:
        # Files are at most MAX_ATTACHMENT_MB: read whole, so no file handle outlives the
        # request whatever the server (or a test client) does with the response.
        with open(path, "rb") as fh:
            content = fh.read()
    except FileNotFoundError:
        abort(404)
    trail.record("download_attachment", "Attachment", att.id,
                 {"assignment_id": att.assignment_id, "filename": att.filename})
    db.session.commit()
    response = send_file(io.BytesIO(content), mimetype=att.content_type, as_attachment=True,
                         download_name=att.filename, max_age=0, etag=att.sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --------------------------------------------------------------------------- notifications

def _notifications(status: int = 200):
    page = db.paginate(services.notifications_for(current_user), per_page=PAGE_SIZE,
                       error_out=False)
    return render("tracker/notifications.html", "notifications", status=status, page=page,
                  unread=services.unread_count(current_user), form=ConfirmForm(formdata=None))


@bp.get("/notifications")
@login_required
def notifications():
    """The user's and their agency's notifications, newest first (paginated)."""
    return _notifications()


@bp.post("/notifications/read")
@login_required
def read_all():
    """Mark every notification of the user (and their agency) read."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.mark_read(current_user)
    db.session.commit()
    if is_fragment_request():
        return _notifications()
    return redirect_to(url_for("tracker.notifications"))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read_one(notification_id: int):
    """Mark one notification read; 404 if it is not the user's nor their agency's."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    found = db.session.scalar(services.notifications_for(current_user).where(
        Notification.id == notification_id))
    if found is None:
        abort(404)
    services.mark_read(current_user, notification_id)
    db.session.commit()
    if is_fragment_request():
        return _notifications()
    return redirect_to(url_for("tracker.notifications"))
