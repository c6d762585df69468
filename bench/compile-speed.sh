#!/usr/bin/env bash
# Compile speed (issue 13 item 8): wall time of `compile` of cct2 LoRA2 for siracusa, median of 5, through
# the jar with plain flags and through the ./traindeeploy launcher (C1 only, fewer methods compiled, static
# class-data-sharing archive), then one launcher compile's phase and per-thread CPU times;
# and a 20-strategy sweep of a depth-4 ViT (BigGraphs) with its wall time and CPU use (parallel strategies).
# Usage: bench/compile-speed.sh   (target: compile under 1.0 s wall). Writes only to a temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
./mvnw -q -B -o test-compile -pl traindeeploy-core >/dev/null
./mvnw -q -B -o package -DskipTests >/dev/null
./traindeeploy --version >/dev/null # builds the launcher's class-data-sharing archive when missing
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
jar=traindeeploy-cli/target/traindeeploy.jar
args=(compile models/cct2/model.onnx --lora '/blocks.*/*MatMul' --lora-rank 4 --lora-alpha 4 --train '/attention_pool/*,/fc/*' --target siracusa -o "$tmp/c" --force)
# Wall time is noisy on a shared machine: each run also reports its CPU time (user + system, all JVM
# threads: the JIT's and the collector's too), which the machine's load disturbs much less.
median() {
  local label=$1; shift
  local ts=() cs=()
  for _ in 1 2 3 4 5; do
    local w u
    /usr/bin/time -f '%e %U %S' -o "$tmp/time" "$@" >/dev/null
    read -r w u sy < "$tmp/time"
    ts+=("$(awk -v w="$w" 'BEGIN { printf "%d", w * 1000 }')")
    cs+=("$(awk -v u="$u" -v s="$sy" 'BEGIN { printf "%d", (u + s) * 1000 }')")
  done
  local sorted csorted
  sorted=$(printf '%s\n' "${ts[@]}" | sort -n | tr '\n' ' ')
  csorted=$(printf '%s\n' "${cs[@]}" | sort -n | tr '\n' ' ')
  echo "$label: wall median $(printf '%s\n' "${ts[@]}" | sort -n | sed -n 3p) ms of 5 ($sorted ms); CPU median $(printf '%s\n' "${cs[@]}" | sort -n | sed -n 3p) ms ($csorted ms); load $(cut -d' ' -f1 /proc/loadavg)"
}
median "compile cct2 LoRA2 siracusa, java -jar" java -XX:+UseSerialGC -Xss16m -jar "$jar" "${args[@]}"
median "compile cct2 LoRA2 siracusa, ./traindeeploy" ./traindeeploy "${args[@]}"
# Where one launcher compile's time goes (-Dtraindeeploy.timing=true, docs/cli.md): the phases on the
# main thread and the second core, and the CPU of every thread (the C1 compiler's included).
JAVA_TOOL_OPTIONS=-Dtraindeeploy.timing=true ./traindeeploy "${args[@]}" 2>&1 >/dev/null \
  | grep -E '^timing: .*(call|target loaded|pass (import|plan|tile|lower)|warm-up done|step report|report.html|folder rendered|written|by thread)' || true
java -cp "$jar:traindeeploy-core/target/test-classes" org.traindeeploy.testing.BigGraphs "$tmp" 100 10 4
: > "$tmp/strategies"
for r in 2 4 8; do
  for m in '*/q/MatMul,*/v/MatMul' '*/q/MatMul,*/k/MatMul,*/v/MatMul,*/o/MatMul' '*/fc1/MatMul,*/fc2/MatMul' \
      '*/q/MatMul,*/k/MatMul,*/v/MatMul,*/o/MatMul,*/fc1/MatMul,*/fc2/MatMul'; do
    echo "lora$r-$(wc -l < "$tmp/strategies"): --lora '$m' --lora-rank $r --lora-alpha $r --train '/head/*'" >> "$tmp/strategies"
  done
done
printf '%s\n' "last: --train last" "all: --train all" "head: --train '/head/*'" >> "$tmp/strategies"
for m in q k v o fc1; do echo "ft-$m: --train '*/$m/MatMul,/head/*'" >> "$tmp/strategies"; done
/usr/bin/time -f "sweep of $(wc -l < "$tmp/strategies") strategies, depth-4 ViT, siracusa: %e s wall, %P CPU ($(nproc) cores)" \
  ./traindeeploy sweep "$tmp/vit.onnx" --target siracusa --strategies-file "$tmp/strategies" -o "$tmp/sweep" >/dev/null
