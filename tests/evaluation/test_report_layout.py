"""The report reads well (issue 19): nothing in a figure is clipped or lands on an axis, text is at least 12 px,
every table header says something, counts agree with their nouns, low reviewer agreement comes with a caution,
and budgets larger than the data say that they read every post. And it stays safe: user strings escaped."""

from __future__ import annotations

import dataclasses
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from vnflag import evaluate, markdown_summary, render_html
from vnflag.evaluation.report import (
    _STYLE,
    FIGURES,
    LOW_AGREEMENT,
    _axes,
    _compact,
    _reliability,
    report_figures,
)
from vnflag.model.metrics import binary_metrics, budget_table
from vnflag.review.agreement import agreement_summary

PX_PER_PT = 96 / 72  # how a browser shows a length in points
MIN_PX = 12
SLACK = 0.5  # px: rounding of extents


@pytest.fixture(scope="module")
def result(model_dir, labelled):
    """The issue's case: 144 posts evaluated, so budgets of 200 and 500 read them all."""
    return evaluate(model_dir, labelled.sample(144, random_state=3), n_bootstrap=20, source="held_out.csv")


@pytest.fixture(scope="module")
def page(result):
    return render_html(result)


def _with_agreement(result, **decisions):
    return dataclasses.replace(result, agreement=agreement_summary(pd.DataFrame(decisions)))


# ----------------------------------------------------------------------------- figure geometry
def _inside(inner: Bbox, outer: Bbox) -> bool:
    return (inner.x0 >= outer.x0 - SLACK and inner.y0 >= outer.y0 - SLACK
            and inner.x1 <= outer.x1 + SLACK and inner.y1 <= outer.y1 + SLACK)


def _overlap(a: Bbox, b: Bbox) -> bool:
    return a.x0 < b.x1 - SLACK and b.x0 < a.x1 - SLACK and a.y0 < b.y1 - SLACK and b.y0 < a.y1 - SLACK


def _marker_boxes(ax) -> list[Bbox]:
    """Each marker's square on screen (pixels), from the data drawn on ``ax``."""
    boxes = []
    for line in ax.get_lines():
        if line.get_marker() in (None, "None", "", " "):
            continue
        radius = line.get_markersize() * ax.figure.dpi / 72 / 2
        for x, y in ax.transData.transform(line.get_xydata()):
            boxes.append(Bbox([[x - radius, y - radius], [x + radius, y + radius]]))
    return boxes


def _ticks_out_of_view(fig) -> list[Text]:
    """Tick labels that matplotlib keeps but does not draw: their tick is outside the axis's view."""
    hidden = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            hidden += [tick.label1 for tick in axis.get_major_ticks()
                       if not low - 1e-9 <= tick.get_loc() <= high + 1e-9]
    return hidden


def check_geometry(fig) -> None:
    """Every text inside the figure (the SVG's viewBox) and at least 12 px on the page; every marker whole
    inside its axes (not clipped, not on an axis); every text drawn in the axes (the reliability counts) inside
    them and clear of the markers, the legend and each other."""
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    frame = fig.bbox
    undrawn = {id(text) for text in _ticks_out_of_view(fig)}
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and id(text) not in undrawn:
            assert _inside(text.get_window_extent(renderer), frame), f"{text.get_text()!r} leaves the figure"
            assert text.get_fontsize() * PX_PER_PT >= MIN_PX, f"{text.get_text()!r} under {MIN_PX} px"
    for ax in fig.axes:
        area = ax.get_window_extent(renderer)
        markers = _marker_boxes(ax)
        for box in markers:
            assert _inside(box, area), "a marker is clipped or sits on an axis"
        legend = ax.get_legend().get_window_extent(renderer) if ax.get_legend() else None
        labels = [t.get_window_extent(renderer) for t in ax.texts if t.get_text().strip()]
        for i, label in enumerate(labels):
            assert _inside(label, area), "a label in the plot crosses an axis"
            assert not any(_overlap(label, box) for box in markers), "a label covers a point"
            assert legend is None or not _overlap(label, legend), "a label is under the legend"
            assert not any(_overlap(label, other) for other in labels[i + 1:]), "two labels overlap"


@pytest.fixture(scope="module")
def figures(result):
    return report_figures(result)


def test_every_figure_keeps_its_text_and_points_inside(figures):
    for name, fig in figures.items():
        check_geometry(fig)
        assert fig.axes[0].get_title(), name


def test_reliability_points_at_zero_and_one_are_whole_and_counts_clear_of_the_axis():
    # The case: bins whose observed share is exactly 1 (clipped in half before) and 0, and scores at
    # the ends of the scale; counts as large as a big evaluation gives.
    ax = _axes("reliability")
    y = np.array([1, 1, 0, 0, 1, 0])
    s = np.array([1.0, 1.0, 0.0, 0.0, 0.55, 0.45])
    _reliability(ax, y, s, ece=0.1)
    points = ax.get_lines()[1].get_xydata()
    assert {0.0, 1.0} <= set(points[:, 1]) and {0.0, 1.0} <= set(points[:, 0])
    check_geometry(ax.figure)
    # Big bins: every count in its shortest form still clear of its neighbours.
    ax = _axes("reliability")
    s = np.repeat(np.linspace(0.05, 0.95, 10), 120_000)
    _reliability(ax, (s > 0.5).astype(int), s, ece=0.0)
    assert [t.get_text() for t in ax.texts] == ["120k"] * 10
    check_geometry(ax.figure)


