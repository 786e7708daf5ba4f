"""Shared fixtures: a real build of the real data, and a real HTTP server.

The session builds the graph once into a temporary home and starts
``kg serve`` (gunicorn) on a free loopback port against it.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kg.build import build
from kg.config import PROJECT_ROOT, Settings
from kg.store import OxigraphStore

KG = [sys.executable, "-m", "kg.cli"]

#: Files the project does not ship (the fact sheet, the W3C test suites): the
#: ``shared`` folder beside the checkout, or wherever KG_SHARED_DIR says.
SHARED_DIR = Path(os.environ.get("KG_SHARED_DIR") or PROJECT_ROOT.parent / "shared")


def shared_file(*parts: str, module: bool = False) -> Path:
    """A path under SHARED_DIR. Where it is missing the test is skipped with
    a message naming the path, except under CI, where it fails: CI must never
    lose that coverage silently. ``module=True`` for use at import time."""
    path = SHARED_DIR.joinpath(*parts)
    if not path.exists():
        message = (f"{path} not found: these tests need the shared reference files "
                   "(set KG_SHARED_DIR to the folder that holds them)")
        if os.environ.get("CI"):
            pytest.fail(message + "; under CI they must be present", pytrace=False)
        pytest.skip(message, allow_module_level=module)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Settings:
    """Settings of a fresh build of the real ontology and data."""
    home = tmp_path_factory.mktemp("kg-home")
    settings = Settings.from_env(home=home)
    build(settings, progress=lambda _m: None)
    return settings


@pytest.fixture(scope="session")
def store(built) -> OxigraphStore:
    return OxigraphStore.open_current(built)


def kg_env(settings: Settings, **extra) -> dict[str, str]:
    env = dict(os.environ)
    env.update({
        "KG_HOME": str(settings.home),
        "KG_DATA_DIR": str(settings.data_dir),
        "KG_ONTOLOGY_DIR": str(settings.ontology_dir),
        "KG_BASE": settings.base,
        "PYTHONPATH": str(PROJECT_ROOT),
    })
    env.update({k: str(v) for k, v in extra.items()})
    return env


def run_kg(settings: Settings, *args, **env) -> subprocess.CompletedProcess:
    return subprocess.run([*KG, *args], env=kg_env(settings, **env), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=300)


def http_request(server, method, path, body=None, headers=None, timeout=30):
    """One raw HTTP request to a live server: (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


class LiveServer:
    """``kg serve`` on a free port; ``public_url=False`` leaves KG_PUBLIC_URL
    unset, so the server names itself by the address it is bound to."""

    def __init__(self, settings: Settings, public_url: bool = True, **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(settings.home) / f"server-{self.port}.log"
        self._log = open(self.log, "wb")
        environ = kg_env(settings, **({"KG_PUBLIC_URL": self.url + "/"} if public_url else {}), **env)
        if "KG_PUBLIC_URL" not in env and not public_url:
            environ.pop("KG_PUBLIC_URL", None)
        self.proc = subprocess.Popen(
            [*KG, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=environ, cwd=PROJECT_ROOT,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for(self.url + "/-/health", proc=self.proc)
        except Exception:
            self.stop()
            raise RuntimeError(f"server did not start:\n{self.log.read_text()}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
        self._log.close()


@pytest.fixture(scope="session")
def live_server(built):
    """A real gunicorn server running ``kg serve`` on the session build."""
    server = LiveServer(built)
    yield server
    server.stop()
