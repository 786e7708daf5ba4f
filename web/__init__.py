"""The atlas web service: SPARQL endpoint, resource pages and exports."""

from __future__ import annotations

from flask import Flask

from kg.config import Settings

from .graph import CurrentGraph


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["KG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.extensions["kg_graph"] = CurrentGraph(settings)

    @app.get("/-/health")
    def health():
        return {"ok": True}

    from . import pages, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    return app