@settings(max_examples=10, deadline=None)  # each example draws a figure (~0.2 s)
@given(st.lists(st.tuples(st.integers(0, 1), st.sampled_from([0.0, 1.0, 0.5, 0.1, 0.9]) | st.floats(0, 1)),
                min_size=1, max_size=60))
def test_reliability_geometry_holds_for_any_scores(pairs):
    y, s = (np.array(column) for column in zip(*pairs, strict=True))
    ax = _axes("reliability")
    _reliability(ax, y.astype(int), s.astype(float), ece=0.5)
    check_geometry(ax.figure)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 10**11))
def test_bin_counts_fit_in_four_characters(n):
    text = _compact(n)
    assert len(text) <= 4
    if n < 1000:
        assert text == str(n)
    else:
        number, unit = float(text[:-1]), text[-1]
        scale = {"k": 1e3, "M": 1e6, "G": 1e9}[unit]
        assert abs(number * scale - n) <= 0.05 * n  # within rounding to two significant figures


# ----------------------------------------------------------------------------- the page
def test_figures_svg_text_is_inside_the_view_box_and_at_least_12_px(page):
    """The same checks on the SVG the page carries: each text's anchor and each marker inside its figure's
    viewBox, and each font size, scaled as the browser shows the figure, at least 12 px."""
    figures = re.findall(r"<svg\b([^>]*)>(.*?)</svg>", page, re.DOTALL)
    assert len(figures) == len(FIGURES)
    for attributes, body in figures:
        x0, y0, width, height = map(float, re.search(r'viewBox="([^"]+)"', attributes).group(1).split())
        shown_px = float(re.search(r'width="([\d.]+)pt"', attributes).group(1)) * PX_PER_PT
        scale = shown_px / width
        texts = re.findall(r'<text\b[^>]*\bx="([-\d.]+)" y="([-\d.]+)"', body)
        uses = re.findall(r'<use\b[^>]*\bx="([-\d.]+)" y="([-\d.]+)"', body)
        assert texts and uses
        for x, y in texts + uses:
            assert x0 <= float(x) <= x0 + width and y0 <= float(y) <= y0 + height
        sizes = [float(size) for size in re.findall(r"font(?:-size)?: ([\d.]+)px", body)]  # "font: 10px …" in matplotlib 3.8
        assert sizes and min(sizes) * scale >= MIN_PX


def test_page_font_sizes_are_at_least_12_px():
    sizes = re.findall(r"font(?:-size)?:\s*([\d.]+)(\w+|%)", _STYLE)
    assert sizes
    for number, unit in sizes:
        assert unit == "px" and float(number) >= MIN_PX, f"{number}{unit}"
    assert re.search(r"pre\{[^}]*font:\s*13px", _STYLE)  # the manifest, set in about 10 px before


