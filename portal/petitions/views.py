"""Petitions before the meeting: lists, search, aggregate, import and export.

Who may do what:
* the Office registers, classifies, gives to an agency to advise, edits, deletes, imports;
* the Office, the chair, administrators and observers read the session pages and the
  aggregates (personal data masked as `portal.petitions.privacy` says);
* an agency officer sees only the petitions their agency advises on or is assigned to
  answer (others are 404), and writes the prepared answer of those it advises on.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from jinja2_fragments.flask import render_blocks

from portal import web
from portal.access import requires
from portal.audit import trail
from portal.auth.models import Role
from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to, render
from portal.petitions import answers, exchange, privacy, services
from portal.petitions.forms import (
    AdvisingForm, AnswerPlanForm, FilterForm, ImportForm, PreparedAnswerForm, RegisterForm,
    advising_agency_choices, field_choices,
)
from portal.petitions.models import Channel, Petition
from portal.petitions.services import Bucket, Filters
from portal.timefmt import local_today
from portal.tracker import deadlines

bp = Blueprint("petitions", __name__, url_prefix="/petitions")

PAGE_SIZE = 50


# --- helpers -----------------------------------------------------------------------------

def _meeting(session_id: int) -> DialogueSession:
    found = db.session.get(DialogueSession, session_id)
    if found is None:
        abort(404)
    return found


def _visible_or_none(petition_id: int) -> Petition | None:
    """A petition the user may see, with what its pages show (None: it does not exist)."""
    return db.session.scalar(
        services.visible_petitions(current_user).where(Petition.id == petition_id))


def _visible(petition_id: int) -> Petition:
    found = _visible_or_none(petition_id)
    if found is None:
        abort(404)
    return found


def _meeting_or_none(session_id: int) -> DialogueSession | None:
    return db.session.get(DialogueSession, session_id)


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() else None


def _filters(form: FilterForm | None = None, **fixed) -> Filters:
    filters = Filters(
        q=(request.args.get("q") or "").strip()[:200],
        session_id=_int_arg("session"),
        field_id=_int_arg("field"),
        agency_id=_int_arg("agency"),
    )
    if form is not None and not form.errors:
        filters.date_from, filters.date_to = form.date_from.data, form.date_to.data
    for key, value in fixed.items():
        setattr(filters, key, value)
    return filters


def _filter_form() -> tuple[FilterForm, int]:
    form = FilterForm(formdata=request.args)
    ok = form.validate()
    return form, 200 if ok else 422


def _page(query):
    return db.paginate(query, per_page=PAGE_SIZE, error_out=False)


def _lists():
    return {"fields": field_choices(), "agencies": advising_agency_choices()[1:]}


# --- search across sessions ------------------------------------------------------------------

@bp.get("/")
@requires("petition.search")
def index():
    """Search petitions by words of content, submitter or locality (diacritics optional),
    narrowed by session, field, advising agency and session dates; an officer sees only
    their agency's. htmx swaps the `results` block; a bad date answers 422."""
    form, status = _filter_form()
    filters = _filters(form)
    page = db.paginate(services.filtered(current_user, filters), per_page=PAGE_SIZE,
                       error_out=False, count=False)
    page.total = services.count(current_user, filters)
    session = db.session.get(DialogueSession, filters.session_id) if filters.session_id else None
    return render("petitions/index.html", "results", status=status, form=form, filters=filters,
                  page=page, session=session, viewer=privacy.Viewer(current_user),
                  today=local_today(),
                  may_export_personal=privacy.may_export_personal_data(current_user), **_lists())


# --- a session's petitions ----------------------------------------------------------------

def _session_page(meeting: DialogueSession, *, form: RegisterForm | None = None,
                  status: int = 200, message: str | None = None, blocks=None,
                  advising_form: AdvisingForm | None = None, advising_for: int | None = None,
                  error=None):
    filters = _filters(session_id=meeting.id)
    page = _page(services.filtered(current_user, filters))  # newest first: a new one shows
    can_register = current_user.role == Role.OFFICE and services.before_meeting(meeting)
    if form is None and can_register:
        form = RegisterForm(formdata=None, meeting_day=services.meeting_day(meeting),
                            channel=Channel.WRITING.value)
    context = dict(
        meeting=meeting, page=page, filters=filters, form=form, message=message,
        can_register=can_register, can_edit=can_register,
        editable=lambda p: services.editable(p, meeting),
        viewer=privacy.Viewer(current_user), oob=False, today=local_today(),
        plan_form=_plan_form_of, plan_error=None, advising_form=advising_form, advising_for=advising_for, error=error,
        may_export_personal=privacy.may_export_personal_data(current_user),
    )
    if blocks and is_fragment_request():
        context["oob"] = True
        body = render_blocks("petitions/session.html", blocks, **context)
        response = make_response(body, status)
        response.headers["Vary"] = "HX-Request"
        return response
    return render("petitions/session.html", "list", status=status, **context)


