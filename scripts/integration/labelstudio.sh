#!/usr/bin/env bash
# Install Label Studio (server) and its SDK into .venv-labelstudio, apart from vnflag's own venv:
# Label Studio pins Django and many other packages that could conflict with vnflag's dependencies.
# Idempotent: a second run finds the versions installed and does nothing. Downloads only at install
# time (PyPI); the integration tests (tests/review/test_labelstudio_integration.py) never download.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
venv="${VNFLAG_LABELSTUDIO_VENV:-$root/.venv-labelstudio}"
python="${PYTHON:-python3}"
ls_version="${LABEL_STUDIO_VERSION:-1.23.2}"
sdk_version="${LABEL_STUDIO_SDK_VERSION:-2.1.2}"
# Label Studio 1.23 passes sentry options that sentry-sdk 3 removed: the server does not start with it.
extra=("sentry-sdk>=2.16,<3")

if [ -x "$venv/bin/label-studio" ] && "$venv/bin/python" - "$ls_version" "$sdk_version" <<'PY'
import sys
from importlib.metadata import version
ok = (version("label-studio"), version("label-studio-sdk")) == tuple(sys.argv[1:3])
sys.exit(0 if ok and int(version("sentry-sdk").split(".")[0]) < 3 else 1)
PY
then
    echo "label-studio $ls_version and label-studio-sdk $sdk_version already in $venv"
    exit 0
fi
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet "label-studio==$ls_version" "label-studio-sdk==$sdk_version" "${extra[@]}"
echo "installed label-studio $ls_version and label-studio-sdk $sdk_version in $venv"
