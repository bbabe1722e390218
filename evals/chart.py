"""The eval report's chart: a grouped bar chart of rate metrics per question kind (metrics_by_kind.png).

matplotlib is imported inside plot_by_kind, not here, so importing the report modules stays cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from evals.mdtext import is_number, keys_in_order

CHART_METRICS = ("status_accuracy", "evidence_recall", "article_recall", "hit_at_5")
MULTIHOP_CHART_METRICS = ("hits_at_4", "hits_at_10", "mrr_at_10", "fact_recall_at_10")
# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies and in greyscale print.
CHART_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7")


def plot_by_kind(result: dict, path: Path) -> None:
    """Grouped bar chart of up to four rate metrics per question kind, saved as a 150 dpi PNG at path."""
    # Imported here so that importing evals.report (e.g. by the CLI) does not pay for matplotlib.
    # Figure + FigureCanvasAgg instead of pyplot: same Agg renderer, but no process-wide backend switch
    # and no figure registry to leak into when reports are written in a loop.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    per_kind = {k: v for k, v in (result.get("per_kind") or {}).items() if isinstance(v, Mapping)}
    if not per_kind and result.get("overall"):
        per_kind = {"all": result["overall"]}
    metrics = _chart_metrics(per_kind)

    fig = Figure(figsize=(9, 4.5), dpi=150)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    set_name = Path(str(result.get("set") or "")).name or "eval"
    title = f"Metrics by question kind — {set_name}"
    if result.get("backend"):
        title += f" ({result['backend']})"
    ax.set_title(title, fontsize=12, pad=26)
    # The scale is 0 to 1; the little headroom above it keeps value labels on full bars clear of the legend.
    ax.set_ylim(0, 1.07)
    ax.set_yticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.spines["left"].set_bounds(0, 1)
    ax.set_ylabel("rate (0–1)")
    ax.yaxis.grid(True, color="#dddddd", linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)

    if not per_kind or not metrics:
        ax.set_xticks([])
        ax.text(0.5, 0.5, "no rate metrics to plot", ha="center", va="center", transform=ax.transAxes, color="grey")
        fig.tight_layout()
        fig.savefig(Path(path), format="png", dpi=150)
        return

    kinds = list(per_kind)
    width = 0.8 / len(metrics)
    # Value labels help while they fit: a compact ".86" needs about 0.16 in, and the axes are about 8 in wide.
    label_bars = 8 / len(kinds) * 0.8 / len(metrics) >= 0.16
    for j, metric in enumerate(metrics):
        xs = [i - 0.4 + width * (j + 0.5) for i in range(len(kinds))]
        values = [per_kind[k].get(metric) for k in kinds]
        heights = [min(max(float(v), 0.0), 1.0) if is_number(v) else 0.0 for v in values]
        ax.bar(xs, heights, width * 0.92, label=metric.replace("_", " "), color=CHART_COLOURS[j % 4])
        for x, v, h in zip(xs, values, heights, strict=True):
            if not is_number(v):
                # Not applicable for this kind (e.g. evidence recall of unanswerable questions): say so,
                # so an empty slot is not read as a zero.
                ax.text(x, 0.015, "n/a", ha="center", va="bottom", fontsize=6, color="#666666", rotation=90)
            elif label_bars:
                ax.text(x, h + 0.01, _bar_label(float(v)), ha="center", va="bottom", fontsize=6)

    ax.set_xticks(range(len(kinds)))
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    # Rotate only when the names would not fit side by side (about 0.065 in per 8 pt character, 8 in of axes).
    longest = max(len(str(k)) for k in kinds)
    if longest * 0.065 > 0.9 * 8 / len(kinds):
        ax.set_xticklabels(
            [_kind_label(k, per_kind[k], " ") for k in kinds],
            fontsize=8,
            rotation=30,
            ha="right",
            rotation_mode="anchor",
        )
    else:
        ax.set_xticklabels([_kind_label(k, per_kind[k], "\n") for k in kinds], fontsize=8)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=len(metrics), frameon=False, fontsize=8)
    fig.tight_layout()
    fig.savefig(Path(path), format="png", dpi=150)


def _chart_metrics(per_kind: Mapping[str, Mapping]) -> list[str]:
    keys = keys_in_order(per_kind.values())
    standard = [m for m in CHART_METRICS if m in keys]
    multihop = [m for m in MULTIHOP_CHART_METRICS if m in keys]
    if standard or multihop:
        return multihop if len(multihop) > len(standard) else standard
    # Unknown result shape: plot whatever looks like a rate, so the chart is never silently empty.
    rates = [
        k
        for k in keys
        if not k.endswith("_ms")
        and any(is_number(m.get(k)) for m in per_kind.values())
        and all(m.get(k) is None or (is_number(m.get(k)) and 0 <= m[k] <= 1) for m in per_kind.values())
        and not all(isinstance(m.get(k), int) for m in per_kind.values() if m.get(k) is not None)
    ]
    return rates[:4]


def _bar_label(value: float) -> str:
    # ".86" rather than "0.86" so labels of neighbouring narrow bars do not run into each other.
    text = f"{value:.2f}"
    return text.removesuffix(".00") if text.endswith(".00") else text.removeprefix("0")


def _kind_label(kind: str, metrics: Mapping, sep: str) -> str:
    n = metrics.get("n")
    return f"{kind}{sep}(n={n})" if isinstance(n, int) and not isinstance(n, bool) else str(kind)
