"""A brake on password guessing: failed sign-ins per username in a sliding window.

Kept in the API process's memory: with several replicas each counts its own share, which
still bounds guessing to replicas x attempts per window. A court that needs more puts
its identity system (:mod:`api.identity`) or a gateway in front.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque

__all__ = ["LoginThrottle"]

logger = logging.getLogger(__name__)

_MAX_TRACKED = 100_000  # usernames; beyond this the oldest are forgotten


class LoginThrottle:
    """Counts failures per username; :meth:`blocked` says when to answer 429."""

    def __init__(self, attempts: int, window_s: float) -> None:
        """Allow ``attempts`` failures per ``window_s`` seconds and username."""
        self._attempts = attempts
        self._window = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, username: str, now: float) -> deque[float]:
        times = self._failures.setdefault(username.lower(), deque())
        while times and now - times[0] > self._window:
            times.popleft()
        return times

    def blocked(self, username: str) -> float:
        """Seconds until the next attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(username, now)
            if len(times) < self._attempts:
                return 0.0
            return max(0.0, self._window - (now - times[0]))

    def failed(self, username: str) -> None:
        """Count a failed attempt."""
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= _MAX_TRACKED:
                self._failures.pop(next(iter(self._failures)))
            self._recent(username, now).append(now)

    def succeeded(self, username: str) -> None:
        """Forget the failures of a user who proved the password."""
        with self._lock:
            self._failures.pop(username.lower(), None)
