"""Scoring tables: every row out, in order, input columns untouched, score columns added."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag import VnflagError, read_table, score_file, score_frame


def test_every_row_out_in_order_with_columns_untouched(model_dir, unlabelled):
    frame = unlabelled.assign(author="someone", extra_col=range(len(unlabelled)))
    scored = score_frame(model_dir, frame)
    assert len(scored) == len(frame)
    pd.testing.assert_frame_equal(scored[frame.columns], frame)
    assert list(scored.columns[-6:]) == ["score", "flagged", "reasons", "model_version", "error", "truncated"]


def test_empty_texts_are_reported_not_dropped(flagger, unlabelled):
    scored = score_frame(flagger, unlabelled)
    empty = unlabelled.text.str.strip() == ""
    assert empty.sum() >= 1
    assert scored.loc[empty, "score"].isna().all()
    assert (scored.loc[empty, "error"] == "empty text: not scored").all()
    assert not scored.loc[empty, "flagged"].any()
    assert scored.loc[~empty, "score"].between(0, 1).all()


def test_flag_follows_stored_threshold(flagger, unlabelled):
    scored = score_frame(flagger, unlabelled)
    present = scored.score.notna()
    assert (scored.flagged[present] == (scored.score[present] >= flagger.threshold_)).all()


def test_rumours_score_above_ordinary_posts(flagger):
    frame = pd.DataFrame({
        "text": ["KHẨN!!! Nghe nói tối nay cắt điện toàn thành phố 3 ngày, chia sẻ ngay cho mọi người",
                 "Theo Trung tâm Dự báo khí tượng thủy văn quốc gia, ngày mai Hà Nội có mưa rào nhẹ."],
        "num_like": ["5", "5"], "num_comment": ["1", "1"], "num_share": ["3", "3"],
    })
    scored = score_frame(flagger, frame)
    assert scored.score[0] > scored.score[1]


def test_existing_score_column_is_not_overwritten(flagger, unlabelled):
    with pytest.raises(VnflagError, match="already has column"):
        score_frame(flagger, unlabelled.assign(score=1))


def test_missing_text_column_named(text_model_dir):
    with pytest.raises(VnflagError, match="'body' not found"):
        score_frame(text_model_dir, pd.DataFrame({"text": ["a"]}), text_col="body")


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet", ".xlsx", ".tsv"])
def test_score_file_formats_and_chunks(flagger, tmp_path, suffix):
    out = tmp_path / f"scored{suffix}"
    summary = score_file(flagger, "data/posts_unlabelled.csv", out, chunksize=50)
    back = read_table(out)
    source = read_table("data/posts_unlabelled.csv")
    assert summary["rows"] == len(source) == len(back)
    assert back["id"].astype(str).tolist() == source["id"].tolist()
    assert summary["flagged"] == back["flagged"].astype(str).str.lower().eq("true").sum()


def test_chunked_and_whole_scoring_agree(flagger, tmp_path):
    score_file(flagger, "data/posts_unlabelled.csv", tmp_path / "a.csv", chunksize=37)
    score_file(flagger, "data/posts_unlabelled.csv", tmp_path / "b.csv", chunksize=10_000)
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.text(max_size=80), st.none()), min_size=0, max_size=10))
def test_any_list_of_strings_gives_one_row_each(text_flagger, texts):
    scored = score_frame(text_flagger, pd.DataFrame({"text": texts}, dtype=object))
    assert len(scored) == len(texts)
    assert scored["text"].tolist() == texts
    scorable = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
    assert scored["score"].notna().to_numpy().tolist() == scorable.tolist()


def test_same_post_same_score_in_every_unicode_form(flagger):
    import unicodedata

    texts = ["KHẨN: Bộ Y tế cảnh báo uống nước chanh nóng KHÔNG diệt được virus! Chia sẻ ngay",
             "Hôm nay trời đẹp, cả nhà đi ăn phở ở quận 3 nhé 😂‼", "Ông Nguyễn Văn Thuỷ nói: hoà bình"]
    frames = {form: pd.DataFrame({"text": [unicodedata.normalize(form, t) for t in texts],
                                  "num_like": "5", "num_comment": "1", "num_share": "2"})
              for form in ("NFC", "NFD", "NFKC", "NFKD")}
    scored = {form: score_frame(flagger, frame) for form, frame in frames.items()}
    # Canonically equivalent forms score the same (NFKC and NFKD are another text: ‼ becomes !!).
    for form, same_as in (("NFD", "NFC"), ("NFKD", "NFKC")):
        assert scored[form]["score"].tolist() == scored[same_as]["score"].tolist(), form
        assert scored[form]["reasons"].tolist() == scored[same_as]["reasons"].tolist(), form
    assert frames["NFD"]["text"].iloc[0] != frames["NFC"]["text"].iloc[0]  # the forms really differ


def test_long_posts_are_cut_and_marked_truncated(flagger):
    frame = pd.DataFrame({"text": ["Chia sẻ ngay! " * 3_000, "ngắn"], "num_like": "1", "num_comment": "1",
                          "num_share": "1"})
    scored = score_frame(flagger, frame)
    assert scored["truncated"].tolist() == [True, False]
    cut = frame.assign(text=[frame["text"].iloc[0][:flagger.max_chars], "ngắn"])
    assert score_frame(flagger, cut)["score"].tolist() == scored["score"].tolist()


@pytest.mark.parametrize("top_k", [-1, 1.5, True])
def test_a_bad_top_k_is_a_user_error_and_a_model_bug_is_not(flagger, unlabelled, monkeypatch, top_k):
    with pytest.raises(VnflagError, match="top_k must be a whole number"):
        score_frame(flagger, unlabelled, top_k=top_k)

    def broken(*args, **kwargs):
        raise ValueError("shapes (3,) and (4,) not aligned")

    monkeypatch.setattr(type(flagger), "score_posts", broken)
    with pytest.raises(ValueError, match="not aligned") as error:
        score_frame(flagger, unlabelled)
    assert not isinstance(error.value, VnflagError)


def test_csv_output_in_chunks_keeps_line_breaks_in_names_and_cells(text_flagger, tmp_path):
    frame = pd.DataFrame({"text": ["dòng\rmột", "hai", "ba\nbốn", "năm"], "ghi\nchú": ["a", "b\r", "c", "d"]})
    source = tmp_path / "posts.parquet"
    frame.to_parquet(source)
    score_file(text_flagger, source, tmp_path / "one.csv", chunksize=1)  # one header, four chunks
    score_file(text_flagger, source, tmp_path / "all.csv", chunksize=10)
    back = read_table(tmp_path / "one.csv")
    assert back.columns.tolist() == score_frame(text_flagger, frame).columns.tolist()
    assert back["text"].tolist() == frame["text"].tolist() and back["ghi\nchú"].tolist() == frame["ghi\nchú"].tolist()
    pd.testing.assert_frame_equal(back, read_table(tmp_path / "all.csv"))
