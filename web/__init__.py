"""The atlas web service: SPARQL endpoint, resource pages and exports."""

from __future__ import annotations

from flask import Flask

from kg.config import Settings


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory."""
    app = Flask(__name__)
    app.config["KG"] = settings or Settings.from_env()

    @app.get("/-/health")
    def health():
        return {"ok": True}

    return app
