#!/usr/bin/env bash
# Installs the manifest validator (validate.mjs and its pinned npm packages) under .tools/k8s-validator and prints the
# path of validate.mjs. Needs node and npm; reaches only the npm registry. Idempotent: `npm ci` runs only when the lock
# file changed since the last install.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
dest=$root/.tools/k8s-validator
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "k8s-validator: '$tool' is not installed" >&2; exit 3; }
done
mkdir -p "$dest"
if ! cmp -s "$here/package-lock.json" "$dest/.installed-lock.json" || [ ! -d "$dest/node_modules" ]; then
  echo "k8s-validator: installing pinned npm packages into $dest..." >&2
  cp "$here/package.json" "$here/package-lock.json" "$dest/"
  (cd "$dest" && npm ci --no-audit --no-fund --loglevel=error >&2)
  cp "$here/package-lock.json" "$dest/.installed-lock.json"
fi
# Always refresh the script itself: cheap, and an edited validate.mjs takes effect at once.
cp "$here/validate.mjs" "$dest/validate.mjs.tmp.$$" && mv -f "$dest/validate.mjs.tmp.$$" "$dest/validate.mjs"
echo "$dest/validate.mjs"
