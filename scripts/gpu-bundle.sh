#!/usr/bin/env bash
# Builds bundle/: a self-contained folder to validate and benchmark the CUDA backend on a GPU host
# that has only the NVIDIA driver (no JDK, no Maven, no network):
#   bundle/runtime.tgz  jlink'd Java runtime (java.base, java.logging, jdk.unsupported, jdk.incubator.vector), unpacked on first use
#   bundle/lib/         hindsight.jar (classes + compiled kernels), jcuda.jar, the JCuda driver native
#                       (natives jar cut down to libJCudaDriver: the driver binding is all we use),
#                       Jackson (job specs and result.json of the training check), picocli (the command line)
#   bundle/ptx/         the compiled kernels, also inside hindsight.jar (for inspection)
#   bundle/specs/       the job specs of the GPU-vs-CPU accuracy check
#   bundle/data/        Fashion-MNIST (only with --data; 30 MB)
#   bundle/*.py, bundle/run-gpu.sh
# Usage: scripts/gpu-bundle.sh [--data]   (from anywhere; needs nvcc for the kernels, fails without them)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bundle="$root/bundle"
jcuda_version=12.6.0
with_data=false
[[ "${1:-}" == "--data" ]] && with_data=true
classifier=linux-x86_64

echo "[bundle] building the project jar (tests skipped)"
./mvnw -q -B -DskipTests package
if [[ ! -s target/classes/io/hindsight/cuda/ptx/manifest.txt ]]; then
  echo "[bundle] no compiled CUDA kernels (nvcc missing?): refusing to build a GPU bundle" >&2
  exit 1
fi

rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/ptx"
cp target/hindsight.jar "$bundle/lib/"
cp "target/lib/jcuda-$jcuda_version.jar" target/lib/jackson-core-*.jar target/lib/jackson-databind-*.jar \
  target/lib/jackson-annotations-*.jar target/lib/picocli-*.jar "$bundle/lib/"
