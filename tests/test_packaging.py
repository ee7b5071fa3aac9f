"""What the package ships and how it starts: ``python -m vnflag``, one version source, and a wheel
that carries the LICENSE and the ``py.typed`` marker (PEP 561)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

import vnflag
from conftest import run_cli

REPO = Path(__file__).resolve().parents[1]


def _pyproject() -> dict:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_python_m_vnflag_is_the_vnflag_command():
    helped = subprocess.run([sys.executable, "-m", "vnflag", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0, helped.stderr
    assert helped.stdout.startswith("usage: vnflag ") and "normalize" in helped.stdout
    wrong = subprocess.run([sys.executable, "-m", "vnflag", "no-such-command"], capture_output=True, text=True)
    assert wrong.returncode == 2 and wrong.stdout == ""
    assert wrong.stderr.startswith("vnflag: error: ") and len(wrong.stderr.splitlines()) == 1
    normalized = subprocess.run([sys.executable, "-m", "vnflag", "normalize", "ko"], capture_output=True, text=True)
    assert normalized.returncode == 0 and '"normalized"' in normalized.stdout


def test_version_has_one_source_that_every_reader_agrees_with():
    project = _pyproject()
    assert "version" not in project["project"] and "version" in project["project"]["dynamic"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "vnflag.version.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", vnflag.__version__)
    status, out, _ = run_cli("--version")
    assert status == 0 and out.strip() == f"vnflag {vnflag.__version__}"
    try:
        installed = metadata.version("vnflag")
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        return
    assert installed == vnflag.__version__


def test_license_file_is_the_declared_license():
    project = _pyproject()["project"]
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License") and "vnflag developers" in text
    assert (Path(vnflag.__file__).parent / "py.typed").is_file()


def test_wheel_ships_license_py_typed_and_the_one_version(tmp_path):
    source = tmp_path / "source"  # a copy: the build leaves build/ and *.egg-info/ where it runs
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        (source / name).parent.mkdir(exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(REPO / "src" / "vnflag", source / "src" / "vnflag", ignore=shutil.ignore_patterns("__pycache__"))
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-q", "-w",
                            str(tmp_path), str(source)], capture_output=True, text=True)
    if built.returncode and re.search(r"No matching distribution|Could not find a version|Network", built.stderr):
        pytest.skip(f"the build backend could not be fetched: {built.stderr.strip().splitlines()[-1]}")
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("vnflag-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "vnflag/py.typed" in names and "vnflag/__main__.py" in names
        (license_name,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(license_name) == (REPO / "LICENSE").read_bytes()
        (meta,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        fields = archive.read(meta).decode("utf-8")
    assert f"\nVersion: {vnflag.__version__}\n" in fields
    assert "\nLicense-Expression: MIT\n" in fields and "\nLicense-File: LICENSE\n" in fields
    assert wheel.name.startswith(f"vnflag-{vnflag.__version__}-")
