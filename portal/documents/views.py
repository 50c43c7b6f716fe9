"""The document layer (văn bản): drafts from the meeting record, editing, issuing under a
number from the register, new versions, and every document as a Decree 30 PDF."""
from __future__ import annotations

from datetime import date, time

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload

from portal import web
from portal.access import requires
from portal.audit.trail import record
from portal.auth.models import Role, User
from portal.calendar.models import DialogueSession, SessionStatus
from portal.documents import services
from portal.documents.conclusion import draft_conclusion_notice
from portal.documents.forms import (
    BLOCK_LABELS,
    STATUS_LABELS,
    TYPE_LABELS,
    DocumentForm,
    IssueForm,
    LetterForm,
    PositionForm,
    PositionSwitchForm,
    ProfileForm,
    RegisterFilter,
    ReportDraftForm,
)
from portal.documents.invitation import draft_invitation
from portal.papers.program import draft_program
from portal.papers.script import draft_script
from portal.documents.layout import render_pdf
from portal.documents.minutes import draft_minutes
from portal.documents.minutes import minutes_pdf as minutes_pdf_of
from portal.documents.models import (
    Document,
    DocumentStatus,
    DocumentType,
    IssuingProfile,
    SigningPosition,
)
from portal.errors import N_
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.timefmt import local_to_utc, local_today

bp = Blueprint("documents", __name__, url_prefix="/documents")

PAGE_SIZE = 50
YEARS_SHOWN = 10
# What can be drafted from a meeting's record: URL word -> (type, drafting function).
DRAFTERS = {
    "conclusion": (DocumentType.TB, draft_conclusion_notice),
    "minutes": (DocumentType.BB, draft_minutes),
    "invitation": (DocumentType.GM, draft_invitation),
    "program": (DocumentType.CTR, draft_program),
    "script": (DocumentType.KB, draft_script),
}


def _labels() -> dict:
    return {"type_labels": TYPE_LABELS, "status_labels": STATUS_LABELS,
            "block_labels": BLOCK_LABELS, "type_names": services.TYPE_NAMES,
            "Status": DocumentStatus}


def _document_or_none(document_id: int) -> Document | None:
    return db.session.get(Document, document_id)


def _document(document_id: int) -> Document:
    doc = _document_or_none(document_id)
    if doc is None:
        abort(404)
    return doc


def _meeting_or_none(session_id: int) -> DialogueSession | None:
    return db.session.get(DialogueSession, session_id)


def _meeting(session_id: int) -> DialogueSession:
    meeting = _meeting_or_none(session_id)
    if meeting is None:
        abort(404)
    return meeting


# --------------------------------------------------------------------------- the register


def _register_filters(today: date) -> tuple[RegisterFilter, int | None, DocumentType | None,
                                            DocumentStatus | None]:
    years = [today.year - offset for offset in range(YEARS_SHOWN)]
    form = RegisterFilter(request.args)
    form.year.choices = [("all", _("Tất cả các năm")), *((str(y), str(y)) for y in years)]
    form.doc_type.choices = [("", _("Tất cả các loại")),
                             *((t.value, str(TYPE_LABELS[t])) for t in DocumentType)]
    form.status.choices = [("", _("Tất cả")),
                           *((s.value, str(STATUS_LABELS[s])) for s in DocumentStatus)]
    raw_year = request.args.get("year", str(today.year))
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    form.year.data = str(year) if year else "all"
    raw_type = request.args.get("doc_type", "")
    doc_type = DocumentType(raw_type) if raw_type in DocumentType._value2member_map_ else None
    form.doc_type.data = doc_type.value if doc_type else ""
    raw_status = request.args.get("status", "")
    status = DocumentStatus(raw_status) if raw_status in DocumentStatus._value2member_map_ \
        else None
    form.status.data = status.value if status else ""
    return form, year, doc_type, status