cp target/classes/io/hindsight/cuda/ptx/* "$bundle/ptx/"
cp bench/torch_peer.py bench/torch_train_peer.py bench/ncu_compare.py "$bundle/"
mkdir -p "$bundle/specs"
cp bench/specs/*.json "$bundle/specs/"
if $with_data; then
  src=""
  for d in "${HINDSIGHT_DATA_DIR:-/nonexistent}/fashion-mnist" /usr/share/datasets/fashion-mnist; do
    [[ -s "$d/train-images-idx3-ubyte.gz" ]] && { src="$d"; break; }
  done
  [[ -n "$src" ]] || { echo "[bundle] --data: Fashion-MNIST not found (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
  mkdir -p "$bundle/data/fashion-mnist"
  cp "$src"/*-ubyte.gz "$bundle/data/fashion-mnist/"
fi

# The natives jar also carries NVRTC/nvPTXCompiler/runtime bindings (~25 MB unpacked) that need
# CUDA toolkit libraries the GPU host does not have; keep only the driver binding.
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && jar xf "$root/target/lib/jcuda-natives-$jcuda_version-$classifier.jar" \
  "lib/libJCudaDriver-$jcuda_version-$classifier.so")
jar cf "$bundle/lib/jcuda-natives-driver-$jcuda_version-$classifier.jar" -C "$tmp" lib

echo "[bundle] jlink runtime"
modules="java.base,java.logging,jdk.unsupported,jdk.incubator.vector"
jlink --add-modules "$modules" --strip-debug --no-header-files --no-man-pages --compress=2 \
  --output "$tmp/runtime"
tar czf "$bundle/runtime.tgz" -C "$tmp" runtime

cat > "$bundle/run-gpu.sh" <<'RUN'
#!/usr/bin/env bash
# Runs, on a GPU host with only the NVIDIA driver (python3 with torch and ncu optional), each step
# with its own time limit, and writes everything to the results dir. The default steps took about
# 4 minutes on an H200 (2026-11-30; their limits add up to 14); the others run when named in STEPS.
#   selftest    io.hindsight.cuda.GpuSelfTest: every kernel against its CPU reference, the CUDA
#               backend against the CPU backend                         -> selftest.log
#   steptrace   io.hindsight.bench.StepTrace: two device-resident training steps of mlp, cnn, resnet20
#               and mobilenetv2 on the GPU and on the software device at once, every kernel's outputs
#               compared; names the first kernel that diverges           -> steptrace.log
#   devicetrain bench device-step --backend cuda: resnet20 and mobilenetv2 FP32 device-resident
#               training samples/s, batch 128                           -> devicetrain.log
#   int8train   bench device-step --backend cuda --quant: resnet20 fused INT8 training samples/s,
#               batch 128, hindsight-minmax against current-minmax      -> int8train.log
#   torchtrain  bench/torch_train_peer.py: PyTorch FP32 eager training samples/s, same models and batch
#   train       the accuracy check: specs/gpu-check-*.json (cnn FP32 and INT8, resnet20 INT8)
#               trained with --backend cuda (needs data/ from scripts/gpu-bundle.sh --data)
#                                                                       -> train-*/result.json
#   quantstep   bench quant-step --backend cuda (resnet20 FP32 / INT8 hindsight / INT8 current)
#   bench       io.hindsight.bench.GpuBench: copy bandwidth, the quantize kernels' share of it, INT8
#               GEMMs, a quantized linear layer and MLP step                -> bench-gpu.txt
#   ncustep     (where ncu exists) one whole static resnet20 INT8 step, and a current-minmax one, under
#               Nsight Compute: each kernel's time, L2 and DRAM bytes against the kernels' counters
#   not by default: torch (bench/torch_peer.py), ncu (NcuProbe under Nsight Compute, joined by
#   ncu_compare.py), extra (specs/extra-*.json, longer runs)
# Usage: run-gpu.sh [results dir] [--quick]     STEPS="selftest steptrace ..." selects steps
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/results"
quick=()
for arg in "$@"; do
  if [[ "$arg" == "--quick" ]]; then quick=(--quick); else out="$arg"; fi
done
steps="${STEPS:-selftest steptrace devicetrain int8train torchtrain bench ncustep train quantstep}"
mkdir -p "$out/tmp"
if [[ ! -x "$here/runtime/bin/java" ]]; then
  tar xzf "$here/runtime.tgz" -C "$here"
fi
java=("$here/runtime/bin/java" -Xmx16g --add-modules jdk.incubator.vector "-Djava.io.tmpdir=$out/tmp" -cp "$here/lib/*")
export HINDSIGHT_DATA_DIR="$here/data"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv | tee "$out/nvidia-smi.txt"
failed=()
step() { # step NAME SECONDS COMMAND...: runs COMMAND with a time limit, logs to NAME.log
  local name=$1 limit=$2
  shift 2
  [[ " $steps " == *" $name "* ]] || return 0
  echo "== $name (limit ${limit}s)"
  local t0=$SECONDS
  if declare -F "$1" >/dev/null; then # a function of this script: run it in a child bash
    set -- bash -c "$(declare -p java out here ncu_bin quick 2>/dev/null); $(declare -f "$1"); $1"
  fi
  timeout -k 10 "$limit" "$@" > >(tee "$out/$name.log") 2>&1
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - t0)) s" | tee -a "$out/steps.txt"
  [[ $rc -eq 0 ]] || failed+=("$name")
}
have_torch() { command -v python3 >/dev/null && python3 -c 'import torch' 2>/dev/null; }

