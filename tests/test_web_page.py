"""The chat page in a real headless Chromium: Debian's ``chromium`` driven by Playwright for Python, against
the real app served by uvicorn on 127.0.0.1 (a store seeded with the sample articles).

Screenshots go to ``test-output/web-page/`` at the repository root (or ``$CITEWISE_TEST_OUTPUT/web-page``).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote as urlquote

import httpx
import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright

from assistant.answer.render import derived_line, render, when
from assistant.config import Settings
from assistant.models import Citation
from assistant.web import create_app
from tests.test_answer_render import QUOTED

CHROMIUM = Path(os.environ.get("CITEWISE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("CITEWISE_TEST_OUTPUT") or ROOT / "test-output") / "web-page"
WAIT_MS = 60_000

S400 = "why did Türkiye buy the S-400?"
NO_ANSWER = "How much does one SAMP/T battery cost?"
MACRON = "what did Macron demand?"
ACKNOWLEDGE = "What does Erdogan want Macron to acknowledge?"  # quoted from a sentence that opens with “
API_KEY = "page-test-key"

ZORBLAT = {
    "title": 'Harbour <img src=x onerror="window.__pwned=3"> festival',
    "source": "Quimper <b>Daily</b>",
    "author": "A. <i>Writer</i>",
    "published": "2024-08-01",
    "url": "https://example.org/zorblat-festival",
    "text": "The Zorblat harbour festival opened on Friday.\n\n"
            "The Zorblat festival drew 40,000 visitors this year <script>window.__pwned=1</script> "
            "according to its organisers.\n\n"
            'Organisers said the <img src=x onerror="window.__pwned=2"> fireworks were cancelled because of wind.',
}
LIGHTHOUSE = {"title": "Glimmer lighthouse", "source": "Harbour Notes", "url": "javascript:window.__pwned=4",
              "text": "The Glimmer lighthouse was repainted in blue."}


# ---------------------------------------------------------------- fixtures


def _serve(settings: Settings, embeddings) -> Iterator[str]:
    """The real app on a free port of 127.0.0.1, served by uvicorn in a background thread."""
    app = create_app(settings, embeddings=embeddings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    while not server.started:
        assert thread.is_alive(), "the uvicorn server thread died while starting (see the log above)"
        assert time.monotonic() < deadline, "the server did not start within 180 s"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def _settings(home: Path, **overrides) -> Settings:
    # pinned so that a developer's CITEWISE_* environment (keys, an LLM) does not change what the page shows
    values = {"home": home, "llm": "extractive", "api_keys": None, "admin_keys": None} | overrides
    return Settings(**values)


@pytest.fixture(scope="module")
def server(tmp_path_factory, embeddings) -> Iterator[str]:
    yield from _serve(_settings(tmp_path_factory.mktemp("web-page-home")), embeddings)


@pytest.fixture(scope="module")
def api(server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, timeout=60) as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: the page tests need Debian's Chromium (apt-get install -y chromium), "
                    "driven by Playwright with executable_path (Playwright's own browser download is not used). "
                    "Set CITEWISE_CHROMIUM to use another Chromium binary.", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _page(browser: Browser, **context_args) -> Iterator[Page]:
    context = browser.new_context(**({"viewport": {"width": 1280, "height": 860}} | context_args))
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser) -> Iterator[Page]:
    yield from _page(browser)


@pytest.fixture
def phone(browser) -> Iterator[Page]:
    yield from _page(browser, viewport={"width": 375, "height": 740}, device_scale_factor=2, is_mobile=True,
                     has_touch=True)


# ---------------------------------------------------------------- helpers


def shot(page: Page, name: str) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path), animations="disabled")
    print(f"screenshot: {path}")
    return path


def open_page(page: Page, base: str) -> None:
    page.goto(base + "/")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def ask(page: Page, question: str) -> None:
    """Type the question and press Enter; wait for its answer to be complete."""
    turns = page.locator("#log > li.turn")
    before = turns.count()
    page.locator("#question").fill(question)
    page.locator("#question").press("Enter")
    expect(turns).to_have_count(before + 1)
    expect(turns.last.locator(".answer")).not_to_have_attribute("aria-busy", "true")
    expect(turns.last.locator(".answer-meta, .error")).to_have_count(1)


def api_answer(api: httpx.Client, question: str) -> dict:
    r = api.post("/v1/ask", json={"question": question})
    assert r.status_code == 200, r.text
    return r.json()


def paragraph(text: str, start: int, end: int) -> str:
    """The blank-line separated paragraph(s) holding text[start:end]."""
    a = text.rfind("\n\n", 0, start)
    b = text.find("\n\n", end)
    return text[0 if a < 0 else a + 2 : len(text) if b < 0 else b]


def no_horizontal_scroll(page: Page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,"
                           " document.body.scrollWidth]")
    assert widths[0] <= widths[1] and widths[2] <= widths[1], f"horizontal scroll: {widths}"


def fragment(words: list[str]) -> str:
    return urlquote(" ".join(words), safe="").replace("-", "%2D")


# ---------------------------------------------------------------- tests


def test_s400_answer_and_its_quote_highlighted_in_the_article(page: Page, server: str, api: httpx.Client) -> None:
    expected = api_answer(api, S400)
    assert expected["status"] == "answered"
    c1 = expected["citations"][0]
    article = api.get(f"/v1/articles/{c1['article_id']}").json()
    assert article["text"][c1["start"] : c1["end"]] == c1["quote"]

    open_page(page, server)
    expect(page.locator("#corpus")).to_contain_text("articles from")
    shot(page, "01-empty")
    ask(page, S400)
    turn = page.locator("#log > li.turn").last
    expect(turn.locator(".bubble")).to_have_text(S400)
    expect(turn.locator(".answer-text")).to_contain_text(c1["quote"])
    expect(turn.locator(".source-list > li")).to_have_count(len({c["article_id"] for c in expected["citations"]}))
    shot(page, "02-answer")

    turn.locator('.answer-text button.cite[data-n="1"]').click()
    card = page.locator("#source-card")
    expect(card).to_be_visible()
    mark = card.locator(".excerpt mark")
    expect(mark).to_have_count(1)
    assert mark.text_content() == c1["quote"]
    # the quote sits inside its whole paragraph of the article
    assert card.locator(".excerpt").text_content() == paragraph(article["text"], c1["start"], c1["end"])
    expect(card.locator("#card-source")).to_contain_text(c1["source"])
    expect(card.locator("#card-source")).to_contain_text("25 June 2025")
    expect(card.locator("#card-title")).to_have_text(c1["title"])
    expect(card.locator("#card-byline")).to_have_text(f"By {c1['author']}")
    expect(card.locator(".verified")).to_contain_text(f"characters {c1['start']:,}")
    expect(card.locator(".no-link")).to_be_visible()  # the sample articles carry no URL
    shot(page, "03-source-card")

    card.locator("#card-close").click()
    expect(card).to_be_hidden()


def test_also_in_sources_are_listed_and_open_in_their_article(page: Page, server: str, api: httpx.Client) -> None:
    """A streamed answer whose marker is split across deltas, with a citation carried by two articles."""
    done = api_answer(api, S400)
    c1 = done["citations"][0]
    other = next(a for a in api.get("/v1/articles").json()["articles"] if a["article_id"] != c1["article_id"])
    text = api.get(f"/v1/articles/{other['article_id']}").json()["text"]
    end = text.index(".") + 1
    also = {k: other[k] for k in ("article_id", "title", "source", "published")} | {
        "start": 0, "end": end, "quote": text[:end]}
    c1 = c1 | {"also_in": [also]}
    done = done | {"citations": [c1], "answer": f"“{c1['quote']}” [1]"}
    pieces = ["“" + c1["quote"][:40], c1["quote"][40:] + "” [", "1]"]
    body = "".join(f"event: delta\ndata: {json.dumps({'text': p})}\n\n" for p in pieces)
    body += f"event: citation\ndata: {json.dumps(c1)}\n\nevent: done\ndata: {json.dumps(done)}\n\n"
    page.route("**/v1/ask", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body))
    open_page(page, server)
    ask(page, S400)
    turn = page.locator("#log > li.turn").last
    expect(turn.locator(".source-list")).to_contain_text("+1 more")
    turn.locator('.answer-text button.cite[data-n="1"]').click()
    card = page.locator("#source-card")
    expect(card.locator(".excerpt mark")).to_have_text(c1["quote"])
    also_in = card.locator(".also-in")
    expect(also_in).to_contain_text("Also in 1 other article")
    expect(also_in).to_contain_text(other["source"])
    shot(page, "12-also-in")
    also_in.locator("button").first.click()
    expect(card.locator("#card-title")).to_have_text(other["title"])
    expect(card.locator(".excerpt mark")).to_have_text(also["quote"])
    expect(card.locator(".also-in")).to_contain_text(c1["source"])  # and back to the cited article
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()


GROUPED = "Why is Washington worried about Turkey deploying the S-400?"  # quotes one article twice


def test_one_source_card_per_article_holding_its_quotes(page: Page, server: str, api: httpx.Client) -> None:
    expected = api_answer(api, GROUPED)
    cites = expected["citations"]
    groups: dict[str, list[dict]] = {}
    for c in cites:
        groups.setdefault(c["article_id"], []).append(c)
    assert len(groups) < len(cites), "the question should quote one article twice"

    open_page(page, server)
    ask(page, GROUPED)
    turn = page.locator("#log > li.turn").last
    # the answer: an article's outlet and date once, above its quotes, the newest article first
    headings = turn.locator(".answer-text p.answer-source")
    expect(headings).to_have_count(len(groups))
    firsts = [g[0] for g in groups.values()]
    newest_first = sorted(firsts, key=lambda c: c["published"], reverse=True)
    expect(headings).to_have_text([f"{c['source']}, {when(c['published'])}:" for c in newest_first])
    for c in cites:
        expect(turn.locator(f'.answer-text button.cite[data-n="{c["n"]}"]')).to_have_count(1)
    # the sources: a card per article, its markers, then its quotes
    cards = turn.locator(".source-list > li.source-article")
    expect(cards).to_have_count(len(groups))
    for i, group in enumerate(sorted(groups.values(), key=lambda g: g[0]["n"])):
        card = cards.nth(i)
        expect(card.locator(".source-num")).to_have_text([str(c["n"]) for c in group])
        expect(card.locator(".source-title")).to_have_text(group[0]["title"])
        expect(card.locator("button.source-quote")).to_have_count(len(group))
        for q in group:
            words = " ".join(q["quote"].split()[:6])
            expect(card.locator(f'button.source-quote[data-n="{q["n"]}"]')).to_contain_text(words)
    shot(page, "13-sources-by-article")

    last = max(groups.values(), key=len)[-1]  # a second quote of one article opens its own place
    turn.locator(f'button.source-quote[data-n="{last["n"]}"]').click()
    card = page.locator("#source-card")
    expect(card.locator(".excerpt mark")).to_have_text(last["quote"])
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()


def test_quote_marks_never_double_on_the_page(page: Page, server: str, api: httpx.Client) -> None:
    expected = api_answer(api, ACKNOWLEDGE)
    own = [c for c in expected["citations"] if c["quote"].startswith("“")]
    assert own, expected["answer"]
    open_page(page, server)
    # the page's quoted() follows the server's rule, case for case
    shown = page.evaluate("cases => import('/static/app.js').then(m => cases.map(q => m.quoted(q)))",
                          [q for q, _ in QUOTED])
    assert shown == [s for _, s in QUOTED]
    ask(page, ACKNOWLEDGE)
    turn = page.locator("#log > li.turn").last
    text = turn.locator(".answer").inner_text()
    assert "““" not in text and "””" not in text, text
    for c in own:
        expect(turn.locator(".answer-text")).to_contain_text(c["quote"])
        line = turn.locator(f'button.source-quote[data-n="{c["n"]}"] .source-quote-text').text_content() or ""
        assert line.startswith("“") and not line.startswith("““"), line
    shot(page, "14-own-quote-marks")


def test_derived_sentences_are_a_marked_note_not_a_quote(page: Page, server: str, api: httpx.Client) -> None:
    """An answer whose text carries one derived sentence and whose ``derived`` carries one more: both are
    shown as notes marked as derived from the publication dates, never in quotation marks."""
    done = api_answer(api, MACRON)
    cites = [Citation(**{k: v for k, v in c.items() if k != "also_in"}) for c in done["citations"]]
    first = "Bloomberg reported on 25 September 2020, before Caliber.az on 25 June 2025."
    extra = "Caliber.az reported almost five years later."
    text = render(cites, chronological=True, derived=[first])
    done = done | {"answer": text, "derived": [first, extra]}
    body = f"event: delta\ndata: {json.dumps({'text': text})}\n\nevent: done\ndata: {json.dumps(done)}\n\n"
    page.route("**/v1/ask", lambda route: route.fulfill(status=200, content_type="text/event-stream", body=body))
    open_page(page, server)
    assert page.evaluate("s => import('/static/app.js').then(m => [m.derivedLine(s), m.derivedLine(m.derivedLine(s))])",
                         first) == [derived_line(first)] * 2
    ask(page, "which reported first, Bloomberg or Caliber.az?")
    turn = page.locator("#log > li.turn").last
    notes = turn.locator(".answer-text p.derived")
    expect(notes).to_have_count(2)
    expect(notes.locator(".derived-tag")).to_have_text(["From the publication dates · not a quote"] * 2)
    expect(notes.nth(0)).to_contain_text(first)
    expect(notes.nth(1)).to_contain_text(extra)
    for note in notes.all():
        assert not set(note.inner_text()) & set("“”\""), note.inner_text()
    # chronological: the older article's heading comes first
    expect(turn.locator(".answer-text p.answer-source").first).to_contain_text("Bloomberg, 25 September 2020")
    shot(page, "15-derived-note")


def test_no_answer_is_shown_calmly_not_as_an_error(page: Page, server: str, api: httpx.Client) -> None:
    assert api_answer(api, NO_ANSWER)["status"] == "no_answer"
    open_page(page, server)
    ask(page, NO_ANSWER)
    turn = page.locator("#log > li.turn").last
    expect(turn.locator(".no-answer")).to_be_visible()
    expect(turn.locator(".no-answer")).to_contain_text("The articles don’t say")
    expect(turn.locator(".error, [role=alert]")).to_have_count(0)
    expect(turn.locator("button.cite")).to_have_count(0)
    shot(page, "04-no-answer")


def test_phone_width(phone: Page, server: str, api: httpx.Client) -> None:
    c1 = api_answer(api, S400)["citations"][0]
    open_page(phone, server)
    box = phone.locator("#question").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= 740
    expect(phone.locator("#question")).to_be_in_viewport()
    expect(phone.locator("#send")).to_be_in_viewport()
    no_horizontal_scroll(phone)
    ask(phone, S400)
    answer = phone.locator("#log > li.turn").last.locator(".answer")
    expect(answer).to_contain_text(c1["quote"])
    # the end of the turn (its last source) is in view; a long answer scrolls and its markers stay tappable
    turn = phone.locator("#log > li.turn").last
    expect(turn.locator("li.source-article").last).to_be_in_viewport()
    answer.locator("button.cite").last.scroll_into_view_if_needed()
    expect(answer.locator("button.cite").last).to_be_in_viewport()
    expect(phone.locator("#question")).to_be_in_viewport()
    no_horizontal_scroll(phone)
    shot(phone, "05-phone-answer")

    answer.locator('button.cite[data-n="1"]').click()
    card = phone.locator("#source-card")
    expect(card.locator(".excerpt mark")).to_have_text(c1["quote"])
    card_box = card.bounding_box()
    assert card_box and card_box["x"] >= 0 and card_box["x"] + card_box["width"] <= 375.5
    no_horizontal_scroll(phone)
    shot(phone, "06-phone-card")


def test_keyboard_only(page: Page, server: str, api: httpx.Client) -> None:
    c1 = api_answer(api, S400)["citations"][0]
    open_page(page, server)
    focused = "() => document.activeElement && (document.activeElement.id || document.activeElement.className)"
    assert page.evaluate(focused) == "question"  # the page opens ready to type
    page.keyboard.type(S400)
    page.keyboard.press("Enter")
    turn = page.locator("#log > li.turn").last
    expect(turn.locator(".answer-meta")).to_be_visible()
    expect(page.locator("#question")).to_have_value("")

    is_cite_1 = "() => document.activeElement.matches('.answer-text button.cite[data-n=\"1\"]')"
    for _ in range(25):
        page.keyboard.press("Tab")
        if page.evaluate(is_cite_1):
            break
    else:
        pytest.fail("Tab never reached citation [1]")
    outline = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", "a focused citation shows no focus ring"
    shot(page, "07-keyboard-focus")

    page.keyboard.press("Enter")
    card = page.locator("#source-card")
    expect(card).to_be_visible()
    expect(card.locator(".excerpt mark")).to_have_text(c1["quote"])
    assert page.evaluate("() => document.getElementById('source-card').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(card).to_be_hidden()
    assert page.evaluate(is_cite_1), "closing the card did not give the focus back to the citation"


def test_conversation_is_kept_across_reloads_and_new_conversation_clears_it(page: Page, server: str,
                                                                           api: httpx.Client) -> None:
    open_page(page, server)
    ask(page, S400)
    cid = page.evaluate("() => localStorage.getItem('citewise.conversationId')")
    assert cid
    ask(page, "and what did Macron say about it?")
    turns = api.get(f"/v1/conversations/{cid}").json()["turns"]
    assert [t["question"] for t in turns] == [S400, "and what did Macron say about it?"]

    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#log > li.turn")).to_have_count(2)
    expect(page.locator("#log > li.turn .bubble").first).to_have_text(S400)
    expect(page.locator('#log > li.turn').first.locator('button.cite[data-n="1"]')).to_be_visible()
    expect(page.locator("#intro")).to_be_hidden()
    shot(page, "08-restored-conversation")

    page.locator("#new-conversation").click()
    expect(page.locator("#log > li")).to_have_count(0)
    expect(page.locator("#intro")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('citewise.conversationId')") is None
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#log > li")).to_have_count(0)
    ask(page, S400)
    assert page.evaluate("() => localStorage.getItem('citewise.conversationId')") not in (None, cid)


def test_article_markup_shows_as_text_and_never_runs(page: Page, server: str, api: httpx.Client) -> None:
    r = api.post("/v1/ingest", json={"articles": [ZORBLAT]})
    assert r.status_code == 200 and len(r.json()["added"]) == 1, r.text
    # the JSON API refuses a javascript: URL; an uploaded file can still carry one
    assert api.post("/v1/ingest", json={"articles": [LIGHTHOUSE]}).status_code == 422
    r = api.post("/v1/ingest", files=[("files", ("lighthouse.json", json.dumps(LIGHTHOUSE), "application/json"))],
                 headers={"X-Citewise": "1"})
    assert r.status_code == 200 and len(r.json()["added"]) == 1, r.text
    question = "How many visitors did the Zorblat festival draw?"
    c1 = api_answer(api, question)["citations"][0]
    assert "<script>window.__pwned=1</script>" in c1["quote"]

    open_page(page, server)
    ask(page, question)
    turn = page.locator("#log > li.turn").last
    expect(turn.locator(".answer-text")).to_contain_text("<script>window.__pwned=1</script>")
    expect(turn.locator(".source-list")).to_contain_text('<img src=x onerror="window.__pwned=3">')
    turn.locator('.answer-text button.cite[data-n="1"]').click()
    card = page.locator("#source-card")
    assert card.locator(".excerpt mark").text_content() == c1["quote"]
    expect(card.locator("#card-title")).to_have_text(ZORBLAT["title"])
    expect(card.locator("#card-source")).to_contain_text("Quimper <b>Daily</b>")
    expect(card.locator("#card-byline")).to_have_text("By A. <i>Writer</i>")

    # the source link is a text-fragment link to the quote on the original page
    words = c1["quote"].split()
    link = card.locator("a.source-link")
    assert link.get_attribute("href") == (f"{ZORBLAT['url']}#:~:text={fragment(words[:4])},{fragment(words[-4:])}")
    assert link.get_attribute("target") == "_blank" and "noopener" in (link.get_attribute("rel") or "")
    shot(page, "09-markup-as-text")

    assert page.evaluate("() => document.querySelectorAll('img').length") == 0
    assert page.evaluate("() => [...document.scripts].map(s => s.src.replace(location.origin, ''))") == \
        ["/static/app.js"]
    assert page.evaluate("() => typeof window.__pwned") == "undefined"
    page.keyboard.press("Escape")

    # a URL that is not http(s) is dropped at ingest, so it never becomes a link
    ask(page, "What colour was the Glimmer lighthouse repainted?")
    # the newest article comes first, and the lighthouse's has no date: its marker is read off its source card
    turn = page.locator("#log > li.turn").last
    n = turn.locator("button.source-quote", has_text=LIGHTHOUSE["text"]).get_attribute("data-n")
    turn.locator(f'.answer-text button.cite[data-n="{n}"]').click()
    expect(card.locator(".excerpt mark")).to_have_text(LIGHTHOUSE["text"])
    expect(card.locator("a.source-link")).to_have_count(0)
    expect(card.locator(".no-link")).to_contain_text("added without its web address")
    assert page.evaluate("() => typeof window.__pwned") == "undefined"


def test_short_quote_fragment_link_is_the_whole_quote(page: Page, server: str) -> None:
    open_page(page, server)
    mod = "() => import('/static/app.js').then(m => m.fragmentLink("
    assert page.evaluate(mod + "'https://example.org/a#top', 'Costs rose - sharply, and fast.'))") == \
        "https://example.org/a#:~:text=Costs%20rose%20%2D%20sharply%2C%20and%20fast."
    assert page.evaluate(mod + "'javascript:alert(1)', 'x'))") is None
    assert page.evaluate("() => import('/static/app.js').then(m => m.excerpt('A a.\\n\\nB b. C c.\\n\\nD', 11, 15))") \
        == {"lead": "", "tail": "", "before": "B b. ", "quote": "C c.", "after": "", "partial": True}


@pytest.fixture(scope="module")
def keyed_server(tmp_path_factory, embeddings) -> Iterator[str]:
    yield from _serve(_settings(tmp_path_factory.mktemp("web-page-keyed"), api_keys=API_KEY), embeddings)


def test_api_key_is_asked_for_and_kept(page: Page, keyed_server: str) -> None:
    page.goto(keyed_server + "/")
    dialog = page.locator("#key-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("API key")
    shot(page, "10-api-key")
    page.locator("#api-key").fill(API_KEY)
    page.locator("#api-key").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#corpus")).to_contain_text("articles from")
    assert page.evaluate("() => localStorage.getItem('citewise.apiKey')") == API_KEY
    ask(page, S400)
    expect(page.locator("#log > li.turn").last.locator('button.cite[data-n="1"]')).to_be_visible()
    # a wrong key stored: the page asks again instead of failing
    page.evaluate("() => localStorage.setItem('citewise.apiKey', 'wrong')")
    page.reload()
    expect(dialog).to_be_visible()
    expect(page.locator("#key-reason")).to_contain_text("refused")


def test_errors_are_shown_as_errors(page: Page, server: str) -> None:
    open_page(page, server)
    page.route("**/v1/ask", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"type": "store_unavailable", "message": "the store cannot be reached"}}'))
    ask(page, S400)
    error = page.locator("#log > li.turn").last.locator(".error")
    expect(error).to_have_attribute("role", "alert")
    expect(error).to_contain_text("the store cannot be reached")
    expect(error.locator("button")).to_have_text("Try again")
    shot(page, "11-error")

    page.unroute("**/v1/ask")
    page.route("**/v1/ask", lambda route: route.fulfill(
        status=200, content_type="text/event-stream",
        body='event: delta\ndata: {"text": "Half an ans"}\n\nevent: error\ndata: {"type": "internal", '
             '"message": "internal error; see the server log"}\n\n'))
    ask(page, S400)
    expect(page.locator("#log > li.turn").last.locator(".error")).to_contain_text("internal error")

    page.unroute("**/v1/ask")
    page.locator("#log > li.turn").last.locator(".error button").click()  # try again, for real this time
    expect(page.locator("#log > li.turn")).to_have_count(2)
    expect(page.locator("#log > li.turn").last.locator(".answer-meta")).to_be_visible()


def test_the_page_loads_nothing_from_outside(page: Page, server: str) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    open_page(page, server)
    ask(page, S400)
    outside = [u for u in requested if not u.startswith(server) and not u.startswith("data:")]
    assert not outside, f"the page fetched from outside: {outside}"
    assert f"{server}/static/style.css" in requested and f"{server}/static/app.js" in requested


# ---------------------------------------------------------------- other sites (see assistant/web/sitecheck.py)


KELP = "Title: Kelp harvest\nSource: Harbour Notes\n\nThe Saltmere kelp farm doubled its harvest this year."
UPLOAD_JS = """async ([url, text, name]) => {
  const form = new FormData();
  form.append("files", new File([text], name, { type: "text/plain" }));
  %s
}"""


def test_an_upload_through_the_pages_api_helper_sends_its_header_and_is_stored(page: Page, server: str,
                                                                              api: httpx.Client) -> None:
    open_page(page, server)
    with page.expect_request("**/v1/ingest") as sent:
        report = page.evaluate(UPLOAD_JS % """const { apiFetch } = await import("/static/app.js");
  return (await apiFetch(url, { method: "POST", body: form })).json();""", ["/v1/ingest", KELP, "kelp.txt"])
    assert sent.value.headers.get("x-citewise") == "1"
    assert len(report["added"]) == 1, report
    assert "Kelp harvest" in {a["title"] for a in api.get("/v1/articles").json()["articles"]}


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """A page of another site: http://localhost:PORT (the app is at 127.0.0.1, another site to a browser)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


