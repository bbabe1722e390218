"""``citewise serve``: the app under uvicorn, loopback unless asked otherwise."""

from __future__ import annotations

import ipaddress
import logging

from assistant.config import get_settings

log = logging.getLogger("citewise.web")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Run the service until interrupted."""
    import uvicorn

    from assistant.web.app import create_app

    get_settings.cache_clear()
    settings = get_settings()
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    keys = bool(settings.api_keys)
    if keys:
        log.info("API keys set: every /v1 route needs Authorization: Bearer <key>")
    elif is_loopback(host):
        log.info("no API keys set (CITEWISE_API_KEYS): listening on %s only, reachable from this machine", host)
    else:
        log.warning("no API keys set (CITEWISE_API_KEYS) and listening on %s: anyone who reaches it can use "
                    "the API, ingest and delete", host)
    log.info("chat page: http://%s:%d/  API docs: http://%s:%d/docs", host, port, host, port)
    uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level, proxy_headers=False)
