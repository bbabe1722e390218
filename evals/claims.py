"""Calibrate and measure the claim support check (``assistant.answer.support``) on labelled pairs.

``evals/sets/claims.jsonl`` holds claim/quote pairs built from the sample and tricky articles, each
labelled supported or not (``kind``: a paraphrase, a pronoun, a yes/no; another fact of the same
article, a wrong name or figure, another meaning in the quote's words). The similarity threshold is
fitted on the ``fit`` half of the pairs (``evals.split``) and reported on the ``check`` half too.
Precision comes first: a claim held back still shows its quote, a wrong claim shown is the failure.

    python -m evals.claims [--set evals/sets/claims.jsonl] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from assistant.answer.support import THRESHOLD, SupportCheck, paragraph
from assistant.answer.verify import locate
from evals.split import half

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SET = ROOT / "evals" / "sets" / "claims.jsonl"
BETA = 0.5  # F-beta with beta 0.5: precision weighs four times as much as recall


@dataclass
class Pair:
    id: str
    claim: str
    quote: str
    context: str
    supported: bool
    kind: str
    missing: list[str]
    similarity: float


def load(path: Path, check: SupportCheck) -> list[Pair]:
    """The labelled pairs with what the check sees of each; ValueError when a quote is not in its article."""
    pairs = []
    texts: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        art = row["article"]
        text = texts.setdefault(art, (ROOT / art).read_text(encoding="utf-8"))
        span = locate(row["quote"], text)
        if span is None:
            raise ValueError(f"{path}:{n}: the quote of {row['id']} is not in {art}")
        context = paragraph(text, *span)
        pairs.append(Pair(row["id"], row["claim"], row["quote"], context, bool(row["supported"]),
                          row.get("kind", ""), check.missing(row["claim"], row["quote"], context),
                          check.similarity(row["claim"], row["quote"])))
    return pairs


def judge(p: Pair, threshold: float, names: bool = True, meaning: bool = True) -> bool:
    """The check's verdict on a pair: supported?"""
    return not (names and p.missing) and not (meaning and p.similarity < threshold)


def scores(pairs: list[Pair], threshold: float, **parts: bool) -> dict[str, float]:
    tp = sum(1 for p in pairs if p.supported and judge(p, threshold, **parts))
    fp = sum(1 for p in pairs if not p.supported and judge(p, threshold, **parts))
    fn = sum(1 for p in pairs if p.supported and not judge(p, threshold, **parts))
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    b2 = BETA * BETA
    f = (1 + b2) * precision * recall / (b2 * precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 3), "recall": round(recall, 3), "f_beta": round(f, 3),
            "shown_unsupported": fp, "held_back_supported": fn, "pairs": len(pairs)}


def calibrate(pairs: list[Pair]) -> float:
    """The threshold with the best F-beta on ``pairs``: the middle of the range of thresholds that
    score best, so that it sits between the supported and unsupported pairs and not on one of them."""
    candidates = sorted({round(p.similarity, 3) for p in pairs} | {0.0})
    f = {t: scores(pairs, t)["f_beta"] for t in candidates}
    top = max(f.values())
    best = [t for t in candidates if f[t] == top]
    above = [t for t in candidates if t > best[-1]]
    return round((best[0] + (above[0] if above else best[-1])) / 2 - 0.0005, 2)


def run(path: Path) -> dict:
    from assistant.embeddings import MiniLMEmbeddings

    check = SupportCheck(MiniLMEmbeddings())
    pairs = load(path, check)
    fit = [p for p in pairs if half(p.id) == "fit"]
    held = [p for p in pairs if half(p.id) == "check"]
    fitted = calibrate(fit)
    out = {
        "pairs": len(pairs), "supported": sum(p.supported for p in pairs), "fitted_threshold": fitted,
        "shipped_threshold": THRESHOLD,
        "shipped": {"all": scores(pairs, THRESHOLD), "fit": scores(fit, THRESHOLD), "check": scores(held, THRESHOLD)},
        "names_only": scores(pairs, THRESHOLD, meaning=False),
        "meaning_only": scores(pairs, THRESHOLD, names=False),
        "by_kind": {},
        "wrong": [{"id": p.id, "kind": p.kind, "supported": p.supported, "similarity": round(p.similarity, 3),
                   "missing": p.missing, "claim": p.claim} for p in pairs
                  if judge(p, THRESHOLD) != p.supported],
    }
    for kind in sorted({p.kind for p in pairs}):
        group = [p for p in pairs if p.kind == kind]
        right = sum(judge(p, THRESHOLD) == p.supported for p in group)
        out["by_kind"][kind] = f"{right}/{len(group)} right"
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.claims", description=__doc__.split("\n\n")[0])
    ap.add_argument("--set", type=Path, default=DEFAULT_SET, help="labelled claim/quote pairs (JSONL)")
    ap.add_argument("--json", action="store_true", help="print the report as JSON")
    args = ap.parse_args(argv)
    try:
        out = run(args.set)
    except (OSError, ValueError, KeyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    print(f"{out['pairs']} pairs ({out['supported']} supported); threshold fitted on the fit half: "
          f"{out['fitted_threshold']}, shipped: {out['shipped_threshold']}")
    for name, s in [*out["shipped"].items(), ("names only", out["names_only"]), ("meaning only", out["meaning_only"])]:
        print(f"  {name:<13} precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
              f"(unsupported shown {s['shown_unsupported']}, supported held back {s['held_back_supported']}, "
              f"of {s['pairs']})")
    for kind, right in out["by_kind"].items():
        print(f"  {kind:<13} {right}")
    for w in out["wrong"]:
        print(f"  wrong: {w['id']} ({w['kind']}, sim {w['similarity']}, missing {w['missing']}): {w['claim']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
