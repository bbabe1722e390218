"""The ingest API reads no file of the server's: only http(s) URLs are fetched and only what the caller sent is
read; any other item is refused on its own, in ``skipped``, with one message whether or not it exists here.
And the API never shows a server path: an article's ``origin`` is a file name or a URL."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from assistant.web.routes_articles import WEB_ONLY, public_origin, split_urls
from tests.conftest import make_assistant

SECRET = "Zephyrine-7731 is the root password of this server."
ARTICLE = {"title": "Saltmere opens a tidal power plant", "source": "Coast Times", "published": "2024-05-02",
           "text": "The town of Saltmere opened a tidal power plant on Monday. "
                   "The plant cost 42 million euros and will power 9,000 homes, the mayor said."}


@pytest.fixture
def server_files(tmp_path) -> dict[str, str]:
    """Server files an attacker would like to read: a file, a folder of them, and a path that does not exist."""
    folder = tmp_path / "private"
    folder.mkdir()
    (folder / "notes.txt").write_text(f"Title: Notes\n\n{SECRET}", encoding="utf-8")
    (folder / "feed.json").write_text(json.dumps({"title": "Feed", "text": SECRET}), encoding="utf-8")
    return {"file": str(folder / "notes.txt"), "folder": str(folder), "missing": str(folder / "nothing-here.txt")}


def _refused(server_files: dict[str, str]) -> list[str]:
    return [
        "/etc/passwd", server_files["file"], server_files["folder"], server_files["missing"],
        server_files["folder"] + "/", "file:///etc/passwd", f"file://{server_files['file']}",
        "file:" + server_files["file"], "FILE:///etc/passwd",
        "ftp://example.com/article.txt", "javascript:alert(1)", "data:text/plain,hello", "gopher://example.com/1",
        "private/notes.txt", "notes.txt", "~", "~/.ssh/id_rsa", "..", "../../etc/passwd", "", " ", ".",
        "http:///etc/passwd", "https://", "//example.com/a", " /etc/passwd", "\\\\server\\share\\a.txt",
    ]


def test_local_paths_and_other_schemes_are_refused_one_by_one_and_the_article_still_ingests(make_client, server_files):
    c = make_client()
    bad = _refused(server_files)
    r = c.post("/v1/ingest", json={"urls": bad, "articles": [ARTICLE]})
    assert r.status_code == 200, r.text
    report = r.json()
    assert len(report["added"]) == 1 and report["updated"] == report["unchanged"] == []
    assert report["skipped"] == [{"origin": item, "reason": WEB_ONLY} for item in bad]
    for listed in c.get("/v1/articles").json()["articles"]:
        article = c.get(f"/v1/articles/{listed['article_id']}").json()
        assert SECRET not in article["text"] and "root:" not in article["text"]
        assert listed["title"] not in ("Notes", "Feed", "passwd")
    assert report["added"][0] in {a["article_id"] for a in c.get("/v1/articles").json()["articles"]}
    d = c.post("/v1/ask", json={"question": "What is the root password of this server?"}).json()
    assert "Zephyrine" not in json.dumps(d)


@pytest.mark.parametrize("kind", ["file", "folder", "missing"])
def test_a_path_alone_is_refused_and_nothing_is_ingested(make_client, server_files, kind):
    c = make_client()
    before = c.get("/v1/articles").json()
    r = c.post("/v1/ingest", json={"urls": [server_files[kind]]})
    assert r.status_code == 200
    assert r.json() | {"seconds": 0} == {"added": [], "updated": [], "unchanged": [], "chunks": 0, "seconds": 0,
                                         "skipped": [{"origin": server_files[kind], "reason": WEB_ONLY}]}
    assert c.get("/v1/articles").json() == before


def test_a_missing_path_is_refused_exactly_like_an_existing_one(make_client, server_files):
    # no oracle: apart from the item echoed back, the answer is the same whether the path exists or not
    c = make_client()

    def answer(item: str) -> tuple[int, dict]:
        r = c.post("/v1/ingest", json={"urls": [item]})
        body = r.json()
        return r.status_code, body | {"seconds": 0, "skipped": [s | {"origin": "<item>"} for s in body["skipped"]]}

    existing, folder, missing = (answer(server_files[kind]) for kind in ("file", "folder", "missing"))
    assert existing == folder == missing
    assert existing[0] == 200 and existing[1]["skipped"] == [{"origin": "<item>", "reason": WEB_ONLY}]


@pytest.mark.parametrize(("item", "fetched"), [
    ("https://example.com/news/1", "https://example.com/news/1"),
    ("  http://example.com/a  ", "http://example.com/a"),
    ("HTTP://EXAMPLE.COM/", "HTTP://EXAMPLE.COM/"),
    ("/etc/passwd", None), ("file:///etc/passwd", None), ("ftp://example.com/a", None), ("~", None),
    ("..", None), ("", None), ("javascript:alert(1)", None), ("data:,x", None), ("http://", None),
])
def test_split_urls_fetches_web_addresses_and_refuses_the_rest(item, fetched):
    fetch, refused = split_urls([item])
    assert fetch == ([fetched] if fetched else [])
    assert refused == ([] if fetched else [{"origin": item, "reason": WEB_ONLY}])


def test_a_long_refused_item_is_echoed_cut_short():
    [refusal] = split_urls(["/" + "a" * 5000])[1]
    assert len(refusal["origin"]) < 400 and refusal["origin"].endswith("…")


# --- URLs still go to the fetcher -----------------------------------------------------------


class _Article(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        body = (b"Title: Quillfer hires a new chief executive\nSource: Harbour Post\n\n"
                b"Quillfer named Mara Holt as its chief executive on Tuesday, the company said.")
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def page_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Article)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_web_url_next_to_a_refused_path_is_fetched_and_shown_as_its_url(make_client, page_server):
    c = make_client(allow_private_urls=True)  # the page is served on loopback
    url = f"{page_server}/quillfer.txt"
    report = c.post("/v1/ingest", json={"urls": ["/etc/passwd", url]}).json()
    assert report["skipped"] == [{"origin": "/etc/passwd", "reason": WEB_ONLY}]
    [article_id] = report["added"]
    article = c.get(f"/v1/articles/{article_id}").json()
    assert article["origin"] == url and "Mara Holt" in article["text"]


def test_a_url_on_the_servers_network_still_meets_the_ssrf_guard(make_client, page_server):
    c = make_client()
    [skip] = c.post("/v1/ingest", json={"urls": [f"{page_server}/quillfer.txt"]}).json()["skipped"]
    assert skip["origin"] == f"{page_server}/quillfer.txt" and skip["reason"] != WEB_ONLY
    assert "loopback" in skip["reason"]


# --- no server path in what the API shows ---------------------------------------------------


@pytest.mark.parametrize(("origin", "shown"), [
    ("/tmp/citewise-upload-ab12cd/s400.txt", "s400.txt"),
    ("/work/.venv/lib/python3.12/site-packages/ingest/samples/caliber-2025-turkiye-samp-t.txt",
     "caliber-2025-turkiye-samp-t.txt"),
    ("/tmp/citewise-upload-ab12cd/articles.jsonl:3", "articles.jsonl:3"),
    ("/srv/corpus/feed.json#2", "feed.json#2"),
    ("corpus/2024/a.md", "a.md"),
    ("C:\\corpus\\a.txt", "a.txt"),
    ("https://example.com/news/1", "https://example.com/news/1"),
    ("https://example.com/feed.json#2", "https://example.com/feed.json#2"),
    ("file:///etc/passwd", "passwd"),
    (None, None),
])
def test_public_origin_is_a_file_name_or_a_url(origin, shown):
    assert public_origin(origin) == shown


def test_an_uploaded_file_shows_its_name_only(make_client):
    c = make_client()
    good = (b"Title: Quillfer hires a new chief executive\nSource: Harbour Post\n\n"
            b"Quillfer named Mara Holt as its chief executive on Tuesday, the company said.")
    files = [("files", ("s400.txt", good, "text/plain")), ("files", ("the-copy.txt", good, "text/plain")),
             ("files", ("broken.json", b"{not json", "application/json"))]
    report = c.post("/v1/ingest", files=files, headers={"X-Citewise": "1"}).json()  # uploads say they are ours
    [article_id] = report["added"]
    assert c.get(f"/v1/articles/{article_id}").json()["origin"] == "s400.txt"
    # files are read in name order: the copy comes after s400.txt, and its reason names it
    assert [s["origin"] for s in report["skipped"]] == ["broken.json", "the-copy.txt"]
    assert report["skipped"][1]["reason"] == "same article as s400.txt"
    assert "/" not in json.dumps(report["skipped"])


def test_a_json_article_shows_no_server_path(make_client):
    c = make_client()
    [article_id] = c.post("/v1/ingest", json={"articles": [ARTICLE]}).json()["added"]
    origin = c.get(f"/v1/articles/{article_id}").json()["origin"]
    assert origin == "articles.jsonl:1"


def test_the_bundled_samples_show_their_file_names(client):
    for listed in client.get("/v1/articles").json()["articles"]:
        origin = client.get(f"/v1/articles/{listed['article_id']}").json()["origin"]
        assert origin.endswith(".txt") and "/" not in origin and "site-packages" not in origin


def test_an_article_stored_from_a_server_path_by_the_cli_shows_its_name_only(make_client, embeddings, tmp_path):
    home = tmp_path / "home"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "saltmere.txt").write_text(f"Title: {ARTICLE['title']}\n\n{ARTICLE['text']}", encoding="utf-8")
    cli = make_assistant(home, embeddings, seed_demo=False)
    [article_id] = cli.ingest([str(corpus)]).added  # as `citewise ingest corpus/` does, on the server
    assert cli.store.get_article(article_id).origin == str(corpus / "saltmere.txt")  # the CLI keeps the path
    c = make_client(home=home)
    assert c.get(f"/v1/articles/{article_id}").json()["origin"] == "saltmere.txt"