def test_another_sites_no_cors_upload_and_json_form_are_refused(page: Page, server: str, api: httpx.Client) -> None:
    before = api.get("/v1/articles").json()["count"]
    # the classic trick: a text/plain form whose one field reads as JSON
    form = (f'<form id="f" method="post" enctype="text/plain" action="{server}/v1/ask">'
            '<input name=\'{"question": "why did T\u00fcrkiye buy the S-400?", "x": "\' value=\'"}\'></form>')
    with other_site(f"<!doctype html><title>prize</title>{form}") as url:
        page.goto(url)
        with page.expect_response(f"{server}/v1/ingest") as refused:
            page.evaluate(UPLOAD_JS % "await fetch(url, { method: 'POST', mode: 'no-cors', body: form });",
                          [f"{server}/v1/ingest", KELP.replace("Kelp", "Krill"), "krill.txt"])
        assert refused.value.status == 403  # the attacking page itself only ever sees an opaque answer
        with page.expect_navigation() as posted:
            page.evaluate("() => document.getElementById('f').submit()")
        assert posted.value.status == 403
        assert json.loads(page.locator("body").inner_text())["error"]["type"] == "forbidden"
    assert api.get("/v1/articles").json()["count"] == before


def test_a_dns_rebinding_page_gets_421(browser: Browser, server: str) -> None:
    port = server.rsplit(":", 1)[1]
    # evil.example resolves to the server, as a rebinding attacker's DNS would make it
    rebound = browser.browser_type.launch(executable_path=str(CHROMIUM), headless=True,
                                          args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"])
    try:
        page = rebound.new_page()
        response = page.goto(f"http://evil.example:{port}/")
        assert response is not None and response.status == 421
        assert "DNS rebinding" in page.locator("body").inner_text()
        assert page.goto(f"http://localhost:{port}/").status == 200  # the loopback names still work
    finally:
        rebound.close()
