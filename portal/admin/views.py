"""Administration: agencies, accounts and the managed list of fields (lĩnh vực)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select

from portal.access import roles_required
from portal.admin.forms import AgencyForm, FieldForm, MoveFieldForm, UserForm
from portal.admin.models import Agency, AgencyKind, Field
from portal.auth.models import Role, User
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to, render

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/agencies", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def agencies():
    """List agencies and add one."""
    form = AgencyForm()
    if form.validate_on_submit():
        db.session.add(Agency(name=form.name.data.strip(), short_name=form.short_name.data.strip(),
                              kind=AgencyKind(form.kind.data)))
        db.session.commit()
        flash(_("Đã thêm cơ quan."), "success")
        return redirect_to(url_for("admin.agencies"))
    rows = db.session.scalars(select(Agency).order_by(Agency.kind, Agency.name)).all()
    return render("admin/agencies.html", "admin", form=form, agencies=rows,
                  status=422 if form.is_submitted() else 200)


@bp.route("/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users():
    """List accounts and add one (an officer must belong to an agency)."""
    form = UserForm()
    if form.validate_on_submit():
        role = Role(form.role.data)
        user = User(username=form.username.data.strip(), full_name=form.full_name.data.strip(),
                    role=role, agency_id=form.agency_id.data or None,
                    email=(form.email.data or "").strip())
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        flash(_("Đã tạo tài khoản."), "success")
        return redirect_to(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render("admin/users.html", "admin", form=form, users=rows,
                  status=422 if form.is_submitted() else 200)


# --- the managed list of fields (lĩnh vực) ----------------------------------------------------

# The Office keeps its own classification; administrators too.
FIELD_MANAGERS = (Role.ADMIN, Role.OFFICE)


def _fields_component(*, form: FieldForm | None = None, rename: dict | None = None,
                      status: int = 200, message: str | None = None):
    """The `fields` component: the list in order, a rename form per row, the add form."""
    from portal.petitions.models import Petition

    rows = db.session.scalars(select(Field).order_by(Field.position, Field.id)).all()
    used = dict(db.session.execute(
        select(Petition.field_id, func.count(Petition.id)).group_by(Petition.field_id)).all())
    rename = rename or {}
    rename_forms = {
        f.id: rename.get(f.id) or FieldForm(formdata=None, prefix=f"f{f.id}", name=f.name,
                                            field_id=f.id)
        for f in rows
    }
    return render("admin/fields.html", "fields", status=status, rows=rows, used=used,
                  form=form or FieldForm(formdata=None), rename_forms=rename_forms,
                  message=message)


def _field_done(message: str):
    if is_fragment_request():
        return _fields_component(message=message)
    flash(message, "success")
    return redirect_to(url_for("admin.fields"))


def _get_field(field_id: int) -> Field:
    found = db.session.get(Field, field_id)
    if found is None:
        abort(404)
    return found


@bp.route("/fields", methods=["GET", "POST"])
@roles_required(*FIELD_MANAGERS)
def fields():
    """The fields of petitions in their order; POST adds one at the end (422 on a bad name)."""
    form = FieldForm()
    if form.validate_on_submit():
        last = db.session.scalar(select(func.max(Field.position))) or 0
        db.session.add(Field(name=form.name.data.strip(), position=last + 1, is_active=True))
        db.session.commit()
        return _field_done(_("Đã thêm lĩnh vực."))
    return _fields_component(form=form, status=422 if form.is_submitted() else 200)


@bp.post("/fields/<int:field_id>/rename")
@roles_required(*FIELD_MANAGERS)
def rename_field(field_id: int):
    """Rename a field; its petitions follow (422 with the error in its row)."""
    item = _get_field(field_id)
    form = FieldForm(prefix=f"f{item.id}", field_id=item.id)
    if not form.validate_on_submit():
        return _fields_component(rename={item.id: form}, status=422)
    item.name = form.name.data.strip()
    db.session.commit()
    return _field_done(_("Đã đổi tên lĩnh vực."))


@bp.post("/fields/<int:field_id>/move")
@roles_required(*FIELD_MANAGERS)
def move_field(field_id: int):
    """Move a field one place up or down the list."""
    item = _get_field(field_id)
    form = MoveFieldForm()
    if not form.validate_on_submit():
        abort(400)
    ordered = list(db.session.scalars(select(Field).order_by(Field.position, Field.id)))
    index = ordered.index(item)
    other = index - 1 if form.direction.data == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position
    db.session.commit()
    return _field_done(_("Đã sắp xếp lại."))


@bp.post("/fields/<int:field_id>/toggle")
@roles_required(*FIELD_MANAGERS)
def toggle_field(field_id: int):
    """Stop offering a field for new petitions, or offer it again; its petitions keep it."""
    item = _get_field(field_id)
    item.is_active = not item.is_active
    db.session.commit()
    if item.is_active:
        return _field_done(_("Đã dùng lại lĩnh vực."))
    return _field_done(_("Đã ngừng dùng lĩnh vực."))
