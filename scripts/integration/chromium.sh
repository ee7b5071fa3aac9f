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
# fonts-dejavu-core: the report's figures name DejaVu Sans, matplotlib's font, so the browser measures their
# text as matplotlib laid it out.
sh "$(dirname "$0")/apt-install.sh" chromium fonts-dejavu-core
command -v chromium >/dev/null 2>&1 || { echo "chromium.sh: chromium missing after install" >&2; exit 1; }
echo "chromium.sh: installed $(chromium --version 2>/dev/null | head -n 1)"