def register_query(year: int | None, doc_type: DocumentType | None,
                   status: DocumentStatus | None):
    """Documents of the register, newest first: drafts (no number yet), then issued ones.

    A year selects the documents issued in it and the drafts created in it (Việt Nam's
    calendar year)."""
    query = select(Document).options(joinedload(Document.supersedes),
                                     joinedload(Document.session))
    if year is not None:
        start = local_to_utc(date(year, 1, 1), time(0))
        end = local_to_utc(date(year + 1, 1, 1), time(0))
        query = query.where(or_(Document.year == year,
                                and_(Document.year.is_(None), Document.created_at >= start,
                                     Document.created_at < end)))
    if doc_type is not None:
        query = query.where(Document.doc_type == doc_type)
    if status is not None:
        query = query.where(Document.status == status)
    return query.order_by(Document.issued_on.is_(None).desc(), Document.issued_on.desc(),
                          Document.doc_type, Document.number.desc(), Document.id.desc())


@bp.get("/")
@requires("document.read")
def register():
    """The register (sổ văn bản): number, date, summary, status, filtered by year, type and
    status; one query per page. htmx swaps the `register` block."""
    form, year, doc_type, status = _register_filters(local_today())
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.session.scalars(register_query(year, doc_type, status)
                              .limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).unique().all()
    args = {"year": str(year) if year else "all", "doc_type": doc_type.value if doc_type else "",
            "status": status.value if status else ""}
    from portal.documents.signing import register_statuses
    return render("documents/register.html", "register", filters=form,
                  documents=rows[:PAGE_SIZE], has_next=len(rows) > PAGE_SIZE, page=page,
                  args=args, signatures=register_statuses(rows[:PAGE_SIZE]), **_labels())


# --------------------------------------------------------------------------- a session's


def _session_page(meeting: DialogueSession, *, status: int = 200, error=None):
    docs = db.session.scalars(select(Document).where(Document.session_id == meeting.id)
                              .order_by(Document.doc_type, Document.id)).all()
    by_id = {doc.id: doc for doc in docs}
    successors = {doc.supersedes_id: doc for doc in docs if doc.supersedes_id}

    def depth(doc: Document) -> int:
        n, seen = 1, {doc.id}
        while doc.supersedes_id in by_id and doc.supersedes_id not in seen:
            doc = by_id[doc.supersedes_id]
            seen.add(doc.id)
            n += 1
        return n

    closed = meeting.closed_at is not None
    return render(
        "documents/session.html", "documents", status=status, meeting=meeting, documents=docs,
        by_id=by_id, successors=successors, depth=depth, error=error,
        can_draft={"conclusion": closed,
                   "minutes": closed or meeting.status == SessionStatus.IN_PROGRESS,
                   "invitation": not closed, "program": not closed, "script": not closed},
        **_labels())


@bp.get("/sessions/<int:session_id>")
@requires("document.read")
def session_documents(session_id: int):
    """The documents of one session (drafts and issued, with their versions) and, for the
    office, the buttons that draft the conclusion notice and the minutes. 404 if unknown."""
    return _session_page(_meeting(session_id))


def _draft_refused(meeting: DialogueSession, _form, status: int, error):
    if isinstance(error, services.DraftExists):  # the draft is there already: open it
        flash(error.message, "info")
        return redirect_to(url_for("documents.edit_form", document_id=error.document_id))
    return _session_page(meeting, status=status, error=error)


def _drafted(meeting: DialogueSession, doc: Document | None):
    if doc is None:  # a resent request whose draft was deleted since
        return redirect_to(url_for("documents.session_documents", session_id=meeting.id))
    return web.saved(_("Đã soạn dự thảo từ diễn biến buổi đối thoại; hãy xem lại và chỉnh sửa."),
                     redirect=url_for("documents.edit_form", document_id=doc.id))


@bp.post("/sessions/<int:session_id>/draft/<kind>")
@web.change(allow="document.edit", load=_meeting_or_none, once=True, invalid=_draft_refused,
            done=_drafted)
def draft(meeting: DialogueSession, _form, kind: str):
    """Draft the conclusion notice (`conclusion`) or the minutes (`minutes`) from the record,
    then open the editor. An existing draft is opened instead; 409 once one is issued (a
    correction is a new version) or while the meeting is not far enough. The same button
    sent twice (its client key) drafts once."""
    if kind not in DRAFTERS:
        abort(404)
    doc_type, drafter = DRAFTERS[kind]
    return services.draft(meeting, doc_type, drafter, current_user, current_app.config)


# --------------------------------------------------------------------------- one document


