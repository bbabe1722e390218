"""``citewise``: ask, search, ingest, articles, show, remove.

Errors users can fix are one line on stderr and exit code 2 (see errors.py);
``--json`` prints exactly one JSON object (one a line with ``--batch``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.answer.checked import checked_line
from assistant.cli_parser import parser
from assistant.config import Settings, get_settings
from assistant.errors import CitewiseError, ConfigError, InputError


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args, _settings(args))
    except CitewiseError as exc:
        print(f"citewise: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `citewise ... | head`: the reader left, nothing to report
        sys.stderr.close()
        return 0


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings, read afresh for this command (``main`` may run several times in one
    process: tests), with ``--store`` as the data dir."""
    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as exc:  # a CITEWISE_ variable out of range or of the wrong type
        raise ConfigError("invalid setting: " + "; ".join(
            f"CITEWISE_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}" for e in exc.errors())) from None
    if args.store:
        settings = settings.model_copy(update={"home": Path(args.store).expanduser().resolve()})
    return settings


def _assistant(settings: Settings, progress: bool = True):
    from assistant.pipeline import Assistant

    return Assistant(settings, progress=progress and sys.stderr.isatty())


def _run(args: argparse.Namespace, settings: Settings) -> int:
    cmd = args.command
    if cmd in ("ask", "search"):
        return _questions(args, settings)
    if cmd == "ingest":
        return _ingest(args, settings)
    if cmd == "eval":
        return _eval(args, settings)
    if cmd == "serve":
        from assistant.serve import serve

        serve(settings, args.host, args.port, args.log_level)
        return 0
    if cmd == "slack":
        from assistant.serve import slack_socket_mode

        slack_socket_mode(settings, args.log_level)
        return 0
    if cmd == "feedback":
        return _feedback(args, settings)
    if cmd == "check":
        return _check(args, settings)
    if cmd == "migrate":
        return _migrate(args, settings)
    if cmd == "copy":
        return _copy(args, settings)
    a = _assistant(settings)
    a.ensure_seeded()  # the first command of a new user shows the demo corpus, whichever it is
    if cmd == "articles":
        rows = a.store.list_articles()
        if args.json:
            _print_json({"articles": [{k: r[k] for k in ("article_id", "source", "published", "title", "author",
                                                          "url", "n_chunks")} for r in rows]})
        else:
            for r in rows:
                print(f"{r['article_id']}  {r['source'] or '-':<16.16} {(r['published'] or '-')[:10]:<10}  "
                      f"{r['n_chunks']:>4} chunks  {r['title'] or '(untitled)'}")
            print(f"{len(rows)} articles")
        return 0
    if cmd == "show":
        art = a.store.get_article(args.article_id).to_dict()
        art["n_chunks"] = a.store.get_meta(args.article_id)["n_chunks"]
        if args.json:
            _print_json(art)
        else:
            for k in ("article_id", "title", "source", "author", "published", "url", "origin"):
                print(f"{k}: {art[k] or ''}")
            print()
            print(art["text"])
        return 0
    if cmd == "remove":
        a.store.remove(args.article_id)
        print(f"removed {args.article_id}")
        return 0
    raise AssertionError(cmd)


def _check(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.index.check import check

    a = _assistant(settings, progress=False)
    report = check(a.store, fix=not args.dry_run)
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.summary())
    return 0 if report.consistent else 1


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.database_url:
        raise InputError("citewise migrate is for server mode: set CITEWISE_DATABASE_URL=postgresql://...")
    from assistant.index.pg import PgDb
    from assistant.index.pg_schema import migrate

    db = PgDb.shared(settings.database_url)
    before, after = migrate(db)
    if args.json:
        _print_json({"database": db.where, "before": before, "after": after})
    else:
        print(f"{db.where}: schema version {before} -> {after}" if before != after
              else f"{db.where}: schema version {after}, up to date")
    return 0


