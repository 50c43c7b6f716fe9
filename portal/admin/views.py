"""Administration: agencies and accounts."""
from __future__ import annotations

from flask import Blueprint, flash, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from portal.access import roles_required
from portal.admin.forms import AgencyForm, UserForm
from portal.admin.models import Agency, AgencyKind
from portal.auth.models import Role, User
from portal.extensions import db
from portal.htmx import redirect_to, render

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
                    role=role, agency_id=form.agency_id.data or None)
        user.set_password(form.password.data)
        db.session.add(user)
        db.session.commit()
        flash(_("Đã tạo tài khoản."), "success")
        return redirect_to(url_for("admin.users"))
    rows = db.session.scalars(select(User).order_by(User.username)).all()
    return render("admin/users.html", "admin", form=form, users=rows,
                  status=422 if form.is_submitted() else 200)