@bp.get("/sessions/<int:session_id>")
@requires("petition.read")
def session_page(session_id: int):
    """A session's petitions (paginated, searchable), their advising agencies and prepared
    answers, and for the Office before the meeting the form to register one.
    htmx paging or search swaps the `list` block."""
    return _session_page(_meeting(session_id))


def _register_form(meeting: DialogueSession) -> RegisterForm:
    return RegisterForm(meeting_day=services.meeting_day(meeting))


def _registered(meeting: DialogueSession, petition):
    message = _("Đã ghi nhận ý kiến, kiến nghị.")
    return web.saved(message, redirect=url_for("petitions.session_page", session_id=meeting.id),
                     fragment=lambda: _session_page(meeting, message=message,
                                                    blocks=["form", "list"]))


@bp.post("/sessions/<int:session_id>")
@web.change(allow="petition.register", load=_meeting_or_none, form=_register_form, once=True,
            invalid=lambda meeting, form, status, error: _session_page(
                meeting, form=form, status=status, blocks=["form"], error=error),
            done=_registered)
def register(meeting, form):
    """Register a petition before the meeting. htmx: answers the cleared `form` block and
    the `list` block out of band; a bad form answers 422 with the text kept; the same form
    sent twice (its client key) registers one petition. 409 once the meeting has opened."""
    return services.register(meeting, form, current_user)


# --- one petition ------------------------------------------------------------------------

@bp.get("/<int:petition_id>")
@requires("petition.search")
def detail(petition_id: int):
    """A petition's full record; 404 outside the user's scope. Showing a contact or an ID
    number in clear writes a `view_personal_data` audit event."""
    petition = _visible(petition_id)
    viewer = privacy.Viewer(current_user)
    if viewer.reveals_personal_data(petition):
        trail.record("view_personal_data", "Petition", petition.id,
                     {"fields": ["submitter_contact", "submitter_id_number"]})
        web.commit_read()
    repeats = db.session.scalars(
        services.visible_petitions(current_user)
        .where(Petition.duplicate_of_id == petition.id).order_by(Petition.id).limit(20)
    ).all()
    return render("petitions/detail.html", "detail", p=petition, viewer=viewer, repeats=repeats,
                  may_prepare=services.may_prepare(current_user, petition, petition.session))


def _edit_kwargs(petition: Petition) -> dict:
    return dict(meeting_day=services.meeting_day(petition.session),
                current_deadline=petition.advising_deadline)


def _edit_page(petition: Petition, form: RegisterForm, status: int = 200, error=None):
    return render("petitions/edit.html", "form", status=status, form=form, p=petition,
                  meeting=petition.session, error=error)


@bp.get("/<int:petition_id>/edit")
@requires("petition.register")
def edit_form(petition_id: int):
    """The edit form of a petition before the meeting (409 once raised at it or assigned);
    it carries the petition's version, so a save from a stale form is refused."""
    petition = _visible(petition_id)
    if not services.editable(petition, petition.session):
        abort(409)
    form = RegisterForm(formdata=None, obj=petition, **_edit_kwargs(petition))
    form.advising_agency_id.data = petition.advising_agency_id or 0
    form.submitter_kind.data = petition.submitter_kind.value
    form.channel.data = petition.channel.value
    form.version.data = petition.version
    return _edit_page(petition, form)


@bp.post("/<int:petition_id>/edit")
@web.change(allow="petition.register", load=_visible_or_none,
            form=lambda petition: RegisterForm(**_edit_kwargs(petition)),
            versioned=lambda petition: petition, invalid=_edit_page,
            done=lambda petition, _result: web.saved(
                _("Đã lưu thay đổi."),
                redirect=url_for("petitions.session_page", session_id=petition.session_id)))
def edit(petition, form):
    """Save the edited petition; 409 with both texts when someone saved it meanwhile."""
    services.edit(petition, form, current_user)


