#!/bin/sh
# Install LibreOffice Calc (Debian package, no recommends) for vnflag's spreadsheet integration tests.
# Idempotent: does nothing when `soffice` is already on PATH. Needs root (or sudo) for apt-get.
# Nothing is downloaded when vnflag runs; this is an install-time step only.
set -eu
if command -v soffice >/dev/null 2>&1; then
    echo "libreoffice.sh: soffice already installed: $(command -v soffice)"
    exit 0
fi
sh "$(dirname "$0")/apt-install.sh" libreoffice-calc
command -v soffice >/dev/null 2>&1 || { echo "libreoffice.sh: soffice missing after install" >&2; exit 1; }
echo "libreoffice.sh: installed $(soffice --version 2>/dev/null | head -n 1)"
