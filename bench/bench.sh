#!/usr/bin/env bash
# Figures for the paper's five strategies on cct2: the planner's memory, the bytes the generated code
# moves (the report counts the same tiles as the code generator) and estimated cycles on Siracusa at L1 = 256 KiB and 64 KiB (sweep), and the host's wall time per training step
# of the generated C (8 threads). Prints a table per run; writes nothing outside a temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
strategies="LP: --train last; \
FT1: --train '/blocks.1/*MatMul,/attention_pool/*,/fc/*'; \
FT2: --train '/blocks.*/*MatMul,/attention_pool/*,/fc/*'; \
LoRA1: --lora '/blocks.1/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'; \
LoRA2: --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*'"
for l1 in 256KiB 64KiB; do
  echo "== Siracusa, L1 = $l1 (bytes as the generated code moves them; cycles are estimates from targets/siracusa.json)"
  ./traindeeploy sweep models/cct2/model.onnx --target siracusa --l1 "$l1" -o "$tmp/sweep-$l1" --strategies "$strategies" | grep -v '^sweep:'
done
echo "== host: wall time of 40 training steps of the generated C (LoRA2, 8 threads)"
start=$(date +%s.%N)
./traindeeploy train models/cct2/model.onnx --data models/cct2/data --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 \
  --train '/attention_pool/*,/fc/*' --steps 40 > "$tmp/train.log"
end=$(date +%s.%N)
tail -1 "$tmp/train.log"
awk -v s="$start" -v e="$end" 'BEGIN { printf "compile + build + 40 steps: %.2f s\n", e - s }'
