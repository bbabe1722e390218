"""Memory and time of one large plain-text upload to ``POST /v1/ingest`` (issue 12, item 6).

Builds a ~19 MB text file from the MultiHop articles (their bodies, repeated with a marker per round so the
cleaner's repeat filter keeps them), starts ``citewise serve`` in a subprocess on a temp ``CITEWISE_HOME``,
uploads the file, samples the server's resident memory every 0.5 s, and prints and saves the figures.

    python benchmarks/bench_upload_memory.py [--mb 19] [--label after] [--max-article-chars N]

The default ``max_article_chars`` refuses a 19 MB article outright (that is its point), so the server is
started with a limit above the file's size to measure the ingest itself; ``--max-article-chars 0`` keeps the
server's default and measures the refusal instead.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "bench" / "multihop" / "articles"
SAMPLE_S = 0.5
# the server runs from this checkout whatever is installed, so a copy of the tree can be measured too
SERVER = "import sys; from assistant.cli import main; sys.exit(main(sys.argv[1:]))"


def body_of(path: Path) -> str:
    """An article file's text without its header block (Title:, Source:, ...)."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("\n\n")
    return body if sep and all(":" in line for line in head.splitlines()) else text


def build_text(corpus: Path, size: int) -> str:
    """About ``size`` UTF-8 bytes of real news prose under one title. Each round over the corpus tags its
    paragraphs "(round N)" at the end, so no paragraph repeats an earlier one (the cleaner would drop it)."""
    bodies = [body_of(p) for p in sorted(corpus.glob("*.txt"))]
    parts, n, rnd = ["Title: A very long upload\nSource: Bench Wire\n\n"], 0, 0
    while n < size:
        for body in bodies:
            paras = [p for p in body.split("\n") if p.strip()]
            if rnd:
                paras = [f"{p} (round {rnd})" for p in paras]
            piece = "\n\n".join(paras) + "\n\n"
            parts.append(piece)
            n += len(piece.encode("utf-8"))
            if n >= size:
                break
        rnd += 1
    return "".join(parts)


def rss_mb(pid: int) -> float | None:
    try:
        import psutil
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return psutil.Process(pid).memory_info().rss / 2**20
        except psutil.Error:
            return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Sampler(threading.Thread):
    """The server's RSS every 0.5 s, in the background."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.samples, self.stop = pid, [], threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            value = rss_mb(self.pid)
            if value is not None:
                self.samples.append((time.time(), value))
            self.stop.wait(SAMPLE_S)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(base: str, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the server exited with {proc.returncode}")
        try:
            if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not start")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=19.0, help="upload size in MB (10^6 bytes; default 19)")
    ap.add_argument("--corpus", default=str(CORPUS))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "upload_memory.json"))
    ap.add_argument("--label", default="latest", help="the run's name in the results file (e.g. before, after)")
    ap.add_argument("--max-article-chars", type=int, default=None,
                    help="the server's limit (default: above the file's size; 0: the server's default)")
    ap.add_argument("--settle", type=float, default=10.0, help="seconds to wait after the response")
    args = ap.parse_args()

    text = build_text(Path(args.corpus), int(args.mb * 1_000_000))
    data = text.encode("utf-8")
    limit = args.max_article_chars if args.max_article_chars is not None else len(text) + 1_000_000
    del text
    with tempfile.TemporaryDirectory(prefix="citewise-upload-bench-") as tmp:
        env = {**os.environ, "CITEWISE_HOME": str(Path(tmp) / "home"), "CITEWISE_SEED_DEMO": "false",
               "PYTHONPATH": str(ROOT)}
        if limit:
            env["CITEWISE_MAX_ARTICLE_CHARS"] = str(limit)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-c", SERVER, "serve", "--port", str(port), "--log-level",
                                 "warning"], cwd=ROOT, env=env)
        try:
            wait_ready(base, proc)
            httpx.get(base + "/v1/articles", timeout=120).raise_for_status()  # the model and store are loaded
            time.sleep(2)
            before = rss_mb(proc.pid)
            sampler = Sampler(proc.pid)
            sampler.start()
            t0, t_start = time.perf_counter(), time.time()
            # X-Citewise: a cross-site guard may ask for it on multipart posts; harmless otherwise
            resp = httpx.post(base + "/v1/ingest", files={"files": ("long-upload.txt", data, "text/plain")},
                              headers={"X-Citewise": "1"}, timeout=None)
            seconds = time.perf_counter() - t0
            done_at = time.time()
            time.sleep(args.settle)
            after = rss_mb(proc.pid)
            sampler.stop.set()
            sampler.join()
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
    try:
        body = resp.json()
    except ValueError:
        body = {"text": resp.text[:500]}
    during = [(t - t_start, v) for t, v in sampler.samples if t <= done_at]
    peak_at, peak = max(during, key=lambda s: s[1], default=(0.0, 0.0))
    step = max(1, len(sampler.samples) // 40)  # about 40 points of the curve, for a plot or a glance
    curve = [[round(t - t_start, 1), round(v)] for t, v in sampler.samples[::step]]
    chunks = body.get("chunks", 0) if isinstance(body, dict) else 0
    result = {
        "label": args.label, "upload_bytes": len(data), "max_article_chars": limit or "default",
        "status": resp.status_code, "seconds": round(seconds, 1), "chunks": chunks,
        "chunks_per_s": round(chunks / seconds, 1) if seconds else None,
        "added": len(body.get("added", [])) if isinstance(body, dict) else 0,
        "skipped": body.get("skipped", []) if isinstance(body, dict) else [],
        "error": None if resp.status_code == 200 else body,
        "rss_before_mb": round(before or 0), "rss_peak_mb": round(peak), "rss_peak_at_s": round(peak_at, 1),
        "rss_after_mb": round(after or 0), "settle_s": args.settle,
        "cpus": os.cpu_count(), "python": platform.python_version(), "at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    print(json.dumps(result, indent=2))
    result["rss_curve_s_mb"] = curve
    out = Path(args.out)
    runs = json.loads(out.read_text()) if out.exists() else {}
    runs[args.label] = result
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(runs, indent=2) + "\n")
    return 0 if resp.status_code == 200 else 1


if __name__ == "__main__":
    raise SystemExit(main())