def _issue_form(doc: Document, formdata=None) -> IssueForm:
    """The issuing form: the date and the signer, chosen among the signing positions in
    effect today (the draft's own signer preselected when it is one of them)."""
    form = IssueForm() if formdata is not None else IssueForm(formdata=None)
    positions = services.signing_positions(local_today())
    form.signer.choices = [("", _("— Chọn người ký —")),
                           *((str(p.id), p.label) for p in positions)]
    if formdata is None:
        same = [p for p in positions if (p.title, p.name) == (doc.signer_title,
                                                              doc.signer_name)]
        form.signer.data = str(same[0].id) if same else ""
    return form


def _detail(doc: Document, *, status: int = 200, issue_form: IssueForm | None = None,
            error=None):
    issuer = db.session.get(User, doc.issued_by_id) if doc.issued_by_id else None
    return render(
        "documents/detail.html", "actions", status=status, doc=doc, issuer=issuer,
        successor=services.successor_of(doc), error=error,
        issue_form=issue_form or _issue_form(doc),
        recipients=services.recipient_lines(doc.recipients), **_labels())


@bp.get("/<int:document_id>")
@requires("document.read")
def detail(document_id: int):
    """One document: its content, number, date, versions, and (office) its actions."""
    return _detail(_document(document_id))


def _frozen(doc: Document):
    return _detail(doc, status=409, error=services.DocumentError(services.FROZEN))


def _form_data(doc: Document) -> dict:
    return {"version": str(doc.version), "summary": doc.summary,
            "blocks": [{"kind": b.get("kind", "paragraph"), "text": b.get("text", "")}
                       for b in doc.blocks or ()],
            "recipients": doc.recipients, "signer_authority": doc.signer_authority,
            "signer_title": doc.signer_title, "signer_name": doc.signer_name}


def _editor(doc: Document, form: DocumentForm, *, status: int = 200,
            notice: str | None = None, error=None, current: Document | None = None):
    return render("documents/edit.html", "editor", status=status, doc=doc, form=form,
                  notice=notice, error=error, current=current, **_labels())


def _rearranged(form: DocumentForm, op: str) -> DocumentForm | None:
    """The form with a block added, removed or moved, as typed so far (nothing is saved).

    `op` is `add-<i>` (a new block after block i; -1: at the start), `remove-<i>`,
    `up-<i>` or `down-<i>`; None when it names no block."""
    name, _sep, raw = op.partition("-")
    try:
        index = int(raw)
    except ValueError:
        return None
    blocks = form.block_data()
    if name == "add" and -1 <= index < len(blocks):
        blocks.insert(index + 1, {"kind": "paragraph", "text": ""})
    elif name == "remove" and 0 <= index < len(blocks):
        del blocks[index]
    elif name == "up" and 0 < index < len(blocks):
        blocks[index - 1], blocks[index] = blocks[index], blocks[index - 1]
    elif name == "down" and 0 <= index < len(blocks) - 1:
        blocks[index + 1], blocks[index] = blocks[index], blocks[index + 1]
    else:
        return None
    data = {key: getattr(form, key).data for key in
            ("version", "summary", "recipients", "signer_authority", "signer_title",
             "signer_name")}
    return DocumentForm(formdata=None, data={**data, "blocks": blocks})


class _SavedDraft:
    """The saved draft as a stale save compares it with the form: its version and its
    one-line fields. The body is shown whole in the preview of the current text instead."""

    def __init__(self, doc: Document) -> None:
        self._doc = doc

    def __getattr__(self, name: str):
        if name == "blocks":
            raise AttributeError(name)
        return getattr(self._doc, name)


@bp.get("/<int:document_id>/edit")
@requires("document.edit")
def edit_form(document_id: int):
    """The editor of a draft, carrying the version it starts from; 409 for an issued one."""
    doc = _document(document_id)
    if doc.status != DocumentStatus.DRAFT:
        return _frozen(doc)
    return _editor(doc, DocumentForm(formdata=None, data=_form_data(doc)))


