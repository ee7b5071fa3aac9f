"""Evaluation reports: one self-contained HTML file (figures embedded) and a Markdown summary.

The HTML page has no external stylesheet, script, font or link: its figures are inline SVG (text kept
as text, at least 12 px on screen), so it opens offline and can be mailed or archived as one file.
Figures: ROC and precision-recall curves, a reliability diagram, score histograms by label, and
reviewer budget against the share of posts needing verification that the budget catches.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import textwrap
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


#: Font sizes of the figures, in points: the page shows the SVG at 96 px per 72 points, so the smallest
#: (:data:`COUNT_PT`, the reliability diagram's posts per bin) is 12 px on screen.
TITLE_PT, TEXT_PT, COUNT_PT = 11, 10, 9
TITLE_CHARS = 40  # a figure's title wraps after this many characters
#: The reliability diagram's axes: a margin round the unit square keeps points at 0 and 1 whole, and the
#: band under it holds the posts per bin.
RELIABILITY_XLIM, RELIABILITY_YLIM = (-0.03, 1.03), (-0.17, 1.06)
_COUNT_ROW_Y = -0.1  # the counts' row, in the band under the zero line


def _compact(n: int) -> str:
    """A count in at most four characters (``987``, ``1.2k``, ``12k``, ``3.4M``), so that ten fit in a row."""
    value, suffix = float(n), ""
    for unit in ("k", "M", "G"):
        if value < 999.5:  # 999,500 is 1.0M, not 1000k
            break
        value, suffix = value / 1000, unit
    if not suffix:
        return str(n)
    return (f"{value:.1f}" if value < 9.95 else f"{value:.0f}") + suffix


def _axes(name: str):
    """A new figure's axes for the figure ``name``, in the report's style: title, font sizes, grid."""
    # Figure objects, not pyplot: no global state, no display needed, the caller's backend untouched.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.4, 3.5), dpi=80, layout="tight")  # laid out when drawn, after every label is set
    ax = fig.subplots()
    # Wrapped: a long caption on one line ran past the figure's edge and was cut.
    ax.set_title(textwrap.fill(FIGURES[name], TITLE_CHARS), fontsize=TITLE_PT)
    ax.tick_params(labelsize=TEXT_PT)
    ax.xaxis.label.set_fontsize(TEXT_PT)
    ax.yaxis.label.set_fontsize(TEXT_PT)
    ax.grid(alpha=0.3)
    return ax


def _reliability(ax, y: np.ndarray, s: np.ndarray, ece: float) -> None:
    """The reliability diagram on ``ax``: observed share against mean score per bin, each bin's number of
    posts in a row under the zero line, at the bin's centre (0.1 apart whatever the data), so that no count
    lands on a point, an axis, the legend or another count."""
    table = reliability_table(y, s)
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    shown = table.dropna()
    ax.plot(shown["mean_score"], shown["observed_rate"], "o-", clip_on=False, label=f"model (ECE {ece:.3f})")
    ax.axhline(0, color="lightgrey", linewidth=0.8)
    for row in table.itertuples():
        if row.n:
            ax.text((row.bin_low + row.bin_high) / 2, _COUNT_ROW_Y, _compact(int(row.n)), ha="center",
                    va="center", fontsize=COUNT_PT, color="dimgrey")
    ax.set(xlabel="mean score in bin (grey: posts in bin)", ylabel="observed share needing verification",
           xlim=RELIABILITY_XLIM, ylim=RELIABILITY_YLIM, yticks=np.linspace(0, 1, 6))
    ax.legend(loc="upper left", fontsize=TEXT_PT)


def report_figures(result: EvaluationResult) -> dict[str, Any]:
    """The report's matplotlib figures, by name (see :data:`FIGURES`), for a notebook or a file.

    >>> figures = report_figures(evaluate("out/model", held_out))   # doctest: +SKIP
    >>> figures["budget"].savefig("budget.png")                      # doctest: +SKIP
    """
    from sklearn.metrics import precision_recall_curve, roc_curve

    y, s, m = result.y_true, result.scores, result.metrics
    both = 0 < y.sum() < len(y)
    figures: dict[str, Any] = {}

    def new(name):
        ax = _axes(name)
        figures[name] = ax.figure
        return ax

    ax = new("roc")
    if both:
        fpr, tpr, _ = roc_curve(y, s)
        ax.plot(fpr, tpr, label=f"model (AUC {m['roc_auc']:.3f})")
    ax.plot([0, 1], [0, 1], "--", color="grey", label="chance")
    ax.set(xlabel="false positive rate", ylabel="true positive rate (recall)")
    ax.legend(loc="lower right", fontsize=TEXT_PT)

    ax = new("precision_recall")
    if both:
        precision, recall, _ = precision_recall_curve(y, s)
        ax.step(recall, precision, where="post", label=f"model (AP {m['average_precision']:.3f})")
    ax.axhline(m["positive_rate"], linestyle="--", color="grey", label="share needing verification")
    if not np.isnan(m["recall"]) and not np.isnan(m["precision"]):
        # Not clipped at precision or recall 1: the axes keep a margin and the marker may cross it.
        ax.plot([m["recall"]], [m["precision"]], "o", color="C3", clip_on=False,
                label=f"threshold {result.threshold:.2f}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1.02), ylim=(0, 1.04))
    ax.legend(loc="lower left", fontsize=TEXT_PT)

    ax = new("reliability")
    _reliability(ax, y, s, m["ece"])

    ax = new("histogram")
    bins = np.linspace(0, 1, 21)
    for label, color in ((0, "C0"), (1, "C1")):
        if (y == label).any():  # a density of no posts is undefined
            ax.hist(s[y == label], bins=bins, alpha=0.6, color=color, density=True,
                    label=f"label {label} (n={int((y == label).sum())})")
    ax.axvline(result.threshold, color="C3", linestyle="--", label="threshold")
    ax.set(xlabel="score", ylabel="density")
    ax.legend(loc="upper center", fontsize=TEXT_PT)

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
    ax.legend(loc="lower right", fontsize=TEXT_PT)

    return figures


_SVG_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)  # the XML declaration and DOCTYPE before <svg
_SVG_NAMESPACES = re.compile(r'(?<!\s)\s+xmlns(?::\w+)?="[^"]*"')  # implied in HTML; (?<!\s): a run tried once
_SVG_ID = re.compile(r'(\bid="|xlink:href="#|url\(#)(?=[^")]+)')  # an id, or a reference to one


def _inline_svg(fig, name: str) -> str:
    """``fig`` as an ``<svg>`` element for the page: text as text (no glyph outlines), ids prefixed by
    ``name`` so that the figures' ids (matplotlib numbers them alike) stay apart. Matplotlib escapes
    the text it writes."""
    import matplotlib

    buffer = io.StringIO()
    # svg.hashsalt: the same figure gives the same ids, so that the page is the same for the same data.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "vnflag"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    svg = _SVG_NAMESPACES.sub("", _SVG_PROLOGUE.sub("", buffer.getvalue(), count=1))
    return _SVG_ID.sub(lambda match: f"{match.group(1)}{name}-", svg).replace(
        "<svg ", f'<svg role="img" aria-label="{html.escape(FIGURES[name])}" ', 1)


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


def _count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for one: ``1 pair``, ``2 pairs``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _were(n: int) -> str:
    """The verb after :func:`_count`: ``1 row ... was``, ``2 rows ... were``."""
    return "was" if n == 1 else "were"


#: Reviewer agreement (mean Cohen's kappa or Krippendorff's alpha) below this gets a caution: "fair" or
#: worse on Landis and Koch's scale, too little to take the labels as ground truth without a second look.
LOW_AGREEMENT = 0.4


def _agreement(result: EvaluationResult) -> str:
    """One sentence on reviewer agreement, when the labels came from a label store ("" if not)."""
    a = result.agreement
    if not a:
        return ""
    if not a.get("items"):
        return "Reviewer agreement: no item was decided by two reviewers."
    show = lambda v: "undefined" if v is None else f"{v:.3f}"  # noqa: E731
    kappa, alpha = a["cohen_kappa"], a["krippendorff_alpha"]
    return (f"Reviewer agreement over {_count(a['items'], 'item')} decided by two or more reviewers: "
            f"{a['percent']['percent']:.1f}% agree, mean Cohen's kappa {show(kappa['mean'])} "
            f"over {_count(len(kappa['pairs']), 'reviewer pair')}, Krippendorff's alpha {show(alpha['alpha'])} "
            f"(n={alpha['n']}).")


def _agreement_caution(result: EvaluationResult) -> str:
    """A caution when agreement beyond chance is low (kappa or alpha below :data:`LOW_AGREEMENT`), with what
    kappa means, for the line under the agreement sentence ("" if agreement is fine or unknown)."""
    a = result.agreement or {}
    if not a.get("items"):
        return ""
    low = [f"{name} {value:.2f}" for name, value in (("kappa", a["cohen_kappa"]["mean"]),
                                                     ("alpha", a["krippendorff_alpha"]["alpha"]))
           if value is not None and value < LOW_AGREEMENT]
    if not low:
        return ""
    return (f"Caution: low agreement beyond chance ({' and '.join(low)}, below {LOW_AGREEMENT}), so the labels "
            "these figures are measured against are themselves uncertain: adjudicate the conflicts or sharpen the "
            "guidelines before trusting them. Kappa is agreement beyond what chance would give: 1 = reviewers "
            "always agree, 0 = no more often than by chance.")


def _budgets(result: EvaluationResult) -> tuple[pd.DataFrame, str]:
    """The budget table as shown, and a note for it ("" if none): a budget of at least the number of posts
    evaluated reads them all, so its row says "all N" and the note says why such rows are the same."""
    n = len(result.y_true)
    budgets = result.budgets.copy()
    everything = (budgets["reviewed"] >= n) & (n > 0)
    budgets["reviewed"] = [f"all {n}" if whole else str(reviewed)
                           for reviewed, whole in zip(budgets["reviewed"], everything, strict=True)]
    note, marked = "", int(everything.sum())
    if marked:
        note = (f"Only {_count(n, 'post')} {_were(n)} evaluated: a budget of {n} or more reviews all of them "
                + ("(the rows marked “all”, which are therefore the same)." if marked > 1 else
                   "(the row marked “all”)."))
    return budgets, note


def _confusion(result: EvaluationResult) -> pd.DataFrame:
    """The confusion matrix as one table with one header row: the actual label, then a column per decision."""
    confusion = result.confusion
    return pd.DataFrame({"actual label": confusion.index.astype(str),
                         **{f"model: {column}": confusion[column].to_numpy() for column in confusion.columns}})


def _caveats(result: EvaluationResult) -> list[str]:
    notes = []
    if result.data.get("is_training_data"):
        notes.append("This is the model's own training data: every figure here is optimistic. "
                     "Evaluate on posts the model has not seen.")
    if result.data.get("not_scored"):
        notes.append(f"{_count(result.data['not_scored'], 'row')} had no text and {_were(result.data['not_scored'])} "
                     "left out.")
    if result.metrics["n"] < 200:
        notes.append(f"Only {_count(result.metrics['n'], 'post')}: intervals are wide; read the figures as rough.")
    return notes


# Font sizes in px, none under 12 (test_report checks): relative sizes compound, and browsers set <pre>
# in a smaller monospace default, which is how the manifest came out at about 10 px.
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;font-size:16px;margin:24px auto;
max-width:1100px;color:#222;padding:0 16px}
h1{font-size:24px}h2{font-size:19px;border-bottom:1px solid #ddd;padding-bottom:4px;margin-top:28px}
.note{background:#fff8e1;border-left:4px solid #f0b400;padding:8px 12px;margin:8px 0}
.lead{background:#eef5ff;border-left:4px solid #3b7ddd;padding:8px 12px}
.grid{display:flex;flex-wrap:wrap;gap:8px}.grid figure{margin:0}.grid svg{max-width:100%;height:auto}
table.t{border-collapse:collapse;font-size:14px;margin:6px 0}
table.t th,table.t td{border:1px solid #ddd;padding:3px 8px;text-align:right}
table.t th{background:#f4f4f4}table.t td:first-child,table.t th:first-child{text-align:left}
pre{background:#f7f7f7;padding:8px;font:13px/1.4 ui-monospace,"DejaVu Sans Mono",Menlo,Consolas,monospace;
overflow-x:auto}
"""