def _row(petition: Petition, *, status: int = 200, advising_form: AdvisingForm | None = None,
         error=None, plan_error=None):
    """The petition's row for htmx; without htmx, the session page (with the row's form open)."""
    meeting = petition.session
    if not is_fragment_request():
        if advising_form is None:
            return redirect_to(url_for("petitions.session_page", session_id=meeting.id))
        return _session_page(meeting, status=status, advising_form=advising_form,
                             advising_for=petition.id, error=error)
    return render("petitions/session.html", "row", status=status, p=petition, meeting=meeting,
                  advising_form=advising_form, advising_for=petition.id, error=error,
                  viewer=privacy.Viewer(current_user),
                  today=local_today(),
                  can_edit=current_user.role == Role.OFFICE and services.before_meeting(meeting),
                  editable=lambda p: services.editable(p, meeting),
                  plan_form=_plan_form_of, plan_error=plan_error)


def _plan_form_of(petition: Petition) -> AnswerPlanForm:
    """The office's mark form of a row, filled from the petition."""
    return AnswerPlanForm(formdata=None, prefix=f"ap{petition.id}", version=petition.version,
                          answer_plan=petition.answer_plan.value if petition.answer_plan else "")


@bp.get("/<int:petition_id>/row")
@requires("petition.read")
def row(petition_id: int):
    """A petition's row of the session list (the `row` block), e.g. to cancel an edit."""
    return _row(_visible(petition_id))


def _advising_form(petition: Petition, **values) -> AdvisingForm:
    return AdvisingForm(meeting_day=services.meeting_day(petition.session),
                        current_deadline=petition.advising_deadline, prefix=f"a{petition.id}",
                        **values)


@bp.get("/<int:petition_id>/advising")
@requires("petition.register")
def advising_edit_form(petition_id: int):
    """The row of a petition with its classification form open (409 once the meeting
    opened)."""
    petition = _visible(petition_id)
    if not services.editable(petition, petition.session):
        abort(409)
    form = _advising_form(petition, formdata=None, field_id=petition.field_id,
                          advising_agency_id=petition.advising_agency_id or 0,
                          advising_deadline=petition.advising_deadline, version=petition.version)
    return _row(petition, advising_form=form)


@bp.post("/<int:petition_id>/advising")
@web.change(allow="petition.register", load=_visible_or_none, form=_advising_form,
            versioned=lambda petition: petition,
            invalid=lambda petition, form, status, error: _row(
                petition, status=status, advising_form=form, error=error),
            done=lambda petition, _result: web.saved(
                _("Đã lưu phân loại, giao tham mưu."),
                redirect=url_for("petitions.session_page", session_id=petition.session_id),
                fragment=lambda: _row(_visible(petition.id))))
def advising_edit(petition, form):
    """Classify a petition (field) and give it to an agency to advise by a deadline, in
    its row: answers the updated row (422 with errors, 409 once the meeting opened or when
    someone changed it meanwhile)."""
    services.classify(petition, form, current_user)


def _plan_refused(petition, form, status, error):
    if not is_fragment_request():
        if error is not None:
            flash(error.message if hasattr(error, "message") else str(error), "error")
        return redirect_to(url_for("petitions.session_page", session_id=petition.session_id))
    return _row(petition, status=status, plan_error=error)


@bp.post("/<int:petition_id>/answer-plan")
@web.change(allow="petition.answer_plan", load=_visible_or_none,
            form=lambda petition: AnswerPlanForm(prefix=f"ap{petition.id}"),
            versioned=lambda petition: petition, invalid=_plan_refused,
            done=lambda petition, _result: web.saved(
                _("Đã lưu hướng trả lời."),
                redirect=url_for("petitions.session_page", session_id=petition.session_id),
                fragment=lambda: _row(_visible(petition.id))))
def answer_plan(petition, form):
    """The office marks an advance petition: answer at the meeting, answered in writing
    before it (closed with the prepared answer), or to be assigned; answers the row
    (409 once the meeting opened, 422 without a prepared answer)."""
    answers.mark(petition, form.answer_plan.data or None, current_user)


def _deleted(session_id: int):
    if is_fragment_request():
        return make_response("", 200)
    return web.saved(_("Đã xóa ý kiến, kiến nghị."),
                     redirect=url_for("petitions.session_page", session_id=session_id))


@bp.post("/<int:petition_id>/delete")
@web.change(allow="petition.register", load=_visible_or_none,
            done=lambda petition, session_id: _deleted(session_id))
def delete(petition, form):
    """Delete a petition before the meeting; htmx gets an empty answer (the row goes)."""
    session_id = petition.session_id
    services.remove(petition, current_user)
    return session_id


# --- the advising agency prepares the answer ------------------------------------------------

