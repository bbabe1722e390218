"""Refusals over real HTTP: every limit and malformed input is a clear JSON error with its 4xx code,
API keys, admin keys, CORS, and the store being down (503, then recovery without a restart)."""

from __future__ import annotations

import json

import pytest

from tests.servers import chroma_process, free_port

S400 = "why did Türkiye buy the S-400?"


@pytest.mark.parametrize("body, status, kind, words", [
    ({"question": ""}, 422, "invalid_input", "empty"),
    ({"question": "   \n "}, 422, "invalid_input", "empty"),
    ({"question": "x" * 2001}, 422, "invalid_input", "limit is 2000"),
    ({}, 422, "invalid_input", "question: Field required"),
    ({"question": 42}, 422, "invalid_input", "question"),
    ({"question": ["a"]}, 422, "invalid_input", "question"),
    ({"question": S400, "k": 0}, 422, "invalid_input", "k: Input should be greater than or equal to 1"),
    ({"question": S400, "k": 101}, 422, "invalid_input", "k: Input should be less than or equal to 100"),
    ({"question": S400, "k": "many"}, 422, "invalid_input", "k"),
    ({"question": S400, "kk": 3}, 422, "invalid_input", "kk: Extra inputs are not permitted"),
    ({"question": S400, "filters": {"published_after": "last week"}}, 422, "invalid_input", "is not a date"),
    ({"question": S400, "filters": {"outlet": "x"}}, 422, "invalid_input", "outlet"),
    ({"question": S400, "conversation_id": "../etc"}, 422, "invalid_input", "conversation_id"),
    ([S400], 422, "invalid_input", "body"),
    ("just a string", 422, "invalid_input", "body"),
])
def test_ask_refuses_bad_bodies_with_a_clear_4xx(client, body, status, kind, words):
    r = client.post("/v1/ask", json=body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["type"] == kind and words in err["message"]


@pytest.mark.parametrize("raw, ctype, status, words", [
    (b"{\"question\": ", "application/json", 400, "not valid JSON"),
    (b"\xff\xfe\x00garbage", "application/json", 400, "not valid JSON"),
    (b"question=hi", "application/x-www-form-urlencoded", 422, "body"),
    (b"[" * 100_000 + b"]" * 100_000, "application/json", 400, "nested too deeply"),
])
def test_malformed_bodies_never_yield_a_500(client, raw, ctype, status, words):
    r = client.post("/v1/ask", content=raw, headers={"content-type": ctype, "X-Citewise": "1"})  # past the CSRF check
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]


def test_a_body_over_the_limit_is_413(make_client):
    c = make_client(max_body_bytes=4096)
    r = c.post("/v1/ask", json={"question": S400, "filters": {"source": ["x" * 100] * 45}})
    assert r.status_code == 413 and "4,096 bytes" in r.json()["error"]["message"]
    assert c.post("/v1/ask", json={"question": S400}).status_code == 200


def test_a_body_longer_than_its_declared_length_is_cut_at_the_limit(make_client):
    c = make_client(max_body_bytes=4096)

    def chunks():  # streamed without a Content-Length: the limit holds while it arrives
        yield b'{"question": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    r = c.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_an_upload_over_the_limit_is_413(make_client):
    c = make_client(max_upload_bytes=2048)
    r = c.post("/v1/ingest", files=[("files", ("big.txt", b"word " * 1000, "text/plain"))])
    assert r.status_code == 413 and "upload" in r.json()["error"]["message"]


@pytest.mark.parametrize("kwargs, status, words", [
    ({"content": b"hello", "headers": {"content-type": "text/plain"}}, 415, "multipart/form-data"),
    ({"json": {}}, 422, "nothing to ingest"),
    ({"json": {"articles": [{"title": "no text"}]}}, 422, "articles.0.text"),
    ({"json": {"articles": [], "files": []}}, 422, "files"),
    ({"json": {"articles": [{"text": "t", "url": "javascript:alert(1)"}]}}, 422, "http(s) address"),
    ({"content": b"{oops", "headers": {"content-type": "application/json"}}, 400, "not valid JSON"),
    ({"data": {"note": "no file"}, "files": []}, 415, "multipart"),
])
def test_ingest_refuses_bad_requests(client, kwargs, status, words):
    headers = {**kwargs.get("headers", {}), "X-Citewise": "1"}  # past the CSRF check, to the route's own refusals
    r = client.post("/v1/ingest", **{**kwargs, "headers": headers})
    assert r.status_code == status, r.text
    assert words in r.json()["error"]["message"]


def test_unknown_routes_and_methods_are_json_errors(client):
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and "/docs" in r.json()["error"]["message"]
    r = client.put("/v1/ask", json={"question": S400})
    assert r.status_code == 405 and r.json()["error"]["type"] == "method_not_allowed"


