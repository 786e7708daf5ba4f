"""Run the app under gunicorn (a production WSGI server, debug off).

Gunicorn processes with threads (``gthread``) serve HTTP: two by default
(``KG_HTTP_WORKERS``), since one Python process uses about one core. Each
has its own response cache (``web.cache``) and its own pool of killable
query worker processes (``web.query_workers``), started once that gunicorn
worker is up, so a runaway query holds one query worker while other clients
keep being answered. Every pool's workers are forked from one fork server
(``web.fork_server``), started before gunicorn forks: it holds the build, and
the workers share its copy. ``KG_ACCESS_LOG`` is where the access log goes (``-``,
standard output, by default; empty for none).
"""

from __future__ import annotations

import dataclasses

from gunicorn.app.base import BaseApplication

from kg.config import Settings


class _Gunicorn(BaseApplication):
    def __init__(self, app, options):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application


def _start_query_workers(settings: Settings, fork_server: str | None):
    def post_worker_init(worker):
        from .query_workers import get_pool

        if settings.store_query:
            return  # a remote store answers the endpoint: no query workers needed
        # Open the build in this process too (pages query it directly), so
        # the first page does not wait for it to load.
        from .graph import NoBuild

        try:
            worker.wsgi.extensions["kg_graph"].store()
        except (FileNotFoundError, NoBuild):
            pass  # no build yet: pages say so
        get_pool(settings, fork_server).wait_ready(120)
    return post_worker_init


def _stop_query_workers(_server, _worker):
    from .query_workers import close_pool

    close_pool()


def bound_url(host: str, port: int) -> str | None:
    """The address a server bound to ``host:port`` is reached at, or None for
    a wildcard bind (then each request's own host is used)."""
    if host in ("", "0.0.0.0", "::", "[::]"):
        return None
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5000) -> None:
    from . import create_app

    if not settings.public_url:
        settings = dataclasses.replace(settings, public_url=bound_url(host, port))
    app = create_app(settings)
    app.debug = False
    fork_server = None
    if not settings.store_query:
        from .query_workers import start_shared

        fork_server = start_shared(settings)
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        # one Python process is bound to one core by its interpreter lock
        "workers": max(1, settings.http_workers),
        "worker_class": "gthread",
        # Enough threads that requests waiting on query workers never starve
        # the rest (pages, health checks, queued queries).
        "threads": max(32, 8 * max(2, settings.workers)),
        "accesslog": settings.access_log,
        "timeout": 120,
        # No control socket: by default every gunicorn on a machine shares one
        # path, and the one that stops first removes it under the others.
        "control_socket_disable": True,
        # Long GET queries: gunicorn's largest request line.
        "limit_request_line": 8190,
        "post_worker_init": _start_query_workers(settings, fork_server),
        "worker_exit": _stop_query_workers,
    }).run()
