"""The package's structure: one-way layers (import-linter), no import cycle, no private name used
across modules, lazy public names, and a command line that starts without the heavy libraries."""

from __future__ import annotations

import ast
import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import vnflag

PACKAGE = Path(vnflag.__file__).resolve().parent
HEAVY = ("pandas", "sklearn", "scipy", "underthesea", "matplotlib", "skops", "pyarrow", "openpyxl")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, list[str], int]]:
    """Every import in a module (at any depth: imports inside functions count), resolved to
    absolute module names, with the names it takes and its line."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, path in modules.items():
        for target, names, _ in _imports(path):
            if not target.startswith("vnflag"):
                continue
            for candidate in [f"{target}.{n}" for n in names] + [target]:
                if candidate in modules and candidate != name:
                    graph[name].add(candidate)
                    if candidate != target:
                        break
    return graph


def test_import_linter_contract_is_kept():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=PACKAGE.parents[1])
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_import_cycle_anywhere_in_the_package():
    graph = _graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for other in sorted(graph[node]):
            if state.get(other) == 1:
                cycle = stack[stack.index(other):] + [other]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if other not in state:
                visit(other)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)
    # The check can find a cycle: the graph is not empty and edges resolve to modules.
    assert "vnflag.model.flagger" in graph["vnflag.artifacts.model_dir"]


def test_no_private_name_is_imported_from_another_vnflag_module():
    offences = []
    for path in PACKAGE.rglob("*.py"):
        for target, names, line in _imports(path):
            if target.startswith("vnflag"):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")]
                private += [part for part in target.split(".") if part.startswith("_") and part != "__main__"]
                if private:
                    offences.append(f"{path.relative_to(PACKAGE)}:{line} imports {', '.join(private)} from {target}")
    assert not offences, "\n".join(offences)


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_vnflag_loads_no_submodule_and_no_heavy_library():
    loaded = _loaded_after("import vnflag")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not [m for m in loaded if m.startswith("vnflag.") and m not in ("vnflag.lazy", "vnflag.version")]


def test_cli_help_loads_no_heavy_library():
    code = "import sys\nfrom vnflag.cli import main\ntry:\n    main(['score', '--help'])\nexcept SystemExit:\n    pass"
    loaded = _loaded_after(code)
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]


def test_commands_that_need_no_model_import_no_scikit_learn(tmp_path, text_model_dir):
    """``vnflag --help``, ``normalize``, ``labels status`` (with two reviewers: agreement is computed) and
    ``models list`` need no model: each answers in a fresh interpreter without importing scikit-learn (nor
    scipy, skops or matplotlib)."""
    from vnflag import LabelStore, Registry, build_queue

    registry = Registry(tmp_path / "models")
    registry.promote(registry.add(text_model_dir))
    texts = [" ".join(hashlib.sha256(f"{i}-{k}".encode()).hexdigest()[:6] for k in range(8)) for i in range(8)]
    scored = pd.DataFrame({"id": [f"p{i}" for i in range(8)], "text": texts,
                           "score": [1 - i / 8 for i in range(8)], "model_version": "m1"})
    queue = build_queue(scored, budget=8)
    store = LabelStore(tmp_path / "labels.sqlite")
    for who, flipped in (("lan", set()), ("minh", {0, 3})):
        reviews = queue.assign(decision=["misleading" if (i % 2 == 0) != (i in flipped) else "ok"
                                         for i in range(len(queue))], reviewer=who)
        assert store.import_reviews(reviews, queue=queue).stored == len(queue)
    # Each command, and what its output shows (so that the probe checks a command that did its work).
    commands = [(["--help"], "usage: vnflag"), (["normalize", "Ko bít đâu, share gấp!!"], '"segmented": "Không'),
                (["labels", "status", "--store", str(store.path)], "lan-minh"),
                (["labels", "status", "--store", str(store.path), "--json"], '"cohen_kappa"'),
                (["models", "list", "--registry", str(registry.path)], "promoted")]
    for argv, shown in commands:
        code = ("import contextlib, io\nfrom vnflag.cli import main\nout = io.StringIO()\n"
                f"with contextlib.redirect_stdout(out):\n    status = main({argv!r})\n"
                f"assert status == 0 and {shown!r} in out.getvalue(), (status, out.getvalue())")
        loaded = _loaded_after(code)
        heavy = sorted({m.split(".")[0] for m in loaded} & {"sklearn", "skops", "matplotlib", "scipy"})
        assert not heavy, f"vnflag {' '.join(argv[:2])} imports {heavy}"


def test_every_public_name_resolves_and_is_listed():
    for name in vnflag.__all__:
        assert getattr(vnflag, name) is not None, name
    assert set(dir(vnflag)) >= set(vnflag.__all__) - {"__version__"}
    with pytest.raises(AttributeError):
        vnflag.no_such_name  # noqa: B018
    for package in ("text", "model", "artifacts", "scoring", "review", "evaluation"):
        sub = __import__(f"vnflag.{package}", fromlist=["__all__"])
        for name in sub.__all__:
            assert getattr(sub, name) is not None, f"vnflag.{package}.{name}"


def test_constants_import_nothing_and_the_library_uses_them():
    loaded = _loaded_after("import vnflag.constants, vnflag.exceptions")
    assert not [m for m in loaded if m.split(".")[0] in HEAVY]
    assert not [m for m in loaded if m.startswith("vnflag.") and m not in (
        "vnflag.lazy", "vnflag.version", "vnflag.constants", "vnflag.exceptions")]
    from vnflag import constants
    from vnflag.review import policies, queues
    from vnflag.review.formats import REVIEW_FORMATS

    # One copy: the library's names are the constants themselves, not equal copies.
    assert policies.POLICIES is constants.POLICIES
    assert queues.DECISIONS is constants.DECISIONS
    assert queues.RECORD_SUFFIX is constants.QUEUE_RECORD_SUFFIX
    # review/formats still spells its own until it imports vnflag.constants.REVIEW_FORMATS.
    assert REVIEW_FORMATS == constants.REVIEW_FORMATS


def test_no_module_is_named_after_a_standard_library_module():
    clashes = [str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
               if p.stem in sys.stdlib_module_names and p.stem not in ("__init__", "__main__")]
    assert not clashes


TESTS = Path(__file__).resolve().parent


def test_tests_mirror_the_package_layout():
    """Every subpackage of vnflag (a layer) has its tests in tests/<name>/, and no tests/<name>/ holds tests
    of a layer that does not exist."""
    layers = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
    test_dirs = {d.name for d in TESTS.iterdir() if d.is_dir() and any(d.glob("test_*.py"))}
    assert layers >= {"text", "model", "io", "artifacts", "scoring", "review", "evaluation", "pipelines", "cli"}
    assert not layers - test_dirs, f"layers without tests/<name>/: {sorted(layers - test_dirs)}"
    assert not test_dirs - layers, f"tests/<name>/ for no layer of src/vnflag: {sorted(test_dirs - layers)}"


def test_every_module_and_test_named_by_the_marks_in_conftest_exists():
    """The slow and integration marks are given by path in tests/conftest.py: a renamed or deleted test
    must not leave a stale entry behind (the test it meant would silently join the fast set)."""
    import conftest

    stale = [path for path in [*conftest.INTEGRATION_MODULES, *conftest.SLOW_MODULES] if not (TESTS / path).is_file()]
    for entry in conftest.SLOW_TESTS:
        path, name = entry.split("::")
        tree = ast.parse((TESTS / path).read_text(encoding="utf-8")) if (TESTS / path).is_file() else None
        if tree is None or name not in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}:
            stale.append(entry)
    assert not stale, "tests/conftest.py marks what does not exist (update it): " + ", ".join(stale)


def _runs_python(code: str) -> str:  # a helper that starts a program: tests calling it are integration tests
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout


def test_tests_that_start_a_program_are_found_from_their_code():
    import conftest

    def imports_it_inside():
        import subprocess as sp

        sp.run(["true"])

    def through_a_helper():
        return _runs_python("print(1)")

    def in_process():
        return json.dumps(sorted(sys.modules))[:10]

    assert conftest._starts_a_program(imports_it_inside)
    assert conftest._starts_a_program(through_a_helper)
    assert conftest._starts_a_program(lambda: [_runs_python(str(n)) for n in range(2)])  # nested code
    assert not conftest._starts_a_program(in_process)
    assert not conftest._starts_a_program(test_tests_mirror_the_package_layout)
