#!/usr/bin/env bash
# Builds bundle/: a self-contained folder to validate and benchmark the CUDA backend on a GPU host
# that has only the NVIDIA driver (no JDK, no Maven, no network):
#   bundle/runtime/     jlink'd Java runtime (java.base, java.logging, jdk.unsupported)
#   bundle/lib/         hindsight.jar (classes + compiled kernels), jcuda.jar, the JCuda driver native
#                       (natives jar cut down to libJCudaDriver: the driver binding is all we use)
#   bundle/ptx/         the compiled kernels, also inside hindsight.jar (for inspection)
#   bundle/torch_peer.py, bundle/run-gpu.sh
# Usage: scripts/gpu-bundle.sh   (from anywhere; needs nvcc for the kernels, fails without them)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bundle="$root/bundle"
jcuda_version=12.6.0
classifier=linux-x86_64

echo "[bundle] building the project jar (tests skipped)"
mvn -q -B -DskipTests package
if [[ ! -s target/classes/io/hindsight/cuda/ptx/manifest.txt ]]; then
  echo "[bundle] no compiled CUDA kernels (nvcc missing?): refusing to build a GPU bundle" >&2
  exit 1
fi

rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/ptx"
cp target/hindsight.jar "$bundle/lib/"
cp "target/lib/jcuda-$jcuda_version.jar" "$bundle/lib/"
cp target/classes/io/hindsight/cuda/ptx/* "$bundle/ptx/"
cp bench/torch_peer.py bench/torch_train_peer.py "$bundle/"

# The natives jar also carries NVRTC/nvPTXCompiler/runtime bindings (~25 MB unpacked) that need
# CUDA toolkit libraries the GPU host does not have; keep only the driver binding.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && jar xf "$root/target/lib/jcuda-natives-$jcuda_version-$classifier.jar" \
  "lib/libJCudaDriver-$jcuda_version-$classifier.so")
jar cf "$bundle/lib/jcuda-natives-driver-$jcuda_version-$classifier.jar" -C "$tmp" lib

echo "[bundle] jlink runtime"
modules="java.base,java.logging,jdk.unsupported"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$bundle/runtime"

cat > "$bundle/run-gpu.sh" <<'RUN'
#!/usr/bin/env bash
# Runs the CUDA validation (io.hindsight.cuda.GpuSelfTest: every kernel against its CPU reference,
# the CUDA backend against the CPU backend) and the benchmark suite (io.hindsight.bench.GpuBench),
# then the PyTorch peer if python3 with torch is installed. No network.
# Usage: run-gpu.sh [results dir] [--quick]      (default results dir: ./results)
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/results}"
quick=()
[[ "${2:-}" == "--quick" || "${1:-}" == "--quick" ]] && quick=(--quick)
[[ "$out" == "--quick" ]] && out="$here/results"
mkdir -p "$out/tmp"
java=("$here/runtime/bin/java" -Xmx8g "-Djava.io.tmpdir=$out/tmp" -cp "$here/lib/*")
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/nvidia-smi.txt"

echo "== GPU self-test"
"${java[@]}" io.hindsight.cuda.GpuSelfTest 2>&1 | tee "$out/selftest.txt"
selftest=${PIPESTATUS[0]}

echo "== bench gpu (table also in $out/bench-gpu.txt)"
"${java[@]}" io.hindsight.bench.GpuBench --out "$out/bench-gpu.txt" "${quick[@]}" 2>&1 | tee "$out/bench-gpu.log"
bench=${PIPESTATUS[0]}

torch=0
if command -v python3 >/dev/null && python3 -c 'import torch' 2>/dev/null; then
  echo "== PyTorch peer (table also in $out/bench-torch.txt)"
  python3 "$here/torch_peer.py" --out "$out/bench-torch.txt" "${quick[@]}" 2>&1 | tee "$out/bench-torch.log"
  torch=${PIPESTATUS[0]}
  for m in resnet20 cnn; do
    python3 "$here/torch_train_peer.py" --model "$m" 2>&1 | tee -a "$out/bench-torch-train.txt"
  done
else
  echo "== PyTorch peer skipped: python3 with torch not installed"
fi
echo "== exit codes: selftest=$selftest bench=$bench torch=$torch (results in $out)"
[[ $selftest -eq 0 && $bench -eq 0 && $torch -eq 0 ]]
RUN
chmod +x "$bundle/run-gpu.sh" "$bundle/torch_peer.py" "$bundle/torch_train_peer.py"

size=$(du -sb "$bundle" | cut -f1)
echo "[bundle] $bundle: $((size / 1048576)) MiB"
if (( size >= 64 * 1048576 )); then
  echo "[bundle] too large: must stay under 64 MiB" >&2
  exit 1
fi
