"""The servers measured side by side, each a child process on 127.0.0.1.

- ``Atlas``: this project's ``kg serve`` on a build (the embedded store).
- ``OxigraphServer``: a bare in-memory ``oxigraph serve`` (the ``oxigraph``
  PyPI package) loaded with the same quads: the engine's own ceiling.
- ``RdflibEndpoint``: ``rdflib-endpoint serve`` on the same quads, the
  Python peer (rdflib's in-memory store behind FastAPI and uvicorn).

Each knows the path of its SPARQL endpoint, so the same request can be sent
to all three.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tool(name: str) -> str | None:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)


def memory_mb(pid: int) -> float:
    """Memory of a process and all its descendants, in MB: the sum of their
    proportional set sizes (Linux /proc), so pages the processes share (the
    build the query workers share with their fork server) count once."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total / 1024


class Server:
    name = "server"
    sparql_path = "/sparql"

    def __init__(self):
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = open(Path(tempfile.gettempdir()) / f"bench-{self.name}-{self.port}.log", "wb")

    def spawn(self, cmd: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(cmd, env={**os.environ, **(env or {})}, cwd=ROOT,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait(self, path: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {self.log.name}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", path)
                if conn.getresponse().status < 500:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"{self.name} did not answer within {timeout:.0f} s")

    def memory_mb(self) -> float:
        return memory_mb(self.proc.pid) if self.proc and self.proc.poll() is None else 0.0

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Atlas(Server):
    name = "atlas"

    def __init__(self, home: Path):
        super().__init__()
        self.spawn([sys.executable, "-m", "kg.cli", "serve", "--host", "127.0.0.1",
                    "--port", str(self.port)],
                   {"KG_HOME": str(home), "KG_PUBLIC_URL": f"http://127.0.0.1:{self.port}/",
                    "PYTHONPATH": str(ROOT),
                    # Every benchmark client is on loopback: each names itself
                    # in X-Forwarded-For (bench.load), as behind a proxy.
                    "KG_TRUSTED_PROXIES": "127.0.0.1"})
        self.wait("/-/health", 120)


class OxigraphServer(Server):
    name = "oxigraph"
    sparql_path = "/query"

    def __init__(self, nquads: Path):
        super().__init__()
        binary = tool("oxigraph")
        if not binary:
            raise RuntimeError("the oxigraph server is not installed (pip install oxigraph)")
        # In memory, querying the union of graphs by default, like the atlas.
        self.spawn([binary, "serve", "--bind", f"127.0.0.1:{self.port}", "--union-default-graph"])
        self.wait("/query?query=ASK%7B%7D", 60)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        with open(nquads, "rb") as fh:
            conn.request("POST", "/store", body=fh, headers={
                "Content-Type": "application/n-quads", "Content-Length": str(nquads.stat().st_size)})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status >= 300:
            raise RuntimeError(f"oxigraph refused the data: {resp.status} {body[:300]!r}")


class RdflibEndpoint(Server):
    name = "rdflib-endpoint"
    sparql_path = "/"  # where its command line serves the endpoint

    def __init__(self, nquads: Path, timeout: float = 900):
        super().__init__()
        binary = tool("rdflib-endpoint")
        if not binary:
            raise RuntimeError("rdflib-endpoint is not installed (pip install 'rdflib-endpoint[cli]')")
        self.spawn([binary, "serve", str(nquads), "--host", "127.0.0.1", "--port", str(self.port)])
        self.wait("/?query=ASK%7B%7D", timeout)
