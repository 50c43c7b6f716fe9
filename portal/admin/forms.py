"""Forms of the administration. They check what was typed; that a name is not taken yet
is the commands' rule (`portal.admin.services`), checked inside the change's transaction."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField as UploadField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.admin.models import Agency, AgencyKind
from portal.auth.models import Role
from portal.extensions import db
from portal.formfields import OnceForm, VersionedForm, VNDateField
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
        rows = db.session.execute(select(Agency.id, Agency.name).where(Agency.is_active)
                                  .order_by(vn_order(Agency.name), Agency.id))
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


# --- organisation changes (sắp xếp tổ chức) ---------------------------------------------------

def _active_agencies():
    return [SelectChoice(r.id, r.name) for r in db.session.execute(
        select(Agency.id, Agency.name).where(Agency.is_active)
        .order_by(vn_order(Agency.name), Agency.id))]


class RenameAgencyForm(VersionedForm, FlaskForm):
    """Rename an agency from a date (its former name is kept for earlier records)."""

    name = StringField(_l("Tên mới"), validators=[DataRequired(REQUIRED), Length(max=200)])
    short_name = StringField(_l("Tên viết tắt mới"),
                             validators=[DataRequired(REQUIRED), Length(max=40)])
    effective_on = VNDateField(_l("Có hiệu lực từ ngày"), validators=[DataRequired(REQUIRED)])
    reason = StringField(_l("Căn cứ (quyết định, nghị quyết)"),
                         validators=[Optional(), Length(max=300)])


class DeactivateAgencyForm(VersionedForm, FlaskForm):
    """Stop offering an agency from a date; it stays on its records."""

    effective_on = VNDateField(_l("Ngừng hoạt động từ ngày"), validators=[DataRequired(REQUIRED)])


class ReactivateAgencyForm(VersionedForm, FlaskForm):
    """Offer a deactivated agency again."""


class MergeAgenciesForm(OnceForm, FlaskForm):
    """Merge agencies into an existing one, or into a new one, from a date."""

    sources = SelectMultipleField(_l("Các cơ quan được sáp nhập"), coerce=int,
                                  validators=[DataRequired(_l("Chọn ít nhất một cơ quan được sáp nhập."))])
    into_id = SelectField(_l("Cơ quan kế thừa"), coerce=int)
    new_name = StringField(_l("hoặc tên cơ quan mới"), validators=[Optional(), Length(max=200)])
    new_short_name = StringField(_l("Tên viết tắt của cơ quan mới"),
                                 validators=[Optional(), Length(max=40)])
    effective_on = VNDateField(_l("Có hiệu lực từ ngày"), validators=[DataRequired(REQUIRED)])
    move_accounts = BooleanField(_l("Chuyển tài khoản cán bộ sang cơ quan kế thừa"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = _active_agencies()
        self.sources.choices = agencies
        self.into_id.choices = [SelectChoice(0, _l("— Cơ quan mới (nhập tên dưới đây) —"))] + agencies

    def validate_into_id(self, field):
        if not field.data and not (self.new_name.data or "").strip():
            raise ValidationError(_l("Chọn cơ quan kế thừa hoặc nhập tên cơ quan mới."))
        if field.data and field.data in (self.sources.data or []):
            raise ValidationError(_l("Cơ quan kế thừa không được nằm trong các cơ quan được sáp nhập."))

    def validate_new_short_name(self, field):
        if not self.into_id.data and (self.new_name.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(_l("Nhập tên viết tắt của cơ quan mới."))


class LocalityImportForm(OnceForm, FlaskForm):
    """The locality tree as a CSV file; its client key makes a resent upload import once."""

    file = UploadField(_l("Tệp CSV (UTF-8)"),
                       validators=[FileRequired(_l("Vui lòng chọn tệp để nhập."))])