def _soon_until(today: date) -> date:
    # The same setting as the tracker's, so "due soon" means one thing across the portal.
    return services.due_soon_limit(today, int(current_app.config.get(
        "DUE_SOON_DAYS", deadlines.DUE_SOON_WORKING_DAYS)))


@bp.get("/advising")
@requires("petition.advising_list")
def advising():
    """Petitions given to an agency to advise: an officer sees their agency's only, by
    bucket (open, due soon, late, prepared). htmx swaps the `advising` block."""
    raw = request.args.get("bucket", Bucket.OPEN.value)
    bucket = Bucket(raw) if raw in Bucket._value2member_map_ else Bucket.OPEN
    today = local_today()
    soon = _soon_until(today)
    page = _page(services.advising_list(current_user, bucket, today, soon))
    return render("petitions/advising.html", "advising", page=page, bucket=bucket,
                  buckets=list(Bucket), counts=services.advising_counts(current_user, today, soon),
                  today=today, soon_until=soon, viewer=privacy.Viewer(current_user))


def _advised_or_none(petition_id: int) -> Petition | None:
    """A petition the officer's agency advises on (None for anything else: 404)."""
    petition = _visible_or_none(petition_id)
    if petition is None or not services.may_prepare(current_user, petition, petition.session):
        return None
    return petition


def _prepare_page(petition: Petition, form: PreparedAnswerForm, status: int = 200,
                  error=None):
    return render("petitions/prepare.html", "prepare", status=status, form=form, p=petition,
                  viewer=privacy.Viewer(current_user), error=error)


@bp.get("/<int:petition_id>/prepare")
@requires("petition.prepare")
def prepare_form(petition_id: int):
    """The advising agency's prepared answer, with the petition's version; 404 for another
    agency's petition or once the meeting is closed."""
    petition = _advised_or_none(petition_id)
    if petition is None:
        abort(404)
    form = PreparedAnswerForm(formdata=None, prepared_answer=petition.prepared_answer,
                              version=petition.version)
    return _prepare_page(petition, form)


@bp.post("/<int:petition_id>/prepare")
@web.change(allow="petition.prepare", load=_advised_or_none,
            form=lambda _petition: PreparedAnswerForm(), versioned=lambda petition: petition,
            invalid=_prepare_page,
            done=lambda _petition, _result: web.saved(_("Đã lưu nội dung trả lời dự kiến."),
                                                      redirect=url_for("petitions.advising")))
def prepare(petition: Petition, form: PreparedAnswerForm):
    """Save the prepared answer; 422 keeps the text of a bad answer, 409 shows both texts
    when the petition changed since the form was opened."""
    services.prepare(petition, form.prepared_answer.data, current_user)


# --- aggregates ---------------------------------------------------------------------------

def _summary(filters: Filters, *, meeting=None, form=None, status=200):
    today = local_today()

    def link(param: str, key: int | None) -> str:
        """The filtered list behind a count; agency 0 is "not yet given"."""
        return url_for("petitions.index", **{**filters.args(), param: 0 if key is None else key})

    return render("petitions/summary.html", "summary", status=status, meeting=meeting,
                  form=form, filters=filters, by_field=services.by_field(filters, today),
                  by_agency=services.by_agency(filters, today), link=link)


@bp.get("/sessions/<int:session_id>/summary")
@requires("petition.read")
def session_summary(session_id: int):
    """A session's petitions counted by field and by advising agency (GROUP BY queries)."""
    meeting = _meeting(session_id)
    return _summary(Filters(session_id=meeting.id), meeting=meeting)


@bp.get("/summary")
@requires("petition.read")
def summary():
    """Petitions of the sessions held between `from` and `to` (dd/mm/yyyy), counted by
    field and by advising agency; a bad date answers 422."""
    form, status = _filter_form()
    filters = Filters()
    if status == 200:
        filters.date_from, filters.date_to = form.date_from.data, form.date_to.data
    return _summary(filters, form=form, status=status)


# --- export ----------------------------------------------------------------------------------

def _download(rows, fmt: str, stem: str):
    if fmt == "xlsx":
        body = exchange.to_xlsx(exchange.EXPORT_HEADERS, rows, exchange.EXPORT_WIDTHS)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = exchange.to_csv(exchange.EXPORT_HEADERS, rows)
        mimetype = "text/csv; charset=utf-8"
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{stem}-{local_today():%Y%m%d}.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    return response


