"""The documentation is checked like code (issue 22): every ```python block of README.md and docs/ runs, in
order, on the bundled data; every relative link resolves; the README stays a front door (≤ 150 lines); the API
reference names every public name; the CLI reference covers every command; and the site builds with --strict.

The fence convention (DEVELOPMENT.md): a block whose info string is exactly ``python`` runs; one that reads a
third-party dataset of ../shared/datasets is ``python title="needs ReINTEL"`` (or ViHSD) and runs where the
dataset is present; one that needs a server is shown but not run, as ``py title="not run: <why>"``.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import pytest
from conftest import DATA, REPO, SHARED

DOC_FILES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
FENCE = re.compile(r"^\s*```(.*)$")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
PYTHON_LIKE = {"python", "py", "python3", "py3", "pycon", "ipython"}
NOT_RUN = re.compile(r'py title="not run: [^"]+"')
#: ``python title="needs ReINTEL"``: run where ../shared/datasets/<folder> is present (paths in the example are
#: relative to the repository, as ``../shared/datasets/reintel/train.csv``).
NEEDS = re.compile(r'python title="needs (\w+)"')
DATASETS = {"ReINTEL": "reintel", "ViHSD": "vihsd"}


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def fences(text: str) -> list[tuple[str, str]]:
    """Each fenced block of a Markdown text: (info string, code), in order."""
    blocks, info, lines = [], None, []
    for line in text.splitlines():
        match = FENCE.match(line)
        if info is None and match:
            info, lines = match.group(1).strip(), []
        elif info is not None and match and not match.group(1).strip():
            blocks.append((info, "\n".join(lines)))
            info = None
        elif info is not None:
            lines.append(line)
    return blocks


def _has_python(path: Path) -> bool:
    return any(info == "python" or NEEDS.fullmatch(info) for info, _ in fences(path.read_text(encoding="utf-8")))


def runnable(text: str, shared: Path = SHARED) -> list[str]:
    """A page's blocks that run here, in order: every ``python`` block, and each ``python title="needs X"``
    block whose dataset is in ``shared``."""
    blocks = []
    for info, code in fences(text):
        needs = NEEDS.fullmatch(info)
        if info == "python" or (needs and (shared / DATASETS.get(needs.group(1), "?")).is_dir()):
            blocks.append(textwrap.dedent(code + "\n"))
    return blocks


def run_python_blocks(path: Path, shared: Path = SHARED) -> int:
    """Run a page's blocks as a reader would run them in a notebook: in order, in one namespace (mktestdocs'
    ``memory=True``, which reads the ``python`` blocks the same way), from the current directory; returns how
    many ran."""
    from mktestdocs import grab_code_blocks

    text = path.read_text(encoding="utf-8")
    blocks = runnable(text, shared)
    assert grab_code_blocks(text, lang="python") == runnable(text, Path("/nonexistent")), \
        "mktestdocs reads the fences differently"
    exec(compile("\n".join(blocks), str(path), "exec"), {"__name__": "__main__"})  # noqa: S102 - our own docs
    return len(blocks)


@pytest.mark.parametrize("path", [p for p in DOC_FILES if _has_python(p)], ids=_rel)
def test_every_python_block_runs_in_order_on_the_bundled_data(path, tmp_path, monkeypatch):
    """From a checkout-like directory holding a copy of data/, so examples read data/*.csv, write where
    nothing stays, and find ../shared/datasets when this machine has it."""
    shutil.copytree(DATA, tmp_path / "vnflag" / "data")
    if SHARED.is_dir():
        (tmp_path / "shared").symlink_to(SHARED.parent, target_is_directory=True)
    monkeypatch.chdir(tmp_path / "vnflag")
    assert run_python_blocks(path) >= 1


def _fence_ok(info: str) -> bool:
    needs = NEEDS.fullmatch(info)
    return info == "python" or bool(NOT_RUN.fullmatch(info)) or bool(needs and needs.group(1) in DATASETS)


def fence_problems(path: Path) -> list[str]:
    """Python blocks that are neither ``python``, ``python title="needs <dataset>"`` (a dataset vnflag knows)
    nor ``py title="not run: <why>"``."""
    return [f"fence {info!r} before {code[:60]!r}" for info, code in fences(path.read_text(encoding="utf-8"))
            if (info.split() or [""])[0] in PYTHON_LIKE and not _fence_ok(info)]


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_python_blocks_either_run_or_say_why_not(path):
    """No block is left out of the test above by a spelling such as ``py`` or ``python3``."""
    assert not fence_problems(path), _rel(path)


def test_blocks_share_one_namespace_a_failing_one_fails_and_fences_are_checked(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text("# P\n\n```python\nx = 41\n```\n\ntext\n\n- item\n\n  ```python\n  y = x + 1\n  ```\n\n"
                    '```py title="not run: needs a server"\nraise SystemExit\n```\n\n```bash\nexit 1\n```\n'
                    "```python\nopen('out.txt', 'w').write(str(y))\n```\n", encoding="utf-8")
    assert run_python_blocks(page) == 3 and (tmp_path / "out.txt").read_text() == "42"
    assert fence_problems(page) == []
    page.write_text("```python\nx = 1\n```\n```py\nx = 2\n```\n```python3\n```\n```python\nassert x == 2\n```\n",
                    encoding="utf-8")
    with pytest.raises(AssertionError):
        run_python_blocks(page)
    assert [p.split(" before")[0] for p in fence_problems(page)] == ["fence 'py'", "fence 'python3'"]


def test_a_block_that_needs_a_dataset_runs_only_where_it_is(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "page.md"
    page.write_text('```python\nn = 1\n```\n```python title="needs ReINTEL"\nn = 2\n```\n'
                    '```python\nopen("n.txt", "w").write(str(n))\n```\n'
                    '```python title="needs Wikipedia"\n```\n```python title="needs ReINTEL" linenums="1"\n```\n',
                    encoding="utf-8")
    assert [p.split(" before")[0] for p in fence_problems(page)] == [
        """fence 'python title="needs Wikipedia"'""", """fence 'python title="needs ReINTEL" linenums="1"'"""]
    (tmp_path / "shared" / "reintel").mkdir(parents=True)
    assert run_python_blocks(page, shared=tmp_path / "shared") == 3 and (tmp_path / "n.txt").read_text() == "2"
    assert run_python_blocks(page, shared=tmp_path / "absent") == 2 and (tmp_path / "n.txt").read_text() == "1"


SNIPPET = re.compile(r'^--8<-- "([^"]+)"$', re.M)


def page_text(path: Path) -> str:
    """A page as the site shows it: ``--8<-- "FILE"`` lines (pymdownx.snippets, from the repository root)
    replaced by the file, so headings of an included file are anchors of the page."""
    text = path.read_text(encoding="utf-8")
    return SNIPPET.sub(lambda m: (REPO / m.group(1)).read_text(encoding="utf-8"), text)


def _slugs(text: str) -> set[str]:
    """The anchors of a page's headings, as GitHub and as Python-Markdown's toc (MkDocs) make them."""
    slugs = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M):
        plain = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
        slugs.add(re.sub(r"[^\w\- ]", "", plain).replace(" ", "-"))  # GitHub
        ascii_ = unicodedata.normalize("NFKD", plain).encode("ascii", "ignore").decode()
        slugs.add(re.sub(r"[-\s]+", "-", re.sub(r"[^\w\s-]", "", ascii_).strip()))  # toc's slugify
    return slugs


def relative_links(path: Path) -> list[str]:
    """The relative link targets of a page (images too), outside code blocks and code spans."""
    text = path.read_text(encoding="utf-8")
    for _, code in fences(text):
        text = text.replace(code, "")
    text = re.sub(r"`[^`\n]*`", "", text)
    targets = [a or b for a, b in LINK.findall(text)]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t, re.I)]


def broken_links(path: Path) -> list[str]:
    """The relative links of a page that name no file, or no heading of the Markdown file they name."""
    broken = []
    for target in relative_links(path):
        file, _, anchor = target.partition("#")
        resolved = (path.parent / file).resolve() if file else path
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in _slugs(page_text(resolved)):
            broken.append(f"{target}: no heading #{anchor}")
    return broken


@pytest.mark.parametrize("path", DOC_FILES, ids=_rel)
def test_every_relative_link_resolves_to_a_file_and_heading(path):
    assert not broken_links(path), _rel(path)


def test_the_link_checker_finds_missing_files_and_headings(tmp_path):
    (tmp_path / "a.md").write_text("# Tin đồn: `score` và *lý do*\n\n## Two words\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text("[a](a.md) [b](gone.md) [c](a.md#no-such-heading) [d](a.md#two-words) [e](#own)\n"
                    "[f](a.md#tin-đồn-score-và-lý-do) [g](a.md#tin-on-score-va-ly-do) ![i](img/x.png)\n"
                    "`[h](x.md)` [web](https://x.org/y.md)\n\n```python\n[k](code.md)\n```\n# Own\n",
                    encoding="utf-8")
    assert relative_links(page) == ["a.md", "gone.md", "a.md#no-such-heading", "a.md#two-words", "#own",
                                    "a.md#tin-đồn-score-và-lý-do", "a.md#tin-on-score-va-ly-do", "img/x.png"]
    assert broken_links(page) == ["gone.md: no such file", "a.md#no-such-heading: no heading #no-such-heading",
                                  "img/x.png: no such file"]


def test_readme_is_a_front_door_of_at_most_150_lines():
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; move the detail into docs/"
    text = "\n".join(lines)
    for line in ("**Not a verdict.**", "**Not an actor.**", "**Not about people.**", "**Not about opinions.**"):
        assert line in text


def test_api_reference_documents_every_public_name_from_its_defining_module():
    import vnflag

    api = (REPO / "docs" / "reference" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^::: (\S+)$", api, re.M))
    expected = {"vnflag.version.__version__"}
    expected |= {f"{getattr(vnflag, name).__module__}.{name}" for name in vnflag.__all__ if name != "__version__"}
    assert documented == expected, (expected - documented, documented - expected)


def _hook(name: str):
    spec = importlib.util.spec_from_file_location(name, REPO / "docs" / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_docstring_examples_render_as_code_wherever_they_are():
    pytest.importorskip("griffe", reason="the docs extra is not installed")
    hook = _hook("griffe_doctests")
    docstring = ("Scores, see :func:`~vnflag.scoring.score.score_frame` and :class:`Flagger`.\n\n"
                 ">>> f(x)[0][\"a\"]   # doctest: +SKIP\n1\n\n"
                 "Parameters\n----------\nx : int\n    Posts.\n\n        >>> g()\n        ... \n\n"
                 "```text\n>>> kept as it is\n```")
    assert hook.fence_examples(docstring) == (
        "Scores, see :func:`~vnflag.scoring.score.score_frame` and :class:`Flagger`.\n\n"
        "```pycon\n>>> f(x)[0][\"a\"]\n1\n```\n\n"
        "Parameters\n----------\nx : int\n    Posts.\n\n        ```pycon\n        >>> g()\n        ... \n        ```\n\n"
        "```text\n>>> kept as it is\n```")
    assert hook._ROLE.sub(hook._role_as_code, docstring.split("\n")[0]) == "Scores, see `score_frame` and `Flagger`."


def test_cli_reference_shows_the_help_of_every_command_and_subcommand():
    import argparse

    from vnflag.cli import COMMANDS, build_parser

    hook = _hook("cli_reference")
    page = hook.on_page_markdown((REPO / "docs" / "reference" / "cli.md").read_text(encoding="utf-8"), page=None)
    assert hook.MARKER not in page
    headings = re.findall(r"^#{2,4} `(vnflag[^`]*)`$", page, re.M)
    progs = ["vnflag"]
    for name, parser in next(a for a in build_parser()._actions
                             if isinstance(a, argparse._SubParsersAction)).choices.items():
        progs.append(f"vnflag {name}")
        progs += [f"vnflag {name} {sub}" for a in parser._actions if isinstance(a, argparse._SubParsersAction)
                  for sub in a.choices]
    assert headings == progs
    assert {p.split()[1] for p in progs[1:]} == set(COMMANDS)
    assert {"vnflag labels import", "vnflag models promote"} <= set(progs)
    for prog in progs:  # each section is that command's own --help, argument for argument
        parser = build_parser()
        for word in prog.split()[1:]:
            parser = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[word]
        for option in (o for action in parser._actions for o in action.option_strings):
            assert option in page.split(f"`{prog}`\n", 1)[1].split("\n#", 1)[0], (prog, option)


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None,
                    reason="the docs extra is not installed (pip install -e '.[docs]'; `make docs` does it)")
def test_the_site_builds_with_strict(tmp_path):
    """`mkdocs build --strict`: a broken link, a page missing from the nav or a docstring the API reference
    cannot read fails it."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
                            cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").read_text(encoding="utf-8").count(
        "vnflag labels import") >= 1
