"""citewise side by side with the LangChain way, on the MultiHop-RAG corpus: ingest, latency, memory, scale.

One run measures, on the same articles and questions:

- citewise: ingest time and chunks/s, ``search`` and ``ask`` latency in process, ``POST /v1/ask`` over
  HTTP against a real ``citewise serve`` process (sequential requests), resident memory after ingest
  and under load. The paired latencies (the ratios) are a server's: the process reads ahead first, as
  ``citewise serve`` does when it starts (``assistant.warm``), and the HTTP requests wait until the server
  has; the per-scale figures are a process that has not (each question reads for itself);
- the baseline a user would otherwise write: ``RecursiveCharacterTextSplitter`` + langchain-chroma
  ``Chroma.from_documents`` with the same MiniLM embeddings, then ``similarity_search(k=10)``;
- how latency grows when the corpus is repeated 1x, 4x, 16x under new article ids. The copies reuse
  the vectors already computed (same text, same vector), so no model runs while the corpus grows.

It prints the figures and the citewise/baseline ratios, and writes ``compare.json`` and
``latency.png`` to ``--out``. Speed is measured here, never asserted.

    python benchmarks/bench_compare.py [--questions 200] [--scales 1,4,16] [--quick] [--out DIR]
    python benchmarks/bench_compare.py --work DIR --reuse-ingest   # the queries again, on a 1x run's stores

Each part runs in its own process (``--phase``), so that each resident-memory figure belongs to
one system and one ingest does not leave its memory to the other's queries.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.models import Chunk  # noqa: E402
from evals.stats import percentile  # noqa: E402

DEFAULT_CORPUS = ROOT.parent / "shared" / "bench" / "multihop"
DEFAULT_OUT = ROOT / "benchmarks" / "results"
QUICK = {"articles": 30, "questions": 20, "scales": "1,2,4"}
# the LangChain documentation's splitter settings: what a user copying the tutorial gets
SPLIT_CHARS, SPLIT_OVERLAP = 1000, 200
BASELINE_K = 10
# before each timed call of the paired phase, untimed: the other side's threads settle. After a
# similarity_search the process burns CPU while its main thread sleeps (onnxruntime's spinning threads):
# 17 ms of CPU in the next 20 ms, 53 ms by 100 ms, 55 by 150 ms and 300 ms (35 calls, 2 cores). The 20 ms
# pause of before let that fall on the next timed call: ask p50 45-52 ms and similarity_search 21-23 ms
# then, 39-41 and 21-22 ms with this one (the same code, stores and questions)
PAUSE_S = 0.15
COPY_BATCH_CHUNKS = 512  # chunks written per upsert while the corpus is repeated
WARMUP = [  # not benchmark questions: they load the model's session and the indexes before timing
    "What did the company report about its quarterly earnings?",
    "Which team won the championship game last season?",
    "How did the central bank respond to inflation?",
    "What new product did the technology firm announce?",
    "Who was accused of fraud in the court case?",
]
TARGETS = {
    "ingest_at_least_as_fast_as_baseline": "citewise articles/s >= baseline articles/s",
    "ask_p50_within_2x_of_similarity_search_p50": "ask p50 <= 2 x baseline similarity_search p50",
    "http_ask_p50_under_60ms": "HTTP POST /v1/ask p50 < 60 ms",
}


# -- measuring ------------------------------------------------------------------------------------
def summary(ms: Sequence[float]) -> dict[str, float | int]:
    """p50/p95/p99 and mean of a list of latencies in milliseconds."""
    xs = list(ms)
    if not xs:
        return {"n": 0}
    return {"n": len(xs), "p50": percentile(xs, 50, ndigits=2), "p95": percentile(xs, 95, ndigits=2),
            "p99": percentile(xs, 99, ndigits=2),
            "mean": round(statistics.mean(xs), 2), "max": round(max(xs), 2)}


def timed(fn: Callable[[str], Any], questions: Sequence[str]) -> tuple[list[float], list[Any]]:
    """Milliseconds each call of ``fn`` takes, one question after the other, and what it returned."""
    ms, results = [], []
    for q in questions:
        t = time.perf_counter()
        results.append(fn(q))
        ms.append((time.perf_counter() - t) * 1000)
    return ms, results


def memory_mb(pid: int | str = "self") -> dict[str, float | None]:
    """Resident memory now and its peak (VmRSS, VmHWM) of a process, in MB; Linux's /proc, else
    this process's peak from getrusage."""
    try:
        fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                      if ":" in line)
        return {"rss": round(int(fields["VmRSS"].split()[0]) / 1024, 1),
                "peak": round(int(fields["VmHWM"].split()[0]) / 1024, 1)}
    except (OSError, KeyError, ValueError):
        if pid != "self":
            return {"rss": None, "peak": None}
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return {"rss": None, "peak": round(peak, 1)}


