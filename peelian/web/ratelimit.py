"""Sliding-window rate limits per client, in memory: enough for one server process. (Behind
several processes each keeps its own count; a shared store would be needed for an exact limit.)"""

import time
from collections import defaultdict, deque


class Limiter:
    def __init__(self, count: int, seconds: float) -> None:
        self.count, self.seconds = count, seconds
        self.seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, key: str) -> bool:
        """Count an attempt by ``key``; False when it is over the limit (and not counted)."""
        window, now = self.seen[key], time.monotonic()
        while window and now - window[0] > self.seconds:
            window.popleft()
        if len(window) >= self.count:
            return False
        window.append(now)
        return True