def render_html(result: EvaluationResult, title: str | None = None) -> str:
    """The report as one self-contained HTML page (no network needed to open it).

    >>> page = render_html(evaluate("out/model", held_out))   # doctest: +SKIP
    """
    esc = html.escape
    version = result.manifest.get("model_version", "unsaved")
    title = title or f"vnflag evaluation: model {version}"
    figures = "".join(f"<figure>{_inline_svg(fig, name)}</figure>" for name, fig in report_figures(result).items())
    slices = result.slices.reindex(columns=_SLICE_COLUMNS)
    data = result.data
    manifest = json.dumps({k: v for k, v in result.manifest.items() if k != "params"}, ensure_ascii=False, indent=1)
    notes = "".join(f'<p class="note">{esc(n)}</p>' for n in _caveats(result))
    agreement = "".join(f'<p{attributes}>{esc(text)}</p>' for attributes, text in
                        (("", _agreement(result)), (' class="note"', _agreement_caution(result))) if text)
    budgets, budget_note = _budgets(result)
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
{agreement}
<h2>Headline metrics</h2>
{_table_html(_headline(result))}
<h2>Figures</h2>
<div class="grid">{figures}</div>
<h2>Reviewer budgets</h2>
<p>If reviewers read only the top posts by score: how many of them need verification (precision) and
what share of all such posts they catch (recall).</p>
{_table_html(budgets)}
{f"<p>{esc(budget_note)}</p>" if budget_note else ""}
<h2>Confusion matrix at threshold {result.threshold:.3f}</h2>
{_table_html(_confusion(result))}
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
    budgets, budget_note = _budgets(result)
    lines = [
        f"## vnflag evaluation: model {result.manifest.get('model_version', 'unsaved')}",
        "",
        f"Data: `{data.get('source')}`, {_count(data.get('scored', 0), 'post')} scored ({data.get('positive')} needing "
        f"verification), fingerprint `{str(data.get('fingerprint'))[:16]}`.",
        "",
        *[f"> {note}" for note in _caveats(result)],
        "",
        _agreement(result),
        *[f"> {caution}" for caution in [_agreement_caution(result)] if caution],
        "",
        "| metric | value |",
        "|---|---|",
        *[f"| {row.metric} | {row.value} |" for row in _headline(result).itertuples()],
        "",
        "| reviewer budget | reviewed | precision | recall |",
        "|---|---|---|---|",
        *[f"| {row.budget} | {row.reviewed} | {_fmt(row.precision)} | {_fmt(row.recall)} |"
          for row in budgets.itertuples()],
        *[f"\n{note}" for note in [budget_note] if note],
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
