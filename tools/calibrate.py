#!/usr/bin/env python3
"""Calibrates the cost model of the cluster targets (docs/cost-model.md) from `traindeeploy profile`.

For each case (a conformance case's strategy, or cct2 with a strategy of the paper) it compiles the
training step for siracusa (report.json: per node the tiling's features and the model's prediction)
and profiles it under qemu (profile.json: per node the critical-path instructions counted). It fits
per op type the coefficients of

    instructions = tiles * tile + busy * (outputs * output + macs * mac + inputs * input + windows * window + taps * tap)

(windows, taps: the scalar window loops of the direct convolution kernels and their gradients, 0 elsewhere)

by bounded least squares on the fit cases (all coefficients non-negative, the per-tile one at least the
cheapest single-tile node's count), writes them as "cost" into the cluster target files
(targets/siracusa.json, pulp-open.json, gap9.json: the kernels and the ISA are the same), stores the
measurements in tools/calibration/measurements.json, then compiles and profiles the validation cases
with the new coefficients and prints the report's estimate against the profile's cycle figure for
every case (the fit cases as predicted on their measured tilings).

    tools/calibrate.sh                 # measure the fit cases, fit, validate on the others
    tools/calibrate.sh --refit         # fit again from tools/calibration/measurements.json (no qemu)
    tools/calibrate.sh --refit --with-table  # also fit on the table's runs of the fit cases (the tilings the last coefficients chose)
    tools/calibrate.sh --jobs 1        # one case at a time (default 2)
    tools/calibrate.sh --validate-only # measure the validation cases with the current coefficients
    tools/calibrate.sh --refeature     # add features new to the model to the stored measurements (compile only, no qemu), refit
    tools/calibrate.sh --table         # every conformance case's strategies (and cct2's) at 64 KiB: report estimate vs profile

Needs numpy and scipy (Debian: python3-numpy python3-scipy) and the rv32 tools (docs/rv32.md).
"""
import argparse
import concurrent.futures as cf
import json
import math
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.optimize import lsq_linear, nnls

import pbwire

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONF = os.path.join(ROOT, "tests", "conformance")
DATA = os.path.join(ROOT, "tools", "calibration", "measurements.json")
TARGETS = ["siracusa", "pulp-open", "gap9"]
FEATURES = ["tile", "output", "mac", "input", "window", "tap"]

CCT2 = {
    "LP": ["--train", "last"],
    "FT1": ["--train", "/blocks.1/*MatMul,/attention_pool/*,/fc/*"],
    "FT2": ["--train", "/blocks.*/*MatMul,/attention_pool/*,/fc/*"],
    "LoRA1": ["--lora", "/blocks.1/*MatMul", "--lora-rank", "4", "--lora-alpha", "4", "--train", "/attention_pool/*,/fc/*"],
    "LoRA2": ["--lora", "/blocks.*/*MatMul", "--lora-rank", "4", "--lora-alpha", "4", "--train", "/attention_pool/*,/fc/*"],
}

# The fit set: every kernel family of the conformance cases at least once, both cct2 families of
# strategies (full fine-tuning and LoRA), two L1 sizes. The validation set: everything else.
FIT = ["cct2/FT2@64KiB", "cct2/LoRA1@64KiB", "cct2/LP@256KiB", "cnn/full@64KiB", "kws/full@64KiB", "mbv2/full@64KiB",
       "resnet/full@64KiB", "ae/recon@64KiB", "bntrain/full@64KiB", "cct/full_adam@64KiB", "text/full@64KiB", "mlp/full@64KiB"]
VALIDATE = ["cct2/LP@64KiB", "cct2/LoRA2@64KiB", "cct2/FT1@64KiB", "ae/bn@64KiB", "ae/regress@64KiB", "bntrain/bn@64KiB",
            "cct/full@64KiB", "cct/last@64KiB", "cct/lora@64KiB", "cnn/selective@64KiB", "cnn/last@64KiB", "kws/last@64KiB",
            "mbv2/last@64KiB", "mlp/last@64KiB", "resnet/stage2@64KiB", "text/lora@64KiB"]