def log(msg: str) -> None:
    print(f"[bench_compare {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- corpus and questions -------------------------------------------------------------------------
def load_queries(corpus: Path) -> list[dict[str, Any]]:
    """The benchmark's questions, as bench_multihop and evals/multihop read them."""
    return [json.loads(x) for x in (corpus / "queries-dev.jsonl").read_text(encoding="utf-8").splitlines()
            if x.strip()]


def select(corpus: Path, n_articles: int, n_questions: int) -> tuple[list[str], list[str]]:
    """The article files and questions to run. A subset of articles is the one the first questions'
    evidence lies in, so that small runs still answer; questions are spread over the set (its kinds
    are interleaved, the spread keeps their mix)."""
    files = sorted(p.name for p in (corpus / "articles").glob("*.txt"))
    queries = load_queries(corpus)
    if n_articles and n_articles < len(files):
        chosen: list[str] = []
        for q in queries:
            need = list(dict.fromkeys(e["file"] for e in q["evidence"] if e["file"] not in chosen))
            if need and len(chosen) + len(need) <= n_articles:
                chosen += need
        chosen += [f for f in files if f not in chosen][: n_articles - len(chosen)]
        keep = set(chosen)
        inside = [q for q in queries if q["evidence"] and all(e["file"] in keep for e in q["evidence"])]
        nulls = [q for q in queries if not q["evidence"]]
        queries = [q for pair in zip(inside, nulls, strict=False) for q in pair] + inside[len(nulls):]
        files = sorted(chosen)
    if n_questions and n_questions < len(queries):
        step = len(queries) / n_questions
        queries = [queries[int(i * step)] for i in range(n_questions)]
    return [str(corpus / "articles" / f) for f in files], [q["question"] for q in queries]


def _grown_to(work: Path) -> int:
    """The largest corpus multiple an earlier run's query phases left the stores in ``work`` at."""
    out = 1
    for name in ("citewise-query.json", "baseline-query.json"):
        try:
            rows = json.loads((work / name).read_text()).get("scales", [])
            out = max([out, *(int(r.get("scale", 1)) for r in rows if isinstance(r, dict))])
        except FileNotFoundError:
            continue
        except (OSError, ValueError, TypeError, AttributeError):  # unreadable: the stores' size is unknown
            return 0
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env() -> dict[str, str]:
    """The environment without the user's citewise, Slack and OpenAI settings: every process of the
    benchmark runs the defaults (embedded Chroma, MiniLM, extractive answers, no keys)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWISE_", "SLACK_", "OPENAI_"))}
    env["ORT_DISABLE_TELEMETRY"] = "1"
    env["ANONYMIZED_TELEMETRY"] = "False"
    return env


# -- the phases, each in its own process ----------------------------------------------------------
def phase_citewise_ingest(cfg: dict[str, Any]) -> dict[str, Any]:
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    a = Assistant(Settings(home=Path(cfg["work"]) / "citewise", seed_demo=False))
    before = memory_mb()
    log(f"citewise: ingesting {len(cfg['paths'])} articles")
    t0 = time.perf_counter()
    report = a.ingest(cfg["paths"])
    seconds = time.perf_counter() - t0
    mem = memory_mb()
    # the chunks' texts are their articles' slices: what the model read
    articles = a.store.articles
    rows = articles.chunks(articles.chunk_ids())
    texts = [articles.get_text(r.article_id)[r.start:r.end] for r in rows]
    pieces = sum(a.embeddings.count_tokens(texts))
    stats = a.store.stats()
    log(f"citewise: {report.chunks} chunks in {seconds:.1f} s")
    return {"ingest": {
        "seconds": round(seconds, 2), "articles": len(report.added) + len(report.updated),
        "skipped": len(report.skipped), "chunks": report.chunks, "chunks_per_s": round(report.chunks / seconds, 2),
        "articles_per_s": round(len(cfg["paths"]) / seconds, 3), "word_pieces": pieces,
        "word_pieces_per_s": round(pieces / seconds), "mean_chunk_chars": round(statistics.mean(map(len, texts))),
        "store_mb": round(stats["bytes"] / 1e6, 1),
    }, "memory_mb": {"model_loaded": before["rss"], "after_ingest": mem["rss"], "peak_during_ingest": mem["peak"]}}


def phase_baseline_ingest(cfg: dict[str, Any]) -> dict[str, Any]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    emb = baseline_embeddings()
    # a client of our own only to turn Chroma's telemetry off; persist_directory= would build the same one
    client = chromadb.PersistentClient(path=str(Path(cfg["work"]) / "baseline"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    before = memory_mb()
    log(f"baseline: ingesting {len(cfg['paths'])} articles")
    t0 = time.perf_counter()
    docs = [Document(page_content=Path(p).read_text(encoding="utf-8"), metadata={"source": p}) for p in cfg["paths"]]
    splitter = RecursiveCharacterTextSplitter(chunk_size=cfg["split_chars"], chunk_overlap=cfg["split_overlap"])
    chunks = splitter.split_documents(docs)
    Chroma.from_documents(chunks, emb, client=client, collection_name="baseline")
    seconds = time.perf_counter() - t0
    mem = memory_mb()
    texts = [c.page_content for c in chunks]
    pieces = sum(emb.count_tokens(texts))
    size = sum(p.stat().st_size for p in (Path(cfg["work"]) / "baseline").rglob("*") if p.is_file())
    log(f"baseline: {len(chunks)} chunks in {seconds:.1f} s")
    return {"ingest": {
        "seconds": round(seconds, 2), "articles": len(docs), "chunks": len(chunks),
        "chunks_per_s": round(len(chunks) / seconds, 2), "articles_per_s": round(len(docs) / seconds, 3),
        "word_pieces": pieces, "word_pieces_per_s": round(pieces / seconds),
        "mean_chunk_chars": round(statistics.mean(map(len, texts))), "store_mb": round(size / 1e6, 1),
        "splitter": {"chunk_size": cfg["split_chars"], "chunk_overlap": cfg["split_overlap"]},
    }, "memory_mb": {"model_loaded": before["rss"], "after_ingest": mem["rss"], "peak_during_ingest": mem["peak"]}}


def baseline_embeddings() -> Any:
    """The same MiniLM model for the baseline, with onnxruntime's default threading (its worker
    threads spin on after a run: the faster setting for a bare similarity_search)."""
    from assistant.embeddings import MiniLMEmbeddings

    return MiniLMEmbeddings(spin_after_run=True)


class _CitewiseCopier:
    """Repeats a citewise store's articles under new ids, through ``Store.upsert`` as ingest writes
    them, with their stored vectors handed in so that the model never runs."""

    def __init__(self, store: Any) -> None:
        import numpy as np

        self.store = store
        # the benchmark reads Chroma's collection itself: the store has no call to export every vector
        got = store.vectors.collection.get(include=["embeddings", "metadatas"])
        self.vectors = np.asarray(got["embeddings"], dtype=np.float32)  # compact: float lists would weigh 6x
        self.articles = {aid: store.get_article(aid) for aid in {m["article_id"] for m in got["metadatas"]}}
        spans: dict[str, list[tuple[int, int, str, int]]] = defaultdict(list)
        for row, meta in enumerate(got["metadatas"]):
            aid, start, end = meta["article_id"], int(meta["start"]), int(meta["end"])
            spans[aid].append((start, end, self.articles[aid].text[start:end], row))
        self.spans = {aid: sorted(xs) for aid, xs in spans.items()}

    def add(self, copies: range) -> tuple[float, int]:
        """Add ``copies`` (copy numbers) of every article; returns (seconds, chunks written)."""
        t0 = time.perf_counter()
        model, self.store.embeddings = self.store.embeddings, _NoModel()  # proves no vector is recomputed
        try:
            written = self._add(copies)
        finally:
            self.store.embeddings = model
        self.store.optimize()  # as ingest does after a large batch: merges the lexical index's segments
        return time.perf_counter() - t0, written

    def _add(self, copies: range) -> int:
        written = 0
        last = next(reversed(self.spans))
        for r in copies:
            batch, texts, rows = [], [], []
            for aid, spans in self.spans.items():
                new_id = f"{aid}-x{r}"
                chunks = [Chunk(chunk_id=f"{new_id}:{i}", article_id=new_id, index=i, start=s, end=e, text=t)
                          for i, (s, e, t, _) in enumerate(spans)]
                batch.append((replace(self.articles[aid], article_id=new_id), chunks))
                texts += [t for _, _, t, _ in spans]
                rows += [row for _, _, _, row in spans]
                if len(texts) >= COPY_BATCH_CHUNKS or aid == last:
                    # what ingest does with the vectors it computed ahead
                    self.store.upsert(batch, self.vectors[rows].tolist())
                    written += len(texts)
                    batch, texts, rows = [], [], []
        return written


class _NoModel:
    """Stands in for the embedding model while the corpus is copied: a vector that was not primed fails."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        raise RuntimeError(f"copying the corpus asked the model for {len(texts)} vectors")

    def embed_query(self, text: str) -> list[float]:
        raise RuntimeError("copying the corpus asked the model for a query vector")


