"""``citewise serve`` and ``citewise slack``: the web app with Slack mounted on it, under uvicorn
(loopback unless asked otherwise), or the Slack bot alone in Socket Mode.

The one place where the web app and the Slack bot meet: neither imports the other.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from langchain_core.embeddings import Embeddings

from assistant.config import Settings

log = logging.getLogger("citewise.web")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def build_service(settings: Settings, *, embeddings: Embeddings | None = None,
                  listen: tuple[str, int] | None = None) -> FastAPI:
    """The web app, with the Slack routes when Slack's tokens are set; ``listen``: the address it binds,
    the Host names it answers to (see assistant.web.sitecheck)."""
    from assistant.slack import mount_slack
    from assistant.web import create_app

    app = create_app(settings, embeddings=embeddings, listen=listen)
    mount_slack(app, settings, app.state.services.assistant)
    return app


def slack_socket_mode(settings: Settings, log_level: str = "info") -> None:
    from assistant.slack.mount import run_socket_mode
    from assistant.web.services import Services

    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    run_socket_mode(settings, Services(settings).assistant)


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 8000, log_level: str = "info") -> None:
    """Run the service until interrupted."""
    import uvicorn

    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    keys = bool(settings.api_keys)
    if keys:
        log.info("API keys set: every /v1 route needs Authorization: Bearer <key>")
    elif is_loopback(host):
        log.info("no API keys set (CITEWISE_API_KEYS): listening on %s only, reachable from this machine", host)
    else:
        log.warning("no API keys set (CITEWISE_API_KEYS) and listening on %s: anyone who reaches it can use "
                    "the API, ingest and delete", host)
    if not is_loopback(host) and not settings.allowed_hosts:
        log.info("requests must name this machine by its address (Host header); to reach it by a host name or "
                 "through a proxy, set CITEWISE_ALLOWED_HOSTS")
    log.info("chat page: http://%s:%d/  API docs: http://%s:%d/docs", host, port, host, port)
    uvicorn.run(build_service(settings, listen=(host, port)), host=host, port=port, log_level=log_level,
                proxy_headers=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on now, for a server started next."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(app: FastAPI, host: str = "127.0.0.1") -> Iterator[str]:
    """``app`` under a real uvicorn server in a thread of this process, on a free port; yields its base URL.
    For programs that embed the service (the load benchmark, the tests): ``citewise serve`` runs it alone."""
    import uvicorn

    port = free_port(host)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 60
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)

