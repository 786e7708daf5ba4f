"""The app's handle on the current build.

Opens the build that ``var/current`` points at, and reopens it when a new
build is published, so ``kg build`` never needs a server restart and a failed
build leaves the last good graph in service. With ``KG_STORE_QUERY`` set, the
store is the remote one (``kg.remote``) and the "target" a folder under
KG_HOME named after the current push.
"""

from __future__ import annotations

import os
import threading

from flask import current_app

from kg.config import Settings
from kg.remote import RemoteStore
from kg.store import OxigraphStore


class NoBuild(Exception):
    """No build is published yet: every page answers 503 until one is."""


class CurrentGraph:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._target: str | None = None
        self._store: OxigraphStore | None = None
        self.remote: RemoteStore | None = (
            RemoteStore.from_settings(settings) if settings.store_query else None)

    def target(self) -> str:
        """The build folder currently published (changes on every build)."""
        if self.remote is not None:
            return self.remote.target()
        target = os.path.realpath(self.settings.current)
        if not os.path.isdir(target):
            raise NoBuild()
        return target

    def store(self) -> OxigraphStore | RemoteStore:
        if self.remote is not None:
            return self.remote
        target = self.target()
        if target != self._target:
            with self._lock:
                if target != self._target:
                    self._store = OxigraphStore.open_build(os.path.join(target, "store"),
                                                           self.settings.memory_triples)
                    self._target = target
        return self._store


def current_graph() -> CurrentGraph:
    return current_app.extensions["kg_graph"]


def current_store() -> OxigraphStore | RemoteStore:
    return current_graph().store()
