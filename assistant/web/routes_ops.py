"""Operations: ``/healthz`` (the process is up), ``/readyz`` (store and embedder answer; how far the server
has read ahead, ``assistant.warm``), ``/metrics``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from assistant.errors import CitewiseError
from assistant.web.deps import ServicesDep

router = APIRouter(tags=["operations"])
log = logging.getLogger("citewise.web")


@router.get("/healthz", summary="The process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The store and the embedder answer", responses={503: {"description": "not ready"}})
async def readyz(services: ServicesDep) -> Any:
    def check() -> dict[str, Any]:
        a = services.assistant()
        a.store.ping()
        a.embeddings.embed_query("ready")
        return {"status": "ready", "articles": a.store.count(), "backend": services.settings.llm,
                "warm": a.warmer.status()}

    try:
        return await run_in_threadpool(check)
    except CitewiseError as exc:
        return JSONResponse({"status": "not_ready", "reason": str(exc)}, status_code=503)
    except Exception as exc:
        log.exception("readiness check failed")
        return JSONResponse({"status": "not_ready", "reason": f"{type(exc).__name__}: {exc}"}, status_code=503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(services: ServicesDep) -> Response:
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