def phase_citewise_query(cfg: dict[str, Any]) -> dict[str, Any]:
    from assistant.config import Settings
    from assistant.pipeline import Assistant

    a = Assistant(Settings(home=Path(cfg["work"]) / "citewise", seed_demo=False))
    questions = cfg["questions"]
    for q in WARMUP:
        a.search(q, k=10)
        a.ask(q)
    out: dict[str, Any] = {"scales": []}
    copier: _CitewiseCopier | None = None  # built after the 1x figures, so their memory is citewise's alone
    have = 1
    for scale in cfg["scales"]:
        copy_s, written = 0.0, 0
        if scale > have:
            log(f"citewise: repeating the corpus to {scale}x")
            copier = copier or _CitewiseCopier(a.store)
            copy_s, written = copier.add(range(have, scale))
            have = scale
            for q in WARMUP:
                a.ask(q)
        log(f"citewise: {len(questions)} searches and asks at {scale}x")
        a.clear_cache()
        search_ms, _ = timed(lambda q: a.search(q, k=10), questions)
        a.clear_cache()  # ask pays for its own question vector, as a first question would
        ask_ms, answers = timed(a.ask, questions)
        statuses = [x.status for x in answers]
        stats = a.store.stats()
        row = {"scale": scale, "articles": stats["articles"], "chunks": stats["chunks"],
               "store_mb": round(stats["bytes"] / 1e6, 1), "copy_seconds": round(copy_s, 1),
               "copied_chunks": written, "search_ms": summary(search_ms), "ask_ms": summary(ask_ms),
               "answered_share": round(statuses.count("answered") / max(1, len(statuses)), 3),
               "memory_mb": memory_mb()}
        if scale == 1:
            row["samples_ms"] = {"search": [round(x, 2) for x in search_ms], "ask": [round(x, 2) for x in ask_ms]}
        out["scales"].append(row)
    return out


