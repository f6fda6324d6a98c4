#!/usr/bin/env bash
# Installs what `make check-cuda` needs under .tools/cuda/ (git-ignored) and prints that folder. Idempotent: quick when
# present. From Debian bookworm's non-free component (CUDA 11.8, which knows sm_90), without installing any package:
#   bin/ptxas                              nvidia-cuda-toolkit  (the PTX assembler; the package's 2.8 GB of dependencies are not needed)
#   lib/libcublas.so.11, libcublasLt.so.11 libcublas11, libcublaslt11
#   include/cublas_api.h, cublasLt.h, library_types.h   nvidia-cuda-dev (only these three headers are extracted)
# The machine's own apt sources are left alone: a private apt configuration under .tools/cuda/apt lists bookworm's
# contrib and non-free components only, so the same versions come whatever Debian release the machine runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest=${CUDA_TOOLS_DIR:-$root/.tools/cuda}
stamp=$dest/.complete

if [ -f "$stamp" ] && [ -x "$dest/bin/ptxas" ] && [ -e "$dest/lib/libcublasLt.so.11" ] && [ -f "$dest/include/cublasLt.h" ]; then
  echo "$dest"
  exit 0
fi

mkdir -p "$dest"
# One install at a time (the test fixtures of two classes, or make check-cuda beside make test, may start it together).
exec 9>"$dest/.lock"
flock 9
if [ -f "$stamp" ]; then
  echo "$dest"
  exit 0
fi

for tool in apt-get dpkg-deb tar; do
  command -v "$tool" >/dev/null || { echo "install-cuda-tools: '$tool' is required (a Debian machine)" >&2; exit 1; }
done
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || { echo "install-cuda-tools: $keyring is missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

apt_dir=$dest/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
echo "deb [signed-by=$keyring] http://deb.debian.org/debian bookworm contrib non-free" >"$apt_dir/sources.list"
apt_opts=(
  -o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::Status=/dev/null
  -o APT::Sandbox::User=root -o Acquire::Retries=3 -qq
)
packages=(nvidia-cuda-toolkit libcublas11 libcublaslt11 nvidia-cuda-dev)

start=$SECONDS
echo "install-cuda-tools: fetching ${packages[*]} (about 1.1 GB) from Debian bookworm non-free..." >&2
apt-get "${apt_opts[@]}" update >&2
(cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download "${packages[@]}" >&2)
echo "install-cuda-tools: downloaded in $((SECONDS - start)) s" >&2

work=$(mktemp -d "$dest/.work.XXXXXX")
trap 'rm -rf "$work"' EXIT
deb() { ls "$apt_dir"/debs/"$1"_*.deb; }

# Extracts the named members of a package. tar stops reading once it has them all (--occurrence), so the 2.8 GB of
# nvidia-cuda-dev's static libraries after the headers are never decompressed; dpkg-deb then sees a closed pipe.
extract() {
  local package=$1; shift
  set +o pipefail
  dpkg-deb --fsys-tarfile "$(deb "$package")" 2>/dev/null | tar -x -C "$work" --occurrence "$@"
  local status=("${PIPESTATUS[@]}")
  set -o pipefail
  [ "${status[1]}" -eq 0 ] || { echo "install-cuda-tools: extracting $* from $package failed" >&2; exit 1; }
  for member in "$@"; do
    [ -e "$work/$member" ] || [ -L "$work/$member" ] || { echo "install-cuda-tools: $package has no $member" >&2; exit 1; }
  done
}

libs=./usr/lib/x86_64-linux-gnu
blas_version=$(dpkg-deb -f "$(deb libcublas11)" Version | sed 's/~.*//')
extract nvidia-cuda-toolkit ./usr/bin/ptxas
extract libcublas11 "$libs/libcublas.so.$blas_version"
extract libcublaslt11 "$libs/libcublasLt.so.$blas_version"
extract nvidia-cuda-dev ./usr/include/cublasLt.h ./usr/include/cublas_api.h ./usr/include/library_types.h

mkdir -p "$dest/bin" "$dest/lib" "$dest/include"
install -m 0755 "$work/usr/bin/ptxas" "$dest/bin/ptxas"
for lib in libcublas libcublasLt; do
  install -m 0644 "$work/$libs/$lib.so.$blas_version" "$dest/lib/$lib.so.$blas_version"
  ln -sfn "$lib.so.$blas_version" "$dest/lib/$lib.so.11"
done
install -m 0644 "$work"/usr/include/*.h "$dest/include/"
{
  for package in "${packages[@]}"; do echo "$package $(dpkg-deb -f "$(deb "$package")" Version)"; done
} >"$dest/VERSIONS"
rm -rf "$apt_dir/debs" "$apt_dir/cache"
"$dest/bin/ptxas" --version | tail -1 >&2
touch "$stamp"
echo "install-cuda-tools: ready in $((SECONDS - start)) s" >&2
echo "$dest"
