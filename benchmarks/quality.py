"""Quality on ReINTEL: stratified 5-fold cross-validated ROC-AUC and average precision.

Compares vnflag with each tokeniser (``tokenizer="underthesea"`` and ``"syllables"``; text
only, and with the engagement counts), with the post time (each part) and with a boosted second
stage, with a plain ``TfidfVectorizer() + LogisticRegression()``
baseline and a TF-IDF word+char ``LinearSVC``, in one run, on the same folds: ROC-AUC, average
precision, expected calibration error (ECE), train time and scoring speed (posts/s in one
process over each test fold; for vnflag, :meth:`Flagger.score_posts` with 3 reasons). The
segmentation cache is emptied before each fit and each scoring, so no fold reuses another's
segmentation. LinearSVC gives margins, not probabilities: its ECE is of min-max-scaled margins.

    python benchmarks/quality.py [--folds 5] [--seed 13] [--only SUBSTRING]   # both splits, one table
    python benchmarks/quality.py --split cv    # only the shuffled folds
    python benchmarks/quality.py --split time  # only: train on the older 70 %, test on the newest 30 %
    python benchmarks/quality.py --split cuts --only "(the default)"  # older 60, 70, 80 % → every later post
    python benchmarks/quality.py --vihsd     # ViHSD train → dev, clean vs offensive-or-hate
    python benchmarks/quality.py --paired [--repeats 5] [--only bagged]  # paired table, see below

By default every model is measured on both splits, CV mean ± sd and the time-ordered split side by
side. One time-ordered split of 1,080 posts is noisy: ``--split cuts`` trains on the older 60, 70 and 80 %
by ``timestamp_post`` and tests on every later post, one figure per cut and their mean (with ``--seed``,
the CV folds can be redrawn the same way). The choices these runs informed are in ``docs/decisions/``.
Besides vnflag's parts, two n-gram ranges of the default and an NB-SVM-style baseline (log-count-ratio
scaled binary n-grams, Wang & Manning 2012) are rows of their own.

A column gives ROC-AUC over the test posts of at least 1,000 characters, a stand-in for long news
articles (no out-of-domain set is in ``../shared``).

``--paired`` tells a real gain from fold noise: every system of :func:`paired_systems` on the same
5×5 repeated stratified folds (``--folds`` × ``--repeats``, seed ``--seed``) and the three time cuts;
per system the mean ROC-AUC and AP, the mean paired difference to the default with the standard
deviation of the paired differences and its standard error, how many folds or cuts it improved,
ECE and train time per fit. Each (system, split) result is appended to ``--results`` (a CSV, by
default ``benchmarks/results/paired.csv``) as it ends; a rerun skips what the CSV already holds, so
a long run can be resumed, and ``--summary`` prints the table from the CSV alone. The systems share
each split's text stage (:class:`SharedTextStage`, the same fit for each): the train time of a
system is its own fit plus the text stage's.

Needs ``../shared/datasets/reintel/train.csv`` (``--vihsd``: ``vihsd/train.csv`` and
``vihsd/dev.csv``; third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin, clone
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from vnflag import Flagger
from vnflag.model.metrics import expected_calibration_error
from vnflag.text.normalization import normalize_texts
from vnflag.text.segmentation import TOKENIZERS, _segment_cached

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
DATA = DATASETS / "reintel" / "train.csv"
VIHSD = DATASETS / "vihsd"
TEXT, LABEL = "post_message", "label"
META = ["num_like_post", "num_comment_post", "num_share_post"]
TIME = "timestamp_post"


def candidates(meta: bool = True) -> dict[str, object]:
    """Name → unfitted estimator taking the whole DataFrame (text and, with ``meta``, count columns)."""
    from sklearn.compose import make_column_transformer

    plain = make_pipeline(make_column_transformer((TfidfVectorizer(), TEXT)), LogisticRegression())
    word_char_svm = make_pipeline(
        make_column_transformer(
            (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), TEXT),
            (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True), TEXT),
        ),
        LinearSVC(C=0.5, class_weight="balanced"),
    )
    models: dict[str, object] = {}
    for tokenizer in TOKENIZERS:
        models[f"vnflag {tokenizer}, text only"] = Flagger(text_col=TEXT, tokenizer=tokenizer,
                                                           second_stage="logistic")
        if meta:
            models[f"vnflag {tokenizer} + meta cols"] = Flagger(text_col=TEXT, meta_cols=META, tokenizer=tokenizer,
                                                                second_stage="logistic")
    if meta:  # the time of a post, on the default tokeniser: each part, and all of them
        for parts in (("hour",), ("weekday",), ("hour", "weekday"), ("hour", "weekday", "day")):
            models[f"vnflag syllables + meta cols + time ({', '.join(parts)})"] = Flagger(
                text_col=TEXT, meta_cols=META, time_col=TIME, time_features=parts, second_stage="logistic")
        models["vnflag syllables + meta cols + time (hour), boosted second stage (the default)"] = Flagger(
            text_col=TEXT, meta_cols=META, time_col=TIME, second_stage="boosting")
        models["vnflag syllables + meta cols, boosted second stage"] = Flagger(
            text_col=TEXT, meta_cols=META, second_stage="boosting")
        models["vnflag syllables, text only, boosted second stage"] = Flagger(text_col=TEXT, second_stage="boosting")
        for label, ranges in (("word n-grams (1, 2), C=8 (the default before)", {"word_ngram_range": (1, 2), "C": 8.0}),
                              ("char n-grams (3, 6)", {"char_ngram_range": (3, 6)})):
            models[f"the default with {label}"] = Flagger(text_col=TEXT, meta_cols=META, time_col=TIME,
                                                         second_stage="boosting", **ranges)
    nb_svm = make_pipeline(
        make_column_transformer(
            (CountVectorizer(ngram_range=(1, 2), min_df=2, binary=True), TEXT),
            (CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, binary=True), TEXT),
        ),
        NBLogisticRegression(C=1.0),
    )
    return {
        **models,
        "plain TfidfVectorizer + LogisticRegression": plain,
        "TF-IDF word+char + LinearSVC": word_char_svm,
        "NB-SVM style: binary word+char n-grams, log-count ratio + LogisticRegression": nb_svm,
    }


class LogCountRatio(TransformerMixin, BaseEstimator):
    """Scales each (binarised, with ``binary``) feature by its log-count ratio between the classes,
    the NB part of NB-SVM (Wang & Manning 2012)."""

    def __init__(self, alpha: float = 1.0, binary: bool = True):
        self.alpha = alpha
        self.binary = binary

    def _input(self, X):
        return (X > 0).astype(np.float64) if self.binary else X

    def fit(self, X, y):
        B, y = self._input(X), np.asarray(y)
        p = self.alpha + np.asarray(B[y == 1].sum(0)).ravel()
        q = self.alpha + np.asarray(B[y == 0].sum(0)).ravel()
        self.ratio_ = np.log((p / p.sum()) / (q / q.sum()))
        return self

    def transform(self, X):
        return sparse.csr_matrix(self._input(X) @ sparse.diags(self.ratio_))


class NBLogisticRegression(ClassifierMixin, BaseEstimator):
    """Logistic regression over :class:`LogCountRatio`-scaled features (NB-LR, the NB-SVM idea)."""

    def __init__(self, C: float = 1.0, alpha: float = 1.0, binary: bool = True, class_weight="balanced"):
        self.C = C
        self.alpha = alpha
        self.binary = binary
        self.class_weight = class_weight

    def fit(self, X, y):
        self.ratio_ = LogCountRatio(self.alpha, self.binary).fit(X, y)
        self.classes_ = np.unique(y)
        self.linear_ = LogisticRegression(C=self.C, class_weight=self.class_weight, solver="liblinear").fit(
            self.ratio_.transform(X), y)
        return self

    def decision_function(self, X):
        return self.linear_.decision_function(self.ratio_.transform(X))

    def predict_proba(self, X):
        return self.linear_.predict_proba(self.ratio_.transform(X))

    def predict(self, X):
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def scores_of(model, frame: pd.DataFrame) -> np.ndarray:
    """Scores of ``frame``: vnflag's with reasons (what scoring does), margins for LinearSVC."""
    if isinstance(model, Flagger):
        return model.score_posts(frame, top_k=3).proba[:, 1]
    if not hasattr(model, "predict_proba"):  # LinearSVC: margins
        return model.decision_function(frame)
    return model.predict_proba(frame)[:, 1]


