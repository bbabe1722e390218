"""Whether a data dir given to an eval (``citewise --store DIR eval``) already holds the eval's corpus.

An empty or partly filled store is filled first: scoring a set against a store without its articles
would report every question refused. A store that holds the corpus is used as it is, since ingest would
re-read and re-hash every article only to find it unchanged.
"""

from __future__ import annotations

from pathlib import Path


def store_holds(articles: int, corpus: Path) -> bool:
    """Whether a store of ``articles`` articles holds ``corpus``: as many as the folder has files (for a
    single file, such as JSON lines of many articles, any article at all)."""
    if corpus.is_dir():
        files = [p for p in corpus.iterdir() if p.is_file() and not p.name.startswith(".")]
        return bool(files) and articles >= len(files)
    return articles > 0
