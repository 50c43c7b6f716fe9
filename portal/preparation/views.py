"""Preparing a session: checklist and invitations."""
from flask import Blueprint

bp = Blueprint("preparation", __name__, url_prefix="/preparation")
