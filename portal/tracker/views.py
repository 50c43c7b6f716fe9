"""The follow-up tracker (theo dõi, đôn đốc): agencies answer, the office reviews and urges.

Who may do what: `portal.access.POLICY` names the actions ("assignment.agency_act",
"assignment.office_act"; a role outside them gets 403 whatever the item), and
`portal.tracker.lifecycle.ACTIONS` decides per action and state:
* an agency officer sees their agency's queue (open, due soon, late, all) and the items
  their agency coordinates on ("Phối hợp"); answers with attachments, asks for an
  extension or for a coordinating agency's input; gives their agency's input when asked;
* the office sees everything, filters, urges (đôn đốc), accepts or returns answers,
  decides extensions and records the beyond-authority steps;
* the chair, administrators and observers read.
Another agency's item, or its file, does not exist for an officer (404).

Every POST is a `portal.web.change` declaration whose body calls one command
(`portal.tracker.commands`); the forms of the assignment page carry the version the page
showed and a client key, so a move from a stale page is refused (409) and a resubmit is
applied once.
"""
from __future__ import annotations

import io

from flask import Blueprint, abort, current_app, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal import web
from portal.access import may, requires
from portal.audit import trail
from portal.audit.models import ClientKey
from portal.extensions import db
from portal.htmx import render
from portal.petitions import privacy
from portal.timefmt import format_date, local_today
from portal.tracker import commands, deadlines, lifecycle, notify, reminders, services, uploads
from portal.formfields import bounded_int
from portal.paging import Cursor, edge, keyset_page
from portal.tracker.forms import (
    max_attachment_bytes,
    JumpForm,
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
    StepForm,
    UpperAnswerForm,
    VerdictForm,
    ReplyTemplateForm,
)
from portal.tracker.labels import LATENESS_LABELS, TAB_LABELS, status_label
from portal.tracker.mail import MailSettings
from portal.tracker import templates as reply_templates
from portal.tracker.models import ReplyTemplate, Assignment, AssignmentStatus, Notification
from portal.tracker.services import Filters, Today

bp = Blueprint("tracker", __name__, url_prefix="/tracker")

PAGE_SIZE = 50


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


def _agency_queue() -> bool:
    """An agency officer works from their agency's queue (tabs); the others filter."""
    return may(current_user, "assignment.agency_act")


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
    if _agency_queue():
        tab = args.get("tab", "")
        filters.tab = tab if tab in services.TABS else (
            "all" if status or filters.lateness else "open")
        filters.agency_id = None
    return filters


def _page(filters: Filters, today: Today, jump: JumpForm):
    """The page of the list the query string asks for, by keyset (after/before a row's
    deadline and id, or from a deadline day on); an old "?page=N" link still opens page N."""
    args = request.args
    after, before = Cursor.parse(args.get("after")), Cursor.parse(args.get("before"))
    # the page number travels in the links (n); a page reached after a jump has none
    number = bounded_int(args.get("n"), minimum=1, maximum=10**6) or (
        None if after or before else 1)
    legacy = bounded_int(args.get("page"), minimum=1, maximum=10**6)
    since = jump.due_from.data if not jump.errors else None
    offset = 0
    if since is not None:
        number = None  # a jump by date: the page number is not known without counting
    elif legacy and not (after or before):
        number, offset = legacy, (legacy - 1) * PAGE_SIZE
        after = edge(services.keys(current_user, filters, today),
                     (Assignment.deadline, Assignment.id), offset) if offset else None
        offset = offset if offset and after is None else 0  # past the end: an empty page
    return keyset_page(
        services.filtered(current_user, filters, today).order_by(None),
        (Assignment.deadline, Assignment.id), lambda a: (a.deadline, a.id),
        per_page=PAGE_SIZE, after=after, before=before, since=since, offset=offset,
        number=number,
        unique=True)


