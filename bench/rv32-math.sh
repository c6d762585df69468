#!/usr/bin/env bash
# Instructions per element of the elementwise / softmax / layer-norm / optimizer kernels on one
# rv32imafc core, in float (a target without a double FPU: siracusa, pulp-open, gap9) and in double
# (soft-float on that core), counted by qemu-system-riscv32 -icount. Needs gcc-riscv64-unknown-elf,
# picolibc-riscv64-unknown-elf and qemu-system-misc. Writes nothing outside a temporary folder.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -r "$root/src-templates/kernels" "$root/src-templates/runtime" "$root/bench/rv32_math.c" "$tmp/"
# td_args.h (the kernels' argument structs) is generated from the compiler's kernel-call records: take it
# from any compiled folder (the same bytes for every model; needs traindeeploy-cli/target/traindeeploy.jar).
java -jar "$root/traindeeploy-cli/target/traindeeploy.jar" compile "$root/tests/conformance/mlp/model.onnx" -o "$tmp/gen" --target host > /dev/null
cp "$tmp/gen/kernels/td_args.h" "$tmp/kernels/"
cd "$tmp"
for mode in float double; do
  { printf '#define TD_L1_SIZE 0u\n#define TD_L2_SIZE 16u\n#define TD_L3_SIZE 0u\n#define TD_DMA_MAX 256u\n'
    [ "$mode" = float ] && printf '#define TD_NO_DOUBLE 1\n'; } > td_target.h
  riscv64-unknown-elf-gcc --specs=picolibc.specs --oslib=semihost -march=rv32imafc -mabi=ilp32f -std=c99 -O2 \
    -I. -Iruntime -Ikernels -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x200000 \
    -Wl,--defsym=__ram=0x80200000 -Wl,--defsym=__ram_size=0x200000 \
    rv32_math.c kernels/elementwise.c kernels/softmax.c kernels/norm.c kernels/optimizer.c -lm -o "bench-$mode.elf"
  timeout 300 qemu-system-riscv32 -machine virt -bios none -kernel "bench-$mode.elf" -display none -serial none -monitor none \
    -chardev file,id=out,path="$mode.raw" -semihosting-config enable=on,target=native,chardev=out -icount shift=0
  tr -d '\r' < "$mode.raw" > "$mode.txt"
done
echo "instructions per element, one rv32imafc core (qemu -icount)"
printf '%-14s %8s %8s\n' kernel float double
join <(sort float.txt) <(sort double.txt) | awk '{ printf "%-14s %8s %8s\n", $1, $2, $3 }'
