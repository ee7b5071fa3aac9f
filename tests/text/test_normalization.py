"""Normalisation: each rule of the issue, idempotence, and never raising on a str."""

import html
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from vnflag.text.normalization import _HTML_TAG, _unescape_html, normalize_text, normalize_texts, teencode_table


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("hoà bình", "hòa bình"),
        ("thuý", "thúy"),
        ("Uỷ ban", "Ủy ban"),
        ("khoẻ", "khỏe"),
    ],
)
def test_one_tone_mark_placement(raw, expected):
    assert normalize_text(raw) == expected
    assert normalize_text(expected) == expected


def test_nfc_and_decomposed_input_give_the_same_text():
    composed = "Người dân được khuyến cáo"
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert normalize_text(decomposed) == normalize_text(composed) == composed


def test_html_tags_and_entities_removed():
    assert normalize_text("<p>Tin &amp; ảnh</p><br/>mới &quot;nóng&quot;") == 'Tin & ảnh mới "nóng"'
    assert normalize_text("a &amp;amp; b") == "a & b"
    # "<" then a space is text, as a browser shows it (a comparison, not a tag)
    assert normalize_text("a < / b > c <  p> d") == "a < / b > c < p> d"
    assert normalize_text("<" + " " * 5_000) == "<"  # issue 18: quadratic in the spaces (tests/text/test_linear_time)


def test_character_references_of_thousands_of_digits_never_raise():
    """html.unescape converts a decimal reference's digits to an int: past 4,300 digits that raised ValueError,
    and below it the time grows with their square."""
    assert normalize_text("&#" + "1" * 8_000) == "\ufffd"  # beyond any code point, as html.unescape reads it
    assert normalize_text("x &#" + "0" * 5_000 + "65; y") == "x A y"
    assert normalize_text("&amp;#" + "9" * 5_000 + ";") == "\ufffd"  # double-escaped, seen after one round


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["&#", "&#x", "&amp;", "0", "1", "6", "5", "9", "F", ";", "a", " "]), max_size=16)
       .map("".join))
def test_html_references_read_as_html_unescape_reads_them(text):
    assert _unescape_html(text) == html.unescape(text)


# An HTML tag starts right after "<" with a letter or "/" and a letter, as an HTML tokenizer reads it: "< b>" and
# "a < b và c > d" are text, and so is "< xxnum >", the normalised form of "<0>" (normalising must be idempotent).
@pytest.mark.parametrize("text, kept", [
    ("<b>đậm</b>", "|đậm|"), ('<a href="https://x.vn">xem</a>', "|xem|"), ("<br/>", "|"), ("</ b>", "</ b>"),
    ("< b>", "< b>"), ("<0>", "<0>"), ("a < b và c > d", "a < b và c > d"), ("< xxnum >", "< xxnum >"),
])
def test_html_tag_pattern_removes_tags_only(text, kept):
    assert _HTML_TAG.sub("|", text) == kept


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("xem tại https://bit.ly/abc123 nhé", "xem tại xxurl nhé"),
        ("vào www.example.vn/tin-tuc ngay", "vào xxurl ngay"),
        ("link <URL> đây", "link xxurl đây"),
        ("gửi về hotro@example.com", "gửi về xxemail"),
        ("gọi 0900 000 123 ngay", "gọi xxphone ngay"),
        ("gọi +84900000123", "gọi xxphone"),
        ("@nguyen.van ơi xem", "xxmention ơi xem"),
        ("có 120 ca", "có xxnum ca"),
        ("lãi 30%", "lãi xxnum %"),
        ("giá 50k", "giá xxnum nghìn"),
    ],
)
def test_placeholders(raw, expected):
    assert normalize_text(raw) == expected


def test_hashtag_words_kept():
    assert normalize_text("#ChiaSe_Ngay #covid19") == "ChiaSe Ngay covid19"


def test_repeats_collapsed():
    assert normalize_text("quáaaaa điiii") == "quá đi"
    assert normalize_text("Thật không!!!!! ???") == "Thật không! ?"
    # legitimate double letters are kept
    assert normalize_text("xoong nồi") == "xoong nồi"
    assert normalize_text("cứu lưu hưu") == "cứu lưu hưu"


def test_emoji_are_separate_tokens_and_repeats_collapse():
    assert normalize_text("hay quá😂😂😂ok") == "hay quá 😂 ok"
    family = "👨\u200d👩\u200d👧"
    assert normalize_text(f"nhà{family}") == f"nhà {family}"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("ko biết", "không biết"),
        ("Ko biết", "Không biết"),
        ("KO ĐC", "KHÔNG ĐƯỢC"),
        ("hok sao", "không sao"),
        ("dc chưa", "được chưa"),
        ("đc chưa", "được chưa"),
        ("mn ơi", "mọi người ơi"),
        ("mọi ng ơi", "mọi người ơi"),
    ],
)
def test_teencode_expanded(raw, expected):
    assert normalize_text(raw) == expected


def test_teencode_table_is_closed_under_normalisation():
    # An expansion must not itself be expanded again, or normalisation would not be idempotent.
    table = teencode_table()
    assert len(table) >= 40
    for abbreviation, expansion in table.items():
        assert normalize_text(expansion) == normalize_text(normalize_text(expansion)), abbreviation


def test_missing_values_become_empty():
    assert normalize_texts([None, float("nan"), "", "ko"]) == ["", "", "", "không"]
    assert normalize_text(None) == ""  # type: ignore[arg-type]


@settings(max_examples=500, deadline=None)
@given(st.text())
@example("<0>")
def test_idempotent_and_never_raises(text):
    once = normalize_text(text)
    assert isinstance(once, str)
    assert normalize_text(once) == once


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["ko", "đc", "hoà", "quáaaa", "!!!", "😂", "https://a.vn/x", "0900000123",
                                 "@ab", "#tag", "12.000", "&amp;", "<b>", "người", "Thuý", " ", "\n"]),
                max_size=12))
def test_idempotent_on_social_media_fragments(parts):
    text = "".join(parts)
    once = normalize_text(text)
    assert normalize_text(once) == once


@pytest.mark.parametrize("text", ["ÐC", "0Ð", "0000Ð:0", "hoàaaa", "Ko đc!!!"])
def test_idempotent_on_found_counterexamples(text):
    # Look-alike letters (Icelandic Ð for Đ) and collapsed repeats once broke idempotence.
    once = normalize_text(text)
    assert normalize_text(once) == once


def test_underthesea_rules_read_from_its_file_are_the_ones_it_loads():
    from underthesea.pipeline.text_normalize.text_normalizer import character_map, token_map

    from vnflag.text import normalization

    assert normalization._underthesea_character_map == dict(character_map)
    assert normalization._underthesea_token_map == dict(token_map)


def test_normalising_and_splitting_syllables_never_imports_underthesea():
    import subprocess
    import sys

    code = ("import sys; from vnflag.text.normalization import normalize_texts; "
            "from vnflag.text.segmentation import tokenize_texts; "
            "assert tokenize_texts(normalize_texts(['Bộ Y tế hoà']), 'syllables') == ['Bộ Y tế hòa']; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'underthesea'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_a_missing_underthesea_is_named_not_an_attribute_error(monkeypatch):
    import importlib.util

    from vnflag.text import normalization

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match="underthesea"):
        normalization._underthesea_rules()