def _posted_editor(doc: Document) -> DocumentForm:
    """The posted editor. A structural change (`op`: add, remove or move a block) is
    answered here with the form re-rendered, unsaved: it never reaches the command."""
    form = DocumentForm()
    op = request.form.get("op", "save")
    if op == "save":
        return form
    if doc.status != DocumentStatus.DRAFT:
        abort(_frozen(doc))
    rearranged = _rearranged(form, op)
    if rearranged is None:
        abort(400)
    abort(_editor(doc, rearranged, notice=_("Đã thay đổi bố cục; bấm “Lưu dự thảo” để lưu.")))


def _edit_refused(doc: Document, form: DocumentForm, status: int, error):
    if doc.status != DocumentStatus.DRAFT:
        return _frozen(doc)
    stale = isinstance(error, web.Stale)
    return _editor(doc, form, status=status, error=error, current=doc if stale else None)


@bp.post("/<int:document_id>/edit")
@web.change(allow="document.edit", load=_document_or_none, form=_posted_editor,
            versioned=_SavedDraft, invalid=_edit_refused,
            done=lambda doc, _result: web.saved(
                _("Đã lưu dự thảo."), redirect=url_for("documents.detail", document_id=doc.id)))
def edit(doc: Document, form: DocumentForm):
    """Save a draft: summary, body blocks, recipients and signer. A structural change (`op`)
    re-renders the form unsaved; a save from an older version is 409 with the current text
    beside the typed one (kept in the form); 422 on invalid input; 409 once issued."""
    services.edit(doc, form, current_user)


def _issue_refused(doc: Document, form: IssueForm, status: int, error):
    if isinstance(error, web.Stale):  # issued or changed by someone else meanwhile
        error = services.DocumentError(N_(
            "Văn bản vừa được người khác thay đổi hoặc ban hành; chưa cấp số. "
            "Vui lòng xem lại rồi thử lại."))
    return _detail(doc, status=status, issue_form=form if status == 422 else None, error=error)


def _issued(doc: Document, _result):
    return web.saved(_("Đã ban hành văn bản %(number)s.", number=services.short_number(doc)),
                     redirect=url_for("documents.detail", document_id=doc.id))


@bp.post("/<int:document_id>/issue")
@web.change(allow="document.edit", load=_document_or_none,
            form=lambda doc: _issue_form(doc, request.form), invalid=_issue_refused,
            done=_issued)
def issue(doc: Document, form: IssueForm):
    """Issue a draft: the next number of the year's register for its type and body, today's
    date (or a chosen date of this year, not before the register's last one nor the
    meeting), signed by a chosen signing position; then it is frozen with its heading and
    its PDF stored. 422 for a bad date or no signer, 409 if it is already issued or changed
    meanwhile (the number is given back)."""
    signer_id = form.signer_id()
    position = db.session.get(SigningPosition, signer_id) if signer_id else None
    services.issue(doc, user_id=current_user.id, today=local_today(), on=form.issued_on.data,
                   position=position, config=current_app.config)


def _revised(doc: Document, new: Document | None):
    if new is None:  # a resent request whose new draft was deleted since
        return redirect_to(url_for("documents.detail", document_id=doc.id))
    return web.saved(_("Đã tạo phiên bản mới (dự thảo) thay thế văn bản %(number)s.",
                       number=services.short_number(doc)),
                     redirect=url_for("documents.edit_form", document_id=new.id))


@bp.post("/<int:document_id>/revise")
@web.change(allow="document.edit", load=_document_or_none, once=True,
            invalid=lambda doc, _form, status, error: _detail(doc, status=status, error=error),
            done=_revised)
def revise(doc: Document, _form):
    """A new draft superseding an issued document (the issued one stays); 409 for a draft
    or a document that already has a newer version; sent twice (its client key), one."""
    return services.revise(doc, current_user.id)


def _delete_refused(doc: Document, _form, status: int, error):
    if isinstance(error, web.Stale):
        error = services.DocumentError(N_("Văn bản vừa được người khác thay đổi; chưa xóa."))
    return _detail(doc, status=status, error=error)


def _deleted(_doc, session_id: int | None):
    target = url_for("documents.session_documents", session_id=session_id) \
        if session_id is not None else url_for("documents.register")
    return web.saved(_("Đã xóa dự thảo."), redirect=target)


@bp.post("/<int:document_id>/delete")
@web.change(allow="document.edit", load=_document_or_none, invalid=_delete_refused,
            done=_deleted)
