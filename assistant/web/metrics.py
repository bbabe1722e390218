"""Prometheus metrics: requests, latency histograms by route, answers by status and backend."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """A registry of the app's own (not the process-global one), so several apps can live in one process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("citewise_http_requests", "HTTP requests", ["method", "route", "status"],
                                registry=self.registry)
        self.latency = Histogram("citewise_http_request_duration_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.answers = Counter("citewise_answers", "answers given", ["status", "backend"], registry=self.registry)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def answered(self, status: str, backend: str) -> None:
        self.answers.labels(status, backend).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MeasureRequests:
    """ASGI middleware counting requests and timing them by route template (ids would make a label
    per article). Plain ASGI, not BaseHTTPMiddleware: errors raised while the body streams in reach
    the app's handlers as they are, not wrapped in exception groups."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            name = getattr(scope.get("route"), "path", None) or "unmatched"
            path = scope.get("path", "")
            if path.startswith("/v1/") and name.startswith("/") and not name.startswith("/v1/"):
                name = "/v1" + name  # included routers keep their own paths, without the prefix
            self.metrics.observe(scope["method"], name, status, time.perf_counter() - t0)
