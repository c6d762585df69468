#!/usr/bin/env python3
"""Kernel speed on the cluster and the host (issue 13's figures), cct2 with the paper's strategies.

For LP, FT2 and LoRA2 on siracusa with 8 harts at L1 64 KiB and 256 KiB it compiles the step
(report.json) and profiles it under qemu (profile.json, docs/rv32.md), and prints:
  - instructions per MAC of the whole step and per kernel family (matrix products, convolutions,
    and the other kernels' instructions per element of output);
  - the critical path, the balance (critical path x harts / instructions; 1.0 is an even split);
  - the bytes the tiles move between L2 and L1 (report.json, the same tiling as the code);
  - report.json's estimated cycles against profile's cycle figure (critical path x the target's
    cycles per instruction);
then the wall time of `compile` of cct2 LoRA2 for siracusa, and the host C's training steps per
second (2 cores, batch 1) against PyTorch's (bench/torch_step.py, torch.set_num_threads(2), and 1,
PyTorch's faster setting on a 2-core machine; batch 1, the same strategy), in the same run, each the
best of 3 runs (PyTorch's threads are the most sensitive to other load).

    bench/cluster.sh [--l1 64KiB,256KiB] [--strategies LP,FT2,LoRA2] [--jobs 2] [--host-steps 20]
"""
import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import calibrate  # noqa: E402  (the strategies' flags)

MODEL = os.path.join(ROOT, "models", "cct2", "model.onnx")
CASE = os.path.join(ROOT, "tests", "conformance", "cct2")
TD = os.path.join(ROOT, "traindeeploy")
TORCH_PY = "/usr/bin/python3"

MATMUL = ("td_linear", "td_linear_grad_weight", "td_matmul", "td_gemm", "td_lora")
CONV = ("td_conv", "td_dwconv", "td_depthwise")


def family(kernel, op):
    """A node's kernel family: 'matmul', 'conv', or its first kernel's name (views: 'view')."""
    if not kernel:
        return "view"
    ks = kernel.split("+")
    if any(k.startswith(CONV) for k in ks) or op.startswith("Conv"):
        return "conv"
    if any(k.startswith(MATMUL) for k in ks):
        return "matmul"
    return ks[0]


def run(cmd, log, env=None):
    with open(log, "w") as f:
        r = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT, env=env)
    if r.returncode != 0:
        raise SystemExit("bench: failed (see " + log + "): " + " ".join(cmd))


def one(strategy, l1, work):
    tag = f"{strategy}-{l1}"
    args = calibrate.CCT2[strategy] + ["--target", "siracusa", "--l1", l1]
    run([TD, "compile", MODEL] + args + ["-o", os.path.join(work, tag + "-c")], os.path.join(work, tag + "-compile.log"))
    run([TD, "profile", MODEL] + args + ["-o", os.path.join(work, tag + "-p")], os.path.join(work, tag + "-profile.log"))
    rep = json.load(open(os.path.join(work, tag + "-c", "report.json")))
    prof = json.load(open(os.path.join(work, tag + "-p", "profile.json")))
    return rep, prof


def cluster(strategies, l1s, jobs, work):
    todo = [(s, l1) for l1 in l1s for s in strategies]
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        res = dict(zip(todo, ex.map(lambda t: one(t[0], t[1], work), todo)))
    for l1 in l1s:
        print(f"\n== cct2 on siracusa, 8 harts, L1 {l1} (profile: qemu instruction counts; estimate: report.json)")
        hdr = f"{'':26s}" + "".join(f"{s:>16s}" for s in strategies)
        print(hdr)
        rows = {}
        fams = {}
        for s in strategies:
            rep, prof = res[(s, l1)]
            instr, crit, macs = prof["instructions"], prof["criticalPathInstructions"], prof["macs"]
            harts = len(prof["harts"])
            est, cyc = rep["estimatedCycles"], prof["cycles"]["estimate"]
            rows.setdefault("MACs", []).append(f"{macs:,}")
            rows.setdefault("instructions", []).append(f"{instr:,}")
            rows.setdefault("instr/MAC (step)", []).append(f"{instr / macs:.2f}")
            rows.setdefault("critical path", []).append(f"{crit:,}")
            rows.setdefault("balance (crit*harts/instr)", []).append(f"{crit * harts / instr:.3f}")
            rows.setdefault("bytes L2<->L1", []).append(f"{rep['bytesMoved'].get('L2<->L1', 0):,}")
            rows.setdefault("bytes L3<->L1", []).append(f"{rep['bytesMoved'].get('L3<->L1', 0):,}")
            rows.setdefault("estimate (cycles)", []).append(f"{est:,}")
            rows.setdefault("profile (cycles)", []).append(f"{cyc:,}")
            rows.setdefault("estimate / profile", []).append(f"{est / cyc:.3f}")
            out_elems = {l["node"]: (l.get("features") or {}).get("outputs", 0) for l in rep["layers"]}
            for n in prof["nodes"]:
                f = family(n["kernel"], n["op"])
                a = fams.setdefault(f, {}).setdefault(s, [0, 0, 0, 0])
                a[0] += n["instructions"]
                a[1] += n["macs"]
                a[2] += n["criticalPathInstructions"]
                a[3] += out_elems.get(n["name"], 0)
        for k, v in rows.items():
            print(f"{k:26s}" + "".join(f"{x:>16s}" for x in v))
        print(f"\n{'family: instr/MAC (matmul, conv) or instr/output element; share of instructions':70s}")
        print(f"{'':26s}" + "".join(f"{s:>16s}" for s in strategies))
        for f in sorted(fams, key=lambda f: -sum(v[0] for v in fams[f].values())):
            cells = []
            for s in strategies:
                a = fams[f].get(s)
                total = res[(s, l1)][1]["instructions"]
                if not a or a[0] == 0:
                    cells.append("-")
                elif a[1] > 0:
                    cells.append(f"{a[0] / a[1]:.2f}/MAC {100 * a[0] / total:4.1f}%")
                elif a[3] > 0:
                    cells.append(f"{a[0] / a[3]:.1f}/el {100 * a[0] / total:4.1f}%")
                else:
                    cells.append(f"{a[0]:,}")
            print(f"{f:26s}" + "".join(f"{x:>16s}" for x in cells))