def test_api_keys_guard_every_v1_route(make_client):
    c = make_client(api_keys="reader-key,other-key")
    for method, path in [("get", "/v1/articles"), ("post", "/v1/ask"), ("get", "/v1/conversations/x"),
                         ("post", "/v1/chat/completions"), ("get", "/v1/models"), ("post", "/v1/ingest")]:
        r = getattr(c, method)(path)
        assert r.status_code == 401, path
        assert r.headers["www-authenticate"] == "Bearer" and "Bearer" in r.json()["error"]["message"]
    assert c.get("/v1/articles", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert c.get("/v1/articles", headers={"Authorization": "reader-key"}).status_code == 401
    r = c.post("/v1/ask", json={"question": S400}, headers={"Authorization": "Bearer other-key"})
    assert r.status_code == 200 and r.json()["status"] == "answered"
    assert c.get("/healthz").status_code == 200 and c.get("/").status_code == 200


def test_admin_keys_alone_may_change_the_corpus(make_client):
    c = make_client(api_keys="reader", admin_keys="admin")
    article = {"articles": [{"text": "The ferry to Saltmere runs twice a day in winter.", "title": "Ferry"}]}
    reader, admin = {"Authorization": "Bearer reader"}, {"Authorization": "Bearer admin"}
    r = c.post("/v1/ingest", json=article, headers=reader)
    assert r.status_code == 403 and "admin" in r.json()["error"]["message"]
    added = c.post("/v1/ingest", json=article, headers=admin).json()["added"]
    assert c.get("/v1/articles", headers=admin).status_code == 200  # an admin key reads too
    assert c.delete(f"/v1/articles/{added[0]}", headers=reader).status_code == 403
    assert c.delete(f"/v1/articles/{added[0]}", headers=admin).status_code == 200


def test_admin_keys_without_api_keys_leave_reading_open(make_client):
    c = make_client(admin_keys="admin")
    assert c.post("/v1/ask", json={"question": S400}).status_code == 200
    assert c.post("/v1/ingest", json={"articles": [{"text": "x y z"}]}).status_code == 401


def test_cors_answers_only_configured_origins(make_client):
    c = make_client(cors_origins="https://news.example")
    pre = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    ok = c.options("/v1/ask", headers={"Origin": "https://news.example", **pre})
    assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://news.example"
    bad = c.options("/v1/ask", headers={"Origin": "https://evil.example", **pre})
    assert "access-control-allow-origin" not in bad.headers


def test_a_store_that_is_down_is_503_then_used_when_back(make_client, tmp_path):
    port = free_port()
    c = make_client(chroma_url=f"http://127.0.0.1:{port}")
    for r in (c.post("/v1/ask", json={"question": S400}), c.get("/v1/articles"), c.get("/readyz")):
        assert r.status_code == 503, r.text
    err = c.post("/v1/ask", json={"question": S400}).json()["error"]
    assert err["type"] == "store_unavailable" and f"127.0.0.1:{port}" in err["message"]
    assert c.get("/healthz").status_code == 200
    with chroma_process(tmp_path / "chroma", port):
        r = c.post("/v1/ask", json={"question": S400})
        assert r.status_code == 200 and r.json()["status"] == "answered"
        assert c.get("/readyz").json()["status"] == "ready"
    r = c.post("/v1/ask", json={"question": S400})  # down again, mid-life
    assert r.status_code == 503 and r.json()["error"]["type"] == "store_unavailable"


def test_openapi_documents_the_models(client):
    spec = client.get("/openapi.json").json()
    schemas = spec["components"]["schemas"]
    for name in ("AskRequest", "AnswerOut", "CitationOut", "ErrorOut", "ArticleOut", "ArticleIn", "ChatRequest"):
        assert name in schemas
    assert "AnswerOut" in json.dumps(spec["paths"]["/v1/ask"]["post"]["responses"]["200"])
    assert "text/event-stream" in spec["paths"]["/v1/ask"]["post"]["responses"]["200"]["content"]
    assert client.get("/docs").status_code == 200


def test_metrics_count_requests_latency_and_answers(client):
    client.post("/v1/ask", json={"question": S400})
    client.post("/v1/ask", json={"question": "How much does one SAMP/T battery cost?"})
    text = client.get("/metrics").text
    assert 'citewise_http_requests_total{method="POST",route="/v1/ask",status="200"}' in text
    assert 'citewise_http_request_duration_seconds_bucket{le="0.5",method="POST",route="/v1/ask"}' in text
    assert 'citewise_answers_total{backend="extractive",status="no_answer"}' in text
    assert 'citewise_answers_total{backend="extractive",status="answered"}' in text
