"""A small bounded memo shared by threads: the web server answers questions in a thread pool."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` values, the oldest dropped first. A value is computed outside the lock, so a
    slow computation never blocks other threads' lookups (two threads may compute the same one)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: dict[K, V] = {}
        self._lock = threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        try:
            return self._data[key]
        except KeyError:
            pass
        value = compute()
        with self._lock:
            while len(self._data) >= self.size:
                self._data.pop(next(iter(self._data)))
            self._data[key] = value
        return value

    def peek(self, key: K) -> V | None:
        """The value kept for ``key``, or None."""
        return self._data.get(key)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