def label_is_float(path):
    """Whether an ONNX TensorProto file holds float data (field 2, data_type: 1 float, 11 double, 10 float16)."""
    with open(path, "rb") as f:
        for field, wire, v in pbwire.fields(f.read()):
            if field == 2 and wire == 0:
                return v in (1, 10, 11, 16)
    return False


def case_args(case):
    """(model path, training flags) of 'case/strategy'."""
    name, strategy = case.split("/")
    if name == "cct2" and strategy in CCT2:
        return os.path.join(ROOT, "models", "cct2", "model.onnx"), CCT2[strategy]
    d = os.path.join(CONF, name)
    m = json.load(open(os.path.join(d, "manifest.json")))
    s = m["strategies"][strategy]
    args = []
    lora = s.get("lora")
    lora_keys = set()
    if lora:
        nodes = [t["node"] for t in lora["targets"]]
        lora_keys = {n + ".lora_A" for n in nodes} | {n + ".lora_B" for n in nodes}
        args += ["--lora", ",".join(nodes), "--lora-rank", str(lora["rank"]), "--lora-alpha", str(lora["alpha"])]
    train = [k for k in s["trainable"] if k not in lora_keys]
    if train:
        args += ["--train", ",".join(train)]
    loss = s.get("loss", "cross_entropy")
    args += ["--loss", loss]
    target = s.get("target") or "labels"
    if target != "labels":
        args += ["--loss-target", target]
    elif loss == "mse" and label_is_float(os.path.join(d, "data", "label_0.pb")):
        args += ["--loss-target", "values"]
    opt = s["optimizer"]
    args += ["--optimizer", opt["type"], "--lr", str(opt["lr"])]
    if "momentum" in opt:
        args += ["--momentum", str(opt["momentum"])]
    if "betas" in opt:
        args += ["--betas", ",".join(str(b) for b in opt["betas"])]
    if "eps" in opt:
        args += ["--eps", str(opt["eps"])]
    if s.get("accumulate", 1) > 1:
        args += ["--accumulate", str(s["accumulate"])]
    if m.get("dynamic_batch"):
        args += ["--batch", str(m["batch"])]
    if m.get("output"):
        args += ["--output", m["output"]]
    return os.path.join(d, m.get("model", "model.onnx")), args


def run(cmd, log):
    with open(log, "w") as f:
        r = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT)
    if r.returncode != 0:
        raise RuntimeError("failed (" + log + "): " + " ".join(cmd))


def measure(spec, work):
    """Compile and profile one case ('case/strategy@L1'); per node the features, the prediction and the count."""
    case, l1 = spec.split("@")
    model, args = case_args(case)
    tag = spec.replace("/", "-").replace("@", "-")
    out = os.path.join(work, tag)
    t0 = time.time()
    target = ["--target", "siracusa", "--l1", l1]
    run([os.path.join(ROOT, "traindeeploy"), "compile", model] + args + target + ["-o", out + "-c", "--force"], out + "-compile.log")
    run([os.path.join(ROOT, "traindeeploy"), "profile", model] + args + target + ["-o", out + "-p", "--force"], out + "-profile.log")
    rep = json.load(open(os.path.join(out + "-c", "report.json")))
    prof = json.load(open(os.path.join(out + "-p", "profile.json")))
    layers = {l["node"]: l for l in rep["layers"]}
    nodes = []
    for n in prof["nodes"]:
        l = layers.get(n["name"])
        nodes.append({"name": n["name"], "op": n["op"], "kernel": n["kernel"], "phase": n["phase"], "macs": n["macs"],
                      "instructions": n["instructions"], "critical": n["criticalPathInstructions"],
                      "features": l.get("features") if l else None, "tiles": l["tiles"] if l else None,
                      "bytesL2L1": l["bytesL2L1"] if l else None})
    return {"case": spec, "seconds": round(time.time() - t0, 1), "instructions": prof["instructions"],
            "critical": prof["criticalPathInstructions"], "macs": prof["macs"], "profileCycles": prof["cycles"]["estimate"],
            "cyclesPerInstruction": prof["cycles"]["cyclesPerInstruction"], "harts": len(prof["harts"]),
            "reportCycles": rep["estimatedCycles"], "inputElements": rep["inputElements"], "bytesMoved": rep["bytesMoved"], "nodes": nodes}