def _list(filters: Filters, *, status: int = 200, remind_form: RemindForm | None = None,
          message: str | None = None, message_kind: str = "success", error=None):
    today = _today()
    jump = JumpForm(formdata=request.args)
    if not jump.validate() and status == 200:
        status = 422
    page = _page(filters, today, jump)  # a POST (remind) answers the first page
    reminding = may(current_user, "assignment.office_act")
    figures = services.list_counts(current_user, filters, today, reminding=reminding,
                                   staff=not _agency_queue())
    page.total = figures["total"]
    return render(
        "tracker/index.html", "list", status=status, page=page, filters=filters,
        viewer=privacy.Viewer(current_user),
        status_filter=filters.status, statuses=list(AssignmentStatus), today=today, jump=jump,
        counts=figures["counts"], due_count=figures["due"], choices=figures["choices"],
        remind_form=remind_form or (RemindForm(formdata=None) if reminding else None),
        message=message, message_kind=message_kind, error=error,
        awaited=services.awaited_inputs(current_user, [a.id for a in page.items])
        if filters.tab == "coordination" else set(),
    )


@bp.get("/")
@requires("tracker.read")
def index():
    """The assignments the user may see: an officer's queue by tab (open by default), or
    everything for the office with filters by session, agency, field, status and lateness,
    combinable. htmx swaps the `list` block (the URL is pushed)."""
    return _list(_filters(request.args))


def _remind_message(reminded: commands.Reminded | None) -> tuple[str, str]:
    """What the list says after a reminder, and its kind (a mail that failed: a warning)."""
    if reminded is None:  # the same form sent again (its client key): nothing sent twice
        return _("Lần đôn đốc này đã được ghi nhận trước đó; không đôn đốc lại."), "success"
    outcome = reminded.outcome
    text = _("Đã đôn đốc %(n)s nhiệm vụ của %(m)s cơ quan.", n=outcome.items,
             m=len(outcome.agencies))
    if outcome.skipped:
        text += " " + _("%(n)s mục không còn phải trả lời nên không đôn đốc.", n=outcome.skipped)
    if reminded.batch_full:
        text += " " + _("Mỗi lần đôn đốc tối đa %(n)s nhiệm vụ (những nhiệm vụ lâu chưa được "
                        "đôn đốc trước); hãy bấm lại để đôn đốc các nhiệm vụ còn lại.",
                        n=reminders.BATCH_LIMIT)
    if reminded.mailed is not None:
        text += " " + _("Đã gửi %(n)s thư điện tử.", n=reminded.mailed)
    elif reminded.messages:  # the server did not answer, or refused
        text += " " + _("Không gửi được thư điện tử (máy chủ thư không phản hồi); thông "
                        "báo trong hệ thống vẫn đã được gửi.")
        return text, "warning"
    return text, "success"


def _reminded(_nothing, reminded: commands.Reminded | None):
    filters = _filters(request.form)
    text, kind = _remind_message(reminded)
    return web.saved(text, redirect=url_for("tracker.index", **filters.args()), category=kind,
                     fragment=lambda: _list(filters, message=text, message_kind=kind))


@bp.post("/remind")
@web.change(allow="assignment.office_act", form=lambda _nothing: RemindForm(), once=True,
            invalid=lambda _nothing, form, status, error: _list(
                _filters(request.form), status=status, remind_form=form, error=error),
            done=_reminded)
def remind(form):
    """Bulk reminders (đôn đốc) to the ticked items, or to every late or due-soon item under
    the posted filters: a notification per agency, an e-mail per agency when SMTP is set
    (sent once the reminders are saved; the answer says whether it went out).
    Answers the `list` block (htmx) or redirects back to the list; 422 when nothing chosen;
    the same form sent twice reminds once."""
    reminded = commands.remind(
        current_user, _filters(request.form), _today(),
        selected=form.ids.data if form.scope.data == "selected" else None,
        note=form.note.data or "",
        list_link=lambda agency: url_for("tracker.index", tab="open"),
        item_link=lambda a: url_for("tracker.detail", assignment_id=a.id, _external=True),
        deadline_text=lambda a: format_date(a.deadline),
        settings=MailSettings.from_config(current_app.config))
    web.after_commit(reminded.send_mail)
    return reminded


# --------------------------------------------------------------------------- one assignment

def _visible_or_none(assignment_id: int) -> Assignment | None:
    """The assignment if the user may see it (another agency's items do not exist)."""
    return db.session.scalar(
        services.visible_assignments(current_user).where(Assignment.id == assignment_id))


def _visible(assignment_id: int) -> Assignment:
    item = _visible_or_none(assignment_id)
    if item is None:
        abort(404)
    return item


