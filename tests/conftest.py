"""Shared fixtures: the bundled data, one model trained on it per test session; and the `slow` and
`integration` marks, given here by module, test and what a test calls (see "Marks" below)."""

from __future__ import annotations

import contextlib
import io
import types
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
SHARED = REPO.parent / "shared" / "datasets"
META_COLS = ["num_like", "num_comment", "num_share"]


def read_bundled(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def labelled() -> pd.DataFrame:
    return read_bundled("posts_labelled.csv")


@pytest.fixture(scope="session")
def unlabelled() -> pd.DataFrame:
    return read_bundled("posts_unlabelled.csv")


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory, labelled) -> Path:
    """A model trained once per session on the bundled labelled posts, with engagement columns."""
    from vnflag import train_file

    directory = tmp_path_factory.mktemp("models") / "model"
    train_file(DATA / "posts_labelled.csv", directory, "text", "label", META_COLS)
    return directory


@pytest.fixture(scope="session")
def text_model_dir(tmp_path_factory) -> Path:
    """A text-only model (no engagement columns), for inputs that have only a text column."""
    from vnflag import train_file

    directory = tmp_path_factory.mktemp("models") / "text_model"
    train_file(DATA / "posts_labelled.csv", directory, "text", "label")
    return directory


@pytest.fixture(scope="session")
def flagger(model_dir):
    from vnflag import load_model

    return load_model(model_dir)


def many_posts_csv(path: Path, copies: int) -> Path:
    """The bundled unlabelled posts repeated ``copies`` times, each copy's text made distinct:
    a file long enough to interrupt while it is being scored."""
    posts = read_bundled("posts_unlabelled.csv")
    big = pd.concat([posts] * copies, ignore_index=True)
    big["text"] = big["text"] + " " + big.index.astype(str)
    big.to_csv(path, index=False)
    return path


