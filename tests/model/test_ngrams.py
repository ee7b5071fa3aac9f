"""vnflag's array n-gram vectorisers give exactly scikit-learn's TF-IDF, on real and hostile texts."""

import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from vnflag.model import ngrams
from vnflag.model.ngrams import CharNgrams, WordNgrams
from vnflag.text.normalization import normalize_texts
from vnflag.text.segmentation import tokenize_texts

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data"


def _reference(kind: str, ngram_range, min_df, max_features=None) -> TfidfVectorizer:
    options = dict(ngram_range=ngram_range, min_df=min_df, max_features=max_features, sublinear_tf=True,
                   dtype=np.float32)
    if kind == "char":
        return TfidfVectorizer(analyzer="char", **options)
    return TfidfVectorizer(token_pattern=r"(?u)[^\s]+", **options)


def _assert_same(mine, reference, train, test):
    mine.fit(train)
    reference.fit(train)
    names = mine.get_feature_names_out().tolist()
    assert sorted(names) == sorted(reference.get_feature_names_out().tolist())
    columns = [reference.vocabulary_[name] for name in names]
    expected = reference.transform(test)[:, columns].toarray()
    np.testing.assert_allclose(mine.transform(test).toarray(), expected, rtol=1e-5, atol=1e-6)


@pytest.fixture(scope="module")
def posts():
    texts = normalize_texts(pd.read_csv(DATA / "posts_labelled.csv", dtype=str, keep_default_na=False)["text"])
    return texts[:300], texts[300:]


@pytest.mark.parametrize("ngram_range, min_df", [((2, 5), 2), ((1, 3), 1), ((3, 3), 2)])
def test_char_ngrams_equal_scikit_learn_on_the_bundled_posts(posts, ngram_range, min_df):
    train, test = posts
    _assert_same(CharNgrams(ngram_range=ngram_range, min_df=min_df), _reference("char", ngram_range, min_df),
                 train, test)


@pytest.mark.parametrize("ngram_range, min_df", [((1, 2), 2), ((1, 3), 1), ((2, 2), 1)])
def test_word_ngrams_equal_scikit_learn_on_the_bundled_posts(posts, ngram_range, min_df):
    train, test = (tokenize_texts(part, "syllables") for part in posts)
    _assert_same(WordNgrams(ngram_range=ngram_range, min_df=min_df), _reference("word", ngram_range, min_df),
                 train, test)


def test_batches_split_anywhere_give_the_same_matrix(posts, monkeypatch):
    train, test = posts
    whole = CharNgrams(min_df=2).fit(train)
    expected = whole.transform(test).toarray()
    monkeypatch.setattr(ngrams, "_BATCH_UNITS", 37)  # a batch per post or two, some posts longer than a batch
    assert (clone(whole).fit(train).get_feature_names_out() == whole.get_feature_names_out()).all()
    np.testing.assert_array_equal(whole.transform(test).toarray(), expected)


texts_strategy = st.lists(st.text(alphabet=st.sampled_from("ab cđĐ\n\t😂x\x00\ud800é"), max_size=12), min_size=1,
                          max_size=8)


@settings(max_examples=60, deadline=None)
@given(train=texts_strategy, test=texts_strategy)
def test_hostile_texts_match_scikit_learn(train, test):
    """Empty texts, texts shorter than n, NULs, lone surrogates, whitespace runs, unseen characters."""
    for mine, kind in ((CharNgrams(ngram_range=(1, 3)), "char"), (WordNgrams(ngram_range=(1, 2)), "word")):
        reference = _reference(kind, mine.ngram_range, 1)
        try:
            reference.fit(train)
        except ValueError:  # scikit-learn: empty vocabulary
            with pytest.raises(ValueError, match="no n-gram left"):
                mine.fit(train)
            continue
        _assert_same(mine, reference, train, test)


def test_max_features_keeps_the_most_frequent(posts):
    from sklearn.feature_extraction.text import CountVectorizer

    train, _ = posts
    counter = CountVectorizer(analyzer="char", ngram_range=(2, 3), lowercase=True).fit(train)
    totals = dict(zip(counter.get_feature_names_out(), np.asarray(counter.transform(train).sum(0)).ravel()))
    kept = set(CharNgrams(ngram_range=(2, 3), min_df=1, max_features=50).fit(train).get_feature_names_out())
    assert len(kept) == 50
    assert min(totals[t] for t in kept) >= max(v for t, v in totals.items() if t not in kept)


def test_pickled_vectorisers_carry_no_cache_and_transform_the_same(posts):
    train, test = posts
    for vectorizer, texts in ((CharNgrams(min_df=2), (train, test)),
                              (WordNgrams(min_df=2), [tokenize_texts(p, "syllables") for p in (train, test)])):
        vectorizer.fit(texts[0])
        expected = vectorizer.transform(texts[1]).toarray()
        restored = pickle.loads(pickle.dumps(vectorizer))
        assert not {"_index", "_lookup"} & set(restored.__dict__)
        np.testing.assert_array_equal(restored.transform(texts[1]).toarray(), expected)


def test_word_vocabulary_is_the_single_word_columns():
    vectorizer = WordNgrams(ngram_range=(1, 2)).fit(["tin giả", "tin thật"])
    assert vectorizer.word_vocabulary() == {"tin", "giả", "thật"}
    reference = _reference("word", (1, 2), 1).fit(["tin giả", "tin thật"])
    assert vectorizer.word_vocabulary() == {t for t in reference.vocabulary_ if " " not in t}
    assert WordNgrams(ngram_range=(2, 2)).fit(["tin giả", "tin giả"]).word_vocabulary() == frozenset()


def test_parameters_are_checked_at_fit_and_codes_must_fit_64_bits():
    with pytest.raises(ValueError, match="ngram_range"):
        WordNgrams(ngram_range=(2, 1)).fit(["a b"])
    many_words = [" ".join(f"w{i}_{j}" for j in range(2)) for i in range(7000)]
    with pytest.raises(ValueError, match="64-bit"):
        WordNgrams(ngram_range=(1, 5)).fit(many_words)
    assert WordNgrams(ngram_range=(1, 2), min_df=3).get_params()["min_df"] == 3


def test_a_single_string_is_refused():
    with pytest.raises(ValueError, match="single string"):
        CharNgrams().fit("tin giả")
