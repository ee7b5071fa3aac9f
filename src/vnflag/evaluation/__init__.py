"""Evaluation layer: measure a model on labelled posts (overall, by budget, by slice) and write
the HTML report and Markdown summary. A sibling of the review layer; imports the layers below."""

from ..lazy import attach

__getattr__, __dir__, __all__ = attach(__name__, {
    "evaluate": ".assessment",
    "EvaluationResult": ".assessment",
    "slice_masks": ".assessment",
    "report_figures": ".report",
    "render_html": ".report",
    "markdown_summary": ".report",
    "write_report": ".report",
    "FIGURES": ".report",
})