def compile_time(work, repeats=3):
    args = calibrate.CCT2["LoRA2"] + ["--target", "siracusa"]
    best = None
    for i in range(repeats):
        out = os.path.join(work, f"compile-time-{i}")
        t0 = time.perf_counter()
        run([TD, "compile", MODEL] + args + ["-o", out], out + ".log")
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    print(f"\n== compile of cct2 LoRA2 for siracusa (wall, JVM start included, best of {repeats}): {best:.2f} s")


def host(strategies, steps, work, repeats=3):
    print(f"\n== host: training steps per second, batch 1 (same machine, same run; best of {repeats} runs of {steps} steps)")
    print(f"{'strategy':10s} {'generated C':>12s} {'PyTorch 2thr':>13s} {'ratio':>7s} {'PyTorch 1thr':>13s} {'ratio':>7s}")
    data = os.path.join(ROOT, "models", "cct2", "data")
    for s in strategies:
        keep = os.path.join(work, f"host-{s}")
        run([TD, "train", MODEL, "--data", data, "--steps", "1", "--cores", "2", "--keep", keep] + calibrate.CCT2[s], keep + ".log")
        harness = os.path.join(keep, "build", "harness")

        def c_run(n):
            t0 = time.perf_counter()
            subprocess.run([harness, os.path.join(keep, "data"), str(n), os.path.join(keep, "out"), "--quiet"], cwd=keep,
                           check=True, stdout=subprocess.DEVNULL)
            return time.perf_counter() - t0

        # Steps per second net of start-up and data loading: (2 + steps) steps minus 2, best of the repeats.
        c_rate = max(steps / max(1e-9, c_run(2 + steps) - c_run(2)) for _ in range(repeats))
        if shutil.which(TORCH_PY) is None:
            print(f"{s:10s} {c_rate:12.1f} {'(no torch)':>13s}")
            continue
        rates = {}
        for threads in (2, 1):
            best = None
            for _ in range(repeats):
                r = subprocess.run([TORCH_PY, os.path.join(ROOT, "bench", "torch_step.py"), CASE, s, "--threads", str(threads),
                                    "--steps", str(steps)], capture_output=True, text=True)
                if r.returncode != 0:
                    print(f"{s:10s} {c_rate:12.1f} {'(torch failed)':>13s}  {r.stderr.strip().splitlines()[-1:]}")
                    break
                v = json.loads(r.stdout)["steps_per_s"]
                best = v if best is None else max(best, v)
            rates[threads] = best
        if None in rates.values():
            continue
        print(f"{s:10s} {c_rate:12.1f} {rates[2]:13.1f} {c_rate / rates[2]:7.2f} {rates[1]:13.1f} {c_rate / rates[1]:7.2f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--l1", default="64KiB,256KiB")
    ap.add_argument("--strategies", default="LP,FT2,LoRA2")
    ap.add_argument("--jobs", type=int, default=2, help="profiles run at once (default 2)")
    ap.add_argument("--host-steps", type=int, default=20)
    ap.add_argument("--skip", default="", help="comma-separated parts to skip: cluster, compile, host")
    a = ap.parse_args()
    skip = set(a.skip.split(",")) if a.skip else set()
    work = tempfile.mkdtemp(prefix="td-bench-")
    try:
        strategies = a.strategies.split(",")
        if "cluster" not in skip:
            cluster(strategies, a.l1.split(","), a.jobs, work)
        if "compile" not in skip:
            compile_time(work)
        if "host" not in skip:
            host([s for s in strategies if s != "LP"] or strategies, a.host_steps, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
