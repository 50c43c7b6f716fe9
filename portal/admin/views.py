"""Administration: agencies, accounts and the managed list of fields (lĩnh vực).

Every change is declared with `portal.web.change` and runs a command of
`portal.admin.services`; creating forms carry a client key (a resent form creates once),
the field forms carry the version the list was shown with (a stale save is 409).
"""
from __future__ import annotations

from flask import Blueprint, abort, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from portal import web
from portal.access import requires
from portal.errors import N_
from portal.admin import localities as locality_tree
from portal.admin import organisation, services
from portal.admin.forms import (
    AgencyForm, AgencyHeadForm, DeactivateAgencyForm, FieldForm, LocalityImportForm, MergeAgenciesForm,
    MoveFieldForm,
    ReactivateAgencyForm, RenameAgencyForm, RenameFieldForm, ToggleFieldForm, UserForm,
)
from portal.admin.models import Agency, Field
from portal.auth.models import User
from portal.extensions import db
from portal.htmx import render
from portal.text import vn_order

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _at_fields(form, error):
    """The other fields' messages of a refusal (a name and a short name both taken): the
    pipeline put the first at its field, these go to theirs. Returns the error to show
    above the form (None when every message is at its field)."""
    for name, msgid in getattr(error, "others", {}).items():
        field = getattr(form, name)
        field.errors = list(field.errors) + [_(msgid)]
    return None if getattr(error, "placed", False) else error


# --- agencies ------------------------------------------------------------------------------

def _head_forms(rows, posted: dict | None) -> dict:
    """A head form per agency, filled from the agency (or as typed, for the one refused)."""
    forms = {}
    for agency in rows:
        form = (posted or {}).get(agency.id) or AgencyHeadForm(
            formdata=None, prefix=f"h{agency.id}", obj=agency)
        if (posted or {}).get(agency.id) is None:
            form.version.data = agency.version
        forms[agency.id] = form
    return forms


def _agencies_page(form: AgencyForm | None = None, *, status: int = 200, error=None,
                   heads: dict | None = None):
    error = _at_fields(form, error)
    rows = db.session.scalars(
        select(Agency).options(selectinload(Agency.successor), selectinload(Agency.former_names))
        .order_by(Agency.kind, vn_order(Agency.name), Agency.id)).all()
    return render("admin/agencies.html", "admin", status=status, agencies=rows, error=error,
                  form=form or AgencyForm(formdata=None), head_forms=_head_forms(rows, heads),
                  stranded=organisation.stranded_accounts())


@bp.get("/agencies")
@requires("agency.manage")
def agencies():
    """The agencies, and the form to add one."""
    return _agencies_page()


@bp.post("/agencies")
@web.change(allow="agency.manage", form=lambda _obj: AgencyForm(), once=True,
            invalid=lambda _obj, form, status, error: _agencies_page(form, status=status,
                                                                      error=error),
            done=lambda _obj, _agency: web.saved(_("Đã thêm cơ quan."),
                                                 redirect=url_for("admin.agencies")))
def add_agency(form: AgencyForm):
    """Add an agency (422 with the errors at the fields; the same form sent twice adds one)."""
    return services.add_agency(form, current_user)


# --- organisation changes: rename, deactivate, merge ---------------------------------------------

def _agency_or_none(agency_id: int) -> Agency | None:
    return db.session.get(Agency, agency_id)


# The page holds several forms: each has its prefix, so ids and labels stay unique.
def _agency_page(agency: Agency, *, rename: RenameAgencyForm | None = None,
                 deactivate: DeactivateAgencyForm | None = None, status: int = 200,
                 error=None):
    """The `agency` component: its names over time, and the forms that change it."""
    error = _at_fields(rename or deactivate, error)
    return render("admin/agency.html", "agency", status=status, agency=agency, error=error,
                  rename=rename or RenameAgencyForm(formdata=None, prefix="rn", version=agency.version),
                  deactivate=deactivate or DeactivateAgencyForm(formdata=None, prefix="end",
                                                                version=agency.version),
                  reactivate=ReactivateAgencyForm(formdata=None, prefix="re", version=agency.version),
                  owed=organisation.open_assignment_count(agency.id))


