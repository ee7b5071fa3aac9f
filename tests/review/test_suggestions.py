"""Suggestions mean what the model means: misleading at and above the model's own threshold,
with the confidence of the suggested choice (issue 19, case 5)."""

import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vnflag.exceptions import VnflagError
from vnflag.review.formats import export_queue
from vnflag.review.queues import build_queue
from vnflag.review.suggestions import model_threshold, queue_model_threshold, suggested_decision


def test_at_and_above_the_threshold_is_misleading_with_its_own_confidence():
    assert suggested_decision(0.35, 0.35) == ("misleading", 0.35)
    assert suggested_decision(0.34, 0.35) == ("ok", pytest.approx(0.66))
    assert suggested_decision(0.6, 0.7) == ("ok", pytest.approx(0.4))  # >= 0.5 but below the model's threshold


@pytest.mark.parametrize("score", [float("nan"), -0.1, 1.5, float("inf")])
def test_a_score_outside_zero_one_is_refused(score):
    with pytest.raises(VnflagError, match="score"):
        suggested_decision(score, 0.5)


@settings(max_examples=50, deadline=None)
@given(score=st.floats(0, 1), threshold=st.floats(0, 1))
def test_the_choice_follows_the_threshold_and_the_confidence_is_the_choices(score, threshold):
    choice, confidence = suggested_decision(score, threshold)
    assert choice == ("misleading" if score >= threshold else "ok")
    assert confidence == pytest.approx(score if choice == "misleading" else 1 - score)
    assert 0.0 <= confidence <= 1.0


def test_the_model_threshold_is_read_from_the_flagged_column():
    assert model_threshold([0.2, 0.65, 0.9], [False, True, True]) == 0.65
    above = model_threshold([0.2, 0.4], [False, False])
    assert above > 0.4 and suggested_decision(0.4, above)[0] == "ok"
    assert model_threshold([0.2], None) is None
    assert queue_model_threshold({}) == 0.5
    assert queue_model_threshold({"threshold": 0.8}) == 0.8
    assert queue_model_threshold({"model_threshold": 0.3, "threshold": 0.8}) == 0.3


def test_label_studio_pre_annotations_use_the_models_threshold(tmp_path):
    # The case: the model flags at 0.3 (its stored threshold); a post at 0.4 is flagged and must be
    # pre-annotated misleading; one at 0.2 is ok with confidence 0.8, not 0.2.
    scored = pd.DataFrame({"id": ["a", "b", "c"], "text": ["tin một", "tin hai khác", "bài ba nữa"],
                           "score": [0.4, 0.2, 0.35], "flagged": [True, False, True], "model_version": "m1"})
    queue = build_queue(scored, budget=3, similarity=1.0)
    export_queue(queue, tmp_path / "q.labelstudio.json")
    record = json.loads((tmp_path / "q.labelstudio.json.vnflag-queue.json").read_text(encoding="utf-8"))
    assert record["model_threshold"] == 0.35
    tasks = {t["data"]["id"]: t["predictions"][0] for t in
             json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))}
    assert tasks["a"]["result"][0]["value"]["choices"] == ["misleading"] and tasks["a"]["score"] == 0.4
    assert tasks["c"]["result"][0]["value"]["choices"] == ["misleading"]
    assert tasks["b"]["result"][0]["value"]["choices"] == ["ok"] and tasks["b"]["score"] == pytest.approx(0.8)


def test_without_a_flag_column_the_given_threshold_decides(tmp_path):
    scored = pd.DataFrame({"id": ["a", "b"], "text": ["tin một", "tin hai khác"], "score": [0.7, 0.6]})
    export_queue(build_queue(scored, budget=2, threshold=0.65, similarity=1.0), tmp_path / "q.labelstudio.json")
    tasks = {t["data"]["id"]: t["predictions"][0]["result"][0]["value"]["choices"][0]
             for t in json.loads((tmp_path / "q.labelstudio.json").read_text(encoding="utf-8"))}
    assert tasks == {"a": "misleading", "b": "ok"}
