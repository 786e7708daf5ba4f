"""Human-readable pages and linked-data documents for every resource."""

from flask import Blueprint

bp = Blueprint("pages", __name__)
