"""Content negotiation: which of the types a resource offers an ``Accept`` header prefers (RFC 9110 12.5.1).

>>> choose("text/html;q=0.9, text/turtle", ["text/html", "text/turtle"])
'text/turtle'
>>> choose("image/png", ["text/html"]) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["choose", "preferred_language"]


def _ranges(header: str) -> list[tuple[str, float, int]]:
    """``(range, q, position)`` of each media range (or language range) in an Accept header."""
    ranges = []
    for position, item in enumerate(header.split(",")):
        name, *params = (part.strip() for part in item.split(";"))
        if not name:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((name.lower(), q, position))
    return ranges


def _specificity(media_range: str, offered: str) -> int | None:
    """How closely ``media_range`` matches ``offered`` (2 exact, 1 ``type/*``, 0 ``*/*``), or None."""
    if media_range == offered:
        return 2
    kind, _, sub = media_range.partition("/")
    if sub == "*" and offered.startswith(kind + "/"):
        return 1
    return 0 if media_range in ("*/*", "*") else None


def choose(header: str | None, offered: Sequence[str]) -> str | None:
    """The type of ``offered`` the ``Accept`` header ranks highest (ties: the first offered); the first
    offered when there is no header; None when the header accepts none of them (406)."""
    if not header or not header.strip():
        return offered[0] if offered else None
    ranges = _ranges(header)
    best: tuple[float, int] | None = None
    chosen = None
    for rank, kind in enumerate(offered):
        matches = [(s, q) for r, q, _ in ranges if (s := _specificity(r, kind)) is not None]
        if not matches:
            continue
        q = max(matches)[1]  # the most specific range decides
        if q > 0 and (best is None or (q, -rank) > best):
            best, chosen = (q, -rank), kind
    return chosen


def preferred_language(header: str | None, available: Sequence[str]) -> str | None:
    """The language of ``available`` (``en``, ``fr``, ``es``) an ``Accept-Language`` header prefers."""
    if not header:
        return None
    ranked = sorted(_ranges(header), key=lambda r: (-r[1], r[2]))
    for name, q, _ in ranked:
        if q <= 0:
            continue
        primary = name.split("-")[0]
        if primary in available:
            return primary
    return None
