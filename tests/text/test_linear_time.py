"""Every text rule is linear: doubling a post at most about doubles the time (no regex rescans a
long run from each position, as "1.1.1.1…" once did), and long posts are segmented piece by piece."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vnflag.text.normalization import bounded_text, canonical_form, normalize_text
from vnflag.text.segmentation import MAX_PIECE_CHARS, segment_text, text_pieces

# Characters that regexes for links, e-mails, numbers, mentions, tags and repeats care about.
RISKY = list("1a.@<>&#:/-_+ %k!?") + ["à", "😂", "\n", "đ", "Ð", "xx", "www.", "http://", "&amp;", ".com"]


def _seconds(function, text: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        function(text)
        best = min(best, time.perf_counter() - start)
    return best


def _assert_linear(function, unit: str, n: int) -> None:
    small, large = unit * (n // len(unit)), unit * (2 * n // len(unit))
    t_small, t_large = _seconds(function, small), _seconds(function, large)
    # Linear: about 2x; quadratic: about 4x. The floor absorbs timer noise on tiny inputs.
    assert t_large <= 3.0 * t_small + 0.02, f"{unit!r}: {t_small:.4f}s -> {t_large:.4f}s when doubled"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(RISKY), min_size=1, max_size=4).map("".join))
def test_normalisation_time_is_linear(unit):
    _assert_linear(normalize_text, unit, 8_000)


def test_known_quadratic_inputs_are_now_linear():
    for unit in ("1.", "a.", "a.b@", "1,", "a-"):
        _assert_linear(normalize_text, unit, 8_000)
    _assert_linear(segment_text, "a.", 3 * MAX_PIECE_CHARS)


def test_long_posts_are_segmented_in_pieces_that_cover_the_text():
    text = ("Bộ Y tế khuyến cáo người dân. " * 500) + "x" * 12_000
    pieces = text_pieces(text)
    assert all(len(p) <= MAX_PIECE_CHARS for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")
    assert segment_text("Bộ Y tế khuyến cáo người dân.") == "Bộ Y_tế khuyến_cáo người_dân ."


def test_bounded_text_cuts_after_the_canonical_form():
    nfd = "hoa\u0300" * 10  # 40 code points in NFD, 30 in NFC
    assert len(nfd) == 40 and len(canonical_form(nfd)) == 30
    assert bounded_text(nfd, max_chars=30) == ("hoà" * 10, False)
    assert bounded_text("abc", max_chars=2) == ("ab", True)
    assert bounded_text(None) == ("", False)
