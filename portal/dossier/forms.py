"""The dossier's one form: the button that starts a build (CSRF and a client key, so a
double click starts one build)."""
from __future__ import annotations

from flask_wtf import FlaskForm

from portal.formfields import OnceForm


class StartForm(OnceForm, FlaskForm):
    """Start building the chair's dossier of a session."""
