"""The load generator: one HTTP client used the same way against every server.

Requests go over kept-alive connections (one per client thread) on
127.0.0.1; a request is counted only if it answers 200 (or 304 where a
revalidation is being measured). The load is bounded by a request count and
a time cap, so a slow peer costs at most ``max_seconds`` per figure.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
from dataclasses import dataclass, field


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    ok: tuple[int, ...] = (200,)


@dataclass
class Result:
    requests: int
    errors: int
    p50_ms: float | None
    p99_ms: float | None
    rps: float
    bytes: int = 0
    timed_out: bool = False  # no answer within the per-request timeout
    capped: bool = False  # stopped by the time cap before all requests were sent
    error: str | None = None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class Client:
    """One kept-alive connection, reopened when the server closes it.
    ``address``, when given, is sent as X-Forwarded-For: the client address a
    server that trusts this machine as its proxy tells clients apart by."""

    def __init__(self, port: int, timeout: float, address: str | None = None):
        self.port, self.timeout = port, timeout
        self.extra = {"X-Forwarded-For": address} if address else {}
        self.conn: http.client.HTTPConnection | None = None

    def send(self, req: Request) -> tuple[int, bytes]:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.request(req.method, req.path, body=req.body,
                                  headers={**req.headers, **self.extra})
                resp = self.conn.getresponse()
                body = resp.read()
                if resp.getheader("Connection", "").lower() == "close":
                    self.close()
                return resp.status, body
            except TimeoutError:
                self.close()
                raise
            except (http.client.HTTPException, OSError):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


def run(port: int, requests: list[Request], total: int, concurrency: int, max_seconds: float,
        timeout: float = 120.0, warmup: int = 3, clients: str = "10.1.0") -> Result:
    """Send ``total`` requests (cycling through ``requests``) from
    ``concurrency`` threads, stopping early after ``max_seconds``. Each
    thread is a client of its own (address ``clients.N``)."""
    first = Client(port, timeout, f"{clients}.250")
    try:
        for i in range(max(1, warmup)):
            req = requests[i % len(requests)]
            started = time.monotonic()
            status, body = first.send(req)
            if status not in req.ok:
                return Result(0, 1, None, None, 0.0, error=f"{status}: {body[:200]!r}")
            if time.monotonic() - started > max_seconds / 2:
                break  # a slow peer: its one answer is the measurement
    except TimeoutError:
        return Result(0, 1, None, None, 0.0, timed_out=True, error=f"no answer within {timeout:.0f} s")
    finally:
        first.close()

    latencies: list[float] = []
    errors, sent, size = [0], [0], [0]
    lock = threading.Lock()
    deadline = time.monotonic() + max_seconds

    def client(n: int):
        c = Client(port, timeout, f"{clients}.{n + 1}")
        try:
            while True:
                with lock:
                    if sent[0] >= total or time.monotonic() > deadline:
                        return
                    req = requests[sent[0] % len(requests)]
                    sent[0] += 1
                started = time.perf_counter()
                try:
                    status, body = c.send(req)
                except (TimeoutError, OSError, http.client.HTTPException):
                    with lock:
                        errors[0] += 1
                    continue
                elapsed = time.perf_counter() - started
                with lock:
                    if status in req.ok:
                        latencies.append(elapsed)
                        size[0] += len(body)
                    else:
                        errors[0] += 1
        finally:
            c.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if not latencies:
        return Result(0, errors[0], None, None, 0.0, error="no request succeeded")
    latencies.sort()
    return Result(len(latencies), errors[0], 1000 * statistics.median(latencies),
                  1000 * percentile(latencies, 0.99), len(latencies) / wall, size[0],
                  capped=len(latencies) + errors[0] < total)


def flood(port: int, request: Request, clients: int, stop: threading.Event,
          timeout: float = 10.0, address: str = "10.99.0.1") -> dict[str, int]:
    """``clients`` threads, all one client (``address``), sending ``request``
    back to back until ``stop``; a request unanswered after ``timeout`` is
    given up. Returns how the answers went: {status or "timeout": count}."""
    counts: dict[str, int] = {}
    lock = threading.Lock()

    def one():
        c = Client(port, timeout, address)
        try:
            while not stop.is_set():
                try:
                    status, _ = c.send(request)
                    key = str(status)
                except (TimeoutError, OSError, http.client.HTTPException):
                    key = "timeout"
                    c.close()
                with lock:
                    counts[key] = counts.get(key, 0) + 1
        finally:
            c.close()

    threads = [threading.Thread(target=one, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    stop.wait()
    for t in threads:
        t.join(timeout + 5)
    return counts