def refeature(measurements, jobs):
    """Fills in features new to the model (stored measurements lack them) by compiling each case again
    (report.json only, no qemu) and copying, per node, the features that do not depend on the tiling."""
    work = tempfile.mkdtemp(prefix="td-refeature-")
    run([os.path.join(ROOT, "traindeeploy"), "--version"], os.path.join(work, "build.log"))

    def one(m):
        case, l1 = m["case"].split("@")
        model, args = case_args(case)
        out = os.path.join(work, m["case"].replace("/", "-").replace("@", "-"))
        run([os.path.join(ROOT, "traindeeploy"), "compile", model] + args + ["--target", "siracusa", "--l1", l1, "-o", out, "--force"], out + ".log")
        layers = {l["node"]: l for l in json.load(open(os.path.join(out, "report.json")))["layers"]}
        for n in m["nodes"]:
            l = layers.get(n["name"])
            if n["features"] and l and l.get("features"):
                for k in ("windows", "taps"):
                    n["features"][k] = l["features"].get(k, 0)
        return m["case"]
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        for c in ex.map(one, measurements):
            print(f"  features of {c}", flush=True)


def all_cases(l1="64KiB"):
    """Every strategy of every conformance case, and cct2's strategies, at one L1 size."""
    specs = []
    for name in sorted(os.listdir(CONF)):
        mf = os.path.join(CONF, name, "manifest.json")
        if not os.path.isfile(mf):
            continue
        strategies = CCT2 if name == "cct2" else json.load(open(mf))["strategies"]
        specs += [f"{name}/{s}@{l1}" for s in strategies]
    return specs


def measure_all(specs, jobs):
    work = tempfile.mkdtemp(prefix="td-calib-")
    # The launcher rebuilds the jar (and its class archive) when sources or targets/ changed: once, before the parallel runs.
    run([os.path.join(ROOT, "traindeeploy"), "--version"], os.path.join(work, "build.log"))
    results = {}
    with cf.ThreadPoolExecutor(max_workers=jobs) as ex:
        futs = {ex.submit(measure, s, work): s for s in specs}
        for f in cf.as_completed(futs):
            s = futs[f]
            try:
                results[s] = f.result()
                print(f"  measured {s:28s} {results[s]['seconds']:7.1f} s", flush=True)
            except RuntimeError as e:
                print(f"  {s}: {e}", file=sys.stderr, flush=True)
    return [results[s] for s in specs if s in results]


def rows(m):
    """(op, feature vector, measured critical instructions) of every priced node of a measurement."""
    for n in m["nodes"]:
        f = n["features"]
        if not f:
            continue
        x = [f["tiles"], f["busy"] * f["outputs"], f["busy"] * f["macs"], f["busy"] * f["inputs"],
             f["busy"] * f.get("windows", 0), f["busy"] * f.get("taps", 0)]
        yield n["op"], np.array(x, float), float(n["critical"])


