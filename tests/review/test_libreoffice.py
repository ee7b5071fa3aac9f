"""Reviewer files through the real LibreOffice Calc, driven headless with its default options
(issue 19, case 4 and the spreadsheet points): a CSV queue re-saved by Calc comes back with
changed ids (``012``→``12``, ``007``→``7``, an 18-digit id → ``1.00012345678901E+017``,
``1.50``→``1.5``), and ``vnflag labels import`` stores every decision on its own post or refuses
the row (or file) naming it, never a decision on another post; an XLSX queue opened and re-saved
by Calc keeps ids, decisions and notes exactly, and its layout.

Needs ``soffice`` (``scripts/integration/libreoffice.sh`` installs Debian's libreoffice-calc);
skipped without it. Marked ``integration`` by tests/conftest.py (the tests run a program).
Decisions are filled in as a reviewer would, with the csv module or openpyxl, before Calc re-saves
the file; each conversion runs with a temporary HOME and user profile."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import run_cli
from vnflag import LabelStore, build_queue, export_queue

ISSUE_IDS = ["012", "12", "007", "100012345678901234", "1.50", "p5"]
#: What Calc's defaults make of them in a CSV file.
CALC_IDS = ["12", "12", "7", "1.00012345678901E+017", "1.5", "p5"]
TEXTS = ["mưa lớn ở Huế", "giá xăng tuần này", "lịch thi học kỳ", "món canh chua cá lóc", "trận bóng tối qua",
         "Khẩn cấp: uống nước chanh nóng mỗi sáng để diệt virus, chia sẻ ngay! " * 8]
NOTES = ["'tin đồn' là sai", "=1+1 không phải công thức", "nguồn: báo Tuổi Trẻ\ndòng hai", "", "'", "đã kiểm tra"]
DECISIONS = ["misleading", "ok", "unsure", "ok", "misleading", "ok"]


def _calc(home: Path) -> tuple[str, dict[str, str], str]:
    """LibreOffice's program, an environment with ``home`` as HOME and the option that keeps its user
    profile under ``home`` (so no run touches the machine's own profile); skips when it is not installed."""
    program = shutil.which("soffice")
    if program is None:
        pytest.skip("LibreOffice (soffice) is not installed; scripts/integration/libreoffice.sh installs it")
    home.mkdir(parents=True, exist_ok=True)
    return program, {**os.environ, "HOME": str(home)}, f"-env:UserInstallation={(home / 'profile').as_uri()}"


def soffice(source: Path, to: str, outdir: Path, infilter: str | None = None) -> Path:
    """``source`` opened by LibreOffice headless with its default import options (or ``infilter``)
    and saved as ``to`` in ``outdir`` (``csv`` or ``xlsx``, or with export options:
    ``csv:<filter>:<options>``), with a temporary HOME and user profile."""
    program, env, profile = _calc(outdir / "home")
    done = subprocess.run(
        [program, "--headless", "--norestore", profile,
         *([f"--infilter={infilter}"] if infilter else []), "--convert-to", to, "--outdir", str(outdir), str(source)],
        env=env, capture_output=True, text=True, timeout=180, check=False)
    target = outdir / f"{source.name.split('.')[0]}.{to.split(':')[0]}"
    assert done.returncode == 0 and target.is_file(), (done.stdout, done.stderr)
    return target


#: A Basic macro that types into cells as a reviewer does (Calc's own input handling: ``.uno:EnterString``
#: on the cell, so a text-formatted cell takes the input as text) and saves the document in its format.
_TYPING_MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub TypeInto(path As String, inputs As String)
  Dim hidden(0) As New com.sun.star.beans.PropertyValue
  Dim place(0) As New com.sun.star.beans.PropertyValue
  Dim typed(0) As New com.sun.star.beans.PropertyValue
  hidden(0).Name = &quot;Hidden&quot;
  hidden(0).Value = True
  place(0).Name = &quot;ToPoint&quot;
  typed(0).Name = &quot;StringName&quot;
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(path), &quot;_blank&quot;, 0, hidden())
  frame = doc.getCurrentController().getFrame()
  dispatcher = createUnoService(&quot;com.sun.star.frame.DispatchHelper&quot;)
  lines = Split(inputs, Chr(10))
  For i = 0 To UBound(lines)
    parts = Split(lines(i), Chr(9))
    place(0).Value = parts(0)
    dispatcher.executeDispatch(frame, &quot;.uno:GoToCell&quot;, &quot;&quot;, 0, place())
    typed(0).Value = parts(1)
    dispatcher.executeDispatch(frame, &quot;.uno:EnterString&quot;, &quot;&quot;, 0, typed())
  Next i
  doc.store()
  doc.close(True)