# The forms of the assignment page by action, with the prefix that keeps their field ids
# apart (several have a "text" or a "note").
FORMS = {
    "start": (StepForm, "start"), "accept": (StepForm, "accept"),
    "answer": (AnswerForm, ""), "return": (ReturnForm, ""),
    "request_extension": (ExtensionRequestForm, "ext"),
    "decide_extension": (ExtensionDecisionForm, "decision"),
    "request_input": (InputRequestForm, "ask"), "give_input": (InputForm, "input"),
    "mark_beyond_authority": (BeyondAuthorityForm, "beyond"),
    "report_upward": (ReportUpwardForm, "upper"),
    "record_upper_answer": (UpperAnswerForm, "upper-answer"),
    "record_verdict": (VerdictForm, "verdict"),
}


def _form(key: str, **kwargs):
    cls, prefix = FORMS[key]
    return cls(prefix=prefix, **kwargs)


def _shown_form(key: str, item: Assignment, allowed: list[str]):
    """A form as the page first shows it: empty (the answer: the current one), carrying the
    assignment's version."""
    extra = {}
    if key == "answer":
        extra["answer"] = item.answer
    elif key == "request_input":
        extra["agencies"] = (services.coordinator_agency_choices(item)
                             if "request_input" in allowed else ())
    form = _form(key, formdata=None, **extra)
    form.version.data = item.version
    return form


def _detail(item: Assignment, *, status: int = 200, forms: dict | None = None, error=None):
    known = lifecycle.facts(item)
    allowed = lifecycle.allowed_actions(current_user, item, known)
    given = forms or {}
    built = {key: given.get(key) or _shown_form(key, item, allowed) for key in FORMS}
    today = _today()
    return render(
        "tracker/detail.html", "assignment", status=status, item=item, known=known,
        allowed=allowed, forms=built, error=error, record=services.record_of(item),
        viewer=privacy.Viewer(current_user), lateness=today.lateness(item),
        upper_bodies=services.upper_bodies() if "report_upward" in allowed else [],
        reply_templates=reply_templates.filled(
            item, privacy.Viewer(current_user).name(item.petition))
        if {"answer", "return", "request_extension", "refuse_extension"} & set(allowed)
        else {},
        max_mb=uploads._megabytes(max_attachment_bytes()),
    )


@bp.get("/<int:assignment_id>")
@requires("tracker.read")
def detail(assignment_id: int):
    """One assignment: the petition, the deadline in effect, the actions the user may take,
    the timeline with attachments, extensions and coordinators' input; 404 outside scope.
    Opening it marks read the user's notifications that point here."""
    item = _visible(assignment_id)
    if services.mark_read_for(current_user, notify.item_link(item.id)):
        web.commit_read()
    return _detail(item)


def _on_item(key: str) -> dict:
    """What every action of the assignment page declares besides its policy action: the
    visible assignment (404), its form (`key` of FORMS), the version the page showed, a
    client key, and the page block re-rendered on a refusal with the message at its field
    (422), or above the actions (403 not yours, 409 not now or changed meanwhile)."""
    _cls, prefix = FORMS[key]
    key_name = f"{prefix}-{web.KEY_FIELD}" if prefix else web.KEY_FIELD

    def posted(item: Assignment):
        if key == "request_input":
            return _form(key, agencies=services.coordinator_agency_choices(item))
        return _form(key)

    def started_from(item: Assignment) -> Assignment | None:
        # A form sent again after it was applied (a double click, a resend after a lost
        # answer) is answered with what it did, not refused as stale by its own first step.
        sent = (request.form.get(key_name) or "").strip()[:64]
        if sent and db.session.get(ClientKey, sent) is not None:
            return None
        return item

    return dict(
        load=_visible_or_none, form=posted, versioned=started_from, once=True,
        invalid=lambda item, form, status, error: _detail(item, status=status,
                                                          forms={key: form}, error=error),
        done=lambda item, _step: web.saved(
            _("Đã cập nhật."), redirect=url_for("tracker.detail", assignment_id=item.id)),
    )