def phase_baseline_query(cfg: dict[str, Any]) -> dict[str, Any]:
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    client = chromadb.PersistentClient(path=str(Path(cfg["work"]) / "baseline"),
                                       settings=ChromaSettings(anonymized_telemetry=False))
    db = Chroma(collection_name="baseline", embedding_function=baseline_embeddings(), client=client)
    # the copies go straight into the collection with their vectors: langchain-chroma would embed them again
    collection = client.get_collection("baseline", embedding_function=None)
    questions = cfg["questions"]
    for q in WARMUP:
        db.similarity_search(q, k=BASELINE_K)
    out: dict[str, Any] = {"scales": []}
    original: dict[str, Any] | None = None  # read after the 1x figures, as for citewise
    have = 1
    for scale in cfg["scales"]:
        copy_s = 0.0
        if scale > have:
            log(f"baseline: repeating the corpus to {scale}x")
            if original is None:
                original = collection.get(include=["embeddings", "documents", "metadatas"])
                original["embeddings"] = np.asarray(original["embeddings"], dtype=np.float32)
            ids, docs, metas, vecs = (original[k] for k in ("ids", "documents", "metadatas", "embeddings"))
            batch = min(COPY_BATCH_CHUNKS * 8, client.get_max_batch_size())
            t0 = time.perf_counter()
            for r in range(have, scale):
                for s in range(0, len(ids), batch):
                    collection.add(ids=[f"{i}-x{r}" for i in ids[s:s + batch]], embeddings=vecs[s:s + batch],
                                   documents=docs[s:s + batch], metadatas=metas[s:s + batch])
            copy_s = time.perf_counter() - t0
            have = scale
            for q in WARMUP:
                db.similarity_search(q, k=BASELINE_K)
        log(f"baseline: {len(questions)} similarity searches at {scale}x")
        ms, _ = timed(lambda q: db.similarity_search(q, k=BASELINE_K), questions)
        row = {"scale": scale, "chunks": collection.count(), "copy_seconds": round(copy_s, 1),
               "similarity_search_ms": summary(ms), "memory_mb": memory_mb()}
        if scale == 1:
            row["samples_ms"] = {"similarity_search": [round(x, 2) for x in ms]}
        out["scales"].append(row)
    return out


def run_phase(name: str, cfg_path: Path) -> dict[str, Any]:
    """Run one phase in a fresh Python process; its result, or {"error": ...} when it failed."""
    out = cfg_path.with_name(f"{name}.json")
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--phase", name, "--config", str(cfg_path)],
                          env=child_env(), cwd=str(ROOT))
    if proc.returncode != 0 or not out.exists():
        return {"error": f"phase {name} exited with {proc.returncode}"}
    return json.loads(out.read_text())


