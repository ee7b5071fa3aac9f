"""Every text rule is linear: quadrupling a post at most about quadruples the time. Each regular
expression vnflag compiles is checked with adversarial inputs of its own (a prefix from the pattern's
characters, one long repeated run, a suffix that makes the match fail: the shape that makes a
backtracking engine rescan a run from each position or split it between two quantifiers, as
``"<" + " " * n`` did in the HTML-tag rule); whole posts go through normalisation and segmentation.

Times are CPU seconds of this process (``time.process_time``, so other processes' load does not count),
the least of several batched measurements, sizes interleaved; growth is compared over two doublings:
linear about 4, quadratic about 16, and the bound in between (:data:`MAX_GROWTH`)."""

from __future__ import annotations

import ast
import importlib
import math
import re
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import vnflag
from vnflag.io.cells import escape_csv_text, escape_xlsx_text, unescape_csv_text, unescape_xlsx_text
from vnflag.model.features import parse_count
from vnflag.text.normalization import (_unescape_html, bounded_text, canonical_form, normalize_text, teencode_pattern,
                                      teencode_table)
from vnflag.text.segmentation import MAX_PIECE_CHARS, segment_text, split_syllables, text_pieces

SRC = Path(vnflag.__file__).parent
#: Growth of CPU time when the input is 4 times longer: about 4 when linear (less with fixed costs),
#: about 16 when quadratic; a loaded machine (cache and frequency changes) moved a linear rule up to 6 once.
MAX_GROWTH = 8.0
#: One call on an input of :data:`SCREEN_CHARS` characters that takes longer than this (a linear rule takes
#: well under a millisecond, a quadratic one tens or hundreds) is measured carefully with :func:`assert_linear`.
SCREEN_SECONDS = 0.005
SCREEN_CHARS = 4_000
#: Calls inside a function, not module constants, that build patterns, and what covers each.
FUNCTION_PATTERNS = {
    ("text/normalization.py", "teencode_pattern"): "teencode_pattern() is in all_patterns()",
    ("io/cells.py", "_escape_chars"): "test_cell_codec_is_linear",
    ("io/files.py", "remove_stale_temporaries"): "matches one file name (at most 255 characters) with a literal prefix",
}
_RE_FUNCTIONS = {"compile", "sub", "subn", "search", "match", "fullmatch", "findall", "finditer", "split"}
# Characters the rules care about, as prefixes and as repeated runs, beside each pattern's own characters.
RISKY = list(" \n\t1a.,@<>/&#:-_+%k!?xà😂đÐ") + ["xx", "www.", "http://", "&amp;", "&#", ".com", "(+84)", "a.", "1."]


def _cpu_per_call(function: Callable[[str], object], text: str, batch: float = 0.002) -> float:
    """CPU seconds of one call of ``function(text)``: calls repeated until ``batch`` seconds have passed."""
    calls, start = 0, time.process_time()
    while True:
        function(text)
        calls += 1
        elapsed = time.process_time() - start
        if elapsed >= batch:
            return elapsed / calls


def growth(function: Callable[[str], object], make: Callable[[int], str], n: int, repeats: int = 5) -> float:
    """CPU time on ``make(4 * n)`` over CPU time on ``make(n)``: the least of ``repeats`` measurements of
    each, taken in turn so that a change of load touches both sizes."""
    small, large = make(n), make(4 * n)
    times_small, times_large = [], []
    for _ in range(repeats):
        times_small.append(_cpu_per_call(function, small))
        times_large.append(_cpu_per_call(function, large))
    return min(times_large) / min(times_small)


def assert_linear(function: Callable[[str], object], make: Callable[[int], str], n: int, what: str = "",
                  repeats: int = 5) -> None:
    ratio = growth(function, make, n, repeats)
    assert ratio <= MAX_GROWTH, f"{what or make(8)!r}: {ratio:.1f} times the CPU time for 4 times the input"


