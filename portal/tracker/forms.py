from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Nội dung trả lời"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung trả lời.")), Length(max=50000)])


class ReturnForm(FlaskForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[
        DataRequired(_l("Vui lòng nêu lý do trả lại.")), Length(max=10000)])


class AcceptForm(FlaskForm):
    pass
