#!/bin/sh
# apt-get install Debian packages without recommends, as root or through sudo, waiting for another
# apt-get's lock instead of failing. Used by the tool scripts here (chromium.sh, libreoffice.sh).
# Usage: sh scripts/integration/apt-install.sh PACKAGE...
set -eu
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "apt-install.sh: need root or sudo to apt-get install $*" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
LOCK="-o DPkg::Lock::Timeout=600"
$SUDO apt-get $LOCK update -q
$SUDO apt-get $LOCK install -y -q --no-install-recommends "$@"