@contextmanager
def citewise_server(home: Path, logfile: Path) -> Iterator[tuple[Any, int]]:
    """``citewise serve`` on the store at ``home``, in its own process, until the block ends; yields an
    httpx client on it and the server's pid."""
    import httpx

    port = free_port()
    env = child_env() | {"CITEWISE_HOME": str(home), "CITEWISE_SEED_DEMO": "false"}
    with logfile.open("w") as log_out:
        proc = subprocess.Popen([sys.executable, "-m", "assistant.cli", "serve", "--port", str(port),
                                 "--log-level", "warning"], env=env, cwd=str(ROOT), stdout=log_out, stderr=log_out)
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
                deadline = time.time() + 180
                while True:  # the app loads the model and opens the store, then reads ahead (assistant.warm)
                    try:
                        r = client.get("/readyz")
                        if r.status_code == 200 and r.json().get("warm", {}).get("state") not in ("waiting",
                                                                                                  "running"):
                            break
                    except httpx.TransportError:
                        pass
                    if proc.poll() is not None or time.time() > deadline:
                        raise RuntimeError(f"citewise serve did not get ready; see {logfile}")
                    time.sleep(0.2)
                yield client, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def phase_paired(cfg: dict[str, Any]) -> dict[str, Any]:
    """The 1x latencies behind the ratios. citewise ``search`` and ``ask`` and the baseline's
    ``similarity_search`` are taken question by question in a shuffled order, so that the load of a
    shared machine falls on all three alike instead of on whichever ran at a busy minute; then
    ``POST /v1/ask`` to ``citewise serve``, alone.

    Each side has its own model session, set as that side runs it: citewise stops onnxruntime's
    thread spinning after a run, the baseline keeps onnxruntime's default (it is faster for it:
    similarity_search p50 ~10.9 against ~11.8 ms). A spinning session takes a core for a while after
    its run, so every timed call starts after a pause (not timed) in which the other side's threads
    settle. The server's requests come after, alone, for the same reason."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma

    from assistant.config import Settings
    from assistant.embeddings import MiniLMEmbeddings
    from assistant.pipeline import Assistant

    work = Path(cfg["work"])
    a = Assistant(Settings(home=work / "citewise", seed_demo=False), embeddings=MiniLMEmbeddings())
    client = chromadb.PersistentClient(path=str(work / "baseline"), settings=ChromaSettings(anonymized_telemetry=False))
    db = Chroma(collection_name="baseline", embedding_function=baseline_embeddings(), client=client)
    # read ahead as `citewise serve` does when it starts (assistant.warm): the figures are a server's
    t_warm = time.perf_counter()
    warmed = a.pipeline.warm(a.settings.warm_passages)
    warmed.seconds = round(time.perf_counter() - t_warm, 1)
    log(f"paired: read ahead {warmed.passages} passages, {warmed.postings} postings in {warmed.seconds} s")
    read_ahead = {**asdict(warmed), "rss_mb_after": memory_mb()["rss"]}
    questions = cfg["questions"]
    calls: dict[str, Callable[[str], Any]] = {
        "search": lambda q: a.search(q, k=10), "ask": a.ask,
        "similarity_search": lambda q: db.similarity_search(q, k=BASELINE_K)}
    ms: dict[str, list[float]] = {name: [] for name in calls}
    for q in WARMUP:
        for fn in calls.values():
            fn(q)
    log(f"paired: {len(questions)} questions x (search, ask, baseline similarity_search), interleaved")
    order = list(calls)
    rng = random.Random(7)
    for q in questions:
        rng.shuffle(order)
        for name in order:
            a.clear_cache()  # each call pays for its own question vector, as a first question would
            time.sleep(PAUSE_S)
            t = time.perf_counter()
            calls[name](q)
            ms[name].append((time.perf_counter() - t) * 1000)
    pipeline_ms: list[float] = []
    errors = 0
    with citewise_server(work / "citewise", work / "serve.log") as (http, pid):
        for q in WARMUP:
            http.post("/v1/ask", json={"question": q}).raise_for_status()
        idle = memory_mb(pid)
        log(f"paired: {len(questions)} sequential POST /v1/ask")
        ms["http_ask"] = []
        for q in questions:
            t = time.perf_counter()
            r = http.post("/v1/ask", json={"question": q})
            ms["http_ask"].append((time.perf_counter() - t) * 1000)
            if r.status_code == 200:
                pipeline_ms.append(r.json()["timings_ms"]["total"])
            else:
                errors += 1
        loaded = memory_mb(pid)
    return {
        "read_ahead": read_ahead,
        "latency_ms": {name: summary(xs) for name, xs in ms.items()},
        "http": {"errors": errors, "answer_pipeline_ms": summary(pipeline_ms),
                 "server_memory_mb": {"idle": idle["rss"], "under_load": loaded["rss"], "peak": loaded["peak"]}},
        "samples_ms": {name: [round(x, 2) for x in xs] for name, xs in ms.items()},
    }


# -- putting it together --------------------------------------------------------------------------
def ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


def _p50(d: dict[str, Any], *keys: str) -> float | None:
    for k in keys:
        d = d.get(k, {})
    return d.get("p50")


def compare(res: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The citewise/baseline ratios and the issue's targets, from the phases' results."""
    ci, bi = res["citewise"].get("ingest", {}), res["baseline"].get("ingest", {})
    lat = res["paired"].get("latency_ms", {})
    sim, ask, http = _p50(lat, "similarity_search"), _p50(lat, "ask"), _p50(lat, "http_ask")
    ratios = {
        # the same articles on both sides: articles/s is the throughput both users wait for
        "ingest_throughput_citewise_over_baseline": ratio(ci.get("articles_per_s"), bi.get("articles_per_s")),
        # the chunks differ in size and count (sentence-aligned <= 256 word pieces vs 1,000 characters)
        "ingest_chunks_per_s_citewise_over_baseline": ratio(ci.get("chunks_per_s"), bi.get("chunks_per_s")),
        "ingest_word_pieces_per_s_citewise_over_baseline": ratio(ci.get("word_pieces_per_s"),
                                                                 bi.get("word_pieces_per_s")),
        "ask_p50_over_similarity_search_p50": ratio(ask, sim),
        "search_p50_over_similarity_search_p50": ratio(_p50(lat, "search"), sim),
        "http_ask_p50_over_similarity_search_p50": ratio(http, sim),
    }
    r_ingest, r_ask = ratios["ingest_throughput_citewise_over_baseline"], ratios["ask_p50_over_similarity_search_p50"]
    measured = {"ingest_at_least_as_fast_as_baseline": (r_ingest, lambda x: x >= 1.0),
                "ask_p50_within_2x_of_similarity_search_p50": (r_ask, lambda x: x <= 2.0),
                "http_ask_p50_under_60ms": (http, lambda x: x < 60)}
    targets = {k: {"target": TARGETS[k], "measured": x, "met": None if x is None else ok(x)}
               for k, (x, ok) in measured.items()}
    return ratios, targets


