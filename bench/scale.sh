#!/usr/bin/env bash
# Compile times of large synthetic graphs (issue 15: passes in O(n log n) on graph size):
#   chain  x → (Add bias → Relu) × N/2 → Gemm, --train all (forward, backward and N/2 updates)
#   wide   x → W parallel MatMuls summed by W−1 Adds, --train all (every Add a fuse-residual candidate)
#   vit    a depth-D ViT-like transformer with LoRA on its six MatMuls per block
# Usage: bench/scale.sh [CHAIN_NODES WIDE_BRANCHES VIT_DEPTH]   (default 100000 50000 64)
# Targets on the 2-core machine: chain and wide under 30 s, vit under 15 s. Writes only to a temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -q -B -o test-compile -pl traindeeploy-core >/dev/null
./mvnw -q -B -o package -DskipTests >/dev/null
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jar=traindeeploy-cli/target/traindeeploy.jar
java -cp "$jar:traindeeploy-core/target/test-classes" org.traindeeploy.testing.BigGraphs "$tmp" "${1:-100000}" "${2:-50000}" "${3:-64}"
run() {
  local name=$1; shift
  /usr/bin/time -f "$name: %e s wall, %U s user, %M KiB peak" java -XX:+UseSerialGC -Xss16m -jar "$jar" compile "$@" >/dev/null
}
run chain "$tmp/chain.onnx" -o "$tmp/out-chain" --target host --train all
run wide "$tmp/wide.onnx" -o "$tmp/out-wide" --target host --train all
run vit "$tmp/vit.onnx" -o "$tmp/out-vit" --target host \
  --lora '*/q/MatMul,*/k/MatMul,*/v/MatMul,*/o/MatMul,*/fc1/MatMul,*/fc2/MatMul' --train '/head/*'
