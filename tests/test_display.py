"""Notebook display (vnflag/display.py): escaped HTML tables and short reprs for EvaluationResult, the label
store's status and the registry listing, and ``to_frame()`` DataFrames behind them."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vnflag import LabelStore, Registry, build_queue, evaluate
from vnflag.display import format_value, html_table

HOSTILE = "<script>alert('x')</script> & \"q\" <img src=x onerror=alert(1)>"
TABLE_TAGS = {"table", "caption", "thead", "tbody", "tr", "th", "td"}


class Cells(HTMLParser):
    """The tags of an HTML table and the text of each of its cells and caption, unescaped."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.cells: list[str] = []
        self.inside = False
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in ("caption", "th", "td"):
            self.cells.append("")
            self.inside = True

    def handle_endtag(self, tag):
        self.inside = False

    def handle_data(self, data):
        if self.inside:
            self.cells[-1] += data


def _shown(html: str) -> list[str]:
    cells = Cells(html)
    assert cells.tags <= TABLE_TAGS, f"markup that is not a table's: {cells.tags - TABLE_TAGS}"
    return cells.cells


#: Text of markup characters and letters mostly (tags, entities, quotes), and any other character.
MARKUP_TEXT = st.lists(st.one_of(st.sampled_from([*"<>&;#\"'/= ab", "<b>", "&amp;", "<!--"]),
                                 st.characters(blacklist_categories=("Cs", "Cc"))), max_size=12).map("".join)


@settings(max_examples=50, deadline=None)
@example(values=[HOSTILE], column=HOSTILE, caption=HOSTILE)
@given(st.lists(MARKUP_TEXT, min_size=1, max_size=4), MARKUP_TEXT.filter(bool), MARKUP_TEXT)
def test_every_header_value_and_caption_is_shown_as_text_never_as_markup(values, column, caption):
    html = html_table(pd.DataFrame({column: values}), caption=caption)
    spaced = lambda texts: [" ".join(t.split()) for t in texts]  # noqa: E731  (HTML collapses white space)
    assert spaced(_shown(html)) == spaced(([caption] if caption else []) + [column, *values])


def test_format_value_rounds_and_never_shows_nan():
    assert [format_value(v) for v in (0.98639, float("nan"), None, 480, True, "<b>")] == [
        "0.986", "–", "–", "480", "True", "<b>"]


def test_evaluation_result_repr_table_and_frame(model_dir, labelled):
    result = evaluate(model_dir, labelled.head(80), n_bootstrap=10, source=HOSTILE)
    assert repr(result).startswith("EvaluationResult(model_version=") and "0x" not in repr(result)
    assert len(repr(result)) < 200 and "roc_auc=" in repr(result)
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame) == 1 and frame.loc[0, "n"] == 80
    shown = _shown(result._repr_html_())
    assert HOSTILE in shown[0] and HOSTILE not in result._repr_html_()  # in the caption, escaped
    pairs = dict(zip(shown[3::2], shown[4::2], strict=True))
    assert pairs["n"] == "80" and pairs["roc_auc"] == format_value(result.metrics["roc_auc"])


def test_label_store_status_is_the_same_dict_with_a_table(tmp_path):
    texts = [f"bài {i}: " + " ".join(f"từ{i * 13 + k}" for k in range(9)) for i in range(6)]
    queue = build_queue(pd.DataFrame({"id": [f"p{i}" for i in range(6)], "text": texts,
                                      "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4], "model_version": "m1"}), budget=6)
    store = LabelStore(tmp_path / "labels.sqlite")
    assert repr(store) == f"LabelStore({str(tmp_path / 'labels.sqlite')!r})"
    for who, decisions in ((HOSTILE, ["misleading", "ok"] * 3), ("minh", ["misleading", "ok", "ok"] * 2)):
        store.import_reviews(queue.assign(decision=decisions, reviewer=who), queue=queue)
    status = store.status()
    assert isinstance(status, dict) and status == dict(status) and json.loads(json.dumps(status)) == status
    assert status["reviewers"] == {HOSTILE: 6, "minh": 6}  # as before, for existing callers
    assert repr(status).startswith("StoreStatus(") and len(repr(status)) < 200 + len(str(store.path))
    frame = status.to_frame()
    assert len(frame) == 1 and frame.loc[0, "reviews"] == 12 and frame.loc[0, f"reviewers.{HOSTILE}"] == 6
    kappa = [c for c in frame.columns if c.startswith("agreement.cohen_kappa.") and c.endswith("-minh")]
    assert kappa == [f"agreement.cohen_kappa.{HOSTILE}-minh"]
    assert frame.loc[0, kappa[0]] == pytest.approx(status["agreement"]["cohen_kappa"]["pairs"][0]["kappa"])
    html = status._repr_html_()
    shown = _shown(html)
    assert HOSTILE not in html and f"reviewers.{HOSTILE}" in shown and "6" in shown


def test_registry_repr_listing_frame_and_table(tmp_path, text_model_dir):
    registry = Registry(tmp_path / HOSTILE.replace("/", "_"))
    assert repr(registry) == f"Registry({str(registry.path)!r})"
    version = registry.add(text_model_dir, parent=HOSTILE)
    registry.promote(version)
    pd.testing.assert_frame_equal(registry.to_frame(), registry.list())
    html = registry._repr_html_()
    shown = _shown(html)
    assert HOSTILE not in html and HOSTILE in shown and version in shown
    assert shown[0] == f"vnflag model registry {registry.path}: 1 versions, promoted: {version}"
