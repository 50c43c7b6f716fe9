"""Yearly plans (kế hoạch): list, edit, programs and their rules, generate sessions, print."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal.access import READERS, roles_required
from portal.auth.models import Role
from portal.calendar.models import DayShift, HolidayOverride, Plan, Program, SessionKind, TimingRule
from portal.calendar.rules import year_holidays
from portal.documents.layout import render_pdf
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.plans import services
from portal.plans.forms import (
    MAX_YEAR,
    MIN_YEAR,
    QUARTER_LABELS,
    RULE_LABELS,
    SHIFT_LABELS,
    AddSessionForm,
    HolidayOverrideForm,
    PlanForm,
    ProgramForm,
    parse_months,
)
from portal.plans.generation import generate_sessions
from portal.plans.pdf import build_plan_document
from portal.timefmt import local_today

bp = Blueprint("plans", __name__, url_prefix="/plans")

# The office keeps the plans; the chair and the observers read them.
EDITORS = (Role.OFFICE, Role.ADMIN)


def _can_edit() -> bool:
    return current_user.role in EDITORS


def _plan_or_404(plan_id: int) -> Plan:
    plan = services.get_plan(plan_id)
    if plan is None:
        abort(404)
    return plan


def _program_or_404(plan: Plan, program_id: int) -> Program:
    program = next((p for p in plan.programs if p.id == program_id), None)
    if program is None:
        abort(404)
    return program


def _year_arg(name: str = "year") -> int | None:
    raw = request.args.get(name, "").strip()
    if raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return None


# --------------------------------------------------------------------------- plans


@bp.get("/")
@roles_required(*READERS)
def index():
    """The plans, filtered by year and leader; htmx filtering swaps only the `plans` block."""
    year = _year_arg()
    leader = request.args.get("leader", "").strip()[:120]
    return render("plans/index.html", "plans", rows=services.list_plans(year, leader),
                  years=services.plan_years(), year=year, leader=leader, can_edit=_can_edit())


def _fill_plan(plan: Plan, form: PlanForm) -> None:
    plan.year = form.year.data
    plan.leader_name = " ".join(form.leader_name.data.split())
    plan.leader_title = " ".join(form.leader_title.data.split())
    plan.title = (form.title.data or "").strip() or services.default_title(
        plan.leader_title, plan.leader_name, plan.year)
    plan.legal_basis = (form.legal_basis.data or "").strip()
    plan.purpose = (form.purpose.data or "").strip()
    plan.requirements = (form.requirements.data or "").strip()


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_plan():
    """Create a plan; a bad form comes back with its errors and what was typed (422)."""
    form = PlanForm()
    if request.method == "GET":
        form.year.data = local_today().year
    elif form.validate_on_submit():
        plan = Plan()
        _fill_plan(plan, form)
        db.session.add(plan)
        db.session.commit()
        flash(_("Đã tạo kế hoạch. Hãy thêm các chương trình đối thoại."), "success")
        return redirect_to(url_for("plans.detail", plan_id=plan.id))
    return render("plans/plan_form.html", "form", form=form, plan=None,
                  status=422 if form.is_submitted() else 200)


@bp.route("/<int:plan_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_plan(plan_id: int):
    """Edit a plan's year, leader, legal basis, purpose and requirements."""
    plan = _plan_or_404(plan_id)
    form = PlanForm(obj=plan if request.method == "GET" else None, plan_id=plan.id)
    if form.validate_on_submit():
        year_changed = form.year.data != plan.year
        _fill_plan(plan, form)
        db.session.commit()
        flash(_("Đã lưu kế hoạch."), "success")
        if year_changed:
            flash(_("Năm của kế hoạch đã đổi: bấm “Sinh lịch” để cập nhật các buổi đối thoại."),
                  "info")
        return redirect_to(url_for("plans.detail", plan_id=plan.id))
    return render("plans/plan_form.html", "form", form=form, plan=plan,
                  status=422 if form.is_submitted() else 200)


