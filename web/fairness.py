"""Per-client limits on the query endpoint, so no client starves the others.

In the spirit of the Wikidata Query Service: a client is its network address
(or, for a request from a configured trusted proxy, the address that proxy
names in ``X-Forwarded-For``), and each client has

* a number of queries it may have running at once (``KG_CLIENT_QUERIES``,
  by default one less than the query workers, so one client never holds them
  all; a query stopped at the time limit counts until its worker has been
  replaced, so the worker left free meanwhile stays free for others). A
  query over that number waits a moment for the client's own earlier query,
  then gets 429 with ``Retry-After``;
* a budget of query time per minute (``KG_CLIENT_SECONDS``, by default 60
  seconds of query workers' time per minute). A client that has spent it gets
  429 with ``Retry-After`` saying when enough of it is free again.

Answers from the response cache cost nothing and are not limited. Limits
are kept per HTTP worker process.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from contextlib import contextmanager

#: Seconds over which a client's query time is summed.
WINDOW = 60.0
#: Queries finished within this many seconds of each other are charged as one entry.
BUCKET = 1.0
#: Seconds a query over the client's concurrency waits for its own earlier one.
SLOT_WAIT = 1.0


class TooManyRequests(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = max(1, retry_after)


def client_address(remote_addr: str | None, forwarded_for: str | None,
                   trusted_proxies: tuple[str, ...]) -> str:
    """Who is asking: the peer's address, or, when the peer is a trusted
    proxy, the last address in ``X-Forwarded-For`` that is not one."""
    addr = remote_addr or "unknown"
    if forwarded_for and addr in trusted_proxies:
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if hop not in trusted_proxies:
                return hop
    return addr


class _Client:
    """One client's running queries and the query time it spent in the last
    minute: kept in buckets of one second with their running total, so a
    client sending thousands of queries a minute costs each of them O(1)."""

    __slots__ = ("running", "spent", "total")

    def __init__(self):
        self.running = 0
        self.spent: deque[list[float]] = deque()  # [last finished in the bucket, seconds]
        self.total = 0.0

    def charge(self, now: float, seconds: float) -> None:
        last = self.spent[-1] if self.spent else None
        if last is not None and now - last[0] < BUCKET:
            last[0], last[1] = now, last[1] + seconds  # expires with its latest query
        else:
            self.spent.append([now, seconds])
        self.total += seconds

    def expire(self, now: float) -> float:
        """Drop what finished more than a minute ago; the time spent since."""
        while self.spent and self.spent[0][0] <= now - WINDOW:
            self.total -= self.spent.popleft()[1]
        if not self.spent:
            self.total = 0.0  # no drift from the running sum
        return self.total


class Ticket:
    """One running query's hold on its client's slot."""

    def __init__(self):
        self.until: threading.Event | None = None

    def hold_until(self, event: threading.Event | None) -> None:
        """Keep the slot after the answer, until ``event`` (a killed query's
        worker is back): a client whose query was stopped cannot take the
        worker that stayed free for others meanwhile."""
        self.until = event


class ClientLimits:
    def __init__(self, concurrent: int, seconds_per_minute: float):
        self.concurrent = max(1, concurrent)
        self.budget = seconds_per_minute
        self._clients: dict[str, _Client] = {}
        self._cond = threading.Condition()

    def _over_budget(self, client: _Client, now: float) -> int | None:
        """Seconds until the client is under its budget again, or None."""
        if self.budget <= 0:
            return None
        spent = client.expire(now)
        if spent < self.budget:
            return None
        for when, seconds in client.spent:
            spent -= seconds
            if spent < self.budget:
                return math.ceil(when + WINDOW - now)
        return math.ceil(WINDOW)

    @contextmanager
    def slot(self, who: str):
        """Hold one of ``who``'s query slots while a query runs, and charge
        its time to ``who``; raise TooManyRequests instead when over a limit."""
        deadline = time.monotonic() + SLOT_WAIT
        with self._cond:
            client = self._clients.setdefault(who, _Client())
            wait = self._over_budget(client, time.monotonic())
            if wait is not None:
                raise TooManyRequests((
                    f"Too many requests: this client ({who}) has used its {self.budget:g} s of "
                    f"query time for the last minute (KG_CLIENT_SECONDS). Try again in {wait} s."),
                    wait)
            while client.running >= self.concurrent:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TooManyRequests((
                        f"Too many requests: this client ({who}) already has {client.running} "
                        f"quer{'y' if client.running == 1 else 'ies'} running (a query stopped "
                        "at the time limit counts until its worker is replaced), the most it may "
                        f"have at once (KG_CLIENT_QUERIES={self.concurrent}). Wait for an answer "
                        "before sending the next query."), 1)
                self._cond.wait(remaining)
            client.running += 1
        started = time.monotonic()
        ticket = Ticket()
        try:
            yield ticket
        finally:
            now = time.monotonic()
            with self._cond:
                client.charge(now, now - started)
            if ticket.until is None:
                self._release(client)
            else:
                threading.Thread(target=self._release, args=(client, ticket.until),
                                 daemon=True).start()

    def _release(self, client: _Client, after: threading.Event | None = None) -> None:
        if after is not None:
            after.wait(60)
        with self._cond:
            client.running -= 1
            self._forget_idle(time.monotonic())
            self._cond.notify_all()

    def _forget_idle(self, now: float) -> None:
        if len(self._clients) > 1000:
            for who in [w for w, c in self._clients.items()
                        if not c.running and not c.expire(now)]:
                del self._clients[who]
