"""Report writer for eval results: report.json, report.md and a per-kind bar chart.

The scorer hands over one result dict; this module only presents it, writing the JSON itself and leaving
the markdown to evals.markdown and the chart to evals.chart (skipped when matplotlib is not installed).
render_markdown, verdict and plot_by_kind are re-exported so callers and tests can keep importing everything
from evals.report.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evals.chart import plot_by_kind
from evals.markdown import render_markdown, verdict
from evals.mdtext import CHART_HINT, CHART_PNG, REPORT_JSON, REPORT_MD

__all__ = ["CHART_HINT", "CHART_PNG", "REPORT_JSON", "REPORT_MD", "plot_by_kind", "render_markdown", "verdict",
           "write_report"]


def write_report(result: dict, out_dir: str | Path) -> dict[str, Path]:
    """Write report.json, report.md and metrics_by_kind.png into out_dir (created if missing); return their
    paths by name ("json", "md", "png"). Without matplotlib there is no chart and no "png" (see CHART_HINT)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"json": out / REPORT_JSON, "md": out / REPORT_MD, "png": out / CHART_PNG}
    # allow_nan=False: NaN/Infinity are not JSON and break strict readers (jq, browsers), so they are
    # written as null, which is what the scorer uses for "not applicable" anyway.
    text = json.dumps(_json_safe(result), indent=2, ensure_ascii=False, allow_nan=False, default=str)
    paths["json"].write_text(text + "\n", encoding="utf-8")
    try:
        plot_by_kind(result, paths["png"])
    except ImportError:
        # matplotlib comes with the [eval] extra; the figures are all in the JSON and the markdown anyway
        del paths["png"]
    paths["md"].write_text(render_markdown(result, chart="png" in paths), encoding="utf-8")
    return paths


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value
