"""Forms of the administration. They check what was typed; that a name is not taken yet
is the commands' rule (`portal.admin.services`), checked inside the change's transaction."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.admin.models import Agency, AgencyKind
from portal.auth.models import Role
from portal.extensions import db
from portal.formfields import OnceForm, VersionedForm
from portal.labels import choices
from portal.text import vn_order

REQUIRED = _l("Trường này là bắt buộc.")


EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Địa chỉ thư điện tử không hợp lệ."))


class _AgencyHead(FlaskForm):
    """The agency head's contact (thủ trưởng): items long late are escalated to them."""

    head_name = StringField(_l("Họ tên thủ trưởng"), validators=[Optional(), Length(max=120)])
    head_title = StringField(_l("Chức vụ thủ trưởng"), validators=[Optional(), Length(max=120)])
    head_email = StringField(_l("Thư điện tử của thủ trưởng"),
                             validators=[Optional(), Length(max=254), EMAIL])


class AgencyForm(OnceForm, _AgencyHead):
    """A new agency; its client key makes a resent form add it once."""

    name = StringField(_l("Tên cơ quan"), validators=[DataRequired(REQUIRED), Length(max=200)])
    short_name = StringField(_l("Tên viết tắt"), validators=[DataRequired(REQUIRED), Length(max=40)])
    kind = SelectField(_l("Loại"), choices=choices(AgencyKind), validators=[DataRequired(REQUIRED)])


class AgencyHeadForm(VersionedForm, _AgencyHead):
    """Change an agency's head, from the version the list was shown with (stale: 409)."""


class UserForm(OnceForm, FlaskForm):
    """A new account; its client key makes a resent form create it once."""

    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(REQUIRED), Length(min=3, max=64),
        Regexp(r"^[a-z0-9._-]+$", message=_l("Chỉ dùng chữ thường không dấu, số và . _ -"))])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(REQUIRED), Length(max=200)])
    position = StringField(_l("Chức vụ (in ở khối chữ ký của biên bản)"),
                           validators=[Optional(), Length(max=200)])
    email = StringField(_l("Thư điện tử (nhận đôn đốc)"), validators=[
        Optional(), Length(max=200),
        Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Địa chỉ thư điện tử không hợp lệ."))])
    role = SelectField(_l("Vai trò"), choices=choices(Role), validators=[DataRequired(REQUIRED)])
    agency_id = SelectField(_l("Cơ quan"), coerce=int)
    password = PasswordField(_l("Mật khẩu"), validators=[
        DataRequired(REQUIRED), Length(min=10, max=200, message=_l("Mật khẩu cần từ 10 ký tự."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        rows = db.session.execute(select(Agency.id, Agency.name).order_by(vn_order(Agency.name), Agency.id))
        self.agency_id.choices = [SelectChoice(0, _l("— Không thuộc cơ quan —"))] + [
            SelectChoice(r.id, r.name) for r in rows]

    def validate_agency_id(self, field):
        if self.role.data == Role.OFFICER.value and not field.data:
            raise ValidationError(_l("Cán bộ cơ quan phải thuộc đúng một cơ quan."))


class _FieldName(FlaskForm):
    """The name of a petition field (lĩnh vực) of the managed list (that it differs from the
    others is the command's rule: `services.add_field`, `services.rename_field`)."""

    name = StringField(_l("Tên lĩnh vực"), validators=[
        DataRequired(REQUIRED), Length(max=120, message=_l("Không được dài quá 120 ký tự."))])


class FieldForm(OnceForm, _FieldName):
    """Add a field; its client key makes a resent form add it once."""


class RenameFieldForm(VersionedForm, _FieldName):
    """Rename a field, from the version the list was shown with (a stale rename is 409)."""


class ToggleFieldForm(VersionedForm, FlaskForm):
    """Stop or resume offering a field, from the version the list was shown with."""


class MoveFieldForm(FlaskForm):
    direction = SelectField(choices=[SelectChoice("up"), SelectChoice("down")],
                            validators=[DataRequired(REQUIRED)])
