"""One place that knows about htmx: a page for a normal request, its block for htmx.

A fragment is a named block of the page template (jinja2-fragments renders it),
so the page and the fragment can never drift apart.
"""
from __future__ import annotations

from flask import make_response, render_template, request
from jinja2_fragments.flask import render_block


def is_fragment_request() -> bool:
    """True for an htmx request that swaps a part of the page (not boosted, not history)."""
    hx = request.htmx
    return bool(hx) and not hx.boosted and not hx.history_restore_request


def render(template: str, block: str, *, status: int = 200, **context):
    """Render the whole page, or only `block` for an htmx request; vary the cache on it."""
    if is_fragment_request():
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.headers["Vary"] = "HX-Request"
    return response


def redirect_to(url: str):
    """Send the browser elsewhere: HX-Redirect for htmx, a 303 otherwise (Post/Redirect/Get)."""
    from flask import redirect

    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, code=303)