def _agency_done(message: str):
    return lambda agency, _result: web.saved(
        _(message), redirect=url_for("admin.agency", agency_id=agency.id))


@bp.get("/agencies/<int:agency_id>")
@requires("agency.manage")
def agency(agency_id: int):
    """One agency: its names over time, rename and deactivate forms (404 if unknown)."""
    found = db.session.get(Agency, agency_id)
    if found is None:
        abort(404)
    return _agency_page(found)


@bp.post("/agencies/<int:agency_id>/rename")
@web.change(allow="agency.manage", load=_agency_or_none, form=lambda _a: RenameAgencyForm(prefix="rn"),
            versioned=lambda agency: agency,
            invalid=lambda agency, form, status, error: _agency_page(
                agency, rename=form, status=status, error=error),
            done=_agency_done(N_("Đã đổi tên cơ quan.")))
def rename_agency(agency: Agency, form: RenameAgencyForm):
    """Rename an agency from a date (422 at the field: a taken name, a future date, a date
    before its last rename; 409 when it changed since the page was shown)."""
    organisation.rename_agency(agency, current_user, name=form.name.data,
                               short_name=form.short_name.data,
                               effective=form.effective_on.data, reason=form.reason.data or "")


@bp.post("/agencies/<int:agency_id>/deactivate")
@web.change(allow="agency.manage", load=_agency_or_none,
            form=lambda _a: DeactivateAgencyForm(prefix="end"), versioned=lambda agency: agency,
            invalid=lambda agency, form, status, error: _agency_page(
                agency, deactivate=form, status=status, error=error),
            done=_agency_done(N_("Đã ghi nhận cơ quan ngừng hoạt động.")))
def deactivate_agency(agency: Agency, form: DeactivateAgencyForm):
    """Stop offering an agency from a date (409 while it still owes answers: merge it)."""
    organisation.deactivate_agency(agency, current_user, effective=form.effective_on.data)


@bp.post("/agencies/<int:agency_id>/reactivate")
@web.change(allow="agency.manage", load=_agency_or_none,
            form=lambda _a: ReactivateAgencyForm(prefix="re"), versioned=lambda agency: agency,
            invalid=lambda agency, _form, status, error: _agency_page(
                agency, status=status, error=error),
            done=_agency_done(N_("Đã dùng lại cơ quan.")))
def reactivate_agency(agency: Agency, form: ReactivateAgencyForm):
    """Offer a deactivated agency again (409 for a merged one)."""
    organisation.reactivate_agency(agency, current_user)


def _merge_page(form: MergeAgenciesForm | None = None, *, status: int = 200, error=None):
    form = form or MergeAgenciesForm(formdata=None)
    error = _at_fields(form, error)
    return render("admin/merge.html", "merge", status=status, form=form, error=error)


@bp.get("/agencies/merge")
@requires("agency.manage")
def merge():
    """The form to merge agencies into a successor from a date."""
    return _merge_page()


def _merged(_obj, successor: Agency | None):
    if successor is None:  # a resend of a merge already applied, its successor gone
        return web.saved(None, redirect=url_for("admin.agencies"))
    return web.saved(_("Đã sáp nhập vào %(name)s.", name=successor.name),
                     redirect=url_for("admin.agency", agency_id=successor.id))


@bp.post("/agencies/merge")
@web.change(allow="agency.manage", form=lambda _obj: MergeAgenciesForm(), once=True,
            invalid=lambda _obj, form, status, error: _merge_page(form, status=status,
                                                                   error=error),
            done=_merged)
