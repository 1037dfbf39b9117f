#!/usr/bin/env bash
# Installs the workspace's npm dependencies with the pinned pnpm when they are missing or the
# lockfile changed since the last install, and the chDB venv the modern-dialect tests run on
# (test/chdb). A second run does nothing and needs no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION="$(node -p 'require("./package.json").packageManager.split("@")[1]')"

node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (!((maj === 20 && min >= 19) || maj >= 22)) {
    console.error(`error: Node ${process.versions.node} found; Distillguard needs Node 20.19+ or 22.12+ (vite 8)`);
    process.exit(1);
  }'

ensure_npm() {
  local stamp="node_modules/.dg-lock-hash"
  local want
  want="$(sha256sum pnpm-lock.yaml | cut -d" " -f1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    return 0
  fi
  echo "installing npm dependencies with pnpm $PNPM_VERSION (frozen lockfile)" >&2
  npx -y "pnpm@$PNPM_VERSION" install --frozen-lockfile --reporter=append-only >&2
  echo "$want" >"$stamp"
}

# chDB (an in-process current ClickHouse) in a venv: Debian's system Python refuses pip installs
# (PEP 668). The stamp holds the pinned requirement, so changing the pin reinstalls.
CHDB_REQUIREMENT="chdb-core==26.9.0"
CHDB_VENV=".local/chdb-venv"
ensure_chdb() {
  local stamp="$CHDB_VENV/.dg-requirement"
  if [[ -x "$CHDB_VENV/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$CHDB_REQUIREMENT" ]]; then
    return 0
  fi
  if ! command -v python3 >/dev/null; then
    echo "error: python3 not found; the chDB tests need Python 3.9+ with venv (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "error: python3 cannot create virtual environments; install the venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "installing $CHDB_REQUIREMENT into $CHDB_VENV" >&2
  rm -rf "$CHDB_VENV"
  python3 -m venv "$CHDB_VENV"
  "$CHDB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "$CHDB_REQUIREMENT" >&2
  echo "$CHDB_REQUIREMENT" >"$stamp"
}

ensure_npm
ensure_chdb
