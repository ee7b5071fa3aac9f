#!/usr/bin/env bash
# Install what scripts/docs/screenshots.py drives, for the docs' screenshots (not needed by the tests or CI):
# LibreOffice Calc and Chromium (scripts/integration/libreoffice.sh, chromium.sh), Label Studio in
# .venv-labelstudio (scripts/integration/labelstudio.sh), and from Debian: chromium-driver (selenium drives
# Chromium through it), xvfb and xdotool (a virtual display for Calc's window and the keys that open its
# drop-down), fonts-noto-color-emoji (posts carry emoji). selenium comes with the project's docs extra.
# Idempotent; needs root (or sudo) for apt-get. Install time only: the screenshot script downloads nothing.
# Usage: bash scripts/docs/install-tools.sh [VENV]   (default: .venv of the checkout)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${1:-.venv}"
bash scripts/integration/libreoffice.sh
bash scripts/integration/chromium.sh
bash scripts/integration/labelstudio.sh
need=()
for tool in chromedriver:chromium-driver Xvfb:xvfb xdotool:xdotool; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || need+=("${tool#*:}")
done
fc-list | grep -q NotoColorEmoji || need+=(fonts-noto-color-emoji)
if [ "${#need[@]}" -gt 0 ]; then
    sh scripts/integration/apt-install.sh "${need[@]}"
else
    echo "install-tools.sh: chromedriver, Xvfb, xdotool and an emoji font already installed"
fi
if ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
    "$venv/bin/python" -m pip install --quiet -e ".[docs]"
    "$venv/bin/python" -c "import selenium" || { echo "install-tools.sh: selenium missing from the docs extra" >&2; exit 1; }
fi
echo "install-tools.sh: ready; make the screenshots with $venv/bin/python scripts/docs/screenshots.py"
