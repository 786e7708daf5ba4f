"""One table for every figure: figure, ours, peer, ratio.

The ratio says in words which way it goes ("3.2× faster", "1.2× slower",
"1.6× less memory"), so rows measured in seconds, requests per second and
megabytes read the same way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Row:
    figure: str
    ours: str
    peer: str
    ratio: str = ""


def seconds(value: float | None, capped_at: float | None = None) -> str:
    if capped_at is not None:
        return f"> {capped_at:.0f} s"
    if value is None:
        return "—"
    return f"{value:.1f} s" if value >= 1 else f"{value:.2f} s"


def ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f} ms" if value >= 100 else f"{value:.1f} ms" if value >= 1 else f"{value:.2f} ms"


def rate(value: float | None, unit: str = "req/s") -> str:
    if value is None:
        return "—"
    return f"{value:,.0f} {unit}" if value >= 10 else f"{value:.2f} {unit}"


def mb(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} MB"


def ratio(ours: float | None, peer: float | None, *, higher_is_better: bool,
          peer_capped: bool = False, words: tuple[str, str] = ("faster", "slower")) -> str:
    """``ours`` against ``peer`` in words. A capped peer (stopped before it
    finished) gives a lower bound."""
    if not ours or not peer:
        return "—"
    good, bad = words
    factor = ours / peer if higher_is_better else peer / ours
    prefix = "> " if peer_capped else ""
    if factor >= 1:
        return f"{prefix}{factor:.1f}× {good}" if factor >= 10 else f"{prefix}{factor:.2f}× {good}"
    return f"{1 / factor:.2f}× {bad}"


def markdown(rows: list[Row]) -> str:
    lines = ["| figure | ours | peer | ratio |", "|---|--:|--:|---|"]
    lines += [f"| {r.figure} | {r.ours} | {r.peer} | {r.ratio} |" for r in rows]
    return "\n".join(lines)
