"""200 concurrent requests, JSON, streamed and OpenAI-style mixed, against a real uvicorn server: no errors.
Latency is printed (and written by benchmarks/load.py), not asserted."""

from __future__ import annotations

import asyncio

from assistant.config import Settings
from assistant.web import create_app
from benchmarks.load import run_load
from tests.servers import app_server


def test_200_concurrent_mixed_requests_all_succeed(tmp_path, embeddings):
    app = create_app(Settings(home=tmp_path / "home", llm="extractive"), embeddings=embeddings)
    with app_server(app) as url:
        result = asyncio.run(run_load(url, requests=200, concurrency=200))
    print(result)
    assert result["error_count"] == 0, result["errors"]
    assert sum(k["n"] for k in result["by_kind"].values()) == 200
    assert all(k["n"] > 60 for k in result["by_kind"].values())


def test_requests_go_round_robin_over_several_services(tmp_path, embeddings):
    counts: dict[str, int] = {}
    apps = [create_app(Settings(home=tmp_path / "home", llm="extractive"), embeddings=embeddings) for _ in range(2)]
    for n, app in enumerate(apps):
        @app.middleware("http")
        async def count(request, call_next, n=n):
            counts[str(n)] = counts.get(str(n), 0) + 1
            return await call_next(request)
    with app_server(apps[0]) as one, app_server(apps[1]) as two:
        result = asyncio.run(run_load([one, two], requests=12, concurrency=6))
    assert result["error_count"] == 0 and result["services"] == 2
    assert counts == {"0": 6, "1": 6}