def merge_agencies(form: MergeAgenciesForm):
    """Merge agencies from a date: their open assignments move to the successor with a step
    in each timeline (422 at the field for bad choices; the same form sent twice merges
    once)."""
    sources = [db.session.get(Agency, i) for i in form.sources.data]
    into = db.session.get(Agency, form.into_id.data) if form.into_id.data else None
    result = organisation.merge_agencies(
        [s for s in sources if s is not None], current_user, into=into,
        new_name=form.new_name.data or "", new_short_name=form.new_short_name.data or "",
        effective=form.effective_on.data, move_accounts=form.move_accounts.data)
    return result.successor


# --- the locality tree (địa bàn) -------------------------------------------------------------

def _localities_page(form: LocalityImportForm | None = None, *, status: int = 200, error=None):
    lines = getattr(error, "lines", [])
    return render("admin/localities.html", "localities", status=status,
                  tree=locality_tree.tree(), form=form or LocalityImportForm(formdata=None),
                  error=None if getattr(error, "placed", False) else error,
                  lines=lines)


@bp.get("/localities")
@requires("locality.manage")
def localities():
    """The province and its communes, wards and special zones; the CSV import form."""
    return _localities_page()


def _localities_imported(_obj, result):
    if not isinstance(result, locality_tree.Imported):  # the same upload sent again
        return web.saved(_("Tệp này đã được nhập."), redirect=url_for("admin.localities"))
    return web.saved(_("Đã nhập: %(a)s địa bàn mới, %(c)s đổi tên hoặc cấp trên, %(e)s sáp "
                       "nhập; %(u)s không đổi.", a=result.added, c=result.changed,
                       e=result.ended, u=result.unchanged),
                     redirect=url_for("admin.localities"))


@bp.post("/localities/import")
@web.change(allow="locality.manage", form=lambda _obj: LocalityImportForm(), once=True,
            invalid=lambda _obj, form, status, error: _localities_page(form, status=status,
                                                                       error=error),
            done=_localities_imported)
def import_localities(form: LocalityImportForm):
    """Import the locality tree from CSV: every line checked first, nothing imported while
    one is wrong (422 listing each line and its reason)."""
    data = form.file.data.stream.read(locality_tree.MAX_BYTES + 1)
    return locality_tree.import_csv(data, current_user)


@bp.post("/agencies/<int:agency_id>/head")
@web.change(allow="agency.manage", load=_agency_or_none,
            form=lambda agency: AgencyHeadForm(prefix=f"h{agency.id}"),
            versioned=lambda agency: agency,
            invalid=lambda agency, form, status, error: _agencies_page(
                status=status, error=error, heads={agency.id: form}),
            done=lambda _agency, _result: web.saved(_("Đã lưu thủ trưởng cơ quan."),
                                                    redirect=url_for("admin.agencies")))
def set_agency_head(agency: Agency, form: AgencyHeadForm):
    """Set the agency head's name, title and e-mail, who receives the escalations of items
    long late (422 at the field for a bad e-mail; 409 when changed since shown)."""
    services.set_agency_head(agency, form, current_user)


# --- accounts ------------------------------------------------------------------------------

def _users_page(form: UserForm | None = None, *, status: int = 200, error=None):
    error = _at_fields(form, error)
    rows = db.session.scalars(select(User).order_by(User.username, User.id)).all()
    return render("admin/users.html", "admin", status=status, users=rows, error=error,
                  form=form or UserForm(formdata=None))


@bp.get("/users")
@requires("account.manage")
def users():
    """The accounts, and the form to add one."""
    return _users_page()


@bp.post("/users")
@web.change(allow="account.manage", form=lambda _obj: UserForm(), once=True,
            invalid=lambda _obj, form, status, error: _users_page(form, status=status,
                                                                   error=error),
            done=lambda _obj, _user: web.saved(_("Đã tạo tài khoản."),
                                               redirect=url_for("admin.users")))
def add_user(form: UserForm):
    """Create an account (an officer must belong to an agency; the same form sent twice
    creates one)."""
    return services.add_account(form, current_user)


