"""The audit viewer's filters (a GET form: no CSRF)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from portal.formfields import VNDateField


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    user = SelectField(_l("Người thực hiện"), coerce=int, default=0, validate_choice=False)
    entity = SelectField(_l("Đối tượng"), default="", validate_choice=False)
    entity_id = StringField(_l("Mã đối tượng"), validators=[Optional(), Length(max=40)])
    action = StringField(_l("Thao tác"), validators=[Optional(), Length(max=20)])
    date_from = VNDateField(_l("Từ ngày"), name="from")
    date_to = VNDateField(_l("Đến ngày"), name="to")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
