"""With API keys set, no route of the app gives data without a key: a walk over every route the app has,
Slack's included, with no key, a wrong key, and a non-Bearer scheme."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from assistant.config import Settings
from assistant.serve import build_service

MARKER = "Quillmorrow"  # a word only the secret article holds
SECRET = {"title": f"{MARKER} merger talks", "source": "Inside Wire", "published": "2024-02-02",
          "text": f"{MARKER} Holdings is in secret talks to merge with Brackenfield, two people said."}
PUBLIC = {"/", "/healthz", "/readyz", "/metrics", "/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json",
          "/slack/events"}  # none of these shows article data; /slack/events wants Slack's signature


@pytest.fixture(scope="module")
def walk(tmp_path_factory, embeddings):
    settings = Settings(home=tmp_path_factory.mktemp("walk"), api_keys="reader", admin_keys="admin",
                        slack_bot_token="xoxb-x", slack_signing_secret="s", slack_api_url="http://127.0.0.1:9/api/")
    with TestClient(build_service(settings, embeddings=embeddings)) as c:
        added = c.post("/v1/ingest", json={"articles": [SECRET]}, headers={"Authorization": "Bearer admin"})
        assert added.status_code == 200 and added.json()["added"]
        c.post("/v1/ask", json={"question": f"Who is {MARKER} merging with?"},
               headers={"Authorization": "Bearer reader"})
        yield c, added.json()["added"][0]


def _routes(app) -> list[tuple[str, str]]:
    """Every operation of the OpenAPI schema (the included routers' routes), and the app's own routes
    (those left out of the schema: the page, Slack's, the docs, the static files)."""
    out = {(m.upper(), path) for path, ops in app.openapi()["paths"].items() for m in ops}
    for r in app.routes:
        if isinstance(r, Mount):
            out.add(("GET", r.path + "/app.js"))
        elif getattr(r, "methods", None) and getattr(r, "path", None):
            out |= {(m, r.path) for m in r.methods - {"HEAD", "OPTIONS"}}
    return sorted(out)


def test_every_route_is_walked(walk):
    client, _ = walk
    paths = {p for _, p in _routes(client.app)}
    assert {"/v1/ask", "/v1/chat/completions", "/v1/articles/{article_id}", "/v1/ingest", "/slack/events",
            "/v1/conversations/{conversation_id}"} <= paths


@pytest.mark.parametrize("auth", [None, "Bearer wrong", "Basic cmVhZGVyOg==", "reader"])
def test_no_route_gives_data_without_a_valid_key(walk, auth):
    client, article_id = walk
    headers = {"Authorization": auth} if auth else {}
    for method, path in _routes(client.app):
        url = re.sub(r"\{article_id\}", article_id, path)
        url = re.sub(r"\{[^}]+\}", "x", url)
        body = {"question": f"Who is {MARKER} merging with?", "messages": [{"role": "user", "content": MARKER}]}
        r = client.request(method, url, json=body if method == "POST" else None, headers=headers)
        assert MARKER not in r.text, (method, path, r.status_code)
        if path.startswith("/v1/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert path in PUBLIC or path.startswith("/static"), f"{path} is public: is that meant?"


def test_the_same_walk_with_a_key_does_reach_the_data(walk):
    client, article_id = walk
    r = client.get(f"/v1/articles/{article_id}", headers={"Authorization": "Bearer reader"})
    assert MARKER in r.text