def delete(doc: Document, _form):
    """Delete a draft (an issued document is never deleted: 409)."""
    session_id = doc.session_id
    services.remove(doc, current_user)
    return session_id


# --------------------------------------------------------------------------- PDFs


def _pdf_response(pdf: bytes, filename: str):
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/<int:document_id>.pdf")
@requires("document.pdf")
def document_pdf(document_id: int):
    """The document as an A4 PDF in the Decree 30 format (a draft marked DỰ THẢO).

    An agency officer gets only an issued conclusion notice that concerns their agency
    (a recipient, or assigned a petition of that meeting): 403 for a draft, 404 otherwise."""
    doc = _document(document_id)
    if current_user.role == Role.OFFICER:
        if doc.status == DocumentStatus.DRAFT:
            abort(403)
        agency = current_user.agency
        if not services.officer_may_read(doc, current_user.agency_id,
                                         agency.name if agency else None):
            abort(404)
    # An issued document: the stored bytes, exactly as issued; a draft: rendered now.
    pdf = services.document_pdf(doc, current_app.config)
    # A conclusion notice and the minutes name citizens: every download is recorded.
    record("download", "Document", doc.id, {"number": services.short_number(doc),
                                            "status": doc.status.value})
    web.commit_read()
    return _pdf_response(pdf, services.file_name(doc))


@bp.get("/sessions/<int:session_id>/minutes.pdf")
@requires("document.read")
def minutes_pdf(session_id: int):
    """The session's minutes as an A4 PDF (inline, so the browser can print it)."""
    meeting = _meeting(session_id)
    issued = services.issued_of(DocumentType.BB, session_id=meeting.id)
    if issued is not None:  # once issued, the minutes are the register's, as issued
        return _pdf_response(services.document_pdf(issued, current_app.config),
                             services.file_name(issued))
    with force_locale("vi"):  # a document is in Vietnamese whatever the reader's UI language
        pdf = minutes_pdf_of(meeting, current_app.config)  # THƯ KÝ and CHỦ TỌA
    return _pdf_response(pdf, f"bien-ban-{meeting.id}.pdf")


# --------------------------------------------------------------------------- more drafts


def _opened_or_refused(back: str):
    """The answer to a refused drafting: an existing draft is opened; anything else goes
    back to `back` (the page the button was on) with the message."""
    def refused(_obj, _form, status: int, error):
        if isinstance(error, services.DraftExists):
            flash(error.message, "info")
            return redirect_to(url_for("documents.edit_form", document_id=error.document_id))
        if error is not None:
            flash(error.message, "error")
        return redirect_to(back() if callable(back) else back)
    return refused


def _to_editor(_obj, doc: Document | None):
    if doc is None:
        return redirect_to(url_for("documents.register"))
    return web.saved(_("Đã đưa dự thảo vào sổ văn bản; hãy xem lại và chỉnh sửa."),
                     redirect=url_for("documents.edit_form", document_id=doc.id))


def _plan_or_none(plan_id: int):
    from portal.calendar.models import Plan
    return db.session.get(Plan, plan_id)


@bp.post("/plans/<int:plan_id>/draft")
@web.change(allow="document.edit", load=_plan_or_none, once=True,
            invalid=lambda plan, form, status, error: _opened_or_refused(
                url_for("plans.detail", plan_id=plan.id))(plan, form, status, error),
            done=_to_editor)
def draft_plan(plan, _form):
    """The plan as a draft KH of the register (then edited, numbered and issued like any
    document); an existing draft is opened instead; sent twice (its client key), one."""
    from portal.plans.pdf import draft_plan as draft_plan_document
    return draft_plan_document(plan, current_user, current_app.config)


@bp.post("/reports/draft")
@web.change(allow="document.edit", form=lambda _obj: ReportDraftForm(), once=True,
            invalid=_opened_or_refused(lambda: url_for("reports.period")), done=_to_editor)
def draft_report(form: ReportDraftForm):
    """The period report (`start`–`end`) as a draft BC of the register; an existing draft
    of the same period is opened instead."""
    from portal.reports import figures
    from portal.reports import pdf as report_pdf
    from portal.reports.views import _signer_name

    period = figures.Period(form.start.data, form.end.data)
    report = figures.period_report(period, local_today(), report_pdf.PDF_OUTSTANDING_LIMIT)
    return report_pdf.draft_report(report, current_user, current_app.config,
                                   _signer_name(period.end.year))


