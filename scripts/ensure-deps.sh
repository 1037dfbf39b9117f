#!/usr/bin/env bash
# Installs the workspace's npm dependencies with the pinned pnpm when they are missing or the
# lockfile changed since the last install. A second run does nothing and needs no network.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PNPM_VERSION="$(node -p 'require("./package.json").packageManager.split("@")[1]')"

node -e '
  const [maj, min] = process.versions.node.split(".").map(Number);
  if (!((maj === 20 && min >= 19) || maj >= 22)) {
    console.error(`error: Node ${process.versions.node} found; Distillguard needs Node 20.19+ or 22.12+ (vite 8)`);
    process.exit(1);
  }'

stamp="node_modules/.dg-lock-hash"
want="$(sha256sum pnpm-lock.yaml | cut -d" " -f1)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
echo "installing npm dependencies with pnpm $PNPM_VERSION (frozen lockfile)" >&2
npx -y "pnpm@$PNPM_VERSION" install --frozen-lockfile --reporter=append-only >&2
echo "$want" >"$stamp"