#: Posts at least this long stand in for long news articles (no out-of-domain set is in ``../shared``):
#: ROC-AUC over the test posts this long is a column of its own.
LONG_POST_CHARS = 1_000


def measure(estimator, frame: pd.DataFrame, y: np.ndarray, splits) -> dict[str, str]:
    """Fit and score ``estimator`` on each (train, test) split: one table row, printed as it ends."""
    long_post = (frame[TEXT].str.len() >= LONG_POST_CHARS).to_numpy()
    aucs, long_aucs, aps, eces, seconds, speeds = [], [], [], [], [], []
    for train, test in splits:
        model = clone(estimator)
        _segment_cached.cache_clear()  # no fold reuses another's (or another row's) segmentation
        start = time.perf_counter()
        model.fit(frame.iloc[train], y[train])
        seconds.append(time.perf_counter() - start)
        _segment_cached.cache_clear()
        start = time.perf_counter()
        p = scores_of(model, frame.iloc[test])
        speeds.append(len(test) / (time.perf_counter() - start))
        aucs.append(roc_auc_score(y[test], p))
        long_test = long_post[test]
        if 0 < y[test][long_test].sum() < long_test.sum():
            long_aucs.append(roc_auc_score(y[test][long_test], p[long_test]))
        aps.append(average_precision_score(y[test], p))
        eces.append(calibration_error(model, y[test], p))
    return {"ROC-AUC": spread(aucs),
            f"ROC-AUC, posts ≥ {LONG_POST_CHARS:,} chars": spread(long_aucs) if long_aucs else "",
            "average precision": spread(aps),
            "ECE": f"{np.mean(eces):.4f}" + ("" if hasattr(estimator, "predict_proba") else " (min-max)"),
            "train s/fold": f"{np.mean(seconds):.1f}",
            "score posts/s": f"{np.mean(speeds):.0f}"}


