#!/usr/bin/env bash
# The argilla SDK 2.8 for the Argilla integration tests (tests/review/test_argilla_sdk.py, which skip without it).
# It installs beside vnflag's own dependencies without changing any installed version, so it goes into the
# project's environment as the optional extra `vnflag[argilla]`; if pip would change a version already installed,
# this script stops and says which, and nothing is installed. Idempotent: a second run finds it installed.
# Nothing is downloaded when vnflag runs; the tests need no Argilla server (records are built and parsed offline).
# Usage: bash scripts/integration/argilla.sh [VENV]   (default: .venv of the checkout)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:-.venv}"
python="$venv/bin/python"
if [ ! -x "$python" ]; then
    echo "argilla.sh: no Python environment at $venv (run make install-test first)" >&2
    exit 1
fi
if "$python" -c 'import argilla, sys; sys.exit(0 if argilla.__version__.startswith("2.8.") else 1)' 2>/dev/null; then
    echo "argilla.sh: argilla $("$python" -c 'import argilla; print(argilla.__version__)') already installed in $venv"
    exit 0
fi
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
"$python" -m pip install --quiet --dry-run --report "$report" -e ".[argilla]" >/dev/null
changed="$("$python" - "$report" <<'PY'
import json, sys
from importlib.metadata import PackageNotFoundError, version

planned = json.load(open(sys.argv[1], encoding="utf-8"))["install"]
for item in planned:
    name, new = item["metadata"]["name"], item["metadata"]["version"]
    try:
        old = version(name)
    except PackageNotFoundError:
        continue
    if old != new and name.lower() != "vnflag":
        print(f"{name} {old} -> {new}")
PY
)"
if [ -n "$changed" ]; then
    echo "argilla.sh: installing argilla would change installed versions; install it in its own environment:" >&2
    echo "$changed" >&2
    exit 1
fi
"$python" -m pip install --quiet -e ".[argilla]"
echo "argilla.sh: argilla $("$python" -c 'import argilla; print(argilla.__version__)') installed in $venv"
