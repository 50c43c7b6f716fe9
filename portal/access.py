"""Who may do what: role checks for views and agency scoping for queries."""
from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from portal.auth.models import Role


def roles_required(*roles: Role):
    """Let a view through only for logged-in users holding one of `roles` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


STAFF = (Role.OFFICE, Role.CHAIR, Role.ADMIN)
READERS = (Role.OFFICE, Role.CHAIR, Role.ADMIN, Role.OBSERVER)
RUNNERS = (Role.OFFICE, Role.CHAIR)