def measure_on(estimator, frame: pd.DataFrame, y: np.ndarray, split_sets: dict) -> dict[str, str]:
    """:func:`measure` on each named set of splits, the columns prefixed by its name; with two sets, the
    time-ordered split adds only its ROC-AUC figures and ECE, and speeds come from the first set."""
    row: dict[str, str] = {}
    for number, (set_name, splits) in enumerate(split_sets.items()):
        for column, value in measure(estimator, frame, y, splits).items():
            if number and (column in ("average precision", "train s/fold", "score posts/s")):
                continue
            row[f"{set_name} {column}".strip()] = value
    return row


#: The time cuts of ``--split cuts``: train on this older share of the posts, test on every later post.
TIME_CUTS = (0.6, 0.7, 0.8)


def time_ordered_split(frame: pd.DataFrame, older: float = 0.7) -> tuple[np.ndarray, np.ndarray]:
    """Row numbers of the ``older`` share of posts by ``timestamp_post`` (train) and of the newer rest (test)."""
    order = np.argsort(pd.to_numeric(frame[TIME], errors="coerce").fillna(-1).to_numpy(), kind="stable")
    cut = int(round(older * len(frame)))
    return np.sort(order[:cut]), np.sort(order[cut:])


def spread(values: list[float]) -> str:
    """Mean ± standard deviation over folds; the value alone for a single split."""
    return f"{np.mean(values):.4f} ± {np.std(values):.4f}" if len(values) > 1 else f"{values[0]:.4f}"


