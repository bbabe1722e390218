"""``create_app()``: the FastAPI app, its error mapping, limits, CORS, metrics and the chat page.

Errors below the edge are CitewiseError subclasses; here, and only here, they become HTTP statuses.
Every refusal is ``{"error": {"type": ..., "message": ...}}``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from langchain_core.embeddings import Embeddings
from starlette.exceptions import HTTPException as StarletteHTTPException

from assistant.config import Settings, get_settings
from assistant.errors import CitewiseError, ConfigError, InputError, NotFoundError, StoreUnavailableError
from assistant.web import routes_articles, routes_ask, routes_openai, routes_ops
from assistant.web.deps import require_key
from assistant.web.limits import BodyLimit
from assistant.web.metrics import MeasureRequests
from assistant.web.services import Services
from assistant.web.sitecheck import CSRF_HEADER, AllowedHosts, SiteCheck

log = logging.getLogger("citewise.web")
STATIC = Path(__file__).parent / "static"

STATUS_TYPES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type", 422: "invalid_input",
                429: "too_many_requests", 503: "store_unavailable"}
ERROR_STATUS: list[tuple[type[CitewiseError], int, str]] = [
    (InputError, 422, "invalid_input"), (NotFoundError, 404, "not_found"),
    (StoreUnavailableError, 503, "store_unavailable"), (ConfigError, 503, "misconfigured"),
]


def error(status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": {"type": kind, "message": message}}, status_code=status, headers=headers)


def create_app(settings: Settings | None = None, *, embeddings: Embeddings | None = None,
               services: Services | None = None, listen: tuple[str, int] | None = None) -> FastAPI:
    """The app. ``embeddings`` lets tests and workers share one loaded model. ``listen`` is the (host, port)
    the server binds (``citewise serve`` passes it): the Host names it accepts. Without it (a test client, an
    app embedded elsewhere) the Host must name the address each connection reached."""
    settings = settings or get_settings()
    services = services or Services(settings, embeddings=embeddings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not services.api_keys:
            log.warning("no API keys set (CITEWISE_API_KEYS): the API is open to whoever reaches it")
        try:  # warm up: load the model, seed the sample articles; a store that is down is retried per request
            await run_in_threadpool(services.assistant)
        except CitewiseError as exc:
            log.error("the store is not ready yet: %s", exc)
        yield
        services.close()

    app = FastAPI(title="citewise", version="0.1.0", lifespan=lifespan,
                  description="Answers about news articles, every quote verified verbatim against its article.")
    app.state.services = services
    v1 = [Depends(require_key)]
    app.include_router(routes_ask.router, prefix="/v1", dependencies=v1)
    app.include_router(routes_openai.router, prefix="/v1", dependencies=v1)
    app.include_router(routes_articles.router, prefix="/v1", dependencies=v1)
    app.include_router(routes_ops.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    _errors(app)
    _middleware(app, services, listen)
    _openapi(app)
    return app


def _openapi(app: FastAPI) -> None:
    """The generated spec, plus the models of bodies that routes read by hand."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = generate()
            components = spec.setdefault("components", {}).setdefault("schemas", {})
            for model in routes_articles.EXTRA_SCHEMAS:
                schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
                components.update(schema.pop("$defs", {}))
                components[model.__name__] = schema
            app.openapi_schema = spec
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _errors(app: FastAPI) -> None:
    @app.exception_handler(CitewiseError)
    async def citewise_error(request: Request, exc: CitewiseError) -> JSONResponse:
        for cls, status, kind in ERROR_STATUS:
            if isinstance(exc, cls):
                if status >= 500:
                    log.warning("%s %s: %s", request.method, request.url.path, exc)
                return error(status, kind, str(exc))
        log.error("%s %s: %s", request.method, request.url.path, exc)
        return error(500, "internal", str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        if exc.status_code == 404 and message == "Not Found":
            message = f"no route {request.method} {request.url.path}; see /docs"
        elif message == "There was an error parsing the body":  # FastAPI's words, e.g. for JSON nested too deep
            message = "the body could not be parsed: send a JSON object (not nested too deeply)"
        return error(exc.status_code, STATUS_TYPES.get(exc.status_code, "error"), message,
                     getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            return error(400, "bad_request", "the body is not valid JSON")
        # pydantic's words for a lone surrogate where schemas.valid_unicode does not look (a key): say it as it does
        errs = [{**e, "msg": "contains a lone surrogate: it is not valid Unicode"}
                if e.get("type") == "string_unicode" else e for e in errs]
        return error(422, "invalid_input", "; ".join(_describe(e) for e in errs[:5]))

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return error(500, "internal", "internal error; see the server log")


def _describe(e: dict[str, Any]) -> str:
    loc = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
    return f"{loc}: {e.get('msg', 'invalid')}"


def _middleware(app: FastAPI, services: Services, listen: tuple[str, int] | None) -> None:
    s = services.settings

    origins = [o.strip() for o in s.cors_origins.split(",") if o.strip()]
    # innermost of all, inside CORS: its refusals carry CORS headers, so an allowed origin's page can read them
    app.add_middleware(SiteCheck, allowed_hosts=AllowedHosts.parse(s.allowed_hosts), cors_origins=origins,
                       listen=listen, keys=services.api_keys | services.admin_keys, open_mode=not services.api_keys)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "Content-Type", "Accept", CSRF_HEADER])
    app.add_middleware(BodyLimit, max_body=s.max_body_bytes, max_upload=s.max_upload_bytes)
    app.add_middleware(MeasureRequests, metrics=services.metrics)
