from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from portal.admin.models import Field
from portal.extensions import db
from portal.labels import choices
from portal.petitions.models import Channel, SubmitterKind

REQUIRED = _l("Trường này là bắt buộc.")


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


def field_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Field.id, Field.name).where(Field.is_active).order_by(Field.position, Field.name)
    )
    return [SelectChoice(row.id, row.name) for row in rows]


class PetitionForm(FlaskForm):
    """A petition registered before the meeting or recorded from the floor."""

    submitter_kind = SelectField(_l("Người nêu là"), choices=choices(SubmitterKind),
                                 validators=[DataRequired(REQUIRED)])
    submitter_name = StringField(_l("Họ tên / tên tổ chức"),
                                 validators=[DataRequired(REQUIRED), _too_long(200)])
    submitter_contact = StringField(_l("Liên hệ (điện thoại, địa chỉ)"), validators=[_too_long(200)])
    locality = StringField(_l("Địa bàn"), validators=[_too_long(200)])
    field_id = SelectField(_l("Lĩnh vực"), coerce=int,
                           validators=[DataRequired(_l("Vui lòng chọn lĩnh vực."))])
    channel = SelectField(_l("Kênh tiếp nhận"), choices=choices(Channel),
                          validators=[DataRequired(REQUIRED)])
    content = TextAreaField(_l("Nội dung ý kiến, kiến nghị"),
                            validators=[DataRequired(REQUIRED), _too_long(10000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_id.choices = [SelectChoice(0, _l("— Chọn lĩnh vực —"))] + field_choices()
