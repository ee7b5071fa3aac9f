"""Evaluation reports: one self-contained HTML file (figures embedded) and a Markdown summary.

The HTML page has no external stylesheet, script, font or link: its figures are PNGs inside
``data:`` URIs, so it opens offline and can be mailed or archived as one file. Figures: ROC and
precision-recall curves, a reliability diagram, score histograms by label, and reviewer budget
against the share of posts needing verification that the budget catches.
"""

from __future__ import annotations

import base64
import html
import io
import json
import os
import re
from typing import Any

import numpy as np
import pandas as pd

from ..display import format_value as _fmt  # figures as every table shows them
from ..display import html_table
from ..io.files import write_text_atomic
from ..model.metrics import reliability_table
from .assessment import EvaluationResult

__all__ = ["report_figures", "render_html", "markdown_summary", "write_report", "FIGURES"]

#: Figure names, in page order, with their captions.
FIGURES = {
    "roc": "ROC curve",
    "precision_recall": "Precision-recall curve",
    "reliability": "Reliability diagram (calibration)",
    "histogram": "Score histograms by label",
    "budget": "Reviewer budget vs share of misleading posts caught",
}


def report_figures(result: EvaluationResult) -> dict[str, Any]:
    """The report's matplotlib figures, by name (see :data:`FIGURES`), for a notebook or a file.

    >>> figures = report_figures(evaluate("out/model", held_out))   # doctest: +SKIP
    >>> figures["budget"].savefig("budget.png")                      # doctest: +SKIP
    """
    # Figure objects, not pyplot: no global state, no display needed, the caller's backend untouched.
    from matplotlib.figure import Figure
    from sklearn.metrics import precision_recall_curve, roc_curve

    y, s, m = result.y_true, result.scores, result.metrics
    both = 0 < y.sum() < len(y)
    figures: dict[str, Any] = {}

    def new(name):
        fig = Figure(figsize=(4.4, 3.5), dpi=80)
        ax = fig.subplots()
        ax.set_title(FIGURES[name], fontsize=11)
        ax.grid(alpha=0.3)
        figures[name] = fig
        return ax

    ax = new("roc")
    if both:
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=f"model (AUC {m['roc_auc']:.3f})")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate (recall)")
    ax.legend(loc="lower right")

    ax = new("precision_recall")
    if both:
        precision, recall, _ = precision_recall_curve(y, s)
        ax.step(recall, precision, where="post", label=f"model (AP {m['average_precision']:.3f})")
    ax.axhline(m["positive_rate"], linestyle="--", color="grey", label="share needing verification")
    if not np.isnan(m["recall"]) and not np.isnan(m["precision"]):
        ax.plot([m["recall"]], [m["precision"]], "o", color="C3", label=f"threshold {result.threshold:.2f}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower left")

    ax = new("reliability")
    table = reliability_table(y, s).dropna()
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(table["mean_score"], table["observed_rate"], "o-", label=f"model (ECE {m['ece']:.3f})")
    for _, row in table.iterrows():
        ax.annotate(str(int(row["n"])), (row["mean_score"], row["observed_rate"]), fontsize=7,
                    textcoords="offset points", xytext=(3, -9))
    ax.set(xlabel="mean score in bin", ylabel="observed share needing verification", xlim=(0, 1), ylim=(0, 1))
    ax.legend(loc="upper left")

    ax = new("histogram")
    bins = np.linspace(0, 1, 21)
    for label, color in ((0, "C0"), (1, "C1")):
        if (y == label).any():  # a density of no posts is undefined
            ax.hist(s[y == label], bins=bins, alpha=0.6, color=color, density=True,
                    label=f"label {label} (n={int((y == label).sum())})")
    ax.axvline(result.threshold, color="C3", linestyle="--", label="threshold")
    ax.set(xlabel="score", ylabel="density")
    ax.legend(loc="upper center")

    ax = new("budget")
    order = np.argsort(-s, kind="stable")
    reviewed = np.arange(0, len(y) + 1)
    caught = np.concatenate([[0], np.cumsum(y[order])]) / max(int(y.sum()), 1)
    ax.plot(reviewed / max(len(y), 1), caught, label="reviewing the top posts by score")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="reviewing posts at random")
    if y.sum():
        ax.plot([0, y.mean(), 1], [0, 1, 1], ":", color="green", label="perfect ranking")
    ax.set(xlabel=f"share of posts reviewed (of {len(y)})", ylabel="share of misleading posts caught",
           xlim=(0, 1), ylim=(0, 1.02))
    ax.legend(loc="lower right")

    for fig in figures.values():
        fig.tight_layout()
    return figures