# --- the managed list of fields (lĩnh vực) ----------------------------------------------------

def _rename_form(field: Field, **kwargs) -> RenameFieldForm:
    return RenameFieldForm(prefix=f"f{field.id}", **kwargs)


def _fields_component(*, form: FieldForm | None = None, rename: dict | None = None,
                      status: int = 200, message: str | None = None, error=None):
    """The `fields` component: the list in order, a rename form per row, the add form."""
    from portal.petitions.models import Petition

    error = _at_fields(form or next(iter((rename or {}).values()), None), error)
    rows = services.fields_in_order()
    used = dict(db.session.execute(
        select(Petition.field_id, func.count(Petition.id)).group_by(Petition.field_id)).all())
    rename = rename or {}
    rename_forms = {
        f.id: rename.get(f.id) or _rename_form(f, formdata=None, name=f.name, version=f.version)
        for f in rows
    }
    return render("admin/fields.html", "fields", status=status, rows=rows, used=used,
                  form=form or FieldForm(formdata=None), rename_forms=rename_forms,
                  message=message, error=error)


def _field_done(message: str):
    return web.saved(message, redirect=url_for("admin.fields"),
                     fragment=lambda: _fields_component(message=message))


def _field_or_none(field_id: int) -> Field | None:
    return db.session.get(Field, field_id)


def _field_refused(_field, _form, status: int, error):
    return _fields_component(status=status, error=error)


@bp.get("/fields")
@requires("field.manage")
def fields():
    """The fields of petitions in their order, with the forms that manage them."""
    return _fields_component()


@bp.post("/fields")
@web.change(allow="field.manage", form=lambda _obj: FieldForm(), once=True,
            invalid=lambda _obj, form, status, error: _fields_component(
                form=form, status=status, error=error),
            done=lambda _obj, _field: _field_done(_("Đã thêm lĩnh vực.")))
def add_field(form: FieldForm):
    """Add a field at the end of the list (422 on a bad name; sent twice, added once)."""
    return services.add_field(form.name.data, current_user)


@bp.post("/fields/<int:field_id>/rename")
@web.change(allow="field.manage", load=_field_or_none, form=_rename_form,
            versioned=lambda field: field,
            invalid=lambda field, form, status, error: _fields_component(
                rename={field.id: form}, status=status, error=error),
            done=lambda _field, _result: _field_done(_("Đã đổi tên lĩnh vực.")))
def rename_field(field: Field, form: RenameFieldForm):
    """Rename a field; its petitions follow (422 with the error in its row; 409 with both
    names when someone changed it since the list was shown)."""
    services.rename_field(field, form.name.data, current_user)


def _move_refused(_field, _form, status: int, error):
    if status == 422:
        abort(400)  # only a tampered request names another direction
    return _fields_component(status=status, error=error)


@bp.post("/fields/<int:field_id>/move")
@web.change(allow="field.manage", load=_field_or_none, form=lambda _field: MoveFieldForm(),
            invalid=_move_refused, done=lambda _field, _result: _field_done(_("Đã sắp xếp lại.")))
def move_field(field: Field, form: MoveFieldForm):
    """Move a field one place up or down the list."""
    services.move_field(field, form.direction.data, current_user)


@bp.post("/fields/<int:field_id>/toggle")
@web.change(allow="field.manage", load=_field_or_none, form=lambda _field: ToggleFieldForm(),
            versioned=lambda field: field, invalid=_field_refused,
            done=lambda _field, active: _field_done(
                _("Đã dùng lại lĩnh vực.") if active else _("Đã ngừng dùng lĩnh vực.")))
def toggle_field(field: Field, form: ToggleFieldForm):
    """Stop offering a field for new petitions, or offer it again; its petitions keep it.
    The button carries the field's version: a second click from the same page is 409."""
    return services.toggle_field(field, current_user)
