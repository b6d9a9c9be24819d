#!/usr/bin/env bash
# Compiles every src/main/cuda/*.cu into the images the CUDA backend loads from the classpath:
#   <name>.sm_90.cubin    SASS for H100 (loaded first on compute capability 9.0)
#   <name>.sm_90.ptx      PTX for sm_90 (JIT-compiled by the driver if the cubin is refused)
#   <name>.compute_80.ptx portable PTX for any GPU of compute capability >= 8.0
# plus manifest.txt (one image per line). Skips cleanly (exit 0) when nvcc is not installed: the
# CUDA backend then reports itself unavailable (HINDSIGHT_SKIP_CUDA=1 forces that path). Incremental: an image newer than every source is kept.
# Usage: build-ptx.sh <cuda source dir> <output dir>
set -euo pipefail
src="${1:?source dir}"
out="${2:?output dir}"

if [[ "${HINDSIGHT_SKIP_CUDA:-}" == 1 ]]; then
  echo "[build-ptx] HINDSIGHT_SKIP_CUDA=1: kernels not compiled: CUDA backend will report itself unavailable"
  exit 0
fi
nvcc_bin="$(command -v nvcc || true)"
for candidate in "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
  if [[ -z "$nvcc_bin" && -x "$candidate" ]]; then nvcc_bin="$candidate"; fi
done
if [[ -z "$nvcc_bin" ]]; then
  echo "[build-ptx] nvcc not found: CUDA backend will report itself unavailable"
  exit 0
fi

mkdir -p "$out"
flags=(-O3 -std=c++17 -I "$src")
newest_header=0
for h in "$src"/*.cuh; do
  [[ -e "$h" ]] || continue
  t=$(stat -c %Y "$h"); (( t > newest_header )) && newest_header=$t
done

# compile <source> <output> <nvcc mode/arch flags...>
compile() {
  local cu="$1" dst="$2"; shift 2
  local src_time; src_time=$(stat -c %Y "$cu")
  (( newest_header > src_time )) && src_time=$newest_header
  if [[ -f "$dst" && $(stat -c %Y "$dst") -ge $src_time ]]; then
    return 0
  fi
  echo "[build-ptx] $(basename "$cu") -> $(basename "$dst")"
  "$nvcc_bin" "${flags[@]}" "$@" "$cu" -o "$dst.tmp"
  mv "$dst.tmp" "$dst"
}

manifest="$out/manifest.txt.tmp"
: > "$manifest"
for cu in "$src"/*.cu; do
  name=$(basename "$cu" .cu)
  compile "$cu" "$out/$name.sm_90.cubin" -cubin -arch=sm_90
  compile "$cu" "$out/$name.sm_90.ptx" -ptx -arch=sm_90
  compile "$cu" "$out/$name.compute_80.ptx" -ptx -arch=compute_80
  printf '%s\n%s\n%s\n' "$name.sm_90.cubin" "$name.sm_90.ptx" "$name.compute_80.ptx" >> "$manifest"
done
mv "$manifest" "$out/manifest.txt"
echo "[build-ptx] $(wc -l < "$out/manifest.txt") CUDA images in $out ($("$nvcc_bin" --version | tail -1))"
