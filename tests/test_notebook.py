"""The walkthrough notebook: stored clean, and it runs end to end on the bundled data.

Executing it trains two models, so this module takes about a minute.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "walkthrough.ipynb"
PROBE = "import sys\nprint('KERNEL', sys.executable, sys.prefix, sep='|')"


def _outputs(cell) -> list:
    return cell.get("outputs", [])


def _tagged(nb, tag: str):
    cells = [c for c in nb.cells if tag in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"expected one cell tagged {tag!r}, found {len(cells)}"
    return cells[0]


def test_stored_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "the notebook has no code cells"
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} were saved with outputs; clear them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3"


@pytest.fixture(scope="module")
def executed():
    """The notebook run from the repo root, plus a last cell saying which interpreter ran it."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    before = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(REPO)}}).execute()
    after = sorted(p.name for p in NOTEBOOK.parent.iterdir())
    return nb, before, after


def test_runs_in_this_interpreter(executed):
    nb, _, _ = executed
    text = "".join(o.get("text", "") for o in _outputs(nb.cells[-1]) if o.output_type == "stream")
    line = next(line for line in text.splitlines() if line.startswith("KERNEL|"))
    _, executable, prefix = line.split("|")
    # The kernel is this environment's Python (jupyter_client launches the native kernel with
    # sys.executable), so the notebook tests the vnflag installed here.
    assert prefix == sys.prefix
    assert executable == sys.executable


def test_no_errors_and_every_cell_ran(executed):
    nb, _, _ = executed
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, f"cell {index} did not run"
        errors = [o for o in _outputs(cell) if o.output_type == "error"]
        assert not errors, f"cell {index}: {errors[0].get('ename')}: {errors[0].get('evalue')}"


def test_queue_table_is_shown(executed):
    nb, _, _ = executed
    cell = _tagged(nb, "queue-table")
    html = "".join(o.get("data", {}).get("text/html", "") for o in _outputs(cell))
    assert "<th>why</th>" in html and "<th>reasons</th>" in html
    assert ">top<" in html and ">uncertain<" in html and ">random<" in html


def test_plots_render_inline(executed):
    nb, _, _ = executed
    images = [o for c in nb.cells if c.cell_type == "code" for o in _outputs(c) if "image/png" in o.get("data", {})]
    # the drift chart and the five evaluation figures
    assert len(images) >= 6


def test_leaves_nothing_behind(executed):
    nb, before, after = executed
    assert before == after, "running the notebook wrote files next to it"
    first = "".join(o.get("text", "") for o in _outputs(nb.cells[1]) if o.output_type == "stream")
    work = first.split("working folder:")[-1].strip()
    assert work and not Path(work).exists(), "the notebook's temporary working folder was not removed"