def vihsd_frame(path: Path) -> pd.DataFrame:
    """ViHSD as a binary task: 1 = offensive or hate (``label_id`` 1 or 2), 0 = clean."""
    frame = pd.read_csv(path, dtype={"free_text": str}, keep_default_na=False)
    return pd.DataFrame({TEXT: frame["free_text"], LABEL: (frame["label_id"].astype(int) > 0).astype(int)})


def calibration_error(model, y: np.ndarray, scores: np.ndarray) -> float:
    """ECE of probabilities; of min-max-scaled margins for a model without probabilities."""
    if not hasattr(model, "predict_proba"):
        scores = (scores - scores.min()) / max(scores.max() - scores.min(), 1e-12)
    return expected_calibration_error(y, scores)


# ----------------------------------------------------------------------------- paired evaluation
UNLABELLED = DATASETS / "reintel" / "unlabelled"
RESULTS = Path(__file__).resolve().parent / "results" / "paired.csv"
#: Repost-count columns: near-copies at char TF-IDF cosine ≥ 0.5 and ≥ 0.8, and the highest cosine (per mille).
REPOST = ["near_copies_05", "near_copies_08", "max_cosine_permille"]
DEFAULT_SYSTEM = "default"
RULE = ("Rule: a change of default needs a paired ROC-AUC gain larger than its spread (the sd of the paired "
        "differences) on both CV and the time cuts.")


def paired_systems() -> dict[str, Flagger]:
    """The systems of ``--paired``; the first, what ``vnflag train`` fits on ReINTEL with counts and time,
    is the reference of the paired differences."""
    shared = {"text_col": TEXT, "time_col": TIME}
    return {
        DEFAULT_SYSTEM: SharedTextStage(meta_cols=META, **shared),
        "bagged (10 bootstrap)": SharedTextStage(meta_cols=META, second_stage_bags=10, **shared),
        "seeds (5, max_features 0.7)": SharedTextStage(meta_cols=META, second_stage_bags=5,
                                                       second_stage_bagging="feature_subsets", **shared),
        "repost counts": SharedTextStage(meta_cols=META + REPOST, **shared),
        "bagged (10 bootstrap) + repost counts": SharedTextStage(meta_cols=META + REPOST, second_stage_bags=10,
                                                                 **shared),
    }


class SharedTextStage(Flagger):
    """A :class:`Flagger` whose text stage (vectorisers, n-gram model and its out-of-fold margins) is
    reused from the previous fit when texts, labels, inner folds and text parameters are the same: the
    systems of ``--paired`` differ only after it. ``saved_seconds`` is the text stage's own fit time
    when it was reused (0 when fitted), for the train time per fit."""

    _cache: dict = {}
    saved_seconds = 0.0

    def _fit_text_stage(self, texts, y_bin, splits, class_weight, step):
        key = (hash(tuple(texts)), y_bin.tobytes(), tuple(test.tobytes() for _, test in splits), str(class_weight),
               self.tokenizer, tuple(self.word_ngram_range), tuple(self.char_ngram_range), self.min_df,
               self.max_char_features, self.C)
        cached = SharedTextStage._cache.get(key)
        if cached is None:
            start = time.perf_counter()
            margin = super()._fit_text_stage(texts, y_bin, splits, class_weight, step)
            seconds = time.perf_counter() - start
            SharedTextStage._cache = {key: (self.word_vectorizer_, self.char_vectorizer_, self.text_classifier_,
                                            margin, seconds)}
            SharedTextStage.saved_seconds = 0.0
            return margin
        self.word_vectorizer_, self.char_vectorizer_, self.text_classifier_, margin, seconds = cached
        SharedTextStage.saved_seconds = seconds
        return margin.copy()


