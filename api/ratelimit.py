"""A small in-process rate limiter: one token bucket per key (a token, or an address).

Why not a library: the API runs as one process (one uvicorn worker), so its limits can
live in its memory; a bucket is a dozen lines, needs no store, and is easy to test with a
fake clock. `slowapi` (over `limits`) would add two dependencies and a decorator with a
`request` argument on every endpoint, for the same arithmetic; it would be the choice when
the API runs as several workers or machines that must share one count (in Redis).

A bucket holds `per_minute` requests and refills at `per_minute / 60` a second, so a
client may burst up to its minute's allowance and then goes at the steady rate. Keys are
kept for the most recent `max_keys` clients (least recently seen dropped first), so that a
flood of addresses cannot grow the memory without bound.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """Whether a request may go on; when not, after how many seconds it may retry."""

    allowed: bool
    remaining: int
    retry_after: int


class RateLimiter:
    """Token buckets per key, safe to share between threads."""

    def __init__(
        self,
        per_minute: int,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute < 1:
            raise ValueError(per_minute)
        self.per_minute = per_minute
        self.max_keys = max_keys
        self._clock = clock
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> Decision:
        """Take one request from `key`'s bucket, if there is one left."""
        now = self._clock()
        with self._lock:
            level, stamp = self._buckets.pop(key, (float(self.per_minute), now))
            level = min(float(self.per_minute), level + (now - stamp) * self._rate)
            allowed = level >= 1.0
            if allowed:
                level -= 1.0
            self._buckets[key] = (level, now)
            while len(self._buckets) > self.max_keys:
                self._buckets.popitem(last=False)
        wait = 0 if allowed else math.ceil((1.0 - level) / self._rate)
        return Decision(allowed=allowed, remaining=int(level), retry_after=wait)

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
