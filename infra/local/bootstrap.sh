#!/usr/bin/env bash
# Install what a fresh Debian 12 machine lacks to run and test SiteCheck, then sync the venv.
#
# Idempotent and quick on a machine that already has everything: each piece is checked first
# (dpkg / command -v) and apt-get only runs when something is actually missing.
#
# Note: installing postgresql-15 makes Debian create and start its own cluster "15/main" on
# port 5432. SiteCheck does not use it (infra/local/embedded.py runs a private cluster on a
# loopback port of its own), and this script deliberately leaves it alone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

log() { printf 'bootstrap: %s\n' "$*" >&2; }

# dpkg -s also succeeds for removed packages whose config files remain, so check the state.
is_installed() {
    dpkg -s "$1" 2>/dev/null | grep -q '^Status: install ok installed$'
}

missing=()
for pkg in postgresql-15 postgresql-15-postgis-3 chromium; do
    is_installed "$pkg" || missing+=("$pkg")
done
# Node may come from elsewhere (NodeSource, nvm) with npm bundled: what matters is the commands.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
# The embedded S3 store's gRPC certificate is made with it at every start (embedded.py).
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
# uv is installed with pip below; Debian's python3 has no pip unless python3-pip is there.
if ! command -v uv >/dev/null 2>&1 && ! python3 -m pip --version >/dev/null 2>&1; then
    missing+=(python3-pip)
fi

# Only needed when something has to be installed system-wide.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "not root and sudo is not available; as root, run:"
        log "  apt-get update && apt-get install -y ${missing[*]}"
        exit 1
    fi
}

if [ "${#missing[@]}" -gt 0 ]; then
    log "installing: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
else
    log "system packages: all present"
fi

if ! command -v uv >/dev/null 2>&1; then
    log "installing uv with pip (user install)"
    pip_args=(install --user uv)
    # Debian 12's python is "externally managed" (PEP 668); uv is a self-contained binary
    # wheel in the user's own site, which cannot disturb the system packages.
    if python3 -m pip install --help 2>/dev/null | grep -q -- '--break-system-packages'; then
        pip_args+=(--break-system-packages)
    fi
    python3 -m pip "${pip_args[@]}"
    user_bin="$(python3 -m site --user-base)/bin"
    export PATH="$user_bin:$PATH"
    command -v uv >/dev/null 2>&1 || { log "uv installed but not found in $user_bin"; exit 1; }
    log "uv is in $user_bin; add it to your PATH"
fi

cd "$repo_root"
log "uv sync --frozen"
uv sync --frozen
log "done"