def repost_columns(texts: list[str], n_labelled: int, chunk: int = 500) -> pd.DataFrame:
    """For each of the first ``n_labelled`` of ``texts``: how many of the other texts are near-copies of it
    (char TF-IDF cosine ≥ 0.5, ≥ 0.8) and its highest cosine in per mille, never counting itself. No labels
    are read: over all of ReINTEL (train and unlabelled posts), a fold's training posts and test batch are
    both inside the reference set, as at scoring time the model's posts and the batch would be."""
    vectors = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
                              dtype=np.float32).fit_transform(normalize_texts(texts))
    counts = np.zeros((n_labelled, 3))
    for start in range(0, n_labelled, chunk):
        stop = min(start + chunk, n_labelled)
        cosine = (vectors[start:stop] @ vectors.T).toarray()
        cosine[np.arange(stop - start), np.arange(start, stop)] = 0.0  # never itself
        counts[start:stop] = np.column_stack([(cosine >= 0.5).sum(1), (cosine >= 0.8).sum(1),
                                              np.round(1000 * cosine.max(1))])
    return pd.DataFrame(counts.astype(int).astype(str), columns=REPOST)


def paired_splits(frame: pd.DataFrame, y: np.ndarray, folds: int, repeats: int, seed: int):
    """(name, kind, train rows, test rows): the three time cuts first, then the repeated folds, repeat by repeat."""
    for older in TIME_CUTS:
        yield (f"older {older:.0%}", "cut", *time_ordered_split(frame, older))
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    for number, (train, test) in enumerate(cv.split(frame, y)):
        yield f"r{number // folds + 1}f{number % folds + 1}", "cv", train, test


def run_paired(frame: pd.DataFrame, y: np.ndarray, systems: dict, splits, results: Path) -> None:
    """Fit and score every system on every split, appending each result to ``results`` as it ends and
    skipping what ``results`` already holds."""
    done = set()
    if results.exists():
        done = set(map(tuple, pd.read_csv(results)[["system", "split"]].astype(str).to_numpy()))
    results.parent.mkdir(parents=True, exist_ok=True)
    for split, kind, train, test in splits:
        for name, estimator in systems.items():
            if (name, split) in done:
                continue
            model = clone(estimator)
            _segment_cached.cache_clear()
            start = time.perf_counter()
            model.fit(frame.iloc[train], y[train])
            seconds = time.perf_counter() - start + SharedTextStage.saved_seconds
            p = model.predict_proba(frame.iloc[test])[:, 1]
            row = pd.DataFrame([{"system": name, "split": split, "kind": kind,
                                 "roc_auc": roc_auc_score(y[test], p), "ap": average_precision_score(y[test], p),
                                 "ece": expected_calibration_error(y[test], p), "train_s": seconds}])
            row.to_csv(results, mode="a", header=not results.exists(), index=False, float_format="%.6f")
            print(f"  {split} {name}: ROC-AUC {row.roc_auc[0]:.4f}, AP {row.ap[0]:.4f}, "
                  f"ECE {row.ece[0]:.4f}, {seconds:.1f} s", flush=True)


def complete_splits(results: pd.DataFrame, folds: int) -> pd.DataFrame:
    """The results of the splits every system has finished, CV folds only from repeats with all ``folds``
    folds finished (a run stopped early is summarised over whole repeats)."""
    systems = results["system"].nunique()
    finished = results.groupby("split")["system"].nunique() == systems
    results = results[results["split"].isin(finished[finished].index)]
    repeat = results["split"].str.extract(r"^(r\d+)f\d+$")[0]
    whole = repeat.map(repeat.dropna().groupby(repeat.dropna()).size() == folds * systems)
    return results[(results["kind"] != "cv") | whole.fillna(False).astype(bool)]