def _png_data_uri(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _headline(result: EvaluationResult) -> pd.DataFrame:
    m = result.metrics
    rows = [
        ("ROC-AUC (95 % CI)", f"{_fmt(m['roc_auc'])} ({_fmt(m['roc_auc_low'])}–{_fmt(m['roc_auc_high'])})"),
        ("Average precision (95 % CI)", f"{_fmt(m['average_precision'])} "
                                        f"({_fmt(m['average_precision_low'])}–{_fmt(m['average_precision_high'])})"),
        (f"Precision at threshold {result.threshold:.3f}", _fmt(m["precision"])),
        (f"Recall at threshold {result.threshold:.3f}", _fmt(m["recall"])),
        (f"F1 at threshold {result.threshold:.3f}", _fmt(m["f1"])),
        ("Share of posts flagged", _fmt(m["flag_rate"])),
        ("Brier score (lower is better)", _fmt(m["brier"])),
        ("Expected calibration error (10 bins)", _fmt(m["ece"])),
        ("Posts evaluated (needing verification)", f"{m['n']} ({m['positives']})"),
    ]
    return pd.DataFrame(rows, columns=["metric", "value"])


_BLANK_LINES = re.compile(r"\n{3,}")  # more than one empty line in a row, in the Markdown summary

_SLICE_COLUMNS = ["slice", "value", "n", "positives", "roc_auc", "average_precision", "precision", "recall", "f1",
                  "brier", "ece"]


def _table_html(frame: pd.DataFrame, index: bool = False) -> str:
    return html_table(frame, index=index, classes="t")


def _agreement(result: EvaluationResult) -> str:
    """One sentence on reviewer agreement, when the labels came from a label store ("" if not)."""
    a = result.agreement
    if not a:
        return ""
    if not a.get("items"):
        return "Reviewer agreement: no item was decided by two reviewers."
    show = lambda v: "undefined" if v is None else f"{v:.3f}"  # noqa: E731
    return (f"Reviewer agreement over {a['items']} items decided by two or more reviewers: "
            f"{a['percent']['percent']:.1f}% agree, mean Cohen's kappa {show(a['cohen_kappa']['mean'])} "
            f"({len(a['cohen_kappa']['pairs'])} pairs), Krippendorff's alpha {show(a['krippendorff_alpha']['alpha'])} "
            f"(n={a['krippendorff_alpha']['n']}).")


def _caveats(result: EvaluationResult) -> list[str]:
    notes = []
    if result.data.get("is_training_data"):
        notes.append("This is the model's own training data: every figure here is optimistic. "
                     "Evaluate on posts the model has not seen.")
    if result.data.get("not_scored"):
        notes.append(f"{result.data['not_scored']} rows had no text and were left out.")
    if result.metrics["n"] < 200:
        notes.append(f"Only {result.metrics['n']} posts: intervals are wide; read the figures as rough.")
    return notes


_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#222;padding:0 16px}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;margin:8px 0}
.lead{background:#eef5ff;border-left:4px solid #3b7ddd;padding:8px 12px}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid figure{margin:0}
table.t{border-collapse:collapse;font-size:.9em;margin:6px 0}
table.t th,table.t td{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.t th{background:#f4f4f4}table.t td:first-child,table.t th:first-child{text-align:left}
pre{background:#f7f7f7;padding:8px;font-size:.8em;overflow-x:auto}
"""


def render_html(result: EvaluationResult, title: str | None = None) -> str:
    """The report as one self-contained HTML page (no network needed to open it).

    >>> page = render_html(evaluate("out/model", held_out))   # doctest: +SKIP
    """
    esc = html.escape
    version = result.manifest.get("model_version", "unsaved")
    title = title or f"vnflag evaluation: model {version}"
    figures = "".join(
        f'<figure><img alt="{esc(FIGURES[name])}" src="{_png_data_uri(fig)}"></figure>'
        for name, fig in report_figures(result).items()
    )
    slices = result.slices.reindex(columns=_SLICE_COLUMNS)
    data = result.data
    manifest = json.dumps({k: v for k, v in result.manifest.items() if k != "params"}, ensure_ascii=False, indent=1)
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in _caveats(result))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title><style>{_STYLE}</style></head>
<body>
<h1>{esc(title)}</h1>
<p class="lead">A score asks a person to look at a post; it is never a verdict. These figures say how
well the ranking finds posts that reviewers labelled as needing verification in the data below.</p>
{notes}
<h2>Data</h2>
<table class="t"><tr><th>source</th><td>{esc(str(data.get('source')))}</td></tr>
<tr><th>rows (scored / not scored)</th>
<td>{data.get('rows')} ({data.get('scored')} / {data.get('not_scored')})</td></tr>
<tr><th>needing verification</th><td>{data.get('positive')}</td></tr>
<tr><th>text / label column</th><td>{esc(str(data.get('text_col')))} / {esc(str(data.get('label_col')))}</td></tr>
<tr><th>data fingerprint (SHA-256 of texts and labels)</th>
<td><code>{esc(str(data.get('fingerprint')))}</code></td></tr>
</table>
<p>{esc(_agreement(result))}</p>
<h2>Headline metrics</h2>
{_table_html(_headline(result))}
<h2>Figures</h2>
<div class="grid">{figures}</div>
<h2>Reviewer budgets</h2>
<p>If reviewers read only the top posts by score: how many of them need verification (precision) and
what share of all such posts they catch (recall).</p>
{_table_html(result.budgets)}
<h2>Confusion matrix at threshold {result.threshold:.3f}</h2>
{_table_html(result.confusion, index=True)}
<h2>Metrics by slice</h2>
<p>Slices with no posts show n = 0; metrics needing both labels show – when a slice has only one.</p>
{_table_html(slices)}
<h2>Model manifest</h2>
<pre>{esc(manifest)}</pre>
</body></html>
"""


def markdown_summary(result: EvaluationResult) -> str:
    """A short Markdown summary for terminals and pull requests: headline metrics and budgets.

    >>> print(markdown_summary(evaluate("out/model", held_out)))   # doctest: +SKIP
    """
    data = result.data
    lines = [
        f"## vnflag evaluation: model {result.manifest.get('model_version', 'unsaved')}",
        "",
        f"Data: `{data.get('source')}`, {data.get('scored')} posts scored ({data.get('positive')} needing "
        f"verification), fingerprint `{str(data.get('fingerprint'))[:16]}`.",
        "",
        *[f"> {note}" for note in _caveats(result)],
        "",
        _agreement(result),
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {row.metric} | {row.value} |" for row in _headline(result).itertuples()],
        "",
        "| reviewer budget | reviewed | precision | recall |",
        "|---|---|---|---|",
        *[f"| {row.budget} | {row.reviewed} | {_fmt(row.precision)} | {_fmt(row.recall)} |"
          for row in result.budgets.itertuples()],
        "",
        "Weakest slices by ROC-AUC: " + _weakest(result.slices),
        "",
    ]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines))


def _weakest(slices: pd.DataFrame, k: int = 3) -> str:
    rated = slices.dropna(subset=["roc_auc"]).sort_values("roc_auc").head(k)
    if rated.empty:
        return "none measurable."
    return "; ".join(f"{r.slice}={r.value} {r.roc_auc:.3f} (n={r.n})" for r in rated.itertuples()) + "."


def write_report(result: EvaluationResult, path: str | os.PathLike,
                 markdown: str | os.PathLike | None = None) -> tuple[str, str]:
    """Write the HTML report to ``path`` and the Markdown summary to ``markdown`` (default: the
    same path with ``.md``), each atomically; returns both paths.

    >>> write_report(evaluate("out/model", held_out), "report.html")   # doctest: +SKIP
    ('report.html', 'report.md')
    """
    markdown = markdown or os.path.splitext(str(path))[0] + ".md"
    write_text_atomic(render_html(result), path)
    write_text_atomic(markdown_summary(result), markdown)
    return str(path), str(markdown)
