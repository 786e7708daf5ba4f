"""The atlas web service: SPARQL endpoint, resource pages and exports."""

from __future__ import annotations

from flask import Flask

from kg.config import Settings
from kg.remote import StoreUnavailable

from .fairness import ClientLimits
from .graph import CurrentGraph, NoBuild

#: Seconds a client is asked to wait before trying again when no build is published.
NO_BUILD_RETRY = 30


def create_app(settings: Settings | None = None) -> Flask:
    """Application factory."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["KG"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.extensions["kg_graph"] = CurrentGraph(settings)
    app.extensions["kg_limits"] = ClientLimits(settings.client_concurrency, settings.client_seconds)

    @app.get("/-/health")
    def health():
        return {"ok": True}

    @app.errorhandler(StoreUnavailable)
    def store_unavailable(exc):
        # A remote store (KG_STORE_QUERY) that is down, too slow or busy.
        return (f"Service unavailable: {exc}. Try again in a moment.\n", 503,
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "5"})

    @app.errorhandler(NoBuild)
    def no_build(_exc):
        return ("Service unavailable: no build of the atlas is published yet. It is answered "
                "as soon as one is ('kg build'); try again in a moment.\n", 503,
                {"Content-Type": "text/plain; charset=utf-8", "Retry-After": str(NO_BUILD_RETRY)})

    from . import dossier, pages, query_page, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(query_page.bp)
    app.register_blueprint(dossier.bp)
    from . import systems; app.register_blueprint(systems.bp)
    if not settings.store_query:  # a remote store's answers are not cached here
        from .cache import ExactRepeats

        graph = app.extensions["kg_graph"]
        app.wsgi_app = ExactRepeats(app.wsgi_app, graph.target, sparql.CORS_HEADERS,
                                    settings.max_body, settings.cache_mb)
    from .bodies import WholeBodies

    app.wsgi_app = WholeBodies(app.wsgi_app, settings.max_body, sparql.CORS_HEADERS)
    from .headers import SecurityHeaders

    app.wsgi_app = SecurityHeaders(app.wsgi_app)
    return app