def paired_table(results: pd.DataFrame, reference: str = DEFAULT_SYSTEM) -> pd.DataFrame:
    """One row per system: means, the paired differences to ``reference`` (mean, sd, standard error),
    folds or cuts improved, ECE and train time, over the splits of ``results`` (see :func:`complete_splits`)."""
    rows = []
    systems = list(dict.fromkeys(results["system"]))
    columns = ["system"]
    for label in ("CV", "cuts"):
        columns += [f"{label} ROC-AUC", f"{label} ΔAUC (sd; se)", f"{label} up", f"{label} AP", f"{label} ΔAP (sd; se)",
                    f"{label} ECE"]
    columns += ["train s/fit (median)", "gain > spread on both"]
    for system in systems:
        row: dict[str, object] = {"system": system}
        confirmed = True
        for kind, label in (("cv", "CV"), ("cut", "cuts")):
            part = results[results["kind"] == kind]
            mine = part[part["system"] == system].set_index("split")
            base = part[part["system"] == reference].set_index("split").loc[mine.index]
            if mine.empty:
                confirmed = False
                continue
            row[f"{label} ROC-AUC"] = f"{mine.roc_auc.mean():.4f}"
            row[f"{label} AP"] = f"{mine.ap.mean():.4f}"
            for metric, short in (("roc_auc", "AUC"), ("ap", "AP")):
                diff = (mine[metric] - base[metric]).to_numpy()
                sd = diff.std(ddof=1) if len(diff) > 1 else float("nan")
                if system != reference:
                    row[f"{label} Δ{short} (sd; se)"] = f"{diff.mean():+.4f} ({sd:.4f}; {sd / np.sqrt(len(diff)):.4f})"
                    if metric == "roc_auc":
                        row[f"{label} up"] = f"{int((diff > 0).sum())}/{len(diff)}"
                        confirmed &= bool(diff.mean() > sd)
            row[f"{label} ECE"] = f"{mine.ece.mean():.4f}"
        row["train s/fit (median)"] = f"{results[results['system'] == system].train_s.median():.1f}"
        row["gain > spread on both"] = "" if system == reference else ("yes" if confirmed else "no")
        rows.append(row)
    return pd.DataFrame(rows).reindex(columns=columns).astype(object).fillna("")