def _detail(plan: Plan, *, status: int = 200, report=None, add_forms=None, message=None):
    add_forms = dict(add_forms or {})
    for program in plan.programs:
        add_forms.setdefault(program.id, AddSessionForm(
            formdata=None, prefix=f"add{program.id}", year=plan.year))
    return render(
        "plans/detail.html", "programs", status=status, plan=plan,
        sessions=services.sessions_by_program(plan), add_forms=add_forms, report=report,
        message=message, can_edit=_can_edit(),
    )


@bp.get("/<int:plan_id>")
@roles_required(*READERS)
def detail(plan_id: int):
    """A plan, its programs with their rules, and the sessions generated from them."""
    return _detail(_plan_or_404(plan_id))


@bp.post("/<int:plan_id>/generate")
@roles_required(*EDITORS)
def generate(plan_id: int):
    """Create or update the plan's sessions from its rules; answers with what was done.

    Running it again never duplicates; sessions people touched are kept as they are.
    """
    plan = _plan_or_404(plan_id)
    try:
        report = generate_sessions(plan)
        db.session.commit()
    except (IntegrityError, StaleDataError):  # someone else changed the same sessions
        db.session.rollback()
        abort(409)
    return _detail(_plan_or_404(plan_id), report=report)


@bp.get("/<int:plan_id>/plan.pdf")
@roles_required(*READERS)
def plan_pdf(plan_id: int):
    """The plan as an A4 PDF in the administrative format, built from the data each time."""
    plan = _plan_or_404(plan_id)
    document = build_plan_document(plan, current_app.config, local_today())
    pdf = render_pdf(document, current_app.config["PDF_FONT_DIRS"])
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    filename = f"ke-hoach-{plan.year}-{plan.id}.pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --------------------------------------------------------------------------- programs


def _program_form_defaults(form: ProgramForm, program: Program) -> None:
    form.kind.data = program.kind.value
    form.title.data = program.title
    form.timing.data = program.timing
    form.participants.data = program.participants
    form.content.data = program.content
    form.rule.data = program.rule.value
    form.day_of_month.data = program.day_of_month
    form.shift.data = program.shift.value
    form.months.data = program.months
    form.quarter.data = str(program.quarter) if program.quarter else ""
    form.default_time.data = program.default_time
    form.duration_minutes.data = program.duration_minutes
    form.default_venue.data = program.default_venue


def _fill_program(program: Program, form: ProgramForm) -> None:
    program.kind = SessionKind(form.kind.data)
    program.title = " ".join(form.title.data.split())
    program.timing = form.timing.data.strip()
    program.participants = (form.participants.data or "").strip()
    program.content = (form.content.data or "").strip()
    rule = TimingRule(form.rule.data)
    services.apply_rule(
        program, rule, day_of_month=form.day_of_month.data, shift=DayShift(form.shift.data),
        months=parse_months(form.months.data) if rule == TimingRule.MONTHS else [],
        quarter=int(form.quarter.data) if form.quarter.data else None)
    program.default_time = form.default_time.data
    program.duration_minutes = form.duration_minutes.data
    program.default_venue = (form.default_venue.data or "").strip()


def _program_page(plan: Plan, program: Program | None, form: ProgramForm):
    return render("plans/program_form.html", "form", plan=plan, program=program, form=form,
                  status=422 if form.is_submitted() else 200)


@bp.route("/<int:plan_id>/programs/new", methods=["GET", "POST"])
@roles_required(*EDITORS)
def new_program(plan_id: int):
    """Add a program (one kind of dialogue) with its timing rule to the plan."""
    plan = _plan_or_404(plan_id)
    form = ProgramForm()
    if request.method == "GET":
        form.rule.data = TimingRule.MONTHLY.value
        form.day_of_month.data = 15
        form.shift.data = DayShift.NEXT.value
    elif form.validate_on_submit():
        program = Program(plan_id=plan.id, position=services.next_position(plan))
        _fill_program(program, form)
        db.session.add(program)
        db.session.commit()
        flash(_("Đã thêm chương trình. Bấm “Sinh lịch” để tạo các buổi đối thoại."), "success")
        return redirect_to(url_for("plans.detail", plan_id=plan.id))
    return _program_page(plan, None, form)