def screen(function: Callable[[str], object], make: Callable[[int], str], what: str) -> None:
    """One cheap call on a long input; only a slow one is measured (so a fast machine or a busy one
    changes how many inputs are measured, never the verdict)."""
    text = make(SCREEN_CHARS)
    start = time.process_time()
    function(text)
    if time.process_time() - start > SCREEN_SECONDS:
        assert_linear(function, make, SCREEN_CHARS // 4, what)


def repeated(prefix: str, unit: str, suffix: str) -> Callable[[int], str]:
    """Inputs of about ``n`` characters: ``prefix``, ``unit`` repeated, ``suffix``."""
    return lambda n: prefix + unit * max(1, n // len(unit)) + suffix


# -- every pattern ----------------------------------------------------------------------------------------------

def _re_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _RE_FUNCTIONS
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"):
            yield node


@lru_cache(maxsize=1)
def module_patterns() -> dict[str, re.Pattern]:
    """Every ``NAME = re.compile(...)`` at the top level of a module of vnflag, by ``module.NAME``."""
    found = {}
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for statement in tree.body:
            if (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                    and isinstance(statement.targets[0], ast.Name) and any(_re_calls(statement.value))):
                module_name = ".".join(("vnflag", *path.relative_to(SRC).with_suffix("").parts))
                name = statement.targets[0].id
                found[f"{module_name}.{name}"] = getattr(importlib.import_module(module_name), name)
    return found


def all_patterns() -> dict[str, re.Pattern]:
    return {**module_patterns(), "teencode_pattern()": teencode_pattern()}


def test_every_regular_expression_is_a_module_pattern_or_covered_here():
    """A pattern compiled or used anywhere else would escape the checks below: each ``re.*`` call is a
    top-level ``NAME = re.compile(...)`` (found by :func:`module_patterns`) or listed in FUNCTION_PATTERNS."""
    stray = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        top_level = {id(call) for statement in tree.body if isinstance(statement, ast.Assign)
                     for call in _re_calls(statement.value) if call.func.attr == "compile"}
        functions = [f for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))]
        for call in _re_calls(tree):
            if id(call) in top_level:
                continue
            owner = next((f.name for f in functions if f.lineno <= call.lineno <= (f.end_lineno or f.lineno)), None)
            if (path.relative_to(SRC).as_posix(), owner) not in FUNCTION_PATTERNS:
                stray.append(f"{path.relative_to(SRC)}:{call.lineno} re.{call.func.attr}")
    assert not stray, f"compile these as module constants (NAME = re.compile(...)): {stray}"
    assert len(module_patterns()) >= 25  # the walk finds them: normalisation alone has twenty


def alphabet(pattern: re.Pattern) -> list[str]:
    """Characters to build attacks on ``pattern`` from: its own literal characters and a sample of the
    classes it uses (``\\s``, ``\\d``, ``\\w``), then the shared :data:`RISKY` ones, at most 40."""
    source = pattern.pattern
    own = [c for c in dict.fromkeys(source) if c not in "\\()[]{}|?*+^$"]
    samples = {"s": [" ", "\n"], "d": ["1"], "w": ["a", "à"], "S": ["x"], "W": ["!"]}
    classes = [c for letter, chars in samples.items() if "\\" + letter in source for c in chars]
    return list(dict.fromkeys(classes + own[:16] + RISKY))[:32]


def prefixes(pattern: re.Pattern) -> list[str]:
    """Ways into ``pattern``: nothing, each character of :func:`alphabet`, and the literal words in its source
    (``http://``, ``url``, the first words of the multi-word abbreviations)."""
    words = re.findall(r"(?<!\\)[^\\()\[\]{}|?*+^$.]{2,}", pattern.pattern)[:12]
    if pattern is teencode_pattern():
        words += [key.rsplit(" ", 1)[0] for key in teencode_table() if " " in key]
    return ["", *alphabet(pattern), *dict.fromkeys(words)]


@pytest.mark.parametrize("name", sorted(all_patterns()))
def test_pattern_is_linear_on_runs_after_its_prefixes(name):
    """For each way into the pattern, each of its characters repeated, then the end of the text or a
    character that makes the match fail."""
    pattern = all_patterns()[name]
    for prefix in prefixes(pattern):
        for unit in alphabet(pattern):
            for suffix in ("", "1", "a", "!"):
                screen(lambda text: pattern.sub("", text), repeated(prefix, unit, suffix),
                       f"{name}: {prefix!r}+{unit!r}*n+{suffix!r}")