def _copy(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.index.copy import copy_store, target_settings
    from assistant.index.pg import check_url, redacted

    target = target_settings(settings, args.to, args.chroma_url)
    if target.database_url:
        check_url(target.database_url)
    report = copy_store(settings, target)
    where = redacted(args.to) + (f" (vectors on {args.chroma_url})" if args.chroma_url else "")
    if args.json:
        _print_json({"to": where, **report.to_dict()})
    else:
        print(report.summary(where))
    return 1 if report.skipped else 0


def _feedback(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.slack.feedback import open_feedback

    store = open_feedback(settings)
    lines = [json.dumps(row, ensure_ascii=False) for row in store.disliked()]
    text = "".join(line + "\n" for line in lines)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{len(lines)} disliked answers written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _filters_of(args: argparse.Namespace):
    from assistant.retrieval.filters import Filters, period_bound

    # `is None`, not falsiness: an empty --after "" is a mistake to report, not a filter to drop
    if not args.source and args.after is None and args.before is None:
        return None
    after = None if args.after is None else period_bound(args.after, "--after")
    before = None if args.before is None else period_bound(args.before, "--before")
    return Filters(source=args.source, published_after=after, published_before=before)


def _questions(args: argparse.Namespace, settings: Settings) -> int:
    text = args.question if args.command == "ask" else args.query
    if args.batch is None and text is None:
        raise InputError(f"{args.command} needs a question, or --batch FILE")
    filters = _filters_of(args)  # before the store opens: a bad date costs nothing
    a = _assistant(settings)
    if args.batch:
        for q in _batch_questions(args.batch):
            try:
                obj = _one(a, args, q, filters)
            except CitewiseError as exc:
                obj = {"question": q, "error": str(exc)}
            _print_json(obj, compact=True)
        return 0
    obj = _one(a, args, text, filters)
    if args.json:
        _print_json(obj)
    elif args.command == "ask":
        _print_answer(obj)
    else:
        _print_search(obj)
    return 0


def _one(a, args: argparse.Namespace, q: str, filters) -> dict[str, Any]:
    if args.command == "ask":
        return a.ask(q, k=args.k, filters=filters).to_dict()
    results = a.search(q, k=args.k, filters=filters)
    keys = ("article_id", "title", "source", "published", "text", "start", "end", "score")
    return {"query": q, "results": [{"rank": i, **{k: getattr(p, k) for k in keys}}
                                    for i, p in enumerate(results, 1)]}


def _batch_questions(path: str) -> Iterator[str]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read batch file {path}: {exc}") from exc
    for i, line in enumerate(lines, 1):
        line = line.strip()
        if not line:
            continue
        if line.startswith("{"):
            try:
                q = json.loads(line).get("question")
            except (json.JSONDecodeError, AttributeError) as exc:
                raise InputError(f"{path}:{i}: invalid JSON line: {exc}") from exc
            if not isinstance(q, str):
                raise InputError(f"{path}:{i}: the JSON line has no 'question' string")
            yield q
        else:
            yield line


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    a = _assistant(settings, progress=not args.quiet)
    report = a.ingest(args.inputs, progress=not args.quiet and sys.stderr.isatty())
    if args.json:
        _print_json(report.to_dict())
    else:
        print(report.summary())
    ok = report.added or report.updated or report.unchanged
    if not ok:
        reason = "; ".join(f"{o}: {r}" for o, r in report.skipped) or "no articles found"
        print(f"citewise: error: nothing ingested ({reason})", file=sys.stderr)
        return 2
    return 0


# the figures printed for each half of the MultiHop questions (all of them are in the report)
HALF_FIGURES = ("n", "hits_at_10", "mrr_at_10", "answered_when_answerable", "gold_fact_quoted", "gold_article_cited",
                "null_no_answer")


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    """Run the eval, write the report, exit 1 when a threshold of the set's config is missed."""
    from evals.report import CHART_HINT, write_report

    progress = not args.quiet and sys.stderr.isatty()
    store = str(settings.home) if args.store else None
    if args.benchmark == "multihop":
        from evals.multihop import run_multihop

        if not (args.corpus and args.eval_set):
            raise InputError("--benchmark multihop needs --corpus ARTICLES_DIR and --set QUESTIONS.jsonl")
        result = run_multihop(Path(args.corpus), Path(args.eval_set), store=store, questions=args.questions,
                              half=args.half, progress=progress, settings=settings)
    else:
        if args.half != "all":
            raise InputError("--half splits the MultiHop-RAG questions: use it with --benchmark multihop")
        from evals.metrics import evaluate
        from evals.scorer import DEFAULT_SET, run_set

        records, meta = run_set(Path(args.eval_set) if args.eval_set else DEFAULT_SET, args.corpus, store=store,
                                progress=progress, settings=settings)
        result = evaluate(records, meta)
    paths = write_report(result, args.out)
    if args.json:
        _print_json({"overall": result["overall"], "thresholds": result["thresholds"], "ok": result["ok"],
                     "report": {k: str(v) for k, v in paths.items()}})
    else:
        for name, value in result["overall"].items():
            print(f"{name:>24}: {value if value is not None else '-'}")
        for half, kinds in (result.get("by_half_and_kind") or {}).items():
            figures = kinds.get("all") or {}
            print(f"{half + ' half':>24}: " + ", ".join(f"{k} {figures[k]}" for k in HALF_FIGURES if k in figures))
        missed = [f"{n} {c['value']} (limit {c['threshold']})" for n, c in result["thresholds"].items() if not c["ok"]]
        print("FAIL: " + "; ".join(missed) if missed else "PASS: all thresholds met")
        print(f"report: {paths['md']}")
    if "png" not in paths:  # on stderr, so --json output stays one JSON object
        print(f"citewise: no chart: matplotlib is not installed; {CHART_HINT} draws it", file=sys.stderr)
    return 0 if result["ok"] else 1


def _print_json(obj: Any, compact: bool = False) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=None if compact else 2))


def _date(published: str | None) -> str:
    return (published or "")[:10]


def _print_answer(obj: dict[str, Any]) -> None:
    """The answer text, any derived sentence it does not show yet, then one source an article: its
    markers and metadata, then each of its quotes."""
    from assistant.answer.render import by_article, derived_lines, quoted

    print(obj["answer"])
    for line in derived_lines(obj["answer"], obj.get("derived") or []):
        print(line)
    if not obj["citations"]:
        return
    if obj.get("backend") == "llm" and checked_line(obj.get("verification")):
        print(f"\n{checked_line(obj.get('verification'))}")
    print("\nSources:")
    for group in by_article(obj["citations"], lambda c: c["article_id"]):
        c = group[0]
        meta = " | ".join(x for x in (c["source"], c["title"], c["author"] and f"by {c['author']}",
                                      _date(c["published"]), c["url"]) if x)
        print(" ".join(f"[{q['n']}]" for q in group) + f" {meta}  (article {c['article_id']})")
        for q in group:
            print(f"    [{q['n']}] {quoted(q['quote'])}  (chars {q['start']}-{q['end']})")
            for o in q["also_in"]:
                print(f"        also in: {o['source'] or ''} {_date(o['published'])} (article {o['article_id']}, "
                      f"chars {o['start']}-{o['end']}): {quoted(o['quote'])}")


def _print_search(obj: dict[str, Any]) -> None:
    for r in obj["results"]:
        print(f"{r['rank']:>2}. {r['score']:.4f}  {r['source'] or '-'} {_date(r['published'])}  {r['title'] or ''}")
        print(f"    {r['text'][:300]}")


if __name__ == "__main__":
    sys.exit(main())
