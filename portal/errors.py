"""The one error a command raises when it refuses a change.

A command (a plain function of a capability) never answers HTTP itself: it raises
`DomainError` with a message id from the catalog, the HTTP status the web layer gives
(403 not yours, 404 not there, 409 not now, 422 bad data), the form field the message
belongs to, and the message's parameters. The web pipeline (`portal.web`) turns it into
the re-rendered form or component; the CLI prints `str(err)` (Vietnamese).
"""
from __future__ import annotations

from flask import has_request_context
from flask_babel import gettext


def N_(message: str) -> str:
    """Mark a message for the catalog; it is translated where it is shown."""
    return message


class DomainError(Exception):
    """A refused change: `msgid` (Vietnamese, translated when shown), `status`, `field`."""

    def __init__(self, msgid: str, status: int = 409, field: str | None = None,
                 **params) -> None:
        super().__init__(msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
        self.status = status
        self.field = field

    @property
    def message(self) -> str:
        """The message in the current request's language (Vietnamese outside a request)."""
        if has_request_context():
            return gettext(self.msgid, **self.params)
        return str(self)


class NeedsConfirmation(DomainError):
    """A move that is allowed only once the user confirms it (the form shows a confirm box)."""


LOCKED = N_("Buổi đối thoại đã kết thúc, biên bản đã khóa.")
FORBIDDEN = N_("Bạn không có quyền thực hiện thao tác này.")
STALE = N_("Nội dung vừa được người khác thay đổi. Bản hiện tại hiển thị bên cạnh nội dung "
           "bạn đã nhập; kiểm tra rồi lưu lại nếu vẫn muốn thay đổi.")
