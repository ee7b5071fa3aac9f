"""The HTML report is one offline file with every figure; the Markdown summary has the key figures."""

from __future__ import annotations

import re

import numpy as np
import pytest

from vnflag import evaluate, markdown_summary, read_manifest, render_html, write_report
from vnflag.evaluation.report import FIGURES

SVG = re.compile(r"<svg\b[^>]*>.*?</svg>", re.DOTALL)


@pytest.fixture(scope="module")
def result(model_dir, labelled):
    return evaluate(model_dir, labelled.sample(200, random_state=1), slice_cols=["num_share"], n_bootstrap=50,
                    source="sample.csv")


@pytest.fixture(scope="module")
def page(result):
    return render_html(result)


def test_report_embeds_every_figure_as_inline_svg(page):
    figures = SVG.findall(page)
    assert len(figures) == len(FIGURES)
    for caption in FIGURES.values():
        assert f'aria-label="{caption}"' in page
    # Each figure's ids are its own (matplotlib numbers every figure's ids alike), and every reference resolves.
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for reference in re.findall(r'(?:href="#|url\(#)([^")]+)', page):
        assert reference in ids


def test_report_needs_no_network(page):
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<link" not in page and "@import" not in page
    assert "src=" not in page and "<img" not in page and "<image" not in page and "<foreignObject" not in page
    # url(...) and href only point inside the page (the figures' clip paths and markers).
    assert re.findall(r"url\(([^)]*)\)", page) and all(t.startswith("#") for t in re.findall(r"url\(([^)]*)\)", page))
    assert all(t.startswith("#") for t in re.findall(r'href="([^"]*)"', page))


def test_report_names_model_and_data(page, result, model_dir):
    manifest = read_manifest(model_dir)
    assert manifest["model_version"] in page
    assert result.data["fingerprint"] in page and len(result.data["fingerprint"]) == 64
    assert "sample.csv" in page
    for section in ("Reviewer budgets", "Confusion matrix", "Metrics by slice", "Model manifest"):
        assert section in page
    assert f"{result.metrics['roc_auc']:.3f}" in page


def test_markdown_summary_has_key_metrics(result):
    text = markdown_summary(result)
    m = result.metrics
    assert f"{m['roc_auc']:.3f} ({m['roc_auc_low']:.3f}–{m['roc_auc_high']:.3f})" in text
    assert f"{m['average_precision']:.3f}" in text and f"{m['ece']:.3f}" in text
    assert "| top 50 | 50 |" in text and "| top 10% | 20 |" in text
    assert result.manifest["model_version"] in text
    assert "\n\n\n" not in text


def test_write_report_writes_both_files(result, tmp_path):
    html_path, md_path = write_report(result, tmp_path / "out" / "report.html")
    assert md_path.endswith("report.md")
    assert (tmp_path / "out" / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert (tmp_path / "out" / "report.md").read_text(encoding="utf-8").startswith("## vnflag evaluation")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["report.html", "report.md"]


def test_report_with_one_label_only_still_renders(flagger, labelled):
    ordinary = labelled[labelled["label"] == "0"].head(30)
    result = evaluate(flagger, ordinary, n_bootstrap=20)
    assert np.isnan(result.metrics["roc_auc"])
    page = render_html(result)
    assert len(SVG.findall(page)) == len(FIGURES)
    assert "Only 30 posts" in markdown_summary(result)
