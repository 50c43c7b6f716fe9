"""Petitions before the meeting: lists, search, aggregate, import and export."""
from flask import Blueprint

bp = Blueprint("petitions", __name__, url_prefix="/petitions")