End Sub
</script:module>
"""


def calc_type(path: Path, cells: dict[str, str], work: Path) -> None:
    """Type ``cells`` (``{"M2": "text"}``) into ``path`` in LibreOffice Calc, headless, as a reviewer
    types them, and save it (a Basic macro in a temporary user profile)."""
    home = work / "typing"
    program, env, profile = _calc(home)
    done = subprocess.run([program, "--headless", "--norestore", profile, "--terminate_after_init"],
                          env=env, capture_output=True, text=True, timeout=180, check=False)
    module = home / "profile" / "user" / "basic" / "Standard" / "Module1.xba"
    assert done.returncode == 0 and module.is_file(), (done.stdout, done.stderr)
    module.write_text(_TYPING_MACRO, encoding="utf-8")
    inputs = "\n".join(f"{cell}\t{text}" for cell, text in cells.items()).replace('"', '""')
    done = subprocess.run([program, "--headless", "--norestore", profile,
                           f'macro:///Standard.Module1.TypeInto("{path}","{inputs}")'],
                          env=env, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, (done.stdout, done.stderr)


def _queue(directory: Path, ext: str) -> Path:
    scored = pd.DataFrame({"id": ISSUE_IDS, "text": TEXTS, "score": [0.9, 0.8, 0.7, 0.6, 0.5, 0.4],
                           "model_version": "m1"})
    path = directory / f"queue.{ext}"
    export_queue(build_queue(scored, budget=6, similarity=1.0), path)
    return path


def _fill_csv(path: Path) -> dict[str, tuple[str, str]]:
    """Decisions and notes typed into the CSV queue; returns (decision, note) by post id."""
    with path.open(encoding="utf-8", newline="") as source:
        rows = list(csv.reader(source))
    header = rows[0]
    meant = {}
    for row in rows[1:]:
        position = ISSUE_IDS.index(row[header.index("id")])
        row[header.index("decision")], row[header.index("reviewer")] = DECISIONS[position], "lan"
        meant[ISSUE_IDS[position]] = (DECISIONS[position], "")
    with path.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows(rows)
    return meant


def _fill_xlsx(path: Path) -> dict[str, tuple[str, str]]:
    """Decisions and notes typed into the XLSX queue; returns (decision, note) by post id."""
    book = openpyxl.load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    meant = {}
    for r in range(2, sheet.max_row + 1):
        position = ISSUE_IDS.index(sheet.cell(r, header.index("id") + 1).value)
        sheet.cell(r, header.index("decision") + 1).value = DECISIONS[position]
        sheet.cell(r, header.index("reviewer") + 1).value = "lan"
        note = sheet.cell(r, header.index("note") + 1)
        note.value = NOTES[position] or None
        if note.value is not None:
            note.data_type = "s"  # typed into the text (@) cell: text, even "=1+1 ..." (openpyxl would make a formula)
        meant[ISSUE_IDS[position]] = (DECISIONS[position], NOTES[position])
    book.save(path)
    return meant


def _stored(store: Path) -> dict[str, tuple[str, str]]:
    reviews = LabelStore(store).reviews()
    return {r.post_id: (r.decision, r.note) for r in reviews.itertuples()}


@pytest.mark.parametrize(("infilter", "changed"), [
    (None, CALC_IDS),  # Calc's defaults (English)
    # read as Vietnamese (language 1066, vi-VN): "." groups thousands there, so 1.50 stays text
    ("Text - txt - csv (StarCalc):44,34,76,1,,1066", ["12", "12", "7", "1.00012345678901E+017", "1.50", "p5"]),
])
def test_a_csv_queue_resaved_by_calc_lands_every_decision_on_its_own_post(tmp_path, infilter, changed):
    queue = _queue(tmp_path, "csv")
    meant = _fill_csv(queue)
    resaved = soffice(queue, "csv", tmp_path / "calc", infilter)
    with resaved.open(encoding="utf-8", newline="") as source:
        ids = [row["id"] for row in csv.DictReader(source)]
    assert ids == changed  # Calc did change the ids, as in the issue
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", resaved, "--queue", queue, "--store", store)
    assert code == 0, err
    assert _stored(store) == meant  # 012's decision on 012, not on 12
    recovered = sum(a != b for a, b in zip(ids, ISSUE_IDS, strict=True))
    assert f"{recovered} id(s) changed by a spreadsheet, recovered" in err, err
    assert f", {recovered} with ids recovered;" in err, err


def test_a_csv_queue_saved_as_xlsx_by_calc_is_recovered_or_refused_naming_the_cell(tmp_path):
    queue = _queue(tmp_path, "csv")
    meant = _fill_csv(queue)
    book = soffice(queue, "xlsx", tmp_path / "calc")
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", book, "--queue", queue, "--store", store)
    # the 18-digit id became a number that has lost its last digits: the file is refused, naming the cell
    assert code == 2 and err.count("\n") == 1 and "cell C5" in err and not store.exists(), err
    # without that row, every other changed id is recovered from its row's item_id
    workbook = openpyxl.load_workbook(book)
    sheet = workbook.active
    assert [sheet.cell(r, 3).value for r in range(2, 8)] == [12, 12, 7, 1.00012345678901e17, 1.5, "p5"]
    sheet.delete_rows(5)
    workbook.save(book)
    code, _, err = run_cli("labels", "import", book, "--queue", queue, "--store", store)
    assert code == 0, err
    assert _stored(store) == {k: v for k, v in meant.items() if k != "100012345678901234"}
    assert "3 id(s) changed by a spreadsheet, recovered" in err, err


def test_an_xlsx_queue_resaved_by_calc_keeps_ids_decisions_notes_and_layout(tmp_path):
    queue = _queue(tmp_path, "xlsx")
    meant = _fill_xlsx(queue)
    resaved = soffice(queue, "xlsx", tmp_path / "calc")
    sheet = openpyxl.load_workbook(resaved).active
    header = [c.value for c in sheet[1]]
    ids = [sheet.cell(r, header.index("id") + 1) for r in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in ids) == sorted(ISSUE_IDS) and {c.data_type for c in ids} == {"s"}
    assert {c.number_format for c in ids} == {"@"}  # (a headless conversion has no view: no frozen pane to keep)
    long_row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, header.index("text") + 1).value == TEXTS[5])
    assert sheet.row_dimensions[long_row].height >= 4 * 15  # Calc kept the tall row for the long post
    assert len(sheet.data_validations.dataValidation) == 1  # the decision drop-down survives
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", resaved, "--queue", queue, "--store", store)
    assert code == 0 and "recovered" not in err, err
    assert _stored(store) == meant


def test_an_xlsx_queue_saved_as_csv_by_calc_keeps_its_text_ids(tmp_path):
    queue = _queue(tmp_path, "xlsx")
    meant = _fill_xlsx(queue)
    # Calc's default CSV export is not UTF-8 (Vietnamese letters become "?" or Latin-1 bytes): refused, named
    store = tmp_path / "labels.sqlite"
    default = soffice(queue, "csv", tmp_path / "default")
    code, _, err = run_cli("labels", "import", default, "--queue", queue, "--store", store)
    assert code == 2 and err.count("\n") == 1 and "not valid utf-8" in err and not store.exists(), err
    # saved as UTF-8 (Calc's "Unicode (UTF-8)" character set), the text id cells come back exactly
    resaved = soffice(queue, "csv:Text - txt - csv (StarCalc):44,34,76", tmp_path / "calc")
    with resaved.open(encoding="utf-8", newline="") as source:
        assert sorted(row["id"] for row in csv.DictReader(source)) == sorted(ISSUE_IDS)  # text cells: kept
    code, _, err = run_cli("labels", "import", resaved, "--queue", queue, "--store", store)
    assert code == 0 and "recovered" not in err, err
    # Calc writes a note's leading "'" and "=" as typed; vnflag's CSV reader keeps them (it only removes
    # the apostrophes its own writer puts before such text)
    assert _stored(store) == meant


def test_what_a_reviewer_types_into_the_xlsx_queue_in_calc_is_imported_as_typed(tmp_path):
    queue = _queue(tmp_path, "xlsx")
    sheet = openpyxl.load_workbook(queue).active
    header = [c.value for c in sheet[1]]
    letter = {name: openpyxl.utils.get_column_letter(i) for i, name in enumerate(header, start=1)}
    row_of = {sheet.cell(r, header.index("id") + 1).value: r for r in range(2, sheet.max_row + 1)}
    typed = {"012": ("misleading", "'tin đồn' là sai"), "12": ("ok", "=1+1 không phải công thức"),
             "007": ("unsure", "0012"), "1.50": ("ok", "1/2")}
    cells = {}
    for post, (decision, note) in typed.items():
        cells[f"{letter['decision']}{row_of[post]}"] = decision
        cells[f"{letter['reviewer']}{row_of[post]}"] = "lan"
        cells[f"{letter['note']}{row_of[post]}"] = note
    calc_type(queue, cells, tmp_path)
    sheet = openpyxl.load_workbook(queue).active
    notes = [sheet[f"{letter['note']}{row_of[post]}"] for post in typed]
    assert [c.value for c in notes] == [note for _, note in typed.values()] and {c.data_type for c in notes} == {"s"}
    store = tmp_path / "labels.sqlite"
    code, _, err = run_cli("labels", "import", queue, "--store", store)
    assert code == 0 and "6 rows: 4 new, 0 already stored, 0 rejected, 2 not yet reviewed" in err, err
    assert _stored(store) == typed  # the apostrophe, "=", the zeros and the slash all as typed
