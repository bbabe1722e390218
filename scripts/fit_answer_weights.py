"""Fit the passage and answer models' weights and thresholds, and write them into the package.

    python scripts/fit_answer_weights.py [--store DIR] [--report FILE]

Two logistic regressions (``assistant.learned``): the passage model, which reranks the fused passages
(``retrieval.rerank.MeaningReranker``; a positive holds a gold fact), is fitted first; the answer
model then reads the reranked evidence (``answer.extractive``; a positive sentence holds a fact).

Labelled data: the MultiHop-RAG dev questions (``../shared/bench/multihop``; a candidate sentence is
a positive when it holds, or lies inside, a gold evidence fact) and the sample set's expectations
(``evals/sets/samples.jsonl``: a sentence holding an expected fact). The MultiHop questions are split
by a hash of their id (``evals.split``): the logistic regression and both thresholds are fitted on the
``fit`` half (with the sample set) only; the ``check`` half is reported as it comes, beside the fit half.

Thresholds: ``abstain_below`` (the best sentence's probability under which the answer is ``no_answer``),
``quote_floor`` (the share of the best probability a further quote needs; ``article_floor`` for the
first quote of another article) and the quote counts
(``max_quotes``, ``same_article_share``: how good a second quote of one article must be) are chosen on
the fit half by a grid, maximising answered-when-answerable + a gold fact quoted + all gold facts
quoted + null questions refused + the share of an answer's quotes that hold a fact (so that a quote
more must bring a fact more often than noise); of equal scores, the fewer quotes. An abstention threshold
is scored with its two neighbours (±0.05): the middle of a plateau carries to new questions, the edge of
a cliff does not.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passage_fit import cross_validated_mrr, fit_passages, passage_pools, retrieval_figures  # noqa: E402

from assistant.answer.extractive import answerer as answerer_module  # noqa: E402
from assistant.answer.extractive.answerer import ExtractiveAnswerer, Reading  # noqa: E402
from assistant.answer.extractive.features import FEATURES, QUESTION_FEATURES, question_row  # noqa: E402
from assistant.answer.extractive.model import AnswerModel  # noqa: E402
from assistant.config import Settings  # noqa: E402
from assistant.learned import LogisticModel, fit_logistic  # noqa: E402
from assistant.pipeline import Assistant  # noqa: E402
from assistant.retrieval import passage_model  # noqa: E402
from assistant.retrieval import rerank as rerank_module  # noqa: E402
from assistant.retrieval.rerank import MeaningReranker  # noqa: E402
from evals.split import half  # noqa: E402
from evals.stats import quoted_facts  # noqa: E402

MULTIHOP = ROOT.parent / "shared" / "bench" / "multihop"
SAMPLES = ROOT / "evals" / "sets" / "samples.jsonl"
RESOURCES = ROOT / "assistant" / "resources"


@dataclass
class Item:
    qid: str
    half: str  # fit | check | samples
    kind: str
    facts: list[str]  # gold facts (MultiHop) or expected fact strings (samples)
    null: bool
    analysis: Any
    evidence: Any
    reading: Reading | None
    labels: np.ndarray


def label(reading: Reading | None, facts: list[str], texts: dict[str, str]) -> np.ndarray:
    """1 for a candidate sentence that holds a fact or lies inside one, else 0."""
    if reading is None:
        return np.zeros(0)
    out = np.zeros(len(reading.sents))
    for i, s in enumerate(reading.sents):
        sent = texts[s.article_id][s.start:s.end]
        if any(f in sent or (len(sent) >= 20 and sent in f) for f in facts):
            out[i] = 1.0
    return out


def collect(a: Assistant, questions: list[dict[str, Any]], which: str | None, answerer: ExtractiveAnswerer,
            progress: bool = True) -> list[Item]:
    items = []
    t0 = time.perf_counter()
    for n, q in enumerate(questions, 1):
        history = [h["question"] if isinstance(h, dict) else str(h) for h in q.get("history") or []]
        analysis = a.pipeline.analyse(q["question"], history=history)
        evidence = a.pipeline.evidence.filter(a.pipeline.retrieve(analysis))
        reading = answerer.read(analysis, evidence)
        if "evidence" in q:  # MultiHop
            facts = [e["fact"] for e in q["evidence"]]
            null, kind, h = not facts, q["question_type"], half(q["id"])
        else:  # sample set
            facts = list((q.get("expect_facts") or {}).get("any", [])) + list((q.get("expect_facts") or {})
                                                                            .get("all", []))
            null, kind, h = q.get("expect_status") == "no_answer", q.get("kind", "sample"), "samples"
        if which and h != which:
            continue
        items.append(Item(q["id"], h, kind, facts, null, analysis, evidence, reading,
                          label(reading, facts, evidence.texts)))
        if progress and n % 50 == 0:
            print(f"  {n}/{len(questions)} questions read ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    return items


def outcome(item: Item, answerer: ExtractiveAnswerer, model: AnswerModel) -> dict[str, Any]:
    ans = answerer.finish(item.analysis, item.evidence, item.reading, model)
    quotes = [c.quote for c in ans.citations]
    # as the MultiHop eval counts a fact quoted (``evals.stats.quoted_facts``): whole, or a long part of it
    # (a fact of two sentences quoted as two quotes, or as one of them)
    quoted = [f for f in item.facts if f in quoted_facts(item.facts, quotes)]
    # a quote is right when it holds a fact or lies inside one (a fact may span two sentences)
    right = sum(any(f in q or (len(q) >= 20 and q in f) for f in item.facts) for q in quotes)
    if item.half == "samples":  # the set's expected strings: any one of them is the fact
        quoted = quoted[:1]
        n_facts = 1
    else:
        n_facts = len(item.facts)
    return {"answered": ans.status == "answered", "quoted": len(quoted), "facts": n_facts, "null": item.null,
            "kind": item.kind, "quotes": len(quotes), "right": right}


def metrics(rows: list[dict[str, Any]]) -> dict[str, float | int | None]:
    ev = [r for r in rows if not r["null"]]
    nulls = [r for r in rows if r["null"]]

    def mean(xs: list[bool] | list[float]) -> float | None:
        return round(sum(xs) / len(xs), 3) if xs else None

    return {"n": len(rows),
            "answered": mean([r["answered"] for r in ev]),
            "fact_quoted": mean([r["quoted"] > 0 for r in ev]),
            "all_facts": mean([r["quoted"] >= r["facts"] for r in ev]),
            "null_no_answer": mean([not r["answered"] for r in nulls]),
            "quote_precision": mean([r["right"] / r["quotes"] for r in ev if r["answered"] and r["quotes"]]),
            "quotes_per_answer": round(sum(r["quotes"] for r in rows) / max(1, sum(r["answered"] for r in rows)), 2)}


def objective(m: dict[str, Any]) -> float:
    return sum(v for k, v in m.items() if k not in ("n", "quotes_per_answer") and v is not None)


def fit(items: list[Item], l2: float) -> LogisticModel:
    xs, ys, ws = [], [], []
    for it in items:
        if it.reading is None or not len(it.labels):
            continue
        xs.append(it.reading.x)
        ys.append(it.labels)
        # each question weighs the same whatever its number of candidates
        ws.append(np.full(len(it.labels), 1.0 / len(it.labels)))
    x, y, w = np.vstack(xs), np.concatenate(ys), np.concatenate(ws)
    print(f"fitting on {len(x)} sentences of {len(xs)} questions, {int(y.sum())} positives", file=sys.stderr)
    return fit_logistic(x, y, FEATURES, w * len(xs), l2=l2)


def fit_answerable(model: LogisticModel, items: list[Item], l2: float) -> LogisticModel:
    """The answerable model: is there an answer among a question's candidates (not a null question)?"""
    rows, labels, cells = [], [], []
    for it in items:
        if it.reading is None:
            continue
        rows.append(question_row(model.prob(it.reading.x), it.reading.x, it.reading.names_missing,
                                 it.reading.unknown, len(it.reading.idf))[0])
        labels.append(0.0 if it.null else 1.0)
        cells.append((it.half == "samples", it.null))
    # the sample set's short chat questions weigh as much as MultiHop's long ones, and within each set
    # the unanswerable questions (few) as much as the answerable
    counts = {c: cells.count(c) for c in set(cells)}
    w = np.array([1.0 / (len(counts) * counts[c]) for c in cells]) * len(cells)
    return fit_logistic(np.array(rows), np.array(labels), QUESTION_FEATURES, w, l2=l2)


