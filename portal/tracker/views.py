"""The follow-up tracker (theo dõi, đôn đốc): agencies answer, the office accepts or returns."""
from __future__ import annotations

from flask import Blueprint, abort, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from portal.access import roles_required
from portal.auth.models import Role
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.tracker import lifecycle
from portal.tracker.forms import AcceptForm, AnswerForm, ReturnForm
from portal.tracker.models import Assignment, AssignmentStatus
from portal.tracker.services import filtered, visible_assignments

bp = Blueprint("tracker", __name__, url_prefix="/tracker")

PAGE_SIZE = 50


@bp.get("/")
@login_required
def index():
    """The assignments the user may see, filterable by status; htmx swaps the `list` block."""
    raw = request.args.get("status", "")
    status = AssignmentStatus(raw) if raw in AssignmentStatus._value2member_map_ else None
    page = db.paginate(filtered(current_user, status), per_page=PAGE_SIZE, error_out=False)
    return render("tracker/index.html", "list", page=page, status_filter=status,
                  statuses=list(AssignmentStatus))


def _visible(assignment_id: int) -> Assignment:
    """The assignment if the user may see it; 404 otherwise (another agency's items do not exist)."""
    item = db.session.scalar(
        visible_assignments(current_user).where(Assignment.id == assignment_id)
    )
    if item is None:
        abort(404)
    return item


def _detail(item: Assignment, *, status: int = 200, answer_form=None, return_form=None,
            error: str | None = None):
    return render(
        "tracker/detail.html",
        "assignment",
        status=status,
        item=item,
        answer_form=answer_form or AnswerForm(formdata=None, answer=item.answer),
        return_form=return_form or ReturnForm(formdata=None),
        accept_form=AcceptForm(formdata=None),
        can=lambda action: lifecycle.can(current_user, item, action),
        error=error,
    )


@bp.get("/<int:assignment_id>")
@login_required
def detail(assignment_id: int):
    """One assignment with its petition, answer and review; 404 outside the user's scope."""
    return _detail(_visible(assignment_id))


def _act(item: Assignment, action: str, text: str, form_kw: dict):
    try:
        lifecycle.apply(item, action, current_user, text)
    except lifecycle.TransitionError as err:
        db.session.rollback()
        return _detail(item, status=409, error=err.message, **form_kw)
    db.session.commit()
    flash(_("Đã cập nhật."), "success")
    return redirect_to(url_for("tracker.detail", assignment_id=item.id))


@bp.post("/<int:assignment_id>/answer")
@roles_required(Role.OFFICER)
def answer(assignment_id: int):
    """The agency officer answers; the text is kept on any error."""
    item = _visible(assignment_id)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _detail(item, status=422, answer_form=form)
    return _act(item, "answer", form.answer.data, {"answer_form": form})


@bp.post("/<int:assignment_id>/accept")
@roles_required(Role.OFFICE)
def accept(assignment_id: int):
    """The office accepts the answer: the assignment is done."""
    item = _visible(assignment_id)
    if not AcceptForm().validate_on_submit():
        abort(400)
    return _act(item, "accept", "", {})


@bp.post("/<int:assignment_id>/return")
@roles_required(Role.OFFICE)
def send_back(assignment_id: int):
    """The office returns the answer with a reason."""
    item = _visible(assignment_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _detail(item, status=422, return_form=form)
    return _act(item, "return", form.reason.data, {"return_form": form})