step selftest 45 "${java[@]}" io.hindsight.cuda.GpuSelfTest
step steptrace 120 "${java[@]}" io.hindsight.bench.StepTrace --batch 32
device_train() {
  for m in resnet20 mobilenetv2; do
    "${java[@]}" io.hindsight.cli.Main bench device-step --model "$m" --batch 128 --iters 30 --backend cuda || return 1
  done
}
step devicetrain 60 device_train
int8_train() {
  for q in hindsight-minmax current-minmax; do
    "${java[@]}" io.hindsight.cli.Main bench device-step --model resnet20 --batch 128 --iters 30 --backend cuda \
      --quant "$q" || return 1
  done
}
step int8train 90 int8_train
step bench 150 "${java[@]}" io.hindsight.bench.GpuBench --out "$out/bench-gpu.txt" "${quick[@]}"
if have_torch; then
  step torch 150 python3 "$here/torch_peer.py" --out "$out/bench-torch.txt" "${quick[@]}"
fi
ncu_bin="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu /usr/local/cuda/bin/ncu 2>/dev/null | head -1)"
if [[ -n "$ncu_bin" ]]; then
  ncu_run() {
    "$ncu_bin" --target-processes all --clock-control none --csv --log-file "$out/ncu-raw.csv" \
      -k 'regex:quantize|minmax|gemm_s8|rowsum' \
      --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_sectors_srcunit_tex_op_write.sum \
      "${java[@]}" io.hindsight.bench.NcuProbe --out "$out/ncu-counted.csv" &&
    python3 "$here/ncu_compare.py" "$out/ncu-counted.csv" "$out/ncu-raw.csv" | tee "$out/ncu-compare.txt"
  }
  step ncu 180 ncu_run
  ncu_step() { # every kernel of one whole static resnet20 INT8 step and one current-minmax step: the
    # timed step is the profiler range; hindsight-minmax's first three steps are its dynamic warm-up
    for q in hindsight-minmax current-minmax; do
      "$ncu_bin" --target-processes all --clock-control none --profile-from-start off --csv \
        --log-file "$out/ncustep-$q-raw.csv" \
        --metrics gpu__time_duration.sum,dram__bytes_read.sum,dram__bytes_write.sum,lts__t_sectors_srcunit_tex_op_read.sum,lts__t_sectors_srcunit_tex_op_write.sum \
        "${java[@]}" io.hindsight.cli.Main bench device-step --model resnet20 --batch 128 --warmup 3 --iters 1 \
        --backend cuda --quant "$q" --counted "$out/ncustep-$q-counted.csv" || return 1
      python3 "$here/ncu_compare.py" "$out/ncustep-$q-counted.csv" "$out/ncustep-$q-raw.csv" \
        | tee "$out/ncustep-$q-compare.txt" || return 1
    done
  }
  step ncustep 240 ncu_step
fi
train_check() {
  for spec in "$here"/specs/gpu-check-*.json; do
    local name
    name="$(basename "$spec" .json)"
    "${java[@]}" io.hindsight.cli.Main train --spec "$spec" --backend cuda --out "$out/train-${name#gpu-check-}" || return 1
  done
}
[[ -d "$here/data/fashion-mnist" ]] && step train 180 train_check
train_extra() {
  for spec in "$here"/specs/extra-*.json; do
    local name
    name="$(basename "$spec" .json)"
    "${java[@]}" io.hindsight.cli.Main train --spec "$spec" --backend cuda --out "$out/$name" || return 1
  done
}
[[ -d "$here/data/fashion-mnist" ]] && step extra "${EXTRA_LIMIT:-600}" train_extra
step quantstep 60 "${java[@]}" io.hindsight.cli.Main bench quant-step --model resnet20 --backend cuda --iters 5
if have_torch; then
  torch_train() {
    for m in resnet20 mobilenetv2; do python3 "$here/torch_train_peer.py" --model "$m" --batch 128 || return 1; done
  }
  step torchtrain 60 torch_train
fi
echo "== failed steps: ${failed[*]:-none} (results in $out)"
[[ ${#failed[@]} -eq 0 ]]
RUN
chmod +x "$bundle/run-gpu.sh" "$bundle"/*.py

size=$(du -sb "$bundle" | cut -f1)
echo "[bundle] $bundle: $((size / 1048576)) MiB"
if (( size >= 64 * 1048576 )); then
  echo "[bundle] too large: must stay under 64 MiB" >&2
  exit 1
fi
