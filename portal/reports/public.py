"""The public page (when the office switches it on)."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/public")
