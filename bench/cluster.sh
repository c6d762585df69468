#!/usr/bin/env bash
# Issue 13's figures for cct2 (LP/FT2/LoRA2): instructions per MAC per kernel family, critical path,
# balance, bytes moved and estimate against count on siracusa (8 harts, L1 64 KiB and 256 KiB, under
# qemu), compile wall time, and the host C's steps/s against PyTorch's. Options: bench/cluster.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 bench/cluster.py "$@"