def main_paired(args, frame: pd.DataFrame, y: np.ndarray) -> int:
    """``--paired``: run (or resume) the paired evaluation, then print its table and rule."""
    systems = {name: est for name, est in paired_systems().items()
               if name == DEFAULT_SYSTEM or not args.only or any(part in name for part in args.only)}
    if any(REPOST[0] in est.meta_cols for est in systems.values()):
        extra = pd.concat([pd.read_csv(path, dtype=str, keep_default_na=False)
                           for path in sorted(UNLABELLED.glob("*.csv"))], ignore_index=True)
        counts = repost_columns(frame[TEXT].tolist() + extra[TEXT].tolist(), len(frame))
        frame = pd.concat([frame, counts], axis=1)
        unreliable = frame[LABEL] == "1"
        print(f"  repost counts over {len(frame) + len(extra)} posts ({len(extra)} unlabelled): near-copies ≥ 0.5 "
              f"mean {counts[REPOST[0]].astype(int)[unreliable].mean():.2f} unreliable, "
              f"{counts[REPOST[0]].astype(int)[~unreliable].mean():.2f} reliable", flush=True)
    if not args.summary:
        print(f"  paired: {args.folds}×{args.repeats} repeated stratified CV (seed {args.seed}) and the time cuts "
              f"{', '.join(f'{c:.0%}' for c in TIME_CUTS)}; results appended to {args.results}", flush=True)
        run_paired(frame, y, systems, paired_splits(frame, y, args.folds, args.repeats, args.seed), args.results)
    results = complete_splits(pd.read_csv(args.results, dtype={"split": str}).query("system in @systems"), args.folds)
    table = paired_table(results)
    cv_splits = results.loc[results["kind"] == "cv", "split"].nunique()
    print(f"\n{cv_splits} CV folds ({cv_splits // args.folds} whole repeats of {args.folds}) and "
          f"{results.loc[results['kind'] == 'cut', 'split'].nunique()} time cuts, every system on each")
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    print()
    print(RULE)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", choices=("both", "cv", "time", "cuts"), default="both",
                        help="cv: stratified folds; time: train on the older 70 %% of posts by timestamp_post, "
                        "test on the newest 30 %% (what scoring newer posts than the labels is); both (default): "
                        "each model on both, side by side; cuts: train on the older 60, 70 and 80 %%, test on "
                        "every later post, and the mean ROC-AUC over the three cuts")
    parser.add_argument("--only", action="append", default=None,
                        help="measure only the models whose name contains this (repeatable: any of them)")
    parser.add_argument("--paired", action="store_true",
                        help="the paired evaluation: repeated stratified CV and the time cuts, every system on the "
                        "same splits, paired differences to the default (see the module docstring)")
    parser.add_argument("--repeats", type=int, default=5, help="--paired: repeats of the stratified folds")
    parser.add_argument("--results", type=Path, default=RESULTS,
                        help="--paired: CSV of the per-split results, appended to and resumed from")
    parser.add_argument("--summary", action="store_true", help="--paired: print the table from --results only")
    parser.add_argument("--vihsd", action="store_true",
                        help="ViHSD instead: fit on train.csv, measure on dev.csv (one split, no ± sd)")
    args = parser.parse_args()
    needed = [VIHSD / "train.csv", VIHSD / "dev.csv"] if args.vihsd else [args.data]
    missing = [p for p in needed if not p.exists()]
    if missing:
        print(f"skipped: {missing[0]} not present (third-party data, see DEVELOPERS.md)")
        return 0
    if args.vihsd:
        train, dev = vihsd_frame(needed[0]), vihsd_frame(needed[1])
        frame = pd.concat([train, dev], ignore_index=True)
        split_sets = {"": [(np.arange(len(train)), np.arange(len(train), len(frame)))]}
        y = frame[LABEL].to_numpy()
        print(f"ViHSD: fit on train ({len(train)} comments, {train[LABEL].sum()} offensive or hate), "
              f"measured on dev ({len(dev)}, {dev[LABEL].sum()})")
    else:
        frame = pd.read_csv(args.data, dtype=str, keep_default_na=False)
        y = frame[LABEL].astype(int).to_numpy()
        print(f"ReINTEL {args.data.name}: {len(frame)} posts, {y.sum()} unreliable")
        if args.paired:
            return main_paired(args, frame, y)
        split_sets = {}
        if args.split in ("cv", "both"):
            split_sets["CV"] = list(StratifiedKFold(args.folds, shuffle=True, random_state=args.seed).split(frame, y))
            print(f"  CV: stratified {args.folds}-fold, seed {args.seed}")
        if args.split in ("time", "both"):
            train, test = time_ordered_split(frame)
            split_sets["time-ordered"] = [(train, test)]
            print(f"  time-ordered: train on the older {len(train)} posts by {TIME} ({y[train].sum()} unreliable), "
                  f"test on the newest {len(test)} ({y[test].sum()} unreliable)")
        if args.split == "cuts":
            for older in TIME_CUTS:
                train, test = time_ordered_split(frame, older)
                split_sets[f"older {older:.0%}"] = [(train, test)]
                print(f"  older {older:.0%}: train on {len(train)} posts by {TIME} ({y[train].sum()} unreliable), "
                      f"test on the later {len(test)} ({y[test].sum()} unreliable)")
    rows = []
    for name, estimator in candidates(meta=not args.vihsd).items():
        if args.only and not any(part in name for part in args.only):
            continue
        rows.append({"model": name, **measure_on(estimator, frame, y, split_sets)})
        if args.split == "cuts":
            cut_aucs = [float(rows[-1][f"{cut} ROC-AUC"]) for cut in split_sets]
            rows[-1]["mean ROC-AUC over the cuts"] = f"{np.mean(cut_aucs):.4f}"
        print("  " + ", ".join(f"{k} {v}" for k, v in rows[-1].items()), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.to_markdown(index=False) if _has_tabulate() else table.to_string(index=False))
    return 0


def _has_tabulate() -> bool:
    try:
        import tabulate  # noqa: F401
    except ImportError:
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
