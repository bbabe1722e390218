"""The bounded memo behind the composer's and the retriever's caches."""

from __future__ import annotations

import threading

from assistant.cache import Memo


def test_a_value_is_computed_once_then_served():
    calls = []
    memo: Memo[str, int] = Memo(4)
    assert memo.get("a", lambda: calls.append("a") or 1) == 1
    assert memo.get("a", lambda: calls.append("a") or 2) == 1
    assert calls == ["a"] and memo.peek("a") == 1 and memo.peek("b") is None


def test_the_oldest_value_goes_first_when_full():
    memo: Memo[int, int] = Memo(3)
    for i in range(5):
        memo.get(i, lambda i=i: i * 10)
    assert len(memo) == 3
    assert [memo.peek(i) for i in range(5)] == [None, None, 20, 30, 40]


def test_threads_filling_it_at_once_never_break_it_or_pass_its_size():
    memo: Memo[int, int] = Memo(50)
    errors = []

    def work(offset: int) -> None:
        try:
            for i in range(2000):
                k = (i * 7 + offset) % 300
                assert memo.get(k, lambda k=k: k + 1) == k + 1
        except Exception as exc:  # noqa: BLE001 - any error in a thread fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(memo) <= 50
