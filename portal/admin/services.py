"""Administration commands: agencies, accounts and the managed list of fields (lĩnh vực).

Plain functions run by the one change path (`portal.web.change`): they take the user and
the validated values, apply the rules, and never commit. A refusal is a `DomainError`.
"""
from __future__ import annotations

from sqlalchemy import func, select

from portal.admin.models import Agency, AgencyKind, Field
from portal.auth.models import Role, User
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.text import fold


class Taken(DomainError):
    """Values another row already has (422): each message belongs to its field."""

    def __init__(self, errors: dict[str, str]) -> None:
        (field, msgid), *others = errors.items()
        super().__init__(msgid, 422, field)
        self.others = dict(others)  # the form shows these at their fields too


def add_agency(form, user: User) -> Agency:
    """A new agency (a validated AgencyForm); its name and short name are not taken."""
    name, short_name = form.name.data.strip(), form.short_name.data.strip()
    taken = {}
    if db.session.scalar(select(Agency.id).where(func.lower(Agency.name) == name.lower())):
        taken["name"] = N_("Đã có cơ quan mang tên này.")
    if db.session.scalar(select(Agency.id).where(Agency.short_name == short_name)):
        taken["short_name"] = N_("Tên viết tắt này đã được dùng.")
    if taken:
        raise Taken(taken)
    agency = Agency(name=name, short_name=short_name, kind=AgencyKind(form.kind.data))
    set_agency_head(agency, form, user)
    db.session.add(agency)
    return agency


def set_agency_head(agency: Agency, form, user: User) -> Agency:
    """The agency head's name, title and e-mail (a validated form with `head_*` fields), to
    whom the reminder job escalates items long late (`portal.jobs.reminders`)."""
    agency.head_name = " ".join((form.head_name.data or "").split())
    agency.head_title = " ".join((form.head_title.data or "").split())
    agency.head_email = (form.head_email.data or "").strip()
    return agency


def add_account(form, user: User) -> User:
    """A new account (a validated UserForm). An officer belongs to exactly one agency."""
    role = Role(form.role.data)
    agency_id = form.agency_id.data or None
    username = form.username.data.strip()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise Taken({"username": N_("Tên đăng nhập đã tồn tại.")})
    if role == Role.OFFICER and agency_id is None:
        raise DomainError(N_("Cán bộ cơ quan phải thuộc đúng một cơ quan."), 422, "agency_id")
    account = User(username=username, full_name=form.full_name.data.strip(),
                   role=role, agency_id=agency_id, email=(form.email.data or "").strip(),
                   position=" ".join((form.position.data or "").split()))
    account.set_password(form.password.data)
    db.session.add(account)
    return account


def fields_in_order() -> list[Field]:
    return list(db.session.scalars(select(Field).order_by(Field.position, Field.id)))


def _require_free_name(name: str, field: Field | None = None) -> None:
    """Two fields whose names differ only in case or diacritics would be ambiguous on
    import: such a name is refused (422 at the name)."""
    key = " ".join(fold(name).split())
    rows = db.session.execute(select(Field.id, Field.name))
    if any(" ".join(fold(r.name).split()) == key and (field is None or r.id != field.id)
           for r in rows):
        raise Taken({"name": N_("Đã có lĩnh vực mang tên này.")})


def add_field(name: str, user: User) -> Field:
    """A new field at the end of the list, offered for new petitions."""
    _require_free_name(name)
    last = db.session.scalar(select(func.max(Field.position))) or 0
    field = Field(name=name.strip(), position=last + 1, is_active=True)
    db.session.add(field)
    return field


def rename_field(field: Field, name: str, user: User) -> Field:
    """Rename a field; its petitions follow (they refer to it by id)."""
    _require_free_name(name, field)
    field.name = name.strip()
    return field


def move_field(field: Field, direction: str, user: User) -> None:
    """Move a field one place up or down the list (the first stays first, the last last)."""
    if direction not in ("up", "down"):
        raise DomainError(N_("Lựa chọn không hợp lệ."), 422)
    ordered = fields_in_order()
    index = ordered.index(field)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(ordered):
        ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, row in enumerate(ordered):
        if row.position != position:
            row.position = position


def toggle_field(field: Field, user: User) -> bool:
    """Stop offering a field for new petitions, or offer it again; its petitions keep it.
    Returns whether it is offered now."""
    field.is_active = not field.is_active
    return field.is_active
