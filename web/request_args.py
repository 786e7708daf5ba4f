"""Query-string arguments shared by the listings."""

from __future__ import annotations

from flask import abort, request


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole-number argument, clamped to [lo, hi]; 400 when it is not a number."""
    raw = request.args.get(name, "")
    try:
        value = int(raw) if raw else default
    except ValueError:
        abort(400, description=f"{name} must be a whole number")
    return max(lo, min(hi, value))
