"""Post time as a feature: messy cells read or left missing, hours and weekdays in the right time
zone, and a Flagger that reads the time column, saves it, and asks for it when scoring."""

import math

import numpy as np
import pytest
from sklearn.base import clone

from vnflag import Flagger, VnflagError, load_model, save_model, score_frame
from vnflag.model.features import TimeFeatures, parse_timestamp

MOMENT = 1584268260  # 2020-03-15 10:31 UTC, a Sunday: 17:31 in Hanoi


@pytest.mark.parametrize("cell", [MOMENT, float(MOMENT), str(MOMENT), f"{MOMENT}.0", f" {MOMENT} ", MOMENT * 1000,
                                  "2020-03-15T10:31:00Z", "2020-03-15T17:31:00+07:00", "2020-03-15 17:31",
                                  np.int64(MOMENT)])
def test_unix_seconds_milliseconds_and_iso_date_times_are_read(cell):
    assert parse_timestamp(cell) == pytest.approx(MOMENT)


@pytest.mark.parametrize("cell", [None, "", "soon", float("nan"), float("inf"), -5, True, "1899-01-01 00:00",
                                  "2020-13-45", 12, "1e400"])
def test_dirty_cells_are_missing(cell):
    assert math.isnan(parse_timestamp(cell))


def test_naive_date_times_are_read_in_the_given_time_zone():
    assert parse_timestamp("2020-03-15 10:31", timezone="UTC") == pytest.approx(MOMENT)
    assert parse_timestamp("2020-03-15 17:31") == pytest.approx(MOMENT)  # Asia/Ho_Chi_Minh, UTC+7


def _hour_and_weekday(features: np.ndarray) -> tuple[float, float]:
    hour = (np.arctan2(features[0], features[1]) * 24 / (2 * np.pi)) % 24
    weekday = round((np.arctan2(features[2], features[3]) * 7 / (2 * np.pi)) % 7) % 7
    return hour, weekday


def test_hours_and_weekdays_are_local_and_on_a_circle():
    both = ("hour", "weekday")
    hanoi = TimeFeatures(parts=both).fit([[MOMENT]]).transform([[MOMENT]])[0]
    hour, weekday = _hour_and_weekday(hanoi)
    assert hour == pytest.approx(17 + 31 / 60) and weekday == 6 and hanoi[-1] == 0.0  # Sunday
    utc = TimeFeatures(timezone="UTC", parts=both).fit([[MOMENT]]).transform([[MOMENT]])[0]
    assert _hour_and_weekday(utc)[0] == pytest.approx(10 + 31 / 60)
    before, after = TimeFeatures(timezone="UTC", parts=both).fit([[0]]).transform([["2020-03-15T23:59:00Z"],
                                                                        ["2020-03-16T00:01:00Z"]])
    assert np.linalg.norm(before[:2] - after[:2]) < 0.01, "23:59 and 00:01 are neighbours"


def test_missing_times_get_a_flag_and_zeros():
    out = TimeFeatures(parts=("hour", "weekday", "day")).fit([[MOMENT], [MOMENT + 86_400 * 10]]).transform(
        [["unknown"], [MOMENT + 86_400 * 5]])
    assert out[0].tolist() == [0.0] * 5 + [1.0]
    assert out[1][4] == pytest.approx(0.5) and out[1][5] == 0.0  # halfway through the training period


def test_parameters_are_checked_at_fit_and_clone_keeps_them():
    with pytest.raises(ValueError, match="time zone"):
        TimeFeatures(timezone="Mars/Olympus").fit([[MOMENT]])
    with pytest.raises(ValueError, match="parts"):
        TimeFeatures(parts=("minute",)).fit([[MOMENT]])
    with pytest.raises(ValueError, match="one time column"):
        TimeFeatures().fit([[MOMENT, MOMENT]])
    assert clone(TimeFeatures(timezone="UTC", parts=("hour",))).get_params() == {"timezone": "UTC", "parts": ("hour",)}
    assert TimeFeatures(parts=("weekday",)).fit([[MOMENT]]).get_feature_names_out().tolist() == [
        "weekday_sin", "weekday_cos", "time_missing"]


@pytest.fixture(scope="module")
def timed(labelled):
    """The bundled posts with times: the posts needing verification at night, the others by day
    (so a model that reads the time has something to learn from it), a few cells dirty."""
    frame = labelled[["id", "text", "label"]].copy()
    rng = np.random.default_rng(0)
    night = frame["label"].astype(int).to_numpy() == 1
    hours = np.where(night, rng.integers(0, 4, len(frame)), rng.integers(9, 17, len(frame)))
    frame["posted"] = [str(MOMENT - 10 * 3600 + int(h) * 3600 + int(d) * 86_400) for h, d in
                       zip(hours, rng.integers(0, 60, len(frame)))]
    frame.loc[frame.index[:5], "posted"] = ["", "soon", "nan", "-1", "2020-99-99"]
    return frame


def test_flagger_reads_the_time_column_and_it_changes_scores(timed):
    with_time = Flagger(time_col="posted", cv=3).fit(timed, timed["label"])
    assert with_time.time_features_.get_feature_names_out().tolist() == ["hour_sin", "hour_cos", "time_missing"]
    without = Flagger(cv=3).fit(timed, timed["label"])
    assert with_time.input_columns() == ["text", "posted"] and with_time.n_features_in_ == 2
    from sklearn.metrics import roc_auc_score

    def cv_roc_auc(model):
        return roc_auc_score(timed["label"] == model.classes_[1], model.oof_proba_[:, 1])

    assert cv_roc_auc(with_time) > cv_roc_auc(without)
    night, day = timed.iloc[[10]].copy(), timed.iloc[[10]].copy()
    night["posted"], day["posted"] = str(MOMENT - 8 * 3600), str(MOMENT)  # 02:31 and 17:31 in Hanoi
    assert with_time.predict_proba(night)[0, 1] > with_time.predict_proba(day)[0, 1]
    with pytest.raises(ValueError, match="column 'posted' not found"):
        with_time.predict_proba(timed[["text"]])
    with_time.set_params(time_col=None)  # fitted with time features: a clear refusal, not a TypeError
    with pytest.raises(ValueError, match="fitted with time features, but time_col is now unset"):
        with_time.predict_proba(timed)


def test_a_saved_model_keeps_its_time_column_and_scoring_asks_for_it(timed, tmp_path):
    flagger = Flagger(time_col="posted", cv=3).fit(timed, timed["label"])
    manifest = save_model(flagger, tmp_path / "model")
    assert manifest["columns"]["time"] == "posted"
    loaded = load_model(tmp_path / "model")
    np.testing.assert_array_equal(loaded.predict_proba(timed), flagger.predict_proba(timed))
    scored = score_frame(tmp_path / "model", timed)
    assert len(scored) == len(timed) and scored["score"].notna().all()
    with pytest.raises(VnflagError, match="posted"):
        score_frame(tmp_path / "model", timed.drop(columns="posted"))