@bp.post("/<int:assignment_id>/start")
@web.change(allow="assignment.agency_act", **_on_item("start"))
def start(item: Assignment, form):
    """The lead agency starts work on the item (assigned or returned → in progress)."""
    return commands.act(item, "start", current_user)


@bp.post("/<int:assignment_id>/answer")
@web.change(allow="assignment.agency_act", **_on_item("answer"))
def answer(item: Assignment, form):
    """The lead agency answers, with up to five attachments; a bad field or file, or a file
    the server cannot store, answers 422 at its field and saves neither the answer nor any
    file."""
    return commands.act(item, "answer", current_user, form.answer.data, files=form.checked)


@bp.post("/<int:assignment_id>/accept")
@web.change(allow="assignment.office_act", **_on_item("accept"))
def accept(item: Assignment, form):
    """The office accepts the answer: the assignment is done."""
    return commands.act(item, "accept", current_user)


@bp.post("/<int:assignment_id>/return")
@web.change(allow="assignment.office_act", **_on_item("return"))
def send_back(item: Assignment, form):
    """The office returns the answer with a reason."""
    return commands.act(item, "return", current_user, form.reason.data)


@bp.post("/<int:assignment_id>/extension")
@web.change(allow="assignment.agency_act", **_on_item("request_extension"))
def request_extension(item: Assignment, form):
    """The lead agency asks for a later deadline, with a reason (the date must be after the
    deadline in effect)."""
    return commands.act(item, "request_extension", current_user, form.reason.data,
                        deadline=form.new_deadline.data)


@bp.post("/<int:assignment_id>/extension/grant")
@web.change(allow="assignment.office_act", **_on_item("decide_extension"))
def grant_extension(item: Assignment, form):
    """The office grants the pending extension: the deadline in effect moves."""
    return commands.act(item, "grant_extension", current_user, form.note.data)


@bp.post("/<int:assignment_id>/extension/refuse")
@web.change(allow="assignment.office_act", **_on_item("decide_extension"))
def refuse_extension(item: Assignment, form):
    """The office refuses the pending extension, with a reason."""
    return commands.act(item, "refuse_extension", current_user, form.note.data)


@bp.post("/<int:assignment_id>/coordination")
@web.change(allow="assignment.agency_act", **_on_item("request_input"))
def request_input(item: Assignment, form):
    """The lead agency asks a coordinating agency for its input."""
    return commands.act(item, "request_input", current_user, form.text.data,
                        coordinator_id=form.coordinator_id.data)


@bp.post("/<int:assignment_id>/coordination/answer")
@web.change(allow="assignment.agency_act", **_on_item("give_input"))
def give_input(item: Assignment, form):
    """A coordinating agency's officer gives the input their agency was asked for."""
    return commands.act(item, "give_input", current_user, form.text.data)


@bp.post("/<int:assignment_id>/beyond-authority")
@web.change(allow="assignment.office_act", **_on_item("mark_beyond_authority"))
def mark_beyond_authority(item: Assignment, form):
    """The office finds the petition beyond the province's authority."""
    return commands.act(item, "mark_beyond_authority", current_user, form.note.data)


@bp.post("/<int:assignment_id>/report-upward")
@web.change(allow="assignment.office_act", **_on_item("report_upward"))
def report_upward(item: Assignment, form):
    """The office records the report to the competent body (which body, the outgoing
    document's number and date)."""
    return commands.act(item, "report_upward", current_user, form.note.data,
                        upper_body=form.upper_body.data, report_number=form.report_number.data,
                        report_date=form.report_date.data)


@bp.post("/<int:assignment_id>/upper-answer")
@web.change(allow="assignment.office_act", **_on_item("record_upper_answer"))
def record_upper_answer(item: Assignment, form):
    """The office records the competent body's answer: the item is closed."""
    return commands.act(item, "record_upper_answer", current_user, form.text.data,
                        answered_on=form.answered_on.data)


@bp.post("/<int:assignment_id>/verdict")
@web.change(allow="assignment.office_act", **_on_item("record_verdict"))
def record_verdict(item: Assignment, form):
    """The office records how the citizen received the accepted answer; not satisfied
    reopens the matter as a new round with its own deadline, in the same timeline."""
    return commands.act(item, "record_verdict", current_user, form.note.data,
                        verdict=form.verdict.data, channel=form.channel.data,
                        deadline=form.deadline.data)


