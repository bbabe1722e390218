"""Inputs shared by the reader tests: the bundled sample articles, one article page, and helpers
to write input files and read inputs back as documents."""

from __future__ import annotations

from pathlib import Path

from ingest.sources import RawDocument, Skipped, iter_documents

SAMPLES = Path(__file__).resolve().parents[1] / "ingest" / "samples"
CALIBER = SAMPLES / "caliber-2025-turkiye-samp-t.txt"
BLOOMBERG = SAMPLES / "bloomberg-2020-turkey-macron.txt"

ARTICLE_HTML = """<!doctype html>
<html><head>
<title>Harbour bridge reopens after repairs | Example News</title>
<meta property="og:site_name" content="Example News">
<meta name="author" content="Jane Roe">
<meta property="article:published_time" content="2024-03-05T10:00:00+00:00">
<link rel="canonical" href="https://example.com/news/bridge">
</head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article>
<h1>Harbour bridge reopens after repairs</h1>
<p>The harbour bridge reopened on Tuesday after six months of repairs, the city council said in a statement.</p>
<p>Engineers replaced forty steel cables and resurfaced the whole deck, which carries about 30,000 vehicles a day.</p>
<p>"We are glad to give the bridge back to the people who use it every day," the mayor told reporters.</p>
</article>
<footer>Example News footer: contact, careers, advertising.</footer>
</body></html>
"""
KEY_SENTENCE = "Engineers replaced forty steel cables and resurfaced the whole deck"


def collect(inputs: list[str], **kwargs) -> list[RawDocument | Skipped]:
    kwargs.setdefault("allow_private", True)  # the test pages are served on 127.0.0.1
    return list(iter_documents(inputs, **kwargs))


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path
