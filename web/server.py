"""Run the app under gunicorn (a production WSGI server, debug off)."""

from __future__ import annotations

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


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 5000) -> None:
    from . import create_app

    app = create_app(settings)
    _Gunicorn(app, {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": 8,
        "accesslog": "-",
        "timeout": 120,
    }).run()