# --------------------------------------------------------------------------- reply templates

def _templates_page(_obj=None, form=None, status=200, error=None, edit_id=None):
    rows = reply_templates.listed()
    forms = {}
    for row in rows:
        if edit_id == row.id and form is not None:
            forms[row.id] = form
        else:
            forms[row.id] = ReplyTemplateForm(formdata=None, obj=row, kind=row.kind.value,
                                              field_id=row.field_id or 0, prefix=f"t{row.id}")
            forms[row.id].version.data = row.version
    new = form if (form is not None and edit_id is None) else ReplyTemplateForm(formdata=None)
    return render("tracker/templates.html", "templates", status=status, rows=rows, forms=forms,
                  form=new, error=error, placeholders=reply_templates.PLACEHOLDERS)


@bp.get("/templates")
@requires("template.manage")
def templates():
    """The managed reply templates (answers, return and extension reasons) by field."""
    return _templates_page()


def _template_saved(_obj, _result):
    return web.saved(_("Đã lưu mẫu."), redirect=url_for("tracker.templates"),
                     fragment=lambda: _templates_page())


@bp.post("/templates")
@web.change(allow="template.manage", form=lambda _o: ReplyTemplateForm(), once=True,
            invalid=_templates_page, done=_template_saved)
def add_template(form):
    """Add a reply template; {nguoi_neu}, {noi_dung}, {han}, {co_quan}, {buoi}, {linh_vuc}
    are filled with the petition's data when it is used."""
    return reply_templates.create(form.kind.data, form.field_id.data, form.title.data,
                                  form.body.data)


def _template_or_none(template_id: int):
    return db.session.get(ReplyTemplate, template_id)


@bp.post("/templates/<int:template_id>")
@web.change(allow="template.manage", load=_template_or_none,
            form=lambda t: ReplyTemplateForm(prefix=f"t{t.id}"), versioned=lambda t: t,
            invalid=lambda t, form, status, error: _templates_page(
                None, form, status, error, edit_id=t.id),
            done=_template_saved)
def save_template(template, form):
    """Save a reply template (from the version it was shown with)."""
    return reply_templates.update(template, form.kind.data, form.field_id.data,
                                  form.title.data, form.body.data)


@bp.post("/templates/<int:template_id>/toggle")
@web.change(allow="template.manage", load=_template_or_none, done=_template_saved)
def toggle_template(template, _form):
    """Stop offering a template, or offer it again."""
    return reply_templates.switch(template)


# --------------------------------------------------------------------------- files

@bp.get("/attachments/<int:attachment_id>")
@requires("tracker.read")
def attachment(attachment_id: int):
    """Download an attachment (always as a download, never rendered by the browser) for
    those who may see its assignment; 404 for anyone else or a missing file."""
    att = services.attachment_for(current_user, attachment_id)
    if att is None:
        abort(404)
    # Files are at most MAX_ATTACHMENT_MB: read whole, so no file handle outlives the
    # request whatever the server (or a test client) does with the response.
    content = uploads.content_of(att.stored_name)
    if content is None:
        abort(404)
    trail.record("download_attachment", "Attachment", att.id,
                 {"assignment_id": att.assignment_id, "filename": att.filename})
    web.commit_read()
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
@requires("notification.read")
def notifications():
    """The user's and their agency's notifications, newest first (paginated)."""
    return _notifications()


def _marked(_note, _result):
    return web.saved(None, redirect=url_for("tracker.notifications"), fragment=_notifications)


@bp.post("/notifications/read")
@web.change(allow="notification.read", form=lambda _nothing: ConfirmForm(), done=_marked)
def read_all(form):
    """Mark every notification of the user (and their agency) read; htmx gets the list."""
    services.mark_read(current_user)


def _own_notification(notification_id: int) -> Notification | None:
    return db.session.scalar(services.notifications_for(current_user).where(
        Notification.id == notification_id))


@bp.post("/notifications/<int:notification_id>/read")
@web.change(allow="notification.read", load=_own_notification,
            form=lambda _note: ConfirmForm(), done=_marked)
def read_one(note: Notification, form):
    """Mark one notification read; 404 if it is not the user's nor their agency's."""
    services.mark_read(current_user, note.id)
