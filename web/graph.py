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

from flask import current_app, g, has_request_context

from kg.config import Settings
from kg.remote import RemoteStore
from kg.store import OxigraphStore


class NoBuild(Exception):
    """No build is published yet: every page answers 503 until one is."""


class CurrentGraph:
    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._opened: tuple[str, OxigraphStore] | None = None
        self.remote: RemoteStore | None = (
            RemoteStore.from_settings(settings) if settings.store_query else None)
        self._link_folder = os.path.realpath(os.path.dirname(os.path.abspath(settings.current)))

    def published(self) -> str:
        """The build folder ``current`` points at now. ``kg build`` swaps that
        link atomically and writes it relative to its folder, so one readlink
        per request tells (a full realpath costs a dozen lstat calls)."""
        try:
            link = os.readlink(self.settings.current)
        except OSError:  # no build yet, or not a link: let realpath say
            return os.path.realpath(self.settings.current)
        return os.path.normpath(os.path.join(self._link_folder, link))

    def target(self) -> str:
        """The build folder published when this request began (changes on
        every build). One request reads one build: its body, its ETag and
        every query behind them, even if a build is published meanwhile."""
        pinned = has_request_context() and g.get("kg_target")
        if pinned:
            return pinned
        if self.remote is not None:
            target = self.remote.target()
        else:
            target = self.published()
            if not os.path.isdir(target):
                raise NoBuild()
        if has_request_context():
            g.kg_target = target
        return target

    def store(self) -> OxigraphStore | RemoteStore:
        if self.remote is not None:
            return self.remote
        target = self.target()
        opened = self._opened
        if opened is not None and opened[0] != target \
                and self.published() != target:
            # A request begun before the build now published: read its own
            # build from disk (cheap to open) and keep the new one open.
            return OxigraphStore(os.path.join(target, "store"))
        if opened is None or opened[0] != target:
            with self._lock:
                opened = self._opened
                if opened is None or opened[0] != target:
                    # Read from disk: every query of the endpoint and the pages
                    # runs in the query workers (which hold the build in memory
                    # when it is small); this process only streams dumps and
                    # reads a few facts, so it keeps no copy of its own.
                    opened = (target, OxigraphStore(os.path.join(target, "store")))
                    self._opened = opened  # (build folder, its store), swapped as one
        return opened[1]


def current_graph() -> CurrentGraph:
    return current_app.extensions["kg_graph"]


def current_store() -> OxigraphStore | RemoteStore:
    return current_graph().store()