def neutral() -> None:
    """Answerers and rerankers made from here on start from neutral weights, not the package's."""
    def zero(features: tuple[str, ...]) -> LogisticModel:
        n = len(features)
        return LogisticModel(features, np.zeros(n, dtype=np.float32), 0.0, np.zeros(n, dtype=np.float32),
                             np.ones(n, dtype=np.float32), {"abstain_below": 0.5, "quote_floor": 0.5})

    answerer_module.load_model = lambda path=None: zero(FEATURES)
    rerank_module.load_passage_model = lambda path=None: zero(passage_model.FEATURES)


def _with_neighbours(grid: list[dict[str, Any]], scores: list[float], i: int) -> float:
    """The mean score of cell ``i`` and the cells one abstention step (0.05) either side of it, the other
    knobs equal (a cell without abstention threshold stands alone)."""
    cell = grid[i]
    if "abstain_below" not in cell:
        return scores[i]
    near = [scores[j] for j, other in enumerate(grid)
            if abs(other["abstain_below"] - cell["abstain_below"]) < 0.051
            and all(other[k] == v for k, v in cell.items() if k != "abstain_below")]
    return sum(near) / len(near)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--store", help="a data dir holding the MultiHop corpus already (else it is ingested)")
    ap.add_argument("--corpus", default=str(MULTIHOP), help="the MultiHop-RAG folder")
    ap.add_argument("--out", default=str(RESOURCES), help="the folder the two weights files go to")
    ap.add_argument("--l2", type=float, default=1.0)
    ap.add_argument("--report", help="also write the figures as JSON here")
    ap.add_argument("--limit", type=int, default=0, help="the first N MultiHop questions only (a smoke run)")
    ap.add_argument("--pairwise", action="store_true", help="fit the passage model on pairs (gold above not)")
    ap.add_argument("--dump", help="pickle the questions' readings here (for study)")
    ap.add_argument("--without", default="", metavar="RULES",
                    help="rules left out, to measure what each earns: sub_questions (comma list)")
    ap.add_argument("--with", dest="with_", default="", metavar="RULES",
                    help="rules put in, to measure what each earns: names_rule (comma list)")
    args = ap.parse_args(argv)
    corpus = Path(args.corpus)
    questions = [json.loads(x) for x in (corpus / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines()
                 if x.strip()][:args.limit or None]
    without = {r for r in args.without.split(",") if r}
    with_ = {r for r in args.with_.split(",") if r}
    unknown = (without - {"sub_questions"}) | (with_ - {"names_rule"})
    if unknown:
        ap.error(f"unknown rules {sorted(unknown)}; --without takes sub_questions; --with names_rule")
    # the weights in the package may be for other features: these runs never use them
    neutral()
    home = Path(args.store) if args.store else Path(tempfile.mkdtemp(prefix="citewise-fit-"))
    mh = Assistant(Settings(home=home, seed_demo=False), progress=True)
    if mh.store.count() == 0:
        mh.ingest([str(corpus / "articles")], progress=True)
    samples = Assistant(Settings(home=Path(tempfile.mkdtemp(prefix="citewise-fit-samples-"))))
    samples.ensure_seeded()
    for a in (mh, samples):
        a.pipeline.hybrid.sub_questions = "sub_questions" not in without
        cfg = a.pipeline.answerer.config  # type: ignore[attr-defined]
        cfg.names_rule = "names_rule" in with_
    reranker = mh.pipeline.reranker
    assert isinstance(reranker, MeaningReranker)
    t0 = time.perf_counter()
    pools = passage_pools(mh, questions)
    passages = fit_passages(pools, args.l2, pairwise=args.pairwise)
    retrieval = {h: {"fused": retrieval_figures([p for p in pools if p.half == h], None),
                     "reranked": retrieval_figures([p for p in pools if p.half == h], passages)}
                 for h in ("fit", "check")}
    if not args.pairwise:
        retrieval["fit"]["cross_validated"] = cross_validated_mrr(pools, args.l2)
    print(f"passages read and fitted in {time.perf_counter() - t0:.0f} s: {json.dumps(retrieval)}", file=sys.stderr)
    passages = passages.with_extra(
        fitted_on="MultiHop-RAG dev fit half (evals.split)", script="scripts/fit_answer_weights.py", l2=args.l2,
        weights_by_feature=dict(zip(passage_model.FEATURES, (round(float(c), 3) for c in passages.coef),
                                    strict=True)), figures=retrieval)
    reranker.model = passages
    samples.pipeline.reranker.model = passages  # type: ignore[attr-defined]
    # the answer features need the sentence readings only: the answer weights in the package are not used
    mh_answerer, sample_answerer = mh.pipeline.answerer, samples.pipeline.answerer
    assert isinstance(mh_answerer, ExtractiveAnswerer) and isinstance(sample_answerer, ExtractiveAnswerer)
    t0 = time.perf_counter()
    items = collect(mh, questions, None, mh_answerer)
    sample_q = [json.loads(x) for x in SAMPLES.read_text(encoding="utf-8").splitlines() if x.strip()]
    sample_items = collect(samples, sample_q, None, sample_answerer, progress=False)
    print(f"read {len(items) + len(sample_items)} questions in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    fit_items = [it for it in items if it.half == "fit"] + sample_items
    if args.dump:  # the readings, to study selection without reading the questions again
        import pickle
        with open(args.dump, "wb") as f:
            pickle.dump((items, sample_items), f)
    base = fit(fit_items, args.l2)

    def evaluate(model: AnswerModel, which: list[Item]) -> dict[str, Any]:
        return metrics([outcome(it, mh_answerer if it.half != "samples" else sample_answerer, model)
                        for it in which])

    base = base.with_extra(answerable=fit_answerable(base, fit_items, args.l2).to_dict())
    # coordinate ascent on the fit half: the thresholds, then the quote counts, then the thresholds again
    model = base.with_extra(max_quotes=3, same_article_share=0.8)
    for step in ("thresholds", "quotes", "thresholds"):
        if step == "thresholds":
            grid = [dict(abstain_below=float(a), quote_floor=f) for a in np.round(np.arange(0.05, 0.96, 0.05), 3)
                    for f in (0.0, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5)]
        else:  # fewer quotes first: a longer answer must earn its place
            grid = [dict(max_quotes=m, same_article_share=s, quote_floor=f, article_floor=a) for m in (3, 4, 5, 6)
                    for s in (0.8, 0.5, 0.0) for f in (0.0, 0.02, 0.05, 0.1, 0.2) for a in (0.0, 0.02, 0.05, 0.1, 0.2)]
        scores = [objective(evaluate(model.with_extra(**knobs), fit_items)) for knobs in grid]
        # an abstention threshold is judged with its neighbours (±0.05): one at the edge of a cliff, where
        # the next step loses much, would not carry to new questions as one in the middle of a plateau does
        smooth = [_with_neighbours(grid, scores, i) for i in range(len(grid))]
        ranked = sorted(range(len(grid)), key=lambda i: (-smooth[i], i))
        # how flat the top is: a choice ahead by less than noise is not worth reading much into
        print(f"{step}: " + "; ".join(f"{grid[i]} {smooth[i]:.4f}" for i in ranked[:4]), file=sys.stderr)
        model = model.with_extra(**grid[ranked[0]])
    report: dict[str, Any] = {"fit": evaluate(model, [it for it in items if it.half == "fit"]),
                              "check": evaluate(model, [it for it in items if it.half == "check"]),
                              "samples": evaluate(model, sample_items)}
    for h in ("fit", "check"):
        for kind in sorted({it.kind for it in items}):
            report[f"{h}/{kind}"] = evaluate(model, [it for it in items if it.half == h and it.kind == kind])
    weights = dict(zip(FEATURES, (round(float(c), 3) for c in model.coef), strict=True))
    model = model.with_extra(rules_left_out=sorted(without), rules_put_in=sorted(with_),
                             fitted_on="MultiHop-RAG dev fit half (evals.split) + evals/sets/samples.jsonl",
                             script="scripts/fit_answer_weights.py", l2=args.l2, weights_by_feature=weights,
                             figures={k: report[k] for k in ("fit", "check", "samples")})
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "passage_weights.json").write_text(json.dumps(passages.to_dict(), indent=1) + "\n", encoding="utf-8")
    (out / "answer_weights.json").write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    report["retrieval"] = retrieval
    print(json.dumps({"weights": weights, **{k: model.extra[k] for k in (
        "abstain_below", "quote_floor", "article_floor", "max_quotes", "same_article_share")}, **report}, indent=1))
    if args.report:
        Path(args.report).write_text(json.dumps(report, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
