"""How readable the reasons of flagged posts are: the share that are whole Vietnamese words or phrases.

On ReINTEL (``../shared/datasets/reintel/train.csv``): the posts are split 80/20 (seed 0), a model is
trained on the 80 % with ``vnflag train`` and the 20 % are scored with ``vnflag score``. For the reasons
of the flagged posts, before (the weighted features as they are, syllable n-grams of the default
tokeniser) and after (each widened to the whole words of its post, what ``vnflag score`` writes), it prints:

- *whole words*: the reason is a run of whole words of its post as underthesea's own word segmentation
  (its CRF, independent of the dictionary vnflag uses) cuts the post: never a lone syllable of a compound;
- *dictionary*: the reason is a word of underthesea's ``Viet74K`` word list, or a phrase of such words,
  a placeholder (``[đường link]``) counting as a word;
- *both*: whole words and dictionary (the readability share);
- the time of choosing the reasons of all scored posts, without and with the widening, and its share of
  the time of scoring them.

    python benchmarks/reasons.py [--model DIR]

Needs ``../shared/datasets/reintel`` (third-party, not in this repository).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

SHARED = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "reintel"
TEXT = "post_message"
VNFLAG = [sys.executable, "-m", "vnflag.cli"]


def _syllables(tokenized: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Readable syllables of a tokenised post and its words as underthesea's ``_`` compounds give them."""
    from vnflag.text.normalization import PLACEHOLDER_LABELS
    from vnflag.text.segmentation import token_syllables, word_spans

    tokens = tokenized.lower().split()
    syllables = [PLACEHOLDER_LABELS.get(s, s) for t in tokens for s in token_syllables(t)]
    return syllables, word_spans(tokens, words=frozenset())  # no dictionary: the CRF's words only


def on_word_boundaries(reason: str, syllables: list[str], spans: list[tuple[int, int]]) -> bool:
    """Whether some occurrence of ``reason`` in the post starts and ends where the post's words do."""
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    parts = reason.split(" ")
    n = len(parts)
    # placeholders read as several words ("[đường link]"): compare text, not syllable counts
    for i in range(len(syllables)):
        for j in range(i + 1, min(len(syllables), i + n) + 1):
            if " ".join(syllables[i:j]) == reason and i in starts and j in ends:
                return True
    return False


def in_dictionary(reason: str, words: frozenset[str]) -> bool:
    """Whether ``reason`` splits into words of the word list (placeholders count as words)."""
    from vnflag.text.normalization import PLACEHOLDER_LABELS

    for label in PLACEHOLDER_LABELS.values():
        reason = reason.replace(label, "xxplaceholder")
    parts = reason.split(" ")
    known = words | {"xxplaceholder"}
    reachable = [True] + [False] * len(parts)  # reachable[i]: parts[:i] splits into words
    for end in range(1, len(parts) + 1):
        reachable[end] = any(reachable[start] and " ".join(parts[start:end]) in known
                             for start in range(max(0, end - 8), end))
    return reachable[-1]


def shares(reasons: list[list[str]], segmented: list[str], words: frozenset[str]) -> tuple[int, float, float, float]:
    """Number of reasons and the shares on word boundaries, in the dictionary, and both."""
    whole = known = both = total = 0
    for post_reasons, tokenized in zip(reasons, segmented, strict=True):
        syllables, spans = _syllables(tokenized)
        for reason in post_reasons:
            w, k = on_word_boundaries(reason, syllables, spans), in_dictionary(reason, words)
            whole, known, both, total = whole + w, known + k, both + (w and k), total + 1
    return total, whole / max(total, 1), known / max(total, 1), both / max(total, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, help="a model trained on the 80 %% (default: train one)")
    args = parser.parse_args()
    if not (SHARED / "train.csv").is_file():
        raise SystemExit(f"needs {SHARED / 'train.csv'}")
    from vnflag import load_model
    from vnflag.model.explanations import top_terms
    from vnflag.text.segmentation import dictionary_words, segment_texts

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        posts = pd.read_csv(SHARED / "train.csv", dtype=str, keep_default_na=False).sample(frac=1, random_state=0)
        cut = int(len(posts) * 0.8)
        posts[:cut].to_csv(work / "train.csv", index=False)
        posts[cut:].to_csv(work / "test.csv", index=False)
        model = args.model or work / "model"
        if args.model is None:
            subprocess.run([*VNFLAG, "train", str(work / "train.csv"), "--text-col", TEXT, "-o", str(model), "-q"],
                           check=True)
        subprocess.run([*VNFLAG, "score", str(work / "test.csv"), "--model", str(model), "-o",
                        str(work / "scored.csv"), "-q"], check=True)
        scored = pd.read_csv(work / "scored.csv", dtype=str, keep_default_na=False)
    flagger = load_model(model)
    flagged = scored[scored["flagged"].str.lower().isin(["true", "1"])]
    texts = flagged[TEXT].tolist()
    tokenized = flagger.tokenize(texts)
    words = flagger.word_vectorizer_.transform(tokenized)
    coef, terms = flagger.text_classifier_.coef_[0], flagger.reason_terms_
    before = top_terms(words, coef, terms, 3)
    after = top_terms(words, coef, terms, 3, tokenized)
    written = [r.split("; ") if r else [] for r in flagged["reasons"]]
    if after != written:
        raise SystemExit("the reasons recomputed here differ from those vnflag score wrote")
    crf = segment_texts(flagger._normalize_and_tokenize(texts)[0])  # underthesea's words, to judge by
    dictionary = dictionary_words()
    print(f"{len(flagged)} flagged posts of {len(scored)} scored (ReINTEL held-out 20 %)")
    print(f"{'':8} {'reasons':>8} {'whole words':>12} {'dictionary':>11} {'both':>7}")
    for name, reasons in (("before", before), ("after", after)):
        total, whole, known, both = shares(reasons, crf, dictionary)
        print(f"{name:8} {total:8d} {whole:12.1%} {known:11.1%} {both:7.1%}")
    everything = flagger.tokenize(scored[TEXT].tolist())
    all_words = flagger.word_vectorizer_.transform(everything)
    start = time.perf_counter()
    flagger.score_posts(scored[TEXT].tolist(), top_k=3)
    scoring = (time.perf_counter() - start) / len(everything)
    print(f"scoring a post in this process (score_posts, 3 reasons): {scoring * 1e6:.0f} µs")
    for name, tokens in (("without widening", None), ("with widening", everything)):
        start = time.perf_counter()
        for _ in range(5):
            top_terms(all_words, coef, terms, 3, tokens)
        per_post = (time.perf_counter() - start) / 5 / len(everything)
        print(f"choosing the reasons of all {len(everything)} scored posts, {name}: {per_post * 1e6:.0f} µs a post"
              f" ({per_post / scoring:.1%} of scoring)")


if __name__ == "__main__":
    main()