def _export(filters: Filters, stem: str, back: str):
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    personal = (request.args.get("personal") in ("1", "y", "on")
                and privacy.may_export_personal_data(current_user))
    reason = " ".join((request.args.get("reason") or "").split())[:300]
    if personal and len(reason) < 5:
        flash(_("Vui lòng nêu lý do tải danh sách gồm thông tin cá nhân (được ghi vào nhật "
                "ký)."), "error")
        return redirect_to(back)
    limit = exchange.MAX_EXPORT_ROWS
    petitions = db.session.scalars(
        services.filtered(current_user, filters, newest_first=filters.session_id is None)
        .limit(limit + 1)).all()
    if len(petitions) > limit:
        flash(_("Danh sách có hơn %(n)s ý kiến, kiến nghị: hãy lọc bớt rồi tải lại.",
                n=f"{limit:,}".replace(",", ".")), "error")
        return redirect_to(back)
    rows = exchange.export_rows(petitions, personal)
    if personal:
        trail.record("export_personal_data", "Petition", filters.session_id,
                     {"format": fmt, "count": len(rows), "filters": filters.args(),
                      "reason": reason})
        web.commit_read()
    return _download(rows, fmt, stem)


@bp.get("/export")
@requires("petition.export")
def export_list():
    """The filtered list as .xlsx or .csv (`format`); personal data masked unless an Office
    user asks (`personal=1`), which is audited."""
    form, status = _filter_form()
    filters = _filters(form)
    back = url_for("petitions.index", **filters.args())
    if status != 200:
        flash(_("Bộ lọc ngày chưa hợp lệ, chưa tải được danh sách."), "error")
        return redirect_to(back)
    return _export(filters, "kien-nghi", back)


@bp.get("/sessions/<int:session_id>/export")
@requires("petition.read")
def export_session(session_id: int):
    """A session's petitions as .xlsx or .csv; masking as for `export_list`."""
    meeting = _meeting(session_id)
    return _export(Filters(session_id=meeting.id), f"kien-nghi-buoi-{meeting.id}",
                   url_for("petitions.session_page", session_id=meeting.id))


# --- import ------------------------------------------------------------------------------------

def _import_page(meeting, form, *, status=200, errors=None, file_error=None):
    return render("petitions/import.html", "import", status=status, meeting=meeting, form=form,
                  errors=errors or [], file_error=file_error, columns=exchange.IMPORT_COLUMNS,
                  max_rows=exchange.MAX_ROWS,
                  max_mb=exchange.MAX_UPLOAD_BYTES // 1024 // 1024)


@bp.get("/sessions/<int:session_id>/import")
@requires("petition.register")
def import_page(session_id: int):
    """The import form and how to prepare the file; 409 once the meeting opened."""
    meeting = _meeting(session_id)
    if not services.before_meeting(meeting):
        abort(409)
    return _import_page(meeting, ImportForm(formdata=None))


def _import_refused(meeting, form, status: int, error):
    if isinstance(error, services.ImportRefused):
        return _import_page(meeting, form, status=status, errors=error.rows,
                            file_error=error.file_error)
    return _import_page(meeting, form, status=status,
                        file_error=error.message if error is not None else None)


def _imported(meeting, created):
    if created is None:  # the same upload sent again (its client key): imported once
        message = _("Tệp này đã được nhập; không nhập lại lần nữa.")
    else:
        message = _("Đã nhập %(n)d ý kiến, kiến nghị.", n=len(created))
    return web.saved(message, redirect=url_for("petitions.session_page", session_id=meeting.id))


@bp.post("/sessions/<int:session_id>/import")
@web.change(allow="petition.register", load=_meeting_or_none, form=lambda _m: ImportForm(),
            once=True, invalid=_import_refused, done=_imported)
def import_batch(meeting, form):
    """Import a batch from .csv or .xlsx: every row is checked first; with any bad row
    nothing is imported and the errors are listed (422). 409 once the meeting opened. The
    same upload sent twice (its client key) imports once."""
    upload = form.file.data
    data = upload.stream.read(exchange.MAX_UPLOAD_BYTES + 1)  # more is refused as too large
    return services.import_batch(meeting, upload.filename, data, current_user)


@bp.get("/import-template.<any(xlsx, csv):fmt>")
@requires("petition.register")
def import_template(fmt: str):
    """The import template with its header row and one example row."""
    body = exchange.template_xlsx() if fmt == "xlsx" else exchange.template_csv()
    response = make_response(body)
    response.headers["Content-Type"] = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx"
        else "text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="mau-nhap-kien-nghi.{fmt}"'
    return response

