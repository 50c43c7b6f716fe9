"""Yearly plans (kế hoạch): list, edit, programs and their rules, generate sessions, print.

Every change goes through the one path (`portal.web.change`) and calls a command of
`portal.plans.services`; the office and administrators keep the plans (`plan.edit`,
`holiday.edit`), the chair and the observers read them.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import web
from portal.access import requires
from portal.calendar.models import (
    DayShift,
    DialogueSession,
    HolidayOverride,
    Plan,
    Program,
    TimingRule,
)
from portal.calendar.rules import year_holidays
from portal.extensions import db
from portal.htmx import render
from portal.plans import services
from portal.plans.forms import (
    MAX_YEAR,
    MIN_YEAR,
    QUARTER_LABELS,
    RULE_LABELS,
    SHIFT_LABELS,
    AddSessionForm,
    HolidayOverrideForm,
    NewPlanForm,
    NewProgramForm,
    PlanForm,
    ProgramForm,
)
from portal.plans.pdf import plan_pdf as build_plan_pdf
from portal.timefmt import local_today

bp = Blueprint("plans", __name__, url_prefix="/plans")


def _plan_or_404(plan_id: int) -> Plan:
    plan = services.get_plan(plan_id)
    if plan is None:
        abort(404)
    return plan


def _program_of(plan: Plan | None, program_id: int) -> Program | None:
    if plan is None:
        return None
    return next((p for p in plan.programs if p.id == program_id), None)


def _program_or_none(plan_id: int, program_id: int) -> Program | None:
    return _program_of(services.get_plan(plan_id), program_id)


def _program_or_404(plan: Plan, program_id: int) -> Program:
    program = _program_of(plan, program_id)
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
@requires("plan.read")
def index():
    """The plans, filtered by year and leader; htmx filtering swaps only the `plans` block."""
    year = _year_arg()
    leader = request.args.get("leader", "").strip()[:120]
    return render("plans/index.html", "plans", rows=services.list_plans(year, leader),
                  years=services.plan_years(), year=year, leader=leader)


def _plan_page(plan: Plan | None, form, status: int = 200, error=None):
    return render("plans/plan_form.html", "form", form=form, plan=plan, status=status,
                  error=error)


def _to_plan(message, info=None):
    """The answer once a plan or a program is saved: back to the plan's page (with `info`
    beside the message when the command answered True)."""

    def done(obj, result):
        plan = obj if isinstance(obj, Plan) else getattr(obj, "plan", None)
        if plan is None and isinstance(result, Plan):
            plan = result
        if plan is None:  # a replay whose plan is gone meanwhile
            return web.saved(str(message), redirect=url_for("plans.index"))
        response = web.saved(str(message), redirect=url_for("plans.detail", plan_id=plan.id))
        if info is not None and result is True:
            flash(str(info), "info")
        return response

    return done


@bp.get("/new")
@requires("plan.edit")
def new_plan_form():
    """The form to create a plan (it carries a client key: a resubmit creates one plan)."""
    form = NewPlanForm(formdata=None)
    form.year.data = local_today().year
    return _plan_page(None, form)


@bp.post("/new")
@web.change(allow="plan.edit", form=lambda _none: NewPlanForm(), once=True,
            invalid=_plan_page,
            done=lambda _none, plan: _to_plan(
                _l("Đã tạo kế hoạch. Hãy thêm các chương trình đối thoại."))(plan, plan))
def new_plan(form):
    """Create a plan; a bad form comes back with its errors and what was typed (422)."""
    return services.create_plan(current_user, form.values())


@bp.get("/<int:plan_id>/edit")
@requires("plan.edit")
def edit_plan_form(plan_id: int):
    """The form to edit a plan, with the version it starts from."""
    plan = _plan_or_404(plan_id)
    form = PlanForm(formdata=None, obj=plan)
    form.version.data = plan.version
    return _plan_page(plan, form)


@bp.post("/<int:plan_id>/edit")
@web.change(allow="plan.edit", load=services.get_plan, form=lambda _plan: PlanForm(),
            versioned=lambda plan: plan, invalid=_plan_page,
            done=_to_plan(_l("Đã lưu kế hoạch."),
                          _l("Năm của kế hoạch đã đổi: bấm “Sinh lịch” để cập nhật các buổi "
                             "đối thoại.")))
def edit_plan(plan, form):
    """Save a plan's year, leader, legal basis, purpose and requirements; 409 with both
    texts when someone saved it meanwhile."""
    return services.edit_plan(plan, current_user, form.values())


def _add_form(program: Program, **kwargs) -> AddSessionForm:
    return AddSessionForm(prefix=f"add{program.id}", year=program.plan.year, **kwargs)


def _detail(plan: Plan, *, status: int = 200, report=None, add_forms=None, message=None,
            error=None):
    add_forms = dict(add_forms or {})
    for program in plan.programs:
        add_forms.setdefault(program.id, _add_form(program, formdata=None))
    return render(
        "plans/detail.html", "programs", status=status, plan=plan,
        sessions=services.sessions_by_program(plan), add_forms=add_forms, report=report,
        message=message, error=error,
    )


@bp.get("/<int:plan_id>")
@requires("plan.read")
def detail(plan_id: int):
    """A plan, its programs with their rules, and the sessions generated from them."""
    return _detail(_plan_or_404(plan_id))


@bp.post("/<int:plan_id>/generate")
@web.change(allow="plan.edit", load=services.get_plan,
            done=lambda plan, report: _detail(_plan_or_404(plan.id), report=report))
def generate(plan, form):
    """Create or update the plan's sessions from its rules; answers with what was done.

    Running it again never duplicates; sessions people touched are kept as they are.
    Someone else changing the same sessions meanwhile is a 409 (nothing saved).
    """
    return services.generate(plan, current_user)


@bp.get("/<int:plan_id>/plan.pdf")
@requires("plan.read")
def plan_pdf(plan_id: int):
    """The plan as an A4 PDF in the administrative format: once issued (the register's
    KH), the stored PDF exactly as issued; before, laid out from the data."""
    plan = _plan_or_404(plan_id)
    pdf = build_plan_pdf(plan, current_app.config, local_today())
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
    form.version.data = program.version


def _program_page(plan: Plan, program: Program | None, form, status: int = 200, error=None):
    return render("plans/program_form.html", "form", plan=plan, program=program, form=form,
                  status=status, error=error)


@bp.get("/<int:plan_id>/programs/new")
@requires("plan.edit")
def new_program_form(plan_id: int):
    """The form to add a program (one kind of dialogue) with its timing rule."""
    plan = _plan_or_404(plan_id)
    form = NewProgramForm(formdata=None)
    form.rule.data = TimingRule.MONTHLY.value
    form.day_of_month.data = 15
    form.shift.data = DayShift.NEXT.value
    return _program_page(plan, None, form)


@bp.post("/<int:plan_id>/programs/new")
@web.change(allow="plan.edit", load=services.get_plan, form=lambda _plan: NewProgramForm(),
            once=True,
            invalid=lambda plan, form, status, error: _program_page(plan, None, form, status,
                                                                    error),
            done=_to_plan(_l("Đã thêm chương trình. Bấm “Sinh lịch” để tạo các buổi đối "
                             "thoại.")))
def new_program(plan, form):
    """Add a program to the plan; the same form sent twice adds one program."""
    return services.add_program(plan, current_user, form.values())


@bp.get("/<int:plan_id>/programs/<int:program_id>/edit")
@requires("plan.edit")
def edit_program_form(plan_id: int, program_id: int):
    """The form to edit a program, with the version it starts from."""
    plan = _plan_or_404(plan_id)
    program = _program_or_404(plan, program_id)
    form = ProgramForm(formdata=None)
    _program_form_defaults(form, program)
    return _program_page(plan, program, form)


@bp.post("/<int:plan_id>/programs/<int:program_id>/edit")
@web.change(allow="plan.edit", load=_program_or_none, form=lambda _program: ProgramForm(),
            versioned=lambda program: program,
            invalid=lambda program, form, status, error: _program_page(
                program.plan, program, form, status, error),
            done=_to_plan(_l("Đã lưu chương trình. Bấm “Sinh lịch” để cập nhật các buổi đối "
                             "thoại.")))
def edit_program(program, form):
    """Save a program; its sessions follow only when the office generates again. 409 with
    both texts when someone saved it meanwhile."""
    return services.edit_program(program, current_user, form.values())


def _program_removed(plan_id: int, result: services.ProgramRemoval):
    return web.saved(
        _("Đã xóa chương trình; xóa %(removed)d buổi chưa chuẩn bị, giữ lại %(kept)d buổi "
          "đã được chỉnh sửa hoặc chuẩn bị.", removed=result.removed, kept=result.kept),
        redirect=url_for("plans.detail", plan_id=plan_id))


@bp.post("/<int:plan_id>/programs/<int:program_id>/delete")
@web.change(allow="plan.edit", load=_program_or_none,
            done=lambda _program, removed: _program_removed(removed[0], removed[1]))
def delete_program(program, form):
    """Remove a program; untouched sessions go with it, touched ones stay in the calendar."""
    plan_id = program.plan_id
    return plan_id, services.remove_program(program, current_user)


def _session_added(program: Program, meeting: DialogueSession | None):
    plan = _plan_or_404(program.plan_id)
    message = (_("Đã thêm buổi “%(title)s”.", title=meeting.title) if meeting is not None
               else None)
    return web.saved(message, redirect=url_for("plans.detail", plan_id=plan.id),
                     fragment=lambda: _detail(plan, message=message))


@bp.post("/<int:plan_id>/programs/<int:program_id>/sessions")
@web.change(allow="plan.edit", load=_program_or_none, form=_add_form, once=True,
            invalid=lambda program, form, status, error: _detail(
                program.plan, status=status, add_forms={program.id: form}, error=error),
            done=_session_added)
def add_session(program, form):
    """"Thêm buổi": a session of the program on a date the office chooses; the same form
    sent twice adds one session."""
    return services.add_session(program.plan, program, form.day.data, form.start_time.data,
                                (form.venue.data or "").strip(), user=current_user)


# --------------------------------------------------------------------------- holidays


def _holidays_page(year: int, form: HolidayOverrideForm, *, status: int = 200, error=None):
    return render("plans/holidays.html", "holidays", status=status, year=year,
                  entries=year_holidays(year), form=form, error=error)


@bp.get("/holidays")
@requires("holiday.read")
def holidays():
    """The year's public holidays (the `holidays` package) and the Office's overrides.

    Office and admin add an override here; sessions move only when a plan is generated again.
    """
    return _holidays_page(_year_arg() or local_today().year, HolidayOverrideForm(formdata=None))


def _override_added(_none, override: HolidayOverride | None):
    if override is None:  # a replay whose override is gone meanwhile
        return web.saved(None, redirect=url_for("plans.holidays"))
    return web.saved(
        _("Đã lưu điều chỉnh ngày %(day)s. Sinh lại lịch của kế hoạch để các buổi đối thoại "
          "theo điều chỉnh này.", day=override.day.strftime("%d/%m/%Y")),
        redirect=url_for("plans.holidays", year=override.day.year))


@bp.post("/holidays")
@web.change(allow="holiday.edit", form=lambda _none: HolidayOverrideForm(), once=True,
            invalid=lambda _none, form, status, error: _holidays_page(
                _year_arg() or local_today().year, form, status=status, error=error),
            done=_override_added)
def add_holiday(form):
    """Add one of the Office's overrides (one per day); the same form sent twice adds one."""
    return services.add_holiday_override(current_user, form.day.data,
                                         form.is_day_off.data == "1", form.name.data)


@bp.post("/holidays/<int:override_id>/delete")
@web.change(allow="holiday.edit", load=lambda override_id: db.session.get(HolidayOverride,
                                                                          override_id),
            done=lambda _override, year: web.saved(
                _("Đã xóa điều chỉnh. Sinh lại lịch của kế hoạch để các buổi đối thoại cập "
                  "nhật."), redirect=url_for("plans.holidays", year=year)))
def delete_holiday(override, form):
    """Remove one of the Office's overrides; the package's rule for that day applies again."""
    return services.remove_holiday_override(override, current_user)


@bp.context_processor
def _plan_labels():
    """Labels of the timing rules for the plan pages."""
    return {"RULE_LABELS": RULE_LABELS, "SHIFT_LABELS": SHIFT_LABELS,
            "QUARTER_LABELS": QUARTER_LABELS}