def fit(measurements):
    """Per op type, non-negative least squares weighted by 1/sqrt(count) (large nodes matter, small ones still count)."""
    by = {}
    for m in measurements:
        for op, x, y in rows(m):
            by.setdefault(op, []).append((x, y))
    # Every tile pays at least what the cheapest single-tile node costs (fork, barrier, DMA issue): a
    # lower bound on the per-tile coefficient, so that a family whose nodes all have the same
    # tiles-to-work ratio (the tile cost not identifiable) does not price tiles as free.
    single = [y for p in by.values() for x, y in p if x[0] == 1]
    tmin = float(min(single)) if single else 0.0

    def solve(pairs):
        X = np.array([p[0] for p in pairs])
        y = np.array([p[1] for p in pairs])
        w = 1 / np.sqrt(np.maximum(y, 100.0))
        cols = [j for j in range(X.shape[1]) if X[:, j].any()]
        lb = [tmin if j == 0 else 0.0 for j in cols]
        r = lsq_linear(X[:, cols] * w[:, None], y * w, bounds=(lb, [np.inf] * len(cols)))
        out = [0.0] * X.shape[1]
        for j, v in zip(cols, r.x):
            out[j] = float(v)
        return out
    fams = {op: dict(zip(FEATURES, [round(v, 4) for v in solve(p)])) for op, p in sorted(by.items())}
    fams["default"] = dict(zip(FEATURES, [round(v, 4) for v in solve([q for p in by.values() for q in p])]))
    # Outside the nodes (fork, barriers; the input's copy in, per element) and nodes the report does not price.
    rest = np.array([m["critical"] - sum(n["critical"] for n in m["nodes"] if n["features"]) for m in measurements], float)
    X = np.array([[1.0, m["inputElements"]] for m in measurements])
    c, _ = nnls(X, rest)
    return {"step": round(float(c[0]), 1), "stepPerInputElement": round(float(c[1]), 3), "families": fams}


def predict(cost, m):
    """The model's critical-path instructions of a measurement's nodes (as tiled when measured), plus the step's fixed part."""
    total = cost["step"] + cost["stepPerInputElement"] * m["inputElements"]
    for op, x, _ in rows(m):
        f = cost["families"].get(op, cost["families"]["default"])
        total += float(np.dot([f.get(k, 0.0) for k in FEATURES], x))
    return total


def write_targets(cost):
    for t in TARGETS:
        p = os.path.join(ROOT, "targets", t + ".json")
        d = json.load(open(p))
        d["cost"] = {"source": "tools/calibrate.sh (data: tools/calibration/measurements.json; docs/cost-model.md)",
                     "step": cost["step"], "stepPerInputElement": cost["stepPerInputElement"], "stateCopyPerByte": cost.get("stateCopyPerByte", 0), "families": cost["families"]}
        with open(p, "w") as f:
            f.write(dumps(d) + "\n")


