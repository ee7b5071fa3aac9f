"""Training from tables: labels, fingerprints, column errors."""

import pytest

from vnflag import VnflagError, parse_labels, train_frame
from vnflag.model.inputs import data_fingerprint


def test_labels_in_every_accepted_spelling():
    assert parse_labels(["1", "0", "true", "False", "yes", "NO", 1, 0, True, "1.0"]).tolist() == [
        1, 0, 1, 0, 1, 0, 1, 0, 1, 1]


def test_bad_labels_name_the_rows():
    with pytest.raises(VnflagError, match=r"row 3 \('maybe'\).*row 5 \(''\)"):
        parse_labels(["1", "0", "maybe", "1", ""], "label")


def test_fingerprint_changes_with_text_or_label():
    base = data_fingerprint(["a", "b"], [1, 0])
    assert base == data_fingerprint(["a", "b"], [1, 0])
    assert base != data_fingerprint(["a", "c"], [1, 0])
    assert base != data_fingerprint(["a", "b"], [0, 0])


def test_missing_column_lists_existing_columns(labelled):
    with pytest.raises(VnflagError, match="'content' not found; columns are: id, text"):
        train_frame(labelled, text_col="content")


def test_one_label_only_is_refused(labelled):
    with pytest.raises(VnflagError, match="both labels"):
        train_frame(labelled.assign(label="0"))
