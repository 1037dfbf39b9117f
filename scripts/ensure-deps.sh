#!/usr/bin/env bash
# Installs the workspace's npm dependencies with the pinned pnpm when they are missing or the
# lockfile changed since the last install, the chDB venv the modern-dialect tests run on
# (test/chdb), and the LiteLLM proxy venv the gateway logger test runs (test/litellm-proxy).
# The two venvs only with --tests. A second run does nothing and needs no network.
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

# Python packages go in project-local venvs: Debian's system Python refuses pip installs
# (PEP 668). The stamp holds the pinned requirements, so changing a pin reinstalls.
ensure_venv() {
  local venv="$1" requirements="$2" what="$3"
  local stamp="$venv/.dg-requirement"
  if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$requirements" ]]; then
    return 0
  fi
  if ! command -v python3 >/dev/null; then
    echo "error: python3 not found; $what needs Python 3.9+ with venv (Debian: apt-get install python3 python3-venv)" >&2
    exit 1
  fi
  if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
    echo "error: python3 cannot create virtual environments; install the venv module (Debian: apt-get install python3-venv)" >&2
    exit 1
  fi
  echo "installing $requirements into $venv" >&2
  rm -rf "$venv"
  python3 -m venv "$venv"
  local -a packages
  read -ra packages <<<"$requirements"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
  echo "$requirements" >"$stamp"
}

# chDB: an in-process current ClickHouse, for the modern-dialect tests.
CHDB_REQUIREMENT="chdb-core==26.9.0"
CHDB_VENV=".local/chdb-venv"
ensure_chdb() {
  ensure_venv "$CHDB_VENV" "$CHDB_REQUIREMENT" "the chDB tests"
}

# A real LiteLLM proxy plus the Kafka client of integrations/litellm, for test/litellm-proxy.
# 1.108.7 is the newest release whose [proxy] extra resolves on PyPI; the Kafka client pin is
# the one integrations/litellm/requirements.txt ships, so the test runs what users install.
LITELLM_REQUIREMENTS="litellm[proxy]==1.108.7 $(grep -v '^#' integrations/litellm/requirements.txt | xargs)"
LITELLM_VENV=".local/litellm-venv"
ensure_litellm() {
  ensure_venv "$LITELLM_VENV" "$LITELLM_REQUIREMENTS" "the LiteLLM proxy test"
}

# The test venvs are for `npm test` (--tests): a user running the demo, the pipeline or a
# report should not wait for 770 MB of LiteLLM they do not use.
ensure_npm
if [[ "${1:-}" == "--tests" ]]; then
  ensure_chdb
  ensure_litellm
fi
