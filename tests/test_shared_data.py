"""Checks on real third-party Vietnamese data (skipped on a fresh machine without ../shared)."""

import numpy as np
import pandas as pd
from conftest import shared_dataset

from vnflag.model.features import parse_counts
from vnflag.text.normalization import normalize_texts


def test_reintel_engagement_counts_mostly_parse():
    frame = pd.read_csv(shared_dataset("reintel", "train.csv"), dtype=str, keep_default_na=False)
    for column in ("num_like_post", "num_comment_post", "num_share_post"):
        cells = frame[column]
        values = parse_counts(cells)
        readable = ~np.isnan(values)
        # every count-shaped cell ("54", "1,234", "54 like", "1 comment") is read as its number ...
        count_shaped = cells.str.fullmatch(r"\s*\d[\d.,]*\s*[a-z]*\s*").to_numpy()
        assert readable[count_shaped].all(), cells[count_shaped & ~readable].head().tolist()
        assert (values[readable] >= 0).all()
        # ... and blanks, "unknown", dates and stray text are missing, never a number
        assert not readable[cells.isin(["", "unknown"]).to_numpy()].any()
        assert readable[count_shaped].sum() == readable.sum(), column


def test_normalisation_is_idempotent_on_real_informal_comments():
    comments = pd.read_csv(shared_dataset("vihsd", "dev.csv"), dtype=str, keep_default_na=False)["free_text"]
    once = normalize_texts(comments.tolist())
    assert normalize_texts(once) == once
    assert sum(bool(t) for t in once) >= 0.95 * len(once)