class _Headers(HTMLParser):
    """Each table's header rows (the <tr> inside <thead>) and every <th>'s text."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.cells: list[str] = []
        self.cell: list[str] | None = None
        self.in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "thead":
            self.in_head = True
        elif tag == "tr" and self.in_head:
            self.tables[-1].append([])
        elif tag == "th":
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "thead":
            self.in_head = False
        elif tag == "th" and self.cell is not None:
            text = "".join(self.cell).strip()
            if self.in_head:
                self.tables[-1][-1].append(text)
            self.cells.append(text)
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def test_every_table_header_says_something_in_one_row(page, result):
    parser = _Headers()
    parser.feed(page)
    assert parser.cells and all(parser.cells), "an empty header cell"
    for head in parser.tables:
        assert len(head) <= 1, f"a table with {len(head)} header rows: {head}"
    # The confusion matrix: one header row naming both axes, and its four counts.
    confusion = page[page.index("<h2>Confusion matrix"):page.index("<h2>Metrics by slice")]
    assert "<th>actual label</th>" in confusion and "<th>model: flagged</th>" in confusion
    for count in ("tn", "fp", "fn", "tp"):
        assert f"<td>{result.metrics[count]}</td>" in confusion


def test_budgets_larger_than_the_data_say_they_read_every_post(result, page):
    assert result.metrics["n"] == 144
    text = markdown_summary(result)
    for budget in (200, 500):
        assert f"| top {budget} | all 144 |" in text
        assert re.search(rf"<td>top {budget}</td>\s*<td>all 144</td>", page)
    assert "| top 50 | 50 |" in text and "| top 10% | 15 |" in text  # smaller budgets unchanged
    note = "Only 144 posts were evaluated: a budget of 144 or more reviews all of them"
    assert note in text and note in page


def test_one_budget_of_exactly_every_post_and_none_when_all_fit(result):
    exact = dataclasses.replace(result, budgets=budget_table(result.y_true, result.scores, budgets=[50, 144],
                                                             shares=[]))
    text = markdown_summary(exact)
    assert "| top 144 | all 144 |" in text and "| top 50 | 50 |" in text
    assert "reviews all of them (the row marked “all”)." in text  # one row: nothing to be the same as
    fits = dataclasses.replace(result, budgets=budget_table(result.y_true, result.scores, budgets=[50, 143],
                                                            shares=[0.5]))
    assert "all 14" not in markdown_summary(fits) and "reviews all of them" not in markdown_summary(fits)
    assert "reviews all of them" not in render_html(fits)


# The case: one pair of reviewers whose kappa is 0.06, and "(1 pairs)".
LOW = {"anh": ["misleading"] + ["ok"] * 19,
       "binh": (["misleading"] * 13 + ["ok"] * 7)[7:] + (["misleading"] * 13 + ["ok"] * 7)[:7]}


def test_one_reviewer_pair_is_singular_and_low_kappa_gets_a_caution(result):
    low = _with_agreement(result, **LOW)
    assert f"{low.agreement['cohen_kappa']['mean']:.2f}" == "0.06"
    page, text = render_html(low), markdown_summary(low)
    for shown in (page, text):
        assert "over 1 reviewer pair," in shown and "pairs)" not in shown and "1 pairs" not in shown
        assert "Caution: low agreement beyond chance (kappa 0.06" in shown
        assert "Kappa is agreement beyond what chance would give: 1 = reviewers always agree" in shown
    # Next to the agreement sentence: the caution is the very next paragraph.
    assert re.search(r"<p>Reviewer agreement over 20 items[^<]*</p><p class=\"note\">Caution: low agreement",
                     page)
    assert re.search(r"Reviewer agreement over 20 items.*\n> Caution: low agreement", text)


def test_plural_counts_and_no_caution_for_good_agreement(result):
    good = _with_agreement(result, anh=["ok", "ok", "misleading", "misleading"] * 3,
                           binh=["ok", "ok", "misleading", "misleading"] * 3,
                           chi=["ok", "ok", "misleading", "ok"] * 3)
    page, text = render_html(good), markdown_summary(good)
    assert good.agreement["cohen_kappa"]["mean"] >= LOW_AGREEMENT
    for shown in (page, text):
        assert "over 12 items" in shown and "over 3 reviewer pairs," in shown
        assert "Caution" not in shown
    one = _with_agreement(result, anh=["ok"], binh=["ok"])  # kappa undefined with one value: no caution
    assert "over 1 item decided" in markdown_summary(one) and "Caution" not in markdown_summary(one)


def test_one_post_and_one_row_are_singular(flagger, labelled):
    frame = labelled.head(2).copy()
    frame.loc[frame.index[1], "text"] = ""
    one = evaluate(flagger, frame, n_bootstrap=0)
    text, page = markdown_summary(one), render_html(one)
    for shown in (text, page):
        assert "Only 1 post:" in shown and "1 row had no text and was left out." in shown
        assert "1 posts" not in shown and "1 rows" not in shown
    assert ", 1 post scored (" in text
    assert "Only 1 post was evaluated" in text and "all 1 |" in text


def test_threshold_point_at_precision_and_recall_one_is_whole(result):
    # Perfectly separated scores: the precision-recall figure's threshold point sits at (1, 1), on the corner.
    y = np.array([0, 0, 0, 1, 1, 1])
    s = np.array([0.0, 0.1, 0.2, 0.8, 0.9, 1.0])
    perfect = dataclasses.replace(result, y_true=y, scores=s, threshold=0.5,
                                  metrics=binary_metrics(y, s, 0.5, n_bootstrap=0))
    figures = report_figures(perfect)
    assert figures["precision_recall"].axes[0].get_lines()[-1].get_xydata().tolist() == [[1.0, 1.0]]
    for fig in figures.values():
        check_geometry(fig)


def test_low_alpha_alone_gets_the_caution(result):
    low = _with_agreement(result, **LOW)
    low.agreement["cohen_kappa"]["mean"] = 0.9
    assert "Caution: low agreement beyond chance (alpha" in markdown_summary(low)


def test_no_agreement_leaves_no_empty_paragraph(page):
    assert "<p></p>" not in page and "Reviewer agreement" not in page


# ----------------------------------------------------------------------------- safety
HOSTILE = '<img src=x onerror=alert(1)>"\'&</pre><script>alert(2)</script>'


def test_every_user_string_is_escaped(flagger, labelled):
    frame = labelled.head(60).assign(source=[HOSTILE, "ok"] * 30)
    hostile = evaluate(flagger, frame, slice_cols=["source"], n_bootstrap=0, source=HOSTILE)
    hostile.manifest[HOSTILE] = HOSTILE
    hostile.agreement = agreement_summary(pd.DataFrame({HOSTILE: ["ok", "ok"], "binh": ["ok", "misleading"]}))
    page = render_html(hostile, title=HOSTILE)
    assert "<script" not in page and "<img" not in page and "</pre><" not in page
    assert page.count("&lt;img src=x onerror=alert(1)&gt;") >= 4  # title twice, source, slice value, manifest