def shared_dataset(*parts: str) -> Path:
    """Path into ../shared/datasets, skipping the test when it is absent (a fresh machine)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


@pytest.fixture(scope="session")
def text_flagger(text_model_dir):
    from vnflag import load_model

    return load_model(text_model_dir)


# Marks. `make test-fast` (`python -m pytest -m "not slow and not integration"`) runs the fast unit set, in
# under a minute; `make test` runs everything. Both marks are given here, in one place, not in each test file,
# so that a test's mark never conflicts with edits to the test itself. Paths are relative to tests/.
#
# integration: the test runs another program or service.
#   - Every test whose code, or a helper function of the tests it calls, uses `subprocess` or `pty`: `vnflag`
#     run end to end as a child process (the CLI tests, kill -9 during scoring, progress bars in a
#     pseudo-terminal), `lint-imports`, and `python -c` probes of what an import loads. Found from the code
#     itself (`_starts_a_program`), so a new test of that kind is marked without being listed.
#   - The modules in INTEGRATION_MODULES, whose fixtures start services.
# slow: the rest that take more than about a second (measured with `--durations=30` on the 2-core machine),
#   in SLOW_MODULES (every test of the module, or its module fixture, is slow) and SLOW_TESTS.
# Every run lists, at its end, the unmarked tests whose call took longer than REPORTED_SECONDS (twice the rule,
# so that load on the shared machine does not list half the suite): mark them here.
# tests/test_architecture.py checks that every path and test named here exists.
INTEGRATION_MODULES = {
    "test_notebook.py": "executes the walkthrough notebook in a Jupyter kernel (trains two models)",
    "pipelines/test_distributed.py": "a Dask LocalCluster of two worker processes, and `dask scheduler` / "
                                     "`dask worker` processes",
    "review/test_labelstudio_integration.py": "a real Label Studio server (scripts/integration/labelstudio.sh)",
    "review/test_argilla_sdk.py": "the argilla SDK (offline: it builds, serialises and parses records; skipped "
                                  "without it, see scripts/integration/argilla.sh)",
}
SLOW_MODULES = {
    "test_cli_outputs.py": "every vnflag command on the bundled data, each in its own process (about 40 s)",
    "text/test_linear_time.py": "times normalisation and segmentation of long inputs, repeated to beat noise",
    "review/test_hostile_reviews.py": "hypothesis round trips of hostile cells through every review format",
    "cli/test_review_commands.py": "its module fixture runs the whole review loop through the CLI (about 2 s)",
    "cli/test_readme_loop.py": "trains, scores, queues and retrains twice through the CLI (about 20 s)",
    "test_analyst_week.py": "an analyst's week through the CLI: train, score, queue, import, retrain, promote",
    "pipelines/test_recalibration.py": "each test queues, reviews and imports the bundled posts and recalibrates "
                                       "(1-3 s each)",
}
SLOW_TESTS = {
    "pipelines/test_progress_totals.py::test_train_file_bar_counts_every_fold_of_every_stage_then_save":
        "trains and saves a model",
    "pipelines/test_progress_totals.py::test_second_look_shows_each_fold_and_keeps_cross_val_predict_results":
        "two cross-validations of a character n-gram model",
    "pipelines/test_thread_limits.py::test_workers_and_this_process_get_their_share_of_the_cores":
        "spawns a worker that imports the libraries",
    "model/test_flagger.py::test_second_stage_auto_boosts_only_with_context_columns_and_enough_posts":
        "fits four models, two of them on 1,000+ posts",
    "review/test_formats.py::test_arbitrary_json_reads_or_raises_a_vnflag_error": "hypothesis, many examples",
    "review/test_labelstudio_exports.py::test_any_order_of_exports_with_any_maps_stores_each_annotation_once":
        "hypothesis: 25 stores, four imports of 38 reviews each",
    "io/test_hostile_tables.py::test_own_output_reads_back_identically": "hypothesis round trips, six formats",
    "cli/test_evaluate_command.py::test_evaluate_command_writes_report_and_summary": "renders five figures",
    "cli/test_safeguards.py::test_evaluate_summary_says_no_post_flagged_instead_of_nan": "renders the report",
    "test_readme.py::test_quick_start_runs_after_make_demo_and_twice": "trains the Quick start's model twice",
    "test_docs.py::test_every_python_block_runs_in_order_on_the_bundled_data":
        "the README's and the guide's examples (the Quick start trains a model)",
    "cli/test_review_round.py::test_two_reviewers_agreement_adjudication_and_unbiased_estimate":
        "a whole two-reviewer round through the CLI",
    "review/test_store.py::test_second_look_finds_flipped_labels": "fits out-of-fold models over the labelled posts",
    "review/test_spreadsheet_ids.py::test_any_spreadsheet_rendering_of_ids_is_recovered_or_refused_never_moved":
        "hypothesis: 50 CSV queues exported, filled, rewritten as a spreadsheet would and imported",
    "artifacts/test_documents.py::test_a_mutated_queue_record_is_refused_or_imported_never_a_crash":
        "hypothesis: 50 imports of mutated queue records through the CLI, each with estimate and status",
    "test_packaging.py::test_wheel_ships_license_py_typed_and_the_one_version": "builds a wheel (about 10 s)",
    "review/test_repeated_ids.py::test_every_post_gets_the_decision_given_to_the_row_showing_its_text":
        "hypothesis: 50 queues with colliding ids exported, reviewed and imported",
    "review/test_repeated_ids.py::test_reintel_repeated_ids_keep_their_own_labels":
        "queues, reviews and imports ReINTEL's 600 posts with repeated ids",
}
PROCESS_MODULES = ("subprocess", "pty")
REPORTED_SECONDS = 2.0
TESTS = Path(__file__).resolve().parent


def _test_function(item: pytest.Item):
    """The test's own function (under hypothesis's wrapper, if any), or None for a non-function item."""
    function = getattr(item, "function", None)
    inner = getattr(getattr(function, "hypothesis", None), "inner_test", None)
    return inner or function


def _starts_a_program(function) -> bool:
    """Whether ``function``'s code, or a function of the test modules it names (followed to any depth),
    uses one of PROCESS_MODULES."""
    pending, seen = [function], set()
    while pending:
        current = pending.pop()
        if id(current) in seen or not isinstance(current, types.FunctionType):
            continue
        seen.add(id(current))
        codes = [current.__code__]
        while codes:
            code = codes.pop()
            codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
            for name in code.co_names:
                if name in PROCESS_MODULES:  # imported inside the function, or used from a global import
                    return True
                value = current.__globals__.get(name)
                module = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", "")
                if (module or "").split(".")[0] in PROCESS_MODULES:
                    return True
                if isinstance(value, types.FunctionType) and _in_tests(value):
                    pending.append(value)
    return False


def _in_tests(function: types.FunctionType) -> bool:
    return TESTS in Path(function.__code__.co_filename).resolve().parents


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(config, items):
    for item in items:
        path = item.path.resolve()
        if TESTS not in path.parents:  # e.g. doctests of src/
            continue
        module = path.relative_to(TESTS).as_posix()
        name = f"{module}::{getattr(item, 'originalname', item.name)}"
        function = _test_function(item)
        if module in INTEGRATION_MODULES or (function is not None and _starts_a_program(function)):
            item.add_marker(pytest.mark.integration)
        if module in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


_UNMARKED_SECONDS: dict[str, float] = {}


def pytest_runtest_logreport(report):
    marked = {"slow", "integration"} & set(report.keywords)
    if report.when == "call" and report.duration > REPORTED_SECONDS and not marked:
        _UNMARKED_SECONDS[report.nodeid] = report.duration


def pytest_terminal_summary(terminalreporter):
    if _UNMARKED_SECONDS:
        terminalreporter.section(f"unmarked tests over {REPORTED_SECONDS:.0f} s: mark them in tests/conftest.py")
        for nodeid, seconds in sorted(_UNMARKED_SECONDS.items(), key=lambda pair: -pair[1]):
            terminalreporter.write_line(f"{seconds:6.2f} s  {nodeid}")


def run_cli(*argv) -> tuple[int, str, str]:
    """``vnflag ARGV...`` in this process: its exit status, standard output and standard error."""
    from vnflag.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main([str(a) for a in argv])
    return status, out.getvalue(), err.getvalue()


#: Vietnamese tone marks as combining characters (grave, acute, tilde, hook above, dot below).
TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 does: precomposed letters where it has them (ô, ư, đ…), tone marks
    as separate combining characters otherwise."""
    out = []
    for char in unicodedata.normalize("NFC", text):
        try:
            out.append(char.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", char)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
            out.append((base + "".join(c for c in parts if c in TONE_MARKS)).encode("cp1258"))
    return b"".join(out)


def reviewed_queue_csv(directory: Path, posts: int, budget: int, explore: float) -> tuple[Path, dict]:
    """A queue of ``posts`` distinct scored posts exported to ``directory/q.csv`` and reviewed (every
    item ``ok`` by ``lan``), with its record beside it: (the CSV, the record as written)."""
    import hashlib
    import json

    from vnflag import build_queue, export_queue, read_reviews

    scored = pd.DataFrame({"id": [f"p{i}" for i in range(posts)],
                           "text": [" ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:6] for k in range(8))
                                    for i in range(posts)],
                           "score": [1 - i / posts for i in range(posts)], "model_version": "m1",
                           "num_like": [str(i) for i in range(posts)]})
    queue = build_queue(scored, budget=budget, explore=explore, random_share=0.5, meta_cols=["num_like"])
    export_queue(queue, directory / "q.csv")
    rows = read_reviews(directory / "q.csv")
    rows["decision"], rows["reviewer"] = "ok", "lan"
    rows.drop(columns=["source_row", "reviewed_at"]).to_csv(directory / "q.csv", index=False)
    return directory / "q.csv", json.loads((directory / "q.csv.vnflag-queue.json").read_text(encoding="utf-8"))