def _letter_page(form: LetterForm, status: int = 200, error=None):
    return render("documents/letter.html", "letter", status=status, form=form, error=error)


@bp.get("/letters/new")
@requires("document.edit")
def new_letter():
    """The form of a new letter (công văn): its summary and the drafting unit."""
    return _letter_page(LetterForm(formdata=None))


@bp.post("/letters")
@web.change(allow="document.edit", form=lambda _obj: LetterForm(), once=True,
            invalid=lambda _obj, form, status, error: _letter_page(form, status, error),
            done=_to_editor)
def create_letter(form: LetterForm):
    """A new letter draft in the register (422 at the field on bad input)."""
    return services.draft_letter(current_user, form.summary.data, form.unit.data,
                                 current_app.config)


# --------------------------------------------------------------------------- settings


def _settings_page(*, status: int = 200, position_form=None, profile_form=None, error=None,
                   error_on: str = ""):
    today = local_today()
    positions = services.signing_positions(active_only=False)
    profiles = db.session.scalars(select(IssuingProfile).order_by(
        IssuingProfile.effective_from.desc(), IssuingProfile.id.desc())).all()
    switches = {}
    for position in positions:
        switch = PositionSwitchForm(formdata=None)
        switch.version.data = position.version
        switch.active.data = "0" if position.active else "1"
        switches[position.id] = switch
    profile_form = profile_form or ProfileForm(formdata=None)
    # Both forms have an «Áp dụng từ ngày»: one id each, so each label names its own field.
    profile_form.effective_from.id = profile_form.effective_from.label.field_id = \
        "profile-effective_from"
    return render("documents/settings.html", "settings", status=status,
                  positions=positions, profiles=profiles, switches=switches,
                  current=services.issuing_settings(today, current_app.config),
                  defaults=services.PrintSettings.from_config(current_app.config),
                  position_form=position_form or PositionForm(formdata=None),
                  profile_form=profile_form,
                  error=error, error_on=error_on)


@bp.get("/settings")
@requires("document.settings")
def settings():
    """The issuing settings: the body, its code and the place from a date (the
    environment's values before the first), and the signing positions."""
    return _settings_page()


def _settings_saved(message: str):
    return lambda _obj, _result: web.saved(_(message), redirect=url_for("documents.settings"))


@bp.post("/settings/positions")
@web.change(allow="document.settings", form=lambda _obj: PositionForm(), once=True,
            invalid=lambda _obj, form, status, error: _settings_page(
                status=status, position_form=form, error=error, error_on="position"),
            done=_settings_saved(N_("Đã thêm chức danh ký.")))
def add_position(form: PositionForm):
    """A new signing position (authority lines, title, name, from a date)."""
    return services.add_position(current_user, form.authority.data or "", form.title.data,
                                 form.name.data, form.effective_from.data)


def _position_or_none(position_id: int):
    return db.session.get(SigningPosition, position_id)


@bp.post("/settings/positions/<int:position_id>/active")
@web.change(allow="document.settings", load=_position_or_none,
            form=lambda _obj: PositionSwitchForm(), versioned=lambda position: position,
            invalid=lambda _obj, _form, status, error: _settings_page(
                status=status, error=error, error_on="positions"),
            done=_settings_saved(N_("Đã cập nhật chức danh ký.")))
def switch_position(position: SigningPosition, form: PositionSwitchForm):
    """Deactivate (active=0) or reactivate (1) a signing position; 409 if it changed."""
    return services.set_position_active(position, current_user, form.active.data == "1")


@bp.post("/settings/profiles")
@web.change(allow="document.settings", form=lambda _obj: ProfileForm(), once=True,
            invalid=lambda _obj, form, status, error: _settings_page(
                status=status, profile_form=form, error=error, error_on="profile"),
            done=_settings_saved(N_("Đã lưu thiết lập cơ quan ban hành.")))
def add_profile(form: ProfileForm):
    """New issuing settings from a date: documents issued from that day print them."""
    return services.add_profile(current_user, form.body_parent.data or "", form.body.data,
                                form.body_code.data, form.place.data,
                                form.effective_from.data)
