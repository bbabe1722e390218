"""The arguments of ``citewise`` (``cli.py`` runs the commands): ask, search, ingest, articles, show,
remove, serve, check, migrate, copy, slack, feedback, eval."""

from __future__ import annotations

import argparse


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="citewise", description="Answers about news articles, with verified quotes.")
    p.add_argument("--store", metavar="DIR", help="data dir (default: $CITEWISE_HOME or the user data dir)")
    sub = p.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question with quotes from the articles")
    ask.add_argument("question", nargs="?")
    ask.add_argument("-k", type=int, default=None, help="passages to retrieve (default 8)")
    _filters(ask)
    _batch_json(ask)

    search = sub.add_parser("search", help="the passages retrieval finds, before any answer")
    search.add_argument("query", nargs="?")
    search.add_argument("-k", type=int, default=10)
    _filters(search)
    _batch_json(search)

    ing = sub.add_parser("ingest", help="add files, folders, JSON lines or URLs")
    ing.add_argument("inputs", nargs="+")
    ing.add_argument("--quiet", action="store_true", help="no progress bar")
    ing.add_argument("--json", action="store_true")

    arts = sub.add_parser("articles", help="list the stored articles")
    arts.add_argument("--json", action="store_true")

    show = sub.add_parser("show", help="an article's clean text and metadata")
    show.add_argument("article_id")
    show.add_argument("--json", action="store_true")

    rm = sub.add_parser("remove", help="delete an article from the store")
    rm.add_argument("article_id")

    srv = sub.add_parser("serve", help="the web service: chat page, JSON/streaming and OpenAI-compatible API")
    srv.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000)
    srv.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    ck = sub.add_parser("check", help="verify that texts, lexical index and vectors agree; repair them if not")
    ck.add_argument("--dry-run", action="store_true", help="report only, repair nothing")
    ck.add_argument("--json", action="store_true")

    mg = sub.add_parser("migrate", help="server mode: create or upgrade the schema of CITEWISE_DATABASE_URL")
    mg.add_argument("--json", action="store_true")

    cp = sub.add_parser("copy", help="copy the store (texts, chunks, vectors, conversations, feedback) elsewhere, "
                        "without embedding again: to server mode or back to a data dir")
    cp.add_argument("--to", required=True, metavar="TARGET", help="a postgresql:// URL, or a data dir")
    cp.add_argument("--chroma-url", metavar="URL", help="the target's Chroma server (default: Chroma embedded in "
                    "the target data dir, or in this store's data dir for a postgresql:// target)")
    cp.add_argument("--json", action="store_true")

    sl = sub.add_parser("slack", help="the Slack bot in Socket Mode (no public URL needed)")
    sl.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    fb = sub.add_parser("feedback", help="Slack feedback: export the 👎 answers as candidate eval-set lines")
    fb.add_argument("action", choices=["export"])
    fb.add_argument("--out", metavar="FILE", help="write JSON lines here (default: stdout)")

    ev = sub.add_parser("eval", help="score the assistant on an eval set (or the MultiHop-RAG benchmark)")
    ev.add_argument("--set", dest="eval_set", metavar="FILE", help="eval set, JSON lines (default: the samples set)")
    ev.add_argument("--corpus", metavar="DIR", help="articles to ingest into a temporary store (default: the set's)")
    ev.add_argument("--benchmark", choices=["multihop"], help="score as the MultiHop-RAG paper does")
    ev.add_argument("--questions", type=_count, default=0, help="only the first N questions (benchmark)")
    ev.add_argument("--half", choices=["fit", "check", "all"], default="all",
                    help="only the questions of this half (benchmark; evals/split.py): fit, check (held out), all")
    ev.add_argument("--out", metavar="DIR", default="eval-report", help="where report.json/.md/.png go")
    ev.add_argument("--json", action="store_true", help="print the overall figures as JSON")
    ev.add_argument("--quiet", action="store_true")
    return p


def _count(text: str) -> int:
    """A whole number, 0 or more (argparse turns the error into a usage message and exit 2)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


def _filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--source", action="append", help="only this outlet (repeatable)")
    p.add_argument("--after", help="published on or after: an ISO date, or a year or year-month (2025, 2025-06) "
                   "taken whole")
    p.add_argument("--before", help="published before: an ISO date, or a year or year-month, taken whole")


def _batch_json(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.add_argument("--batch", metavar="FILE", help="one question a line (or JSON lines with 'question'); "
                   "prints one JSON object a line")
