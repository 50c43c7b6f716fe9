from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.calendar.models import SessionKind
from portal.formfields import VNDateField, VNTimeField
from portal.labels import choices

REQUIRED = _l("Trường này là bắt buộc.")


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


class SessionForm(FlaskForm):
    """Create or edit a dialogue session."""

    kind = SelectField(_l("Loại đối thoại"), choices=choices(SessionKind),
                       validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(REQUIRED), _too_long(300)])
    day = VNDateField(_l("Ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày họp."))])
    start_time = VNTimeField(_l("Giờ bắt đầu"),
                             validators=[InputRequired(_l("Vui lòng nhập giờ bắt đầu."))])
    end_time = VNTimeField(_l("Giờ kết thúc"), validators=[Optional()])
    venue = StringField(_l("Địa điểm"), validators=[DataRequired(REQUIRED), _too_long(300)])
    host = StringField(_l("Người chủ trì"), validators=[DataRequired(REQUIRED), _too_long(200)])
    content = TextAreaField(_l("Nội dung"), validators=[_too_long(10000)])

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Giờ kết thúc phải sau giờ bắt đầu."))
