"""Run an eval set: ingest its corpus, ask and search every question, check every answer.

Each question becomes a record of what was expected, what came back, and which
checks failed; ``evals.metrics`` turns the records into figures and verdicts.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.answer.render import when
from assistant.answer.verify import normalise
from assistant.config import Settings
from assistant.errors import InputError
from assistant.models import Answer
from assistant.pipeline import Assistant
from evals.reuse import store_holds

PACKAGE_ROOT = Path(__file__).resolve().parent.parent  # where ingest/ and evals/ stand, installed or not
DEFAULT_SET = Path(__file__).resolve().parent / "sets" / "samples.jsonl"
_WORD = re.compile(r"\w+")


def load_set(path: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The questions of an eval set and its config (``<name>.config.json`` beside it, optional)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read eval set {path}: {exc}") from exc
    questions = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            q = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{i}: invalid JSON: {exc}") from exc
        if not isinstance(q, dict) or not isinstance(q.get("question"), str):
            raise InputError(f"{path}:{i}: each line needs a 'question' string")
        q.setdefault("id", f"q-{i}")
        questions.append(q)
    config_path = path.with_name(path.name.removesuffix(".jsonl") + ".config.json")
    config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.exists() else {}
    return questions, config


def resolve_corpus(corpus: str | None, config: dict[str, Any]) -> Path | None:
    if corpus:
        return Path(corpus)
    if config.get("corpus"):
        return PACKAGE_ROOT / config["corpus"]
    return None


def _texts_match(phrase: str, text: str) -> bool:
    return normalise(phrase) in normalise(text)


def _expect(spec: dict[str, list[str]] | None, found: Any) -> bool | None:
    """any/all of the expected items satisfied by ``found(item)``; None when nothing is expected."""
    if not spec:
        return None
    if spec.get("all"):
        return all(found(x) for x in spec["all"])
    items = spec.get("any") or []
    return any(found(x) for x in items) if items else None


class Scorer:
    """Asks one assistant every question of a set and checks the answers against the store."""

    def __init__(self, assistant: Assistant) -> None:
        self.a = assistant
        self.texts = {m["article_id"]: self.a.store.get_text(m["article_id"]) for m in self.a.store.list_articles()}
        self.files = {Path(m["origin"] or "").name: m["article_id"] for m in self.a.store.list_articles()}

    def run(self, questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [self.score(q) for q in questions]

    def score(self, q: dict[str, Any]) -> dict[str, Any]:
        history = [h["question"] if isinstance(h, dict) else str(h) for h in q.get("history") or []]
        t0 = time.perf_counter()
        try:
            answer = self.a.ask(q["question"], history=history)
        except InputError as exc:
            answer = Answer(question=q["question"], status="no_answer", answer=f"error: {exc}")
        latency = (time.perf_counter() - t0) * 1000
        search = self.a.search(" ".join([*history[-2:], q["question"]]), k=10)
        rec: dict[str, Any] = {
            "id": q["id"], "kind": q.get("kind", "fact"), "question": q["question"], "history": history,
            "expect_status": q.get("expect_status", "answered"), "status": answer.status, "answer": answer.answer,
            "expect_facts": q.get("expect_facts") or {}, "expect_articles": q.get("expect_articles") or {},
            "latency_ms": round(latency, 2),
            # the LLM answerer's own account: what verification did to its quotes, why it fell back
            "backend": answer.backend, "fallback_reason": answer.fallback_reason, "verification": answer.verification,
        }
        rec["citations"] = [self._check_citation(c.to_dict()) for c in answer.citations]
        quotes = [c["quote"] for c in rec["citations"]] + [
            o.quote for c in answer.citations for o in c.also_in]
        cited = {c.article_id for c in answer.citations} | {o.article_id for c in answer.citations for o in c.also_in}
        rec["correct_status"] = answer.status == rec["expect_status"]
        rec["evidence_hit"] = _expect(rec["expect_facts"], lambda f: any(_texts_match(f, x) for x in quotes))
        rec["article_hit"] = _expect(rec["expect_articles"], lambda f: self.files.get(f) in cited)
        rec["metadata_hit"] = self._metadata_hit(q.get("expect_metadata"), answer)
        banned = q.get("must_not_quote") or []
        rec["must_not_quote_ok"] = (not any(_texts_match(b, x) for b in banned for x in quotes)) if banned else None
        rec["retrieval_article_rank"] = self._rank(search, lambda p: p.article_id in self._expected_ids(rec))
        facts = (rec["expect_facts"].get("any") or []) + (rec["expect_facts"].get("all") or [])
        rec["retrieval_fact_rank"] = (self._rank(search, lambda p: any(_texts_match(f, p.text) for f in facts))
                                      if facts else None)
        rec["failures"] = _failures(rec)
        rec["severity"] = _severity(rec)
        return rec

    def _expected_ids(self, rec: dict[str, Any]) -> set[str]:
        names = (rec["expect_articles"].get("any") or []) + (rec["expect_articles"].get("all") or [])
        return {self.files[n] for n in names if n in self.files}

    @staticmethod
    def _rank(results, hit) -> int | None:
        return next((i for i, p in enumerate(results, 1) if hit(p)), None)

    def _check_citation(self, c: dict[str, Any]) -> dict[str, Any]:
        """Quote validity, and what an invalid quote is: a frankenquote or a misattribution."""
        text = self.texts.get(c["article_id"], "")
        c["valid"] = text[c["start"] : c["end"]] == c["quote"]
        c["misattributed"] = not c["valid"] and any(
            c["quote"] in t for aid, t in self.texts.items() if aid != c["article_id"])
        words = set(_WORD.findall(c["quote"].lower()))
        c["frankenquote"] = (not c["valid"] and c["quote"] not in text and bool(words)
                             and words <= set(_WORD.findall(text.lower())))
        return {k: c[k] for k in ("n", "article_id", "source", "published", "quote", "start", "end", "valid",
                                  "misattributed", "frankenquote")}

    def _metadata_hit(self, expected: dict[str, str] | None, answer: Answer) -> bool | None:
        if not expected:
            return None
        text = normalise(answer.answer)
        for key, value in expected.items():
            shown = {normalise(value)} | ({normalise(when(value))} if key == "published" else set())
            if not any(s and s in text for s in shown):
                return False
        return True


def _failures(rec: dict[str, Any]) -> list[str]:
    out = []
    if not rec["correct_status"]:
        out.append(f"expected {rec['expect_status']}, got {rec['status']}")
    if any(not c["valid"] for c in rec["citations"]):
        out.append("a quote is not verbatim in its article")
    if rec["status"] == "answered" and rec["expect_status"] == "answered":
        if rec["evidence_hit"] is False:
            out.append("no expected fact quoted")
        if rec["article_hit"] is False:
            out.append("expected article not cited")
    if rec["metadata_hit"] is False:
        out.append("expected metadata not in the answer")
    if rec["must_not_quote_ok"] is False:
        out.append("quoted a passage it must not quote")
    return out


def _severity(rec: dict[str, Any]) -> float:
    weights = {"a quote is not verbatim": 10, "quoted a passage": 5, "expected answered": 3, "expected no_answer": 4,
               "no expected fact": 2, "expected article": 1, "expected metadata": 1}
    return float(sum(w for f in rec["failures"] for k, w in weights.items() if f.startswith(k)))


def run_set(set_path: Path, corpus: str | None = None, *, store: str | None = None, embeddings=None,
            progress: bool = False, settings: Settings | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Ingest the set's corpus into a temporary store (or into ``store``, unless it holds the corpus
    already), then score every question.
    ``settings`` (the answerer, its model...) default to the environment's; the data dir is the eval's own."""
    questions, config = load_set(set_path)
    corpus_path = resolve_corpus(corpus, config)
    home = Path(store) if store else Path(tempfile.mkdtemp(prefix="citewise-eval-"))
    settings = (settings or Settings()).model_copy(update={"home": home, "seed_demo": False})
    a = Assistant(settings, embeddings=embeddings)
    if corpus_path is not None and not (store and store_holds(a.store.count(), corpus_path)):
        a.ingest([str(corpus_path)], progress=progress)
    records = Scorer(a).run(questions)
    meta = {"set": str(set_path), "corpus": str(corpus_path) if corpus_path else str(home),
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "backend": "llm" if a.settings.llm == "openai" else "extractive",
            **({"model": a.settings.llm_model} if a.settings.llm == "openai" else {}),
            "questions": len(records), "config": config}
    return records, meta
