#!/bin/sh
# Install Debian's Chromium (no recommends) for vnflag's report integration test, which renders the HTML
# evaluation report headless (tests/evaluation/test_report_browser.py). Idempotent: does nothing when a
# chromium is already on PATH. Needs root (or sudo) for apt-get. Install time only: vnflag downloads nothing.
set -eu
for name in chromium chromium-browser; do
    if command -v "$name" >/dev/null 2>&1; then
        echo "chromium.sh: $name already installed: $(command -v "$name")"
        exit 0
    fi
done
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "chromium.sh: need root or sudo to apt-get install chromium" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt-get (another install script) instead of failing on the dpkg lock.
LOCK="-o DPkg::Lock::Timeout=600"
$SUDO apt-get $LOCK update -q
# fonts-dejavu-core: the report's figures name DejaVu Sans, matplotlib's font, so the browser measures their
# text as matplotlib laid it out.
$SUDO apt-get $LOCK install -y -q --no-install-recommends chromium fonts-dejavu-core
command -v chromium >/dev/null 2>&1 || { echo "chromium.sh: chromium missing after install" >&2; exit 1; }
echo "chromium.sh: installed $(chromium --version 2>/dev/null | head -n 1)"
