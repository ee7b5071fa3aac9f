#!/bin/sh
# Install every real program the integration tests drive (each scripts/integration/<tool>.sh: Label Studio,
# the argilla SDK, LibreOffice Calc, Chromium). Run by .ci/run before `make test`; on a machine without them
# the integration tests skip, each saying which program is missing. A tool that fails to install is reported
# and its tests skip: the install of one does not stop the others.
set -u
cd "$(dirname "$0")/../.."
failed=""
for script in scripts/integration/*.sh; do
    case "$(basename "$script")" in install-all.sh|apt-install.sh) continue ;; esac
    echo "== $script"
    if ! bash "$script"; then
        failed="$failed $(basename "$script" .sh)"
    fi
done
if [ -n "$failed" ]; then
    echo "install-all.sh: NOT INSTALLED:$failed (their integration tests will skip)" >&2
fi
exit 0