@bp.route("/<int:plan_id>/programs/<int:program_id>/edit", methods=["GET", "POST"])
@roles_required(*EDITORS)
def edit_program(plan_id: int, program_id: int):
    """Edit a program; its sessions follow only when the office generates again."""
    plan = _plan_or_404(plan_id)
    program = _program_or_404(plan, program_id)
    form = ProgramForm()
    if request.method == "GET":
        _program_form_defaults(form, program)
    elif form.validate_on_submit():
        _fill_program(program, form)
        db.session.commit()
        flash(_("Đã lưu chương trình. Bấm “Sinh lịch” để cập nhật các buổi đối thoại."), "success")
        return redirect_to(url_for("plans.detail", plan_id=plan.id))
    return _program_page(plan, program, form)


@bp.post("/<int:plan_id>/programs/<int:program_id>/delete")
@roles_required(*EDITORS)
def delete_program(plan_id: int, program_id: int):
    """Remove a program; untouched sessions go with it, touched ones stay in the calendar."""
    plan = _plan_or_404(plan_id)
    program = _program_or_404(plan, program_id)
    result = services.delete_program(program)
    db.session.commit()
    flash(_("Đã xóa chương trình; xóa %(removed)d buổi chưa chuẩn bị, giữ lại %(kept)d buổi "
            "đã được chỉnh sửa hoặc chuẩn bị.", removed=result.removed, kept=result.kept),
          "success")
    return redirect_to(url_for("plans.detail", plan_id=plan.id))


@bp.post("/<int:plan_id>/programs/<int:program_id>/sessions")
@roles_required(*EDITORS)
def add_session(plan_id: int, program_id: int):
    """"Thêm buổi": a session of the program on a date the office chooses."""
    plan = _plan_or_404(plan_id)
    program = _program_or_404(plan, program_id)
    form = AddSessionForm(prefix=f"add{program.id}", year=plan.year)
    if not form.validate_on_submit():
        return _detail(plan, status=422, add_forms={program.id: form})
    meeting = services.add_session(plan, program, form.day.data, form.start_time.data,
                                   (form.venue.data or "").strip())
    db.session.commit()
    return _detail(_plan_or_404(plan_id),
                   message=_("Đã thêm buổi “%(title)s”.", title=meeting.title))


# --------------------------------------------------------------------------- holidays


def _holidays_page(year: int, form: HolidayOverrideForm, *, status: int = 200):
    return render("plans/holidays.html", "holidays", status=status, year=year,
                  entries=year_holidays(year), form=form, can_edit=_can_edit())


@bp.route("/holidays", methods=["GET", "POST"])
@roles_required(*READERS)
def holidays():
    """The year's public holidays (the `holidays` package) and the Office's overrides.

    Office and admin add an override here; sessions move only when a plan is generated again.
    """
    year = _year_arg() or local_today().year
    form = HolidayOverrideForm()
    if request.method == "POST":
        if not _can_edit():
            abort(403)
        if form.validate_on_submit():
            db.session.add(HolidayOverride(day=form.day.data,
                                           is_day_off=form.is_day_off.data == "1",
                                           name=" ".join(form.name.data.split())))
            db.session.commit()
            flash(_("Đã lưu điều chỉnh ngày %(day)s. Sinh lại lịch của kế hoạch để các buổi "
                    "đối thoại theo điều chỉnh này.", day=form.day.data.strftime("%d/%m/%Y")),
                  "success")
            return redirect_to(url_for("plans.holidays", year=form.day.data.year))
        return _holidays_page(year, form, status=422)
    return _holidays_page(year, form)


@bp.post("/holidays/<int:override_id>/delete")
@roles_required(*EDITORS)
def delete_holiday(override_id: int):
    """Remove one of the Office's overrides; the package's rule for that day applies again."""
    override = db.session.get(HolidayOverride, override_id)
    if override is None:
        abort(404)
    year = override.day.year
    db.session.delete(override)
    db.session.commit()
    flash(_("Đã xóa điều chỉnh. Sinh lại lịch của kế hoạch để các buổi đối thoại cập nhật."),
          "success")
    return redirect_to(url_for("plans.holidays", year=year))


@bp.context_processor
def _plan_labels():
    """Labels of the timing rules for the plan pages."""
    return {"RULE_LABELS": RULE_LABELS, "SHIFT_LABELS": SHIFT_LABELS,
            "QUARTER_LABELS": QUARTER_LABELS}