def scaling_table(res: dict[str, Any]) -> list[dict[str, Any]]:
    base = {s["scale"]: s for s in res["baseline"].get("scales", [])}
    rows = []
    for s in res["citewise"].get("scales", []):
        b = base.get(s["scale"], {})
        rows.append({
            "scale": s["scale"], "articles": s["articles"], "citewise_chunks": s["chunks"],
            "citewise_search_ms": {k: s["search_ms"].get(k) for k in ("p50", "p95")},
            "citewise_ask_ms": {k: s["ask_ms"].get(k) for k in ("p50", "p95")},
            "citewise_rss_mb": s["memory_mb"]["rss"], "citewise_store_mb": s["store_mb"],
            "baseline_chunks": b.get("chunks"),
            "baseline_similarity_search_ms": {k: b.get("similarity_search_ms", {}).get(k) for k in ("p50", "p95")},
            "baseline_rss_mb": b.get("memory_mb", {}).get("rss"),
        })
    return rows


def plot(res: dict[str, Any], path: Path) -> None:
    """Latency distributions at 1x (box plots) and p50/p95 against corpus size."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    samples = res["paired"].get("samples_ms", {})
    series = [("citewise search (k=10)", samples.get("search")), ("citewise ask", samples.get("ask")),
              ("citewise ask, HTTP", samples.get("http_ask")),
              ("baseline similarity_search (k=10)", samples.get("similarity_search"))]
    series = [(n, xs) for n, xs in series if xs]
    series.reverse()  # boxplot draws bottom-up: citewise search ends on top
    fig, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    if series:
        # `orientation` replaced `vert` in matplotlib 3.10; the project allows 3.8
        new = "orientation" in inspect.signature(left.boxplot).parameters
        horizontal: dict[str, Any] = {"orientation": "horizontal"} if new else {"vert": False}
        left.boxplot([xs for _, xs in series], showfliers=True, whis=(5, 95),
                     flierprops={"markersize": 3, "alpha": 0.4}, **horizontal)
        left.set_yticks(range(1, len(series) + 1), [n for n, _ in series])
    left.set_xlabel("latency, ms (box: quartiles, whiskers: p5-p95)")
    left.set_title(f"Latency at 1x ({res['corpus']['articles']} articles, {res['corpus']['questions']} questions)")
    left.grid(axis="x", alpha=0.3)
    lines = [("citewise search", res["citewise"].get("scales", []), "search_ms", "tab:blue"),
             ("citewise ask", res["citewise"].get("scales", []), "ask_ms", "tab:orange"),
             ("baseline similarity_search", res["baseline"].get("scales", []), "similarity_search_ms", "tab:green")]
    for name, rows, key, color in lines:
        if not rows:
            continue
        xs = [r["scale"] for r in rows]
        right.plot(xs, [r[key]["p50"] for r in rows], "o-", color=color, label=f"{name} p50")
        right.plot(xs, [r[key]["p95"] for r in rows], "s--", color=color, alpha=0.6, label=f"{name} p95")
    right.set_xscale("log", base=2)
    scales = [r["scale"] for r in res["citewise"].get("scales", []) or res["baseline"].get("scales", [])]
    if scales:
        right.set_xticks(scales, [f"{x}x" for x in scales])
        right.minorticks_off()
    right.set_xlabel("corpus size (the articles repeated under new ids)")
    right.set_ylabel("latency, ms")
    right.set_ylim(bottom=0)
    right.set_title("Latency as the corpus grows")
    right.grid(alpha=0.3)
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(x: Any) -> str:
    return "-" if x is None else str(x)


def report_text(res: dict[str, Any]) -> str:
    """The figures as the terminal shows them."""
    ci, bi = res["citewise"].get("ingest", {}), res["baseline"].get("ingest", {})
    c1 = next((s for s in res["citewise"].get("scales", []) if s["scale"] == 1), {})
    b1 = next((s for s in res["baseline"].get("scales", []) if s["scale"] == 1), {})
    lat = res["paired"].get("latency_ms", {})
    mem_http = res["paired"].get("http", {}).get("server_memory_mb", {})
    rows = [("citewise search (k=10)", lat.get("search", {})), ("citewise ask", lat.get("ask", {})),
            ("citewise ask over HTTP", lat.get("http_ask", {})),
            ("baseline similarity_search", lat.get("similarity_search", {}))]
    lines = [f"corpus: {res['corpus']['articles']} articles, {res['corpus']['questions']} questions; "
             f"{res['machine']['cpus']} cpus, load average {res['machine']['load_average_start'][0]} at start, "
             f"{res['machine']['load_average_end'][0]} at the end", "",
             "ingest                     seconds  chunks  chunks/s  articles/s  word pieces/s",
             *(f"{n:<26} {_fmt(d.get('seconds')):>7}  {_fmt(d.get('chunks')):>6}  {_fmt(d.get('chunks_per_s')):>8}"
               f"  {_fmt(d.get('articles_per_s')):>10}  {_fmt(d.get('word_pieces_per_s')):>13}"
               for n, d in (("citewise", ci), ("baseline", bi))), "",
             f"latency at 1x, ms (read ahead: {_fmt(res['paired'].get('read_ahead', {}).get('passages'))} passages"
             f" in {_fmt(res['paired'].get('read_ahead', {}).get('seconds'))} s)   p50     p95     p99",
             *(f"{n:<30} {_fmt(d.get('p50')):>7} {_fmt(d.get('p95')):>7} {_fmt(d.get('p99')):>7}" for n, d in rows),
             "", "resident memory, MB:",
             f"  citewise: model loaded {_fmt(res['citewise'].get('memory_mb', {}).get('model_loaded'))}, after ingest "
             f"{_fmt(res['citewise'].get('memory_mb', {}).get('after_ingest'))}, querying "
             f"{_fmt(c1.get('memory_mb', {}).get('rss'))}; citewise serve idle {_fmt(mem_http.get('idle'))}, "
             f"under load {_fmt(mem_http.get('under_load'))}",
             f"  baseline: model loaded {_fmt(res['baseline'].get('memory_mb', {}).get('model_loaded'))}, after ingest "
             f"{_fmt(res['baseline'].get('memory_mb', {}).get('after_ingest'))}, querying "
             f"{_fmt(b1.get('memory_mb', {}).get('rss'))}",
             "", "ratios (citewise / baseline):", *(f"  {k}: {_fmt(v)}" for k, v in res["ratios"].items()),
             "", "targets:",
             *(f"  {k}: {'met' if v['met'] else 'MISSED' if v['met'] is False else 'not measured'}"
               f" ({_fmt(v['measured'])}; {v['target']})" for k, v in res["targets"].items()), "",
             "scale  articles  cw chunks  search p50/p95  ask p50/p95  cw RSS MB  base chunks  sim p50/p95"
             "  base RSS MB"]
    for r in res["scaling"]:
        s, a, b = r["citewise_search_ms"], r["citewise_ask_ms"], r["baseline_similarity_search_ms"]
        lines.append(f"{r['scale']:>4}x  {r['articles']:>8}  {r['citewise_chunks']:>9}  "
                     f"{_fmt(s['p50']):>6}/{_fmt(s['p95']):<7}  {_fmt(a['p50']):>5}/{_fmt(a['p95']):<6}  "
                     f"{_fmt(r['citewise_rss_mb']):>9}  {_fmt(r['baseline_chunks']):>11}  "
                     f"{_fmt(b['p50']):>5}/{_fmt(b['p95']):<6}  {_fmt(r['baseline_rss_mb']):>11}")
    if res["errors"]:
        lines += ["", "errors:", *(f"  {e}" for e in res["errors"])]
    return "\n".join(lines)


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "citewise-ingest": phase_citewise_ingest, "baseline-ingest": phase_baseline_ingest,
    "paired": phase_paired, "citewise-query": phase_citewise_query, "baseline-query": phase_baseline_query,
}



def main(argv: list[str] | None = None) -> int:
    """Run the whole comparison (or, with ``--phase``, one part of it in this process)."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="dir with articles/ and queries-dev.jsonl")
    ap.add_argument("--questions", type=int, help="questions timed, spread over the set (default 200; 0: all 515)")
    ap.add_argument("--articles", type=int, help="at most N articles (default all; --quick: 30)")
    ap.add_argument("--scales", help="corpus multiples, e.g. 1,4,16 (default; --quick: 1,2,4)")
    ap.add_argument("--quick", action="store_true", help="a small subset, for a smoke run")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="where compare.json and latency.png go")
    ap.add_argument("--work", help="where the stores are built (default: a temp dir, removed afterwards)")
    ap.add_argument("--split-chars", type=int, default=SPLIT_CHARS, help="baseline splitter chunk_size")
    ap.add_argument("--split-overlap", type=int, default=SPLIT_OVERLAP, help="baseline splitter chunk_overlap")
    ap.add_argument("--reuse-ingest", action="store_true",
                    help="with --work: keep the stores and ingest figures an earlier run left there (a 1x run's; "
                         "ingest takes ~14 of its 15 minutes) and time the queries again")
    ap.add_argument("--replot", action="store_true", help="redraw the plot and reprint from --out's compare.json")
    ap.add_argument("--phase", choices=sorted(PHASES), help=argparse.SUPPRESS)
    ap.add_argument("--config", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args.phase:
        cfg_path = Path(args.config)
        result = PHASES[args.phase](json.loads(cfg_path.read_text()))
        cfg_path.with_name(f"{args.phase}.json").write_text(json.dumps(result))
        return 0
    if args.replot:
        res = json.loads((Path(args.out) / "compare.json").read_text())
        plot(res, Path(args.out) / "latency.png")
        print(report_text(res))
        return 0

    n_articles = args.articles if args.articles is not None else (QUICK["articles"] if args.quick else 0)
    n_questions = args.questions if args.questions is not None else (QUICK["questions"] if args.quick else 200)
    scales = sorted({int(s) for s in (args.scales or (QUICK["scales"] if args.quick else "1,4,16")).split(",")})
    if not scales or scales[0] < 1:
        ap.error("--scales takes positive integers, e.g. 1,4,16")
    scales = sorted({1, *scales})  # 1x is the reference of every ratio
    if args.reuse_ingest and not args.work:
        ap.error("--reuse-ingest needs --work: the folder an earlier run built its stores in")
    if args.reuse_ingest and args.scales is None:
        scales = [1]
    if args.reuse_ingest and scales != [1]:
        ap.error("--reuse-ingest times the 1x stores again: leave out --scales or give --scales 1")
    if args.reuse_ingest:
        grown = _grown_to(Path(args.work))
        if grown != 1:
            ap.error(f"--reuse-ingest: the stores in {args.work} were repeated to {grown}x by their run; "
                     "build them again with --scales 1" if grown else
                     f"--reuse-ingest: the query figures in {args.work} are unreadable, so the stores' size is "
                     "unknown; build them again with --scales 1")
    corpus = Path(args.corpus)
    paths, questions = select(corpus, n_articles, n_questions)
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="citewise-compare-"))
    work.mkdir(parents=True, exist_ok=True)
    cfg = {"work": str(work), "paths": paths, "questions": questions, "scales": scales,
           "split_chars": args.split_chars, "split_overlap": args.split_overlap}
    cfg_path = work / "config.json"
    cfg_path.write_text(json.dumps(cfg))
    started = time.time()
    res: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform(),
                    "load_average_start": [round(x, 2) for x in os.getloadavg()]},
        "corpus": {"dir": str(corpus), "articles": len(paths), "questions": len(questions),
                   "corpus_mb": round(sum(Path(p).stat().st_size for p in paths) / 1e6, 2)},
        "config": {"scales": scales, "quick": args.quick, "citewise_k_search": 10, "baseline_k": BASELINE_K,
                   "baseline_splitter": {"chunk_size": args.split_chars, "chunk_overlap": args.split_overlap},
                   "http": "citewise serve in its own process, httpx client, sequential requests, keep-alive"},
        "citewise": {}, "baseline": {}, "paired": {}, "errors": [], "phase_seconds": {},
    }
    try:
        # each part in its own process, in this order: the query phases grow the stores, so they come last
        for name, key, needs in (("citewise-ingest", "citewise", []), ("baseline-ingest", "baseline", []),
                                 ("paired", "paired", ["citewise", "baseline"]),
                                 ("citewise-query", "citewise", ["citewise"]),
                                 ("baseline-query", "baseline", ["baseline"])):
            if any("ingest" not in res[n] for n in needs):
                continue
            earlier = work / f"{name}.json"
            if args.reuse_ingest and name.endswith("-ingest"):
                try:
                    figures = json.loads(earlier.read_text())
                    if not isinstance(figures, dict) or "ingest" not in figures:
                        raise ValueError("no ingest figures")
                except FileNotFoundError:
                    ap.error(f"--reuse-ingest: {earlier} is missing; run once with --work {work} --scales 1 first")
                except (OSError, ValueError) as exc:
                    ap.error(f"--reuse-ingest: {earlier} is unreadable ({exc}); run once with --work {work} "
                             "--scales 1 first")
                res[key].update({**figures, "reused_from_earlier_run": True})
                continue
            t0 = time.perf_counter()
            r = run_phase(name, cfg_path)
            res["phase_seconds"][name] = round(time.perf_counter() - t0, 1)
            res["errors"] += [r.pop("error")] if "error" in r else []
            res[key].update(r)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    res["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    res["wall_seconds"] = round(time.time() - started, 1)
    res["ratios"], res["targets"] = compare(res)
    res["scaling"] = scaling_table(res)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot(res, out / "latency.png")
    (out / "compare.json").write_text(json.dumps(res, indent=2) + "\n")
    print(report_text(res))
    print(f"\nwrote {out / 'compare.json'} and {out / 'latency.png'} in {res['wall_seconds']} s")
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