@pytest.mark.parametrize("name", sorted(all_patterns()))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pattern_is_linear_on_generated_runs(name, data):
    pattern = all_patterns()[name]
    chars = st.sampled_from(alphabet(pattern))
    prefix = data.draw(st.lists(chars, max_size=4).map("".join), label="prefix")
    unit = data.draw(st.lists(chars, min_size=1, max_size=3).map("".join), label="unit")
    suffix = data.draw(st.lists(chars, max_size=2).map("".join), label="suffix")
    for function in (lambda text: pattern.sub("", text), pattern.search):
        screen(function, repeated(prefix, unit, suffix), f"{name}: {prefix!r}+{unit!r}*n+{suffix!r}")


def test_cell_codec_is_linear():
    """The cell codec's per-call pattern, on runs of underscores and escapes."""
    for unit in ("_", "_x", "_x0041", "_x0041_", "\x01", "_x00", "a_"):
        for function in (escape_xlsx_text, escape_csv_text, unescape_xlsx_text, unescape_csv_text):
            screen(function, repeated("", unit, "_"), f"{function.__name__}: {unit!r}")


# -- the cases, measured every time -------------------------------------------------------------------

def test_html_tag_opening_then_spaces_is_linear():
    """Issue 18: normalize_text("<" + " " * n) took 1.2, 3.5, 14.9 s for n = 5k, 10k, 20k."""
    for prefix in ("<", "</", "< /"):
        for unit in (" ", "\n", "\t"):
            assert_linear(normalize_text, repeated(prefix, unit, ""), 2_000)
    assert normalize_text("<" + " " * 20_000) == "<"
    assert normalize_text("a < /  b > c") == "a < / b > c"  # "<" then a space is text, not a tag


def test_count_between_spaces_is_linear():
    """parse_count("1" + " " * n + "1") was quadratic: spaces split between \\s*, \\b\\s* and [^\\d]*."""
    assert_linear(parse_count, repeated("1", " ", "1"), 2_000)
    assert_linear(parse_count, repeated("1,000", " ", "x1"), 2_000)
    assert math.isnan(parse_count("1" + " " * 20_000 + "1"))  # two numbers: not a count
    assert parse_count("12" + " " * 20_000 + "like") == 12.0


def test_known_quadratic_inputs_are_now_linear():
    for unit in ("1.", "a.", "a.b@", "1,", "a-"):
        assert_linear(normalize_text, repeated("", unit, ""), 2_000)
    # html.unescape reads a decimal reference's digits as one int: quadratic below 4,300 digits, an error above
    # (html.unescape alone: 9 times the time for 4 times the digits)
    for function in (_unescape_html, normalize_text):
        assert_linear(function, repeated("&#", "1", ";"), 1_000)


# -- whole posts -----------------------------------------------------------------------------------------------

@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(RISKY), min_size=1, max_size=4).map("".join),
       st.lists(st.sampled_from(RISKY), max_size=3).map("".join))
def test_normalisation_time_is_linear(unit, prefix):
    assert_linear(normalize_text, repeated(prefix, unit, "!"), 2_000)


# text_pieces does nothing below MAX_PIECE_CHARS and then works per piece: sizes of many pieces.
@pytest.mark.parametrize(("function", "n"), [(split_syllables, 2_000), (text_pieces, 10 * MAX_PIECE_CHARS)])
def test_tokenising_is_linear(function, n):
    for unit in ("a.", "a ", "😂", "a\n", "a. "):
        assert_linear(function, repeated("", unit, ""), n)


def test_segmentation_is_linear():
    """underthesea's tokeniser is superlinear on "a.a.a…" inside one text; pieces of at most MAX_PIECE_CHARS
    keep the whole linear (one piece against four: about 4, where one text of four times the length is 16)."""
    assert_linear(segment_text, repeated("", "a.", ""), MAX_PIECE_CHARS, repeats=2)


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
