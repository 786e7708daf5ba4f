"""The SPARQL 1.1 endpoint (``/sparql``)."""

from flask import Blueprint

bp = Blueprint("sparql", __name__)
