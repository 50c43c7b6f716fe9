"""Reply templates (mẫu trả lời): the managed wordings agencies and the office start from.

Plain functions: the commands that manage the list, and `filled(...)`, the templates that
apply to one assignment with its data put in. Personal data goes in only as the reader of
the form may see it (the submitter's name masked for those who may not see it).
"""
from __future__ import annotations

import string

from sqlalchemy import or_, select

from portal.errors import N_, DomainError
from portal.extensions import db
from portal.tracker.models import Assignment, ReplyTemplate, TemplateKind

PLACEHOLDERS = ("nguoi_neu", "noi_dung", "han", "co_quan", "buoi", "linh_vuc")
BAD_PLACEHOLDER = N_("Mẫu có chỗ điền không hợp lệ: %(name)s. Dùng: {nguoi_neu}, {noi_dung}, "
                     "{han}, {co_quan}, {buoi}, {linh_vuc}.")


def _check_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise DomainError(N_("Vui lòng nhập nội dung mẫu."), 422, "body")
    try:
        names = [f for _t, f, _s, _c in string.Formatter().parse(body) if f is not None]
    except ValueError:
        raise DomainError(BAD_PLACEHOLDER, 422, "body", name="{ }") from None
    for name in names:
        if name not in PLACEHOLDERS:
            raise DomainError(BAD_PLACEHOLDER, 422, "body", name="{" + name + "}")
    return body


def create(kind: str, field_id: int | None, title: str, body: str) -> ReplyTemplate:
    template = ReplyTemplate(kind=TemplateKind(kind), field_id=field_id or None,
                             title=title.strip(), body=_check_body(body))
    db.session.add(template)
    return template


def update(template: ReplyTemplate, kind: str, field_id: int | None, title: str,
           body: str) -> ReplyTemplate:
    template.kind, template.field_id = TemplateKind(kind), field_id or None
    template.title, template.body = title.strip(), _check_body(body)
    return template


def switch(template: ReplyTemplate) -> ReplyTemplate:
    template.is_active = not template.is_active
    return template


def listed() -> list[ReplyTemplate]:
    return list(db.session.scalars(select(ReplyTemplate).order_by(
        ReplyTemplate.kind, ReplyTemplate.title, ReplyTemplate.id)))


def filled(assignment: Assignment, submitter: str) -> dict[str, list[tuple[str, str]]]:
    """The active templates of each kind that apply to the assignment's field (or to every
    field), as (title, text with the data filled in): one query."""
    petition = assignment.petition
    values = {"nguoi_neu": submitter, "noi_dung": " ".join(petition.content.split()),
              "han": assignment.deadline.strftime("%d/%m/%Y"),
              "co_quan": assignment.agency.name,
              "buoi": petition.session.title if petition.session else "",
              "linh_vuc": petition.field.name if petition.field else ""}
    found: dict[str, list[tuple[str, str]]] = {}
    for template in db.session.scalars(select(ReplyTemplate).where(
            ReplyTemplate.is_active,
            or_(ReplyTemplate.field_id.is_(None), ReplyTemplate.field_id == petition.field_id))
            .order_by(ReplyTemplate.title, ReplyTemplate.id)):
        found.setdefault(template.kind.value, []).append(
            (template.title, template.body.format(**values)))
    return found