def dumps(d):
    """JSON with one line per family (the target files stay readable)."""
    s = json.dumps(d, indent=2)
    out = []
    lines = s.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("{") and i + 1 < len(lines) and lines[i + 1].strip().startswith('"tile"'):
            j = i + 1
            parts = []
            while not lines[j].strip().startswith("}"):
                parts.append(lines[j].strip().rstrip(","))
                j += 1
            out.append(line + " " + ", ".join(parts) + " " + lines[j].strip())
            i = j + 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def table(title, ms, cost, predicted):
    print(f"\n{title}")
    print(f"{'case':28s} {'report est.':>13s} {'profile':>13s} {'ratio':>6s}  {'instr/MAC':>9s}")
    worst = 0
    for m in ms:
        est = predict(cost, m) * m["cyclesPerInstruction"] if predicted else m["reportCycles"]
        r = est / m["profileCycles"]
        worst = max(worst, abs(r - 1))
        print(f"{m['case']:28s} {est:13,.0f} {m['profileCycles']:13,d} {r:6.2f}  {m['instructions'] / max(1, m['macs']):9.2f}")
    print(f"worst deviation {100 * worst:.1f}%")
    return worst


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--refit", action="store_true", help="fit again from the stored measurements (no compile, no qemu)")
    ap.add_argument("--jobs", type=int, default=2, help="cases measured at once (default 2)")
    ap.add_argument("--no-validate", action="store_true", help="skip measuring the validation cases")
    ap.add_argument("--validate-only", action="store_true", help="measure the validation cases with the coefficients in the target files (no fit)")
    ap.add_argument("--validate", help="comma-separated validation cases instead of the default list (case/strategy@L1)")
    ap.add_argument("--refeature", action="store_true", help="add the model's newer features to the stored measurements (compile only), then refit")
    ap.add_argument("--table", action="store_true", help="measure every conformance case's strategies at 64 KiB with the current coefficients and print the table")
    ap.add_argument("--with-table", action="store_true",
                    help="with --refit: add the table's measurements of the fit cases to the fit (the tilings the coefficients that the table ran chose)")
    a = ap.parse_args()
    t0 = time.time()
    if a.table:
        data = json.load(open(DATA))
        cost = json.load(open(os.path.join(ROOT, "targets", "siracusa.json")))["cost"]
        specs = a.validate.split(",") if a.validate else all_cases()
        print(f"measuring {len(specs)} cases (compile + profile, siracusa, L1 64 KiB, 8 harts) with the coefficients in targets/ ...", flush=True)
        data["table"] = measure_all(specs, a.jobs)
        worst = table("every case: report.json's estimate against profile's cycle figure", data["table"], cost, False)
        with open(DATA, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        sys.exit(0 if worst <= 0.25 else 1)
    if a.refeature:
        data = json.load(open(DATA))
        refeature(data["fit"] + data.get("validate", []), a.jobs)
        with open(DATA, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        a.refit = True
    if a.validate_only:
        data = json.load(open(DATA))
        cost = json.load(open(os.path.join(ROOT, "targets", "siracusa.json")))["cost"]
        data["validate"] = measure_all(a.validate.split(",") if a.validate else VALIDATE, a.jobs)
        table("validation cases: report.json's estimate against profile's cycle figure", data["validate"], cost, False)
        with open(DATA, "w") as f:
            json.dump(data, f, indent=1)
            f.write("\n")
        return
    if a.refeature:
        pass
    elif a.refit:
        data = json.load(open(DATA))
    if a.refit and a.with_table:
        # A fit on one set of tilings leaves directions its data do not span (e.g. Linear's per-output
        # cost when no fit case revisits outputs); the tiler then picks tilings in those directions that
        # the model underprices. The table's runs of the fit cases are measured on exactly those tilings.
        seen = {(m["case"], m["critical"]) for m in data["fit"]}
        extra = [m for m in data.get("table", []) if m["case"] in FIT and (m["case"], m["critical"]) not in seen]
        print(f"fitting on {len(data['fit'])} fit measurements and {len(extra)} table runs of the fit cases", flush=True)
        data["fit"] = data["fit"] + extra
    else:
        print(f"measuring {len(FIT)} fit cases (compile + profile, siracusa, 8 harts) ...", flush=True)
        data = {"fit": measure_all(FIT, a.jobs), "validate": []}
    cost = fit(data["fit"])
    write_targets(cost)
    print("\ncoefficients (critical-path instructions) written to targets/" + ", ".join(t + ".json" for t in TARGETS))
    for op, f in cost["families"].items():
        print(f"  {op:28s} " + "  ".join(f"{k} {f[k]:10.3f}" for k in FEATURES))
    print(f"  outside nodes: {cost['step']:,.0f} per step + {cost['stepPerInputElement']:.2f} per input element")
    table("fit cases: the model on their measured tilings", data["fit"], cost, True)
    if not a.refit and not a.no_validate:
        print(f"\nmeasuring {len(a.validate.split(',') if a.validate else VALIDATE)} validation cases with the new coefficients (new tilings) ...", flush=True)
        data["validate"] = measure_all(a.validate.split(",") if a.validate else VALIDATE, a.jobs)
    if data["validate"] and a.refit:
        table("validation cases: the refitted model on their measured tilings", data["validate"], cost, True)
    elif data["validate"]:
        table("validation cases: report.json's estimate against profile's cycle figure", data["validate"], cost, False)
    os.makedirs(os.path.dirname(DATA), exist_ok=True)
    with open(DATA, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print(f"\nmeasurements in {os.path.relpath(DATA, ROOT)}; {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
