"""Yearly plans: list, edit, generate sessions, print."""
from flask import Blueprint

bp = Blueprint("plans", __name__, url_prefix="/plans")
