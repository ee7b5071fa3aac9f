"""Honest progress (issue 20, item 5): ``score`` shows a total and a time left for every input
format (bytes read of the file's size for text formats and XLSX, rows for Parquet), and moves as
pieces are scored, not once per chunk."""

from __future__ import annotations

import pandas as pd
import pytest
import tqdm.auto
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag import score_file
from vnflag.io.frames import bytes_read
from vnflag.io.tables import iter_table, progress_total
from vnflag.pipelines import scoring


class RecordingBar(tqdm.auto.tqdm):
    """The real bar, keeping its total and every update."""

    made: list[RecordingBar] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.updates: list[float] = []
        RecordingBar.made.append(self)

    def update(self, n=1):
        self.updates.append(n)
        return super().update(n)


@pytest.fixture
def bars(monkeypatch):
    RecordingBar.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    return RecordingBar.made


def _write(frame: pd.DataFrame, path):
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, force_ascii=False)
    elif path.suffix == ".json":
        frame.to_json(path, orient="records", force_ascii=False)
    elif path.suffix == ".xlsx":
        frame.to_excel(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".jsonl", ".json", ".xlsx", ".parquet"])
def test_every_format_has_a_total_and_moves_per_piece(tmp_path, text_model_dir, unlabelled, bars, monkeypatch,
                                                      suffix):
    monkeypatch.setattr(scoring, "PIECE_ROWS", 10)
    posts = unlabelled[["id", "text"]]
    source = _write(posts, tmp_path / f"posts{suffix}")
    score_file(text_model_dir, source, tmp_path / "scored.csv", chunksize=50, n_jobs=1, progress=True)
    (bar,) = bars
    expected = len(posts) if suffix == ".parquet" else source.stat().st_size
    assert bar.total == expected and bar.unit == ("posts" if suffix == ".parquet" else "B")
    assert bar.n == expected and all(isinstance(step, int) for step in bar.updates)
    pieces = -(-len(posts) // 10)
    assert len(bar.updates) >= pieces > -(-len(posts) // 50)  # once per piece scored, more often than per chunk


def test_standard_input_has_no_total():
    assert progress_total(["-"]) == (None, "posts")


def test_the_bytes_note_never_reaches_a_frame_or_an_output(tmp_path, text_model_dir, unlabelled):
    import pyarrow.parquet as pq

    from vnflag.io.tables import read_table

    source = _write(unlabelled[["id", "text"]], tmp_path / "posts.csv")
    assert read_table(source).attrs == {} and all(c.attrs == {} for c in iter_table(source, chunksize=50))
    score_file(text_model_dir, source, tmp_path / "scored.parquet", n_jobs=1, progress=False)
    metadata = pq.read_schema(tmp_path / "scored.parquet").metadata or {}
    assert not any(b"vnflag_bytes_read" in key + value for key, value in metadata.items())


@settings(max_examples=30, deadline=None)
@given(texts=st.lists(st.text(alphabet=st.sampled_from(list("aạ ,\"\n")), max_size=30), min_size=1, max_size=40),
       chunksize=st.integers(1, 7), suffix=st.sampled_from([".csv", ".jsonl"]))
def test_text_readers_note_bytes_read_up_to_the_file_size(tmp_path_factory, texts, chunksize, suffix):
    path = _write(pd.DataFrame({"id": [str(i) for i in range(len(texts))], "text": texts}),
                  tmp_path_factory.mktemp("bytes") / f"t{suffix}")
    marks = [bytes_read(chunk) for chunk in iter_table(path, chunksize=chunksize, with_bytes_read=True)]
    assert all(mark is not None for mark in marks)
    assert marks == sorted(marks) and marks[-1] == path.stat().st_size


def test_train_file_bar_counts_every_fold_of_every_stage_then_save(tmp_path, labelled, bars):
    from vnflag import train_file

    source = tmp_path / "posts.csv"
    labelled.to_csv(source, index=False)
    train_file(source, tmp_path / "model", cv=3, progress=True)
    read, train = bars
    assert train.total == 2 * (3 + 1) + 2 + 1  # features, 3 folds + final of two stages, calibration; save
    assert train.n == train.total and len(train.updates) >= train.total


def test_fit_reports_steps_in_order_up_to_the_total(labelled):
    from vnflag.model.flagger import Flagger

    seen: list[tuple[str, int, int]] = []
    Flagger(cv=2).fit(labelled, labelled["label"].astype(int), on_step=lambda *step: seen.append(step))
    assert [done for _, done, _ in seen] == list(range(len(seen))) and {total for *_, total in seen} == {6 + 2}
    assert seen[-1] == ("done", 8, 8) and [stage for stage, *_ in seen][1:3] == ["text: fold 1/2", "text: fold 2/2"]


def test_second_look_shows_each_fold_and_keeps_cross_val_predict_results(tmp_path, labelled, bars, monkeypatch):
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline

    from conftest import reviewed_queue_csv
    from vnflag import LabelStore
    from vnflag.review import label_quality
    from vnflag.review.label_quality import second_look
    from vnflag.text.normalization import normalize_texts

    queue, _ = reviewed_queue_csv(tmp_path, posts=30, budget=10, explore=0.0)
    store = LabelStore(tmp_path / "labels.sqlite")
    store.import_reviews(queue)
    monkeypatch.setattr(label_quality, "label_issues", lambda y, proba, method: np.ones(len(y), dtype=bool))
    found = second_look(store, data=labelled, cv=3, progress=True)  # every reviewed post listed
    (bar,) = bars
    assert bar.total == 3 + 1 and bar.n == 4  # normalising, then each fold
    # the same suspects as scikit-learn's cross_val_predict gives with the same folds
    reviewed = store.training_frame()
    texts = reviewed["text"].tolist() + labelled["text"].tolist()
    y = np.asarray(reviewed["label"].astype(int).tolist() + labelled["label"].astype(int).tolist())
    pipeline = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
                             LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000))
    proba = cross_val_predict(pipeline, normalize_texts(texts), y, method="predict_proba",
                              cv=StratifiedKFold(3, shuffle=True, random_state=0))
    n = len(reviewed)
    expected = dict(zip(reviewed["id"], np.round(proba[np.arange(n), y[:n]], 4), strict=True))
    assert len(found) == n == 10 and dict(zip(found["id"], found["p_given_label"], strict=True)) == expected


@settings(max_examples=50, deadline=None)
@given(advance=st.integers(0, 10**9), rows=st.integers(0, 20_000))
def test_piece_shares_add_up_to_the_chunk(advance, rows):
    pieces = len(range(0, max(rows, 1), scoring.PIECE_ROWS))
    shares = scoring._shares(advance, rows, pieces)
    assert len(shares) == pieces and sum(shares) == advance and min(shares) >= 0
