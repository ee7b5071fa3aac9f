"""Ids a spreadsheet changed cannot drift (issue 19, case 4): LibreOffice and Excel read a CSV
queue's ids as numbers by default (``012``→``12``, ``007``→``7``, an 18-digit id →
``1.00012345678901E+017``, ``1.50``→``1.5``). Each such row is recovered from its ``item_id`` /
``member_ids`` (a warning with the count) or refused naming the row (exit status 3), never stored
on another post. The real LibreOffice round trips are in tests/review/test_libreoffice.py."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_cli
from vnflag import ExitStatus, LabelStore, build_queue, export_queue
from vnflag.review.ids import spreadsheet_changed

#: The issue's ids: 012 and 12 both in the queue, a zero-padded id, an 18-digit id, a decimal one.
ISSUE_IDS = ["012", "12", "007", "100012345678901234", "1.50", "p5"]
WORDS = ["mưa", "xăng", "thi", "canh", "bóng", "chợ", "đường", "tàu", "phở", "lúa"]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def calc_number(cell: str) -> str:
    """What LibreOffice Calc writes back for a CSV cell it read as a number with its default
    options (General format: up to 15 significant digits, scientific notation from 10^15 on)."""
    try:
        value = Decimal(cell)
    except ArithmeticError:
        return cell
    if not value.is_finite() or not any(c.isdigit() for c in cell) or cell.strip() != cell or cell.startswith("."):
        return cell
    number = float(value)
    if number != 0 and abs(number) >= 1e15:
        mantissa, exponent = f"{number:.14E}".split("E")
        return f"{mantissa.rstrip('0').rstrip('.')}E{exponent[0]}{int(exponent[1:]):03d}"
    text = repr(number)
    return text[:-2] if text.endswith(".0") else text


def _queue_csv(directory: Path, ids: list[str]) -> Path:
    scored = pd.DataFrame({"id": ids, "text": [f"tin về {WORDS[i % len(WORDS)]} số {i}" for i in range(len(ids))],
                           "score": [0.95 - i / (2 * len(ids)) for i in range(len(ids))], "model_version": "m1"})
    path = directory / "q.csv"
    export_queue(build_queue(scored, budget=len(ids), similarity=1.0), path)
    return path


def _fill(path: Path, decide, through_calc: bool = True, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """Fill every row's decision (``decide(id)``) as a reviewer would, then let "Calc" rewrite the
    id cells; blank the ``drop`` columns. Returns the decision meant for each post id."""
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    meant = {}
    for row in rows[1:]:
        post = row[header.index("id")]
        meant[post] = row[header.index("decision")] = decide(post)
        if through_calc:
            row[header.index("id")] = calc_number(post)
        for column in drop:
            row[header.index(column)] = ""
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    return meant


def _stored(store: Path) -> dict[str, str]:
    reviews = LabelStore(store).reviews()
    return dict(zip(reviews["post_id"], reviews["decision"], strict=True))


def test_calc_helper_renders_the_issue_ids_as_libreoffice_did():
    assert [calc_number(i) for i in ISSUE_IDS] == ["12", "12", "7", "1.00012345678901E+017", "1.5", "p5"]


def test_issue_ids_changed_by_a_spreadsheet_land_on_their_own_posts(tmp_path):
    path = _queue_csv(tmp_path, ISSUE_IDS)
    meant = _fill(path, lambda post: "misleading" if post == "012" else "ok")
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == 0, err
    assert _stored(store) == meant  # 012's decision on 012, not on 12
    assert "4 id(s) changed by a spreadsheet, recovered" in err and "'12' is '012'" in err, err
    assert "'1.00012345678901E+017' is '100012345678901234'" in err and "'1.5' is '1.50'" in err
    assert "6 rows: 6 new, 0 already stored, 0 rejected, 0 not yet reviewed, 4 with ids recovered" in err


def test_a_changed_id_is_recovered_from_member_ids_alone(tmp_path):
    path = _queue_csv(tmp_path, ISSUE_IDS)
    meant = _fill(path, lambda post: "misleading" if post in ("012", "1.50") else "ok", drop=("item_id",))
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == 0 and _stored(store) == meant, err


def test_a_changed_id_without_item_id_or_member_ids_is_refused_naming_the_row(tmp_path):
    path = _queue_csv(tmp_path, ISSUE_IDS)
    _fill(path, lambda post: "ok", drop=("item_id", "member_ids"))
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == ExitStatus.ROWS_REFUSED == 3, err
    refused = [line for line in err.splitlines() if line.endswith("not stored")]
    # nothing in the row tells 12 from a changed 012: both rows are refused, as are 7, 1.5 and the 18-digit id
    assert [re.search(r": (row \d+): ", line).group(1) for line in refused] == [f"row {n}" for n in range(2, 7)], err
    assert "id '12' is ambiguous: a spreadsheet may have changed '012'" in refused[0]
    assert "a spreadsheet may have changed '007'" in refused[2]
    assert "6 rows: 1 new, 0 already stored, 5 rejected, 0 not yet reviewed; 1 reviews" in err
    assert set(_stored(store)) == {"p5"}


def test_strict_refuses_the_whole_file_with_exit_2(tmp_path):
    path = _queue_csv(tmp_path, ISSUE_IDS)
    _fill(path, lambda post: "ok", drop=("item_id", "member_ids"))
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store, "--strict")
    assert code == 2 and err.count("\n") == 1 and "row 3" in err and not store.exists(), err


def test_a_changed_id_that_is_no_rendering_of_its_item_is_refused(tmp_path):
    path = _queue_csv(tmp_path, ISSUE_IDS)
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    for row in rows[1:]:
        row[header.index("decision")] = "ok"
    rows[3][header.index("id")] = "8"  # 007's row: not 7, not a post of the queue
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code == 3 and "row 4: id '8' is not in queue" in err and "'007'" in err, err
    assert "007" not in _stored(store) and "8" not in _stored(store)


@pytest.mark.parametrize(("cell", "original", "changed"), [
    ("12", "012", True), ("7", "007", True), ("1.5", "1.50", True), ("84901234567", "+84901234567", True),
    ("1.00012345678901E+017", "100012345678901234", True), ("1.00012E+17", "100012345678901234", True),
    ("12", "12", False), ("12", "12.3", False), ("1.2E+17", "100012345678901234", False), ("p1", "p01", False),
    ("12", "", False), ("", "0", False), ("1E+999999", "1", False), ("NaN", "nan", False),
    ("1" * 80, "0" + "1" * 80, False),
])
def test_spreadsheet_changed(cell, original, changed):
    assert spreadsheet_changed(cell, original) is changed


_NUMERIC_ID = st.one_of(
    st.integers(0, 10 ** 19).map(str),
    st.builds(lambda zeros, n: "0" * zeros + str(n), st.integers(1, 3), st.integers(0, 999)),
    st.builds(lambda a, b: f"{a}.{b}", st.integers(0, 99), st.sampled_from(["5", "50", "500", "05", "1"])),
    st.builds(lambda n: f"p{n}", st.integers(0, 99)),
)


@SETTINGS
@given(ids=st.lists(_NUMERIC_ID, min_size=2, max_size=8, unique=True),
       decisions=st.lists(st.sampled_from(["ok", "misleading", "unsure"]), min_size=8, max_size=8),
       drop=st.sampled_from([(), ("item_id",), ("member_ids",), ("item_id", "member_ids")]))
def test_any_spreadsheet_rendering_of_ids_is_recovered_or_refused_never_moved(tmp_path_factory, ids, decisions,
                                                                            drop):
    directory = tmp_path_factory.mktemp("ids")
    path = _queue_csv(directory, ids)
    meant = _fill(path, lambda post: decisions[ids.index(post)], drop=drop)
    store = directory / "labels.sqlite"
    code, _, err = run_cli("labels", "import", path, "--store", store)
    assert code in (0, 3), err
    stored = _stored(store) if store.exists() else {}
    assert all(stored[post] == meant[post] for post in stored), (stored, meant)  # never another post's decision
    summary = err.strip().splitlines()[-1]
    refused = err.count("; not stored")
    new, already = map(int, re.search(r"rows: (\d+) new, (\d+) already stored", summary).groups())
    assert f"{len(ids)} rows: " in summary and new + already == len(ids) - refused and (code == 3) == (refused > 0)
    if "item_id" not in drop or "member_ids" not in drop:
        assert code == 0 and stored == meant, err  # every changed id recovered from its row's item


def test_exit_status_of_several_files_refused_rows_3_a_refused_file_2(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    fine = _queue_csv(tmp_path / "a", ISSUE_IDS)
    _fill(fine, lambda post: "ok")
    rows_refused = _queue_csv(tmp_path / "b", ["p1", "p2", "p3"])
    _fill(rows_refused, lambda post: "ok" if post != "p2" else "maybe", through_calc=False)
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", fine, rows_refused, "--store", store)
    assert code == 3 and "row 3: unknown decision 'maybe'" in err and len(_stored(store)) == 8, err
    (tmp_path / "broken.csv").write_text("id,decision,queue_id\np1,ok,qnope\n", encoding="utf-8")  # unknown queue
    code, _, err = run_cli("labels", "import", rows_refused, tmp_path / "broken.csv", "--store", store)
    assert code == 2 and "refused: " in err and "broken.csv" in err, err
