#!/usr/bin/env bash
# Re-runnable calibration of the cluster targets' cost model (docs/cost-model.md): profiles a fixed
# set of cases under qemu, fits the coefficients, writes them into targets/*.json and prints the
# report's estimate against the profile's count per case. Options: tools/calibrate.py --help.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 tools/calibrate.py "$@"
