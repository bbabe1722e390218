"""Other web sites may not drive the local server: a Host that is not the server's own (DNS rebinding) is
refused with 421, a write from another site (CSRF: a no-cors upload, a form, a text/plain post) with 403 and
nothing changed. Through a real uvicorn server on 127.0.0.1, with the headers a browser sends; the chat page
itself in Chromium is in test_web_page.py."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient

from assistant.config import Settings
from assistant.errors import ConfigError
from assistant.serve import build_service
from assistant.web import create_app
from assistant.web.sitecheck import AllowedHosts, host_allowed, own_addresses, parse_host
from tests.servers import app_server
from tests.slack_standin import SlackStandIn

S400 = "why did Türkiye buy the S-400?"
ASK = json.dumps({"question": S400}).encode()
CROSS_SITE = {"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}
PAGE = {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}


def upload(name: str, text: str) -> dict:
    body = f"Title: {name}\nSource: Harbour Post\n\n{text}".encode()
    return {"files": [("files", (f"{name}.txt", body, "text/plain"))]}


def _settings(home, **overrides) -> Settings:
    # pinned so that a developer's CITEWISE_* environment does not change what is tested
    values = {"home": home, "llm": "extractive", "api_keys": None, "admin_keys": None, "cors_origins": "",
              "allowed_hosts": ""} | overrides
    return Settings(**values)


@contextmanager
def _serve(tmp_path_factory, embeddings, **overrides) -> Iterator[tuple[str, int]]:
    """The app under uvicorn on a free port of 127.0.0.1: (base URL, port)."""
    app = create_app(_settings(tmp_path_factory.mktemp("sitecheck"), **overrides), embeddings=embeddings)
    with app_server(app) as url:
        yield url, int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory, embeddings) -> Iterator[tuple[str, int]]:
    """Open mode (no keys), with one origin allowed by CORS."""
    with _serve(tmp_path_factory, embeddings, cors_origins="https://news.example") as s:
        yield s


def send(base: str, port: int, method: str, path: str, request: dict, headers: dict[str, str]) -> httpx.Response:
    headers = {k: v.format(port=port) for k, v in headers.items()}
    request = dict(request)
    headers = {**request.pop("headers", {}), **headers}
    return httpx.request(method, base + path, headers=headers, timeout=60, **request)


def article_ids(base: str) -> set[str]:
    return {a["article_id"] for a in httpx.get(f"{base}/v1/articles", timeout=60).json()["articles"]}


# ---------------------------------------------------------------- cross-site writes: refused, nothing changed


@pytest.mark.parametrize("method, path, request_, headers", [
    pytest.param("POST", "/v1/ingest", upload("kelp-a", "The kelp farm doubled its harvest."), CROSS_SITE,
                 id="cross-site no-cors multipart upload"),
    pytest.param("POST", "/v1/ingest", upload("kelp-b", "The kelp farm doubled its harvest."), {},
                 id="multipart upload without Origin or Sec-Fetch-Site (an older browser's form)"),
    pytest.param("POST", "/v1/ingest", upload("kelp-c", "The kelp farm doubled its harvest."),
                 {**CROSS_SITE, "X-Citewise": "1"}, id="cross-site upload naming the custom header anyway"),
    pytest.param("POST", "/v1/ask", {"content": ASK, "headers": {"Content-Type": "text/plain"}}, {},
                 id="text/plain POST to /v1/ask"),
    pytest.param("POST", "/v1/ask", {"content": b"question=hi",
                                     "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, {},
                 id="form-encoded POST"),
    pytest.param("POST", "/v1/ask", {"content": ASK}, {}, id="POST with no Content-Type (a no-cors Blob body)"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Origin": "http://evil.example"},
                 id="JSON POST from Origin http://evil.example"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Sec-Fetch-Site": "cross-site"},
                 id="JSON POST with Sec-Fetch-Site cross-site"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Sec-Fetch-Site": "same-site"},
                 id="JSON POST with Sec-Fetch-Site same-site (another port of this machine)"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Origin": "null"},
                 id="JSON POST from a sandboxed frame (Origin null)"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Origin": "http://127.0.0.1:1"},
                 id="JSON POST from another port of this host"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Origin": "http://localhost:{port}"},
                 id="JSON POST from localhost to 127.0.0.1 (another origin)"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {"Origin": "https://news.example.evil"},
                 id="JSON POST from an origin that only starts like an allowed one"),
    pytest.param("DELETE", "/v1/articles/{first}", {}, {"Origin": "http://evil.example"},
                 id="DELETE from Origin http://evil.example"),
])
def test_cross_site_write_is_403_and_changes_nothing(server, method, path, request_, headers):
    base, port = server
    before = article_ids(base)
    path = path.format(first=sorted(before)[0])
    r = send(base, port, method, path, request_, headers)
    assert r.status_code == 403, r.text
    err = r.json()["error"]
    assert err["type"] == "forbidden" and ("may not change" in err["message"] or "X-Citewise" in err["message"])
    assert article_ids(base) == before


@pytest.mark.parametrize("method, path, request_, headers, added", [
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, PAGE, False,
                 id="same-origin page JSON ask"),
    pytest.param("POST", "/v1/ingest", upload("page-upload", "The Saltmere ferry runs twice a day."),
                 {**PAGE, "X-Citewise": "1"}, True, id="the chat page's upload (custom header)"),
    pytest.param("POST", "/v1/ingest", upload("docs-upload", "The Glimmer lighthouse was repainted."), PAGE, True,
                 id="same-origin upload without the header (the API docs' Try it out)"),
    pytest.param("POST", "/v1/ingest", upload("client-upload", "The quay market opens on Sundays."),
                 {"X-Citewise": "1"}, True, id="API client upload with the custom header"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}}, {}, False, id="API client JSON, no Origin"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}},
                 {"Origin": "https://news.example", "Sec-Fetch-Site": "cross-site"}, False,
                 id="JSON POST from an origin in CITEWISE_CORS_ORIGINS"),
    pytest.param("POST", "/v1/ask", {"json": {"question": S400}},
                 {"Host": "localhost:{port}", "Origin": "http://localhost:{port}", "Sec-Fetch-Site": "same-origin"},
                 False, id="the page opened as localhost"),
    pytest.param("GET", "/v1/articles", {}, CROSS_SITE, False, id="GET from another site (reads are no CSRF)"),
])
def test_own_pages_api_clients_and_reads_are_served(server, method, path, request_, headers, added):
    base, port = server
    before = article_ids(base)
    r = send(base, port, method, path, request_, headers)
    assert r.status_code == 200, r.text
    assert (article_ids(base) > before) is added


def test_a_refused_write_from_an_allowed_origin_carries_cors_headers(server):
    base, port = server
    r = send(base, port, "POST", "/v1/ask", {"content": ASK, "headers": {"Content-Type": "text/plain"}},
             {"Origin": "https://news.example"})
    assert r.status_code == 403 and r.headers["access-control-allow-origin"] == "https://news.example"


# ---------------------------------------------------------------- Host: the server's own address only


@pytest.mark.parametrize("method, path, host", [
    ("GET", "/v1/articles", "evil.example:{port}"),
    ("GET", "/v1/articles", "evil.example"),
    ("GET", "/", "evil.example:{port}"),
    ("POST", "/v1/ask", "evil.example:{port}"),
    ("GET", "/v1/articles", "localhost:1"),
    ("GET", "/v1/articles", "127.0.0.1"),
    ("GET", "/v1/articles", "127.0.0.1.evil.example:{port}"),
    ("GET", "/v1/articles", "127.0.0.1:{port}@evil.example"),
    ("GET", "/v1/articles", "evil.example:{port}, 127.0.0.1:{port}"),
])
def test_dns_rebinding_host_is_421(server, method, path, host):
    base, port = server
    r = send(base, port, method, path, {"json": {"question": S400}} if method == "POST" else {}, {"Host": host})
    assert r.status_code == 421, r.text
    err = r.json()["error"]
    assert err["type"] == "misdirected_request"
    assert "CITEWISE_ALLOWED_HOSTS" in err["message"] or "not one host name" in err["message"]


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "[::1]:{port}", "LocalHost.:{port}"])
def test_the_listen_address_and_its_loopback_aliases_are_served(server, host):
    base, port = server
    assert send(base, port, "GET", "/v1/articles", {}, {"Host": host}).status_code == 200


@pytest.fixture(scope="module")
def named_server(tmp_path_factory, embeddings) -> Iterator[tuple[str, int]]:
    with _serve(tmp_path_factory, embeddings, allowed_hosts="news.example, proxy.example:8443",
                seed_demo=False) as s:
        yield s


@pytest.mark.parametrize("host, status", [
    ("news.example", 200),
    ("news.example:{port}", 200),
    ("NEWS.example:443", 200),
    ("proxy.example:8443", 200),
    ("127.0.0.1:{port}", 200),
    ("proxy.example:{port}", 421),
    ("evil.example:{port}", 421),
    ("www.news.example", 421),
])
def test_citewise_allowed_hosts_adds_names(named_server, host, status):
    base, port = named_server
    assert send(base, port, "GET", "/v1/articles", {}, {"Host": host}).status_code == status


def test_a_page_on_an_allowed_host_behind_a_proxy_may_write(named_server):
    # the proxy forwards to 127.0.0.1 with its own Host; the browser's Origin names the public host
    base, port = named_server
    r = send(base, port, "POST", "/v1/ingest", {"json": {"articles": [{"text": "The pier reopened."}]}},
             {"Origin": "https://news.example", "Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200, r.text


def test_allowed_hosts_star_answers_any_host(tmp_path_factory, embeddings):
    with _serve(tmp_path_factory, embeddings, allowed_hosts="*", seed_demo=False) as (base, port):
        assert send(base, port, "GET", "/v1/articles", {}, {"Host": "evil.example:{port}"}).status_code == 200
        # the CSRF rule still holds: the Host is answered, not trusted with a form post
        r = send(base, port, "POST", "/v1/ask", {"content": ASK, "headers": {"Content-Type": "text/plain"}},
                 {"Host": "evil.example:{port}"})
        assert r.status_code == 403


def test_a_malformed_allowed_hosts_entry_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="CITEWISE_ALLOWED_HOSTS: 'news example'"):
        create_app(_settings(tmp_path, allowed_hosts="news.example,news example"))


# ---------------------------------------------------------------- API keys, Slack, embedded apps


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, embeddings) -> Iterator[tuple[str, int]]:
    with _serve(tmp_path_factory, embeddings, api_keys="k1") as s:
        yield s


@pytest.mark.parametrize("headers, status", [
    pytest.param({**CROSS_SITE, "Authorization": "Bearer k1"}, 200, id="cross-site with a valid key: served"),
    pytest.param(CROSS_SITE, 401, id="cross-site without a key: the key check refuses it"),
    pytest.param({"Authorization": "Bearer k1", "Host": "evil.example:{port}"}, 421,
                 id="a valid key with a rebinding Host: refused"),
])
def test_a_valid_bearer_key_skips_the_csrf_rule_but_not_the_host_check(keyed_server, headers, status):
    base, port = keyed_server
    r = send(base, port, "POST", "/v1/ask", {"json": {"question": S400}}, headers)
    assert r.status_code == status, r.text


SLACK_SECRET = "sitecheck-signing-secret"


def signed(body: str, secret: str = SLACK_SECRET) -> dict[str, str]:
    ts = int(time.time())
    sig = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": sig}


def test_slack_events_stay_reachable_for_slacks_signed_form_posts(tmp_path, embeddings):
    slack = SlackStandIn()
    try:
        settings = _settings(tmp_path / "h", slack_bot_token="xoxb-test", slack_signing_secret=SLACK_SECRET,
                             slack_api_url=f"{slack.url}/api/")
        with app_server(build_service(settings, embeddings=embeddings)) as base:
            body = "command=%2Fcitewise&text=help&user_id=UALICE&channel_id=CNEWS"
            # Slack posts a form, no Origin, and names the public host it was given
            r = httpx.post(f"{base}/slack/events", content=body, timeout=60, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Host": "bot.example.com", **signed(body)})
            assert r.status_code == 200 and r.json()["response_type"] == "ephemeral", r.text
            # without Slack's signature it is still nothing: Bolt refuses it
            r = httpx.post(f"{base}/slack/events", content=body, timeout=60,
                           headers={"Content-Type": "application/x-www-form-urlencoded", "Host": "bot.example.com"})
            assert r.status_code == 401
    finally:
        slack.close()


def test_an_app_without_a_listen_address_checks_the_address_each_connection_reached(make_client):
    c = make_client(seed_demo=False)  # Starlette's TestClient: the connection reached "testserver"
    assert c.get("/healthz").status_code == 200
    assert c.get("/healthz", headers={"Host": "evil.example"}).status_code == 421
    assert c.post("/v1/ask", content=ASK, headers={"Content-Type": "text/plain"}).status_code == 403


def test_citewise_serve_gives_the_app_its_listen_address(tmp_path, monkeypatch):
    import uvicorn

    from assistant.serve import serve

    runs: list[tuple] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append((app, kw)))
    for name in ("CITEWISE_API_KEYS", "CITEWISE_ADMIN_KEYS", "CITEWISE_ALLOWED_HOSTS", "SLACK_BOT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    serve(Settings(home=tmp_path / "home"), "127.0.0.1", 8123)
    (app, kw), = runs
    assert (kw["host"], kw["port"]) == ("127.0.0.1", 8123)
    # a test client that says it reached "testserver" still gets only the listen address's names
    c = TestClient(app)  # no lifespan: /healthz needs no model
    assert c.get("/healthz", headers={"Host": "localhost:8123"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "127.0.0.1:8123"}).status_code == 200
    assert c.get("/healthz", headers={"Host": "evil.example:8123"}).status_code == 421


# ---------------------------------------------------------------- which Host names an address answers to


@pytest.mark.parametrize("listen, server, host, ok", [
    (("127.0.0.1", 8000), ("127.0.0.1", 8000), "[::1]:8000", True),
    (("127.0.0.1", 8000), ("127.0.0.1", 8000), "localhost:8001", False),
    (("localhost", 8000), ("127.0.0.1", 8000), "127.0.0.1:8000", True),
    (("0.0.0.0", 8000), ("192.168.1.5", 8000), "192.168.1.5:8000", True),
    (("0.0.0.0", 8000), ("192.168.1.5", 8000), "0.0.0.0:8000", True),
    (("0.0.0.0", 8000), ("192.168.1.5", 8000), "localhost:8000", False),
    (("0.0.0.0", 8000), ("192.168.1.5", 8000), "evil.example:8000", False),
    (("0.0.0.0", 8000), ("127.0.0.1", 8000), "localhost:8000", True),
    (("::", 8000), ("::ffff:192.168.1.5", 8000), "192.168.1.5:8000", True),
    (("203.0.113.7", 8000), ("203.0.113.7", 8000), "203.0.113.7:8000", True),
    (("203.0.113.7", 8000), ("203.0.113.7", 8000), "localhost:8000", False),
    (("newsbox.lan", 8000), ("192.168.1.5", 8000), "newsbox.lan:8000", True),
    (None, ("testserver", 80), "testserver", True),
    (None, ("testserver", 80), "testserver:8080", False),
])
def test_host_names_an_address_answers_to(listen, server, host, ok):
    parsed = parse_host(host)
    assert parsed is not None
    own = own_addresses(listen, server)
    assert host_allowed(parsed, scheme="http", own=own, allowed=AllowedHosts()) is ok
