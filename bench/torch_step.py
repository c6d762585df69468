#!/usr/bin/python3
"""PyTorch's training steps per second on a conformance case's strategy, batch 1, for bench/cluster.py.

The step is built from the case's ONNX graph (bench/onnx_torch.py): the strategy's trainable
initializers become parameters, its LoRA adapters add (alpha/rank)·(x·Aᵀ)·Bᵀ to their MatMul's
output (A, B from the strategy's init files), cross-entropy on the labels, SGD (the manifest's
optimizer), one sample per step, torch.set_num_threads(THREADS). Prints one line of JSON:
{"steps_per_s": ..., "loss": ...}.

    /usr/bin/python3 bench/torch_step.py tests/conformance/cct2 LoRA2 [--threads 2] [--steps 30]
"""
import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import onnx_torch  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case")
    ap.add_argument("strategy")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=30)
    ap.add_argument("--warmup", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    m = json.load(open(os.path.join(a.case, "manifest.json")))
    s = m["strategies"][a.strategy]
    nodes, inits, inputs, outputs = onnx_torch.load(os.path.join(a.case, m.get("model", "model.onnx")))
    lora = s.get("lora") or {"targets": [], "rank": 1, "alpha": 1}
    lora_keys = set()
    adapters = {}
    for t in lora["targets"]:
        A = onnx_torch.tensor(open(os.path.join(a.case, a.strategy, t["A"]), "rb").read())[1]
        B = onnx_torch.tensor(open(os.path.join(a.case, a.strategy, t["B"]), "rb").read())[1]
        adapters[t["node"]] = (torch.nn.Parameter(A.clone()), torch.nn.Parameter(B.clone()))
        lora_keys |= {t["node"] + ".lora_A", t["node"] + ".lora_B"}
    params = []
    env0 = {}
    for k, v in inits.items():
        if k in s["trainable"] and k not in lora_keys:
            p = torch.nn.Parameter(v.clone())
            params.append(p)
            env0[k] = p
        else:
            env0[k] = v
    for A, B in adapters.values():
        params += [A, B]
    scale = lora["alpha"] / lora["rank"]
    # A LoRA node: y = x·W + scale·(x·Aᵀ)·Bᵀ, evaluated as one more node after the MatMul.
    plan = []
    for n in nodes:
        plan.append(n)
        if n.name in adapters:
            plan.append(("lora", n))
    opt = s["optimizer"]
    if opt["type"] != "sgd":
        raise SystemExit("torch_step: only SGD strategies are benchmarked")
    sgd = torch.optim.SGD(params, lr=opt["lr"], momentum=opt.get("momentum", 0.0))
    x0 = onnx_torch.tensor(open(os.path.join(a.case, "data", "input_0.pb"), "rb").read())[1]
    y0 = onnx_torch.tensor(open(os.path.join(a.case, "data", "label_0.pb"), "rb").read())[1]
    x, y = x0[:1].contiguous(), y0[:1].contiguous()

    def step():
        env = dict(env0)
        env[inputs[0]] = x
        for item in plan:
            if isinstance(item, tuple):
                n = item[1]
                A, B = adapters[n.name]
                xin = env[n.inputs[0]]
                env[n.outputs[0]] = env[n.outputs[0]] + scale * ((xin @ A.t()) @ B.t())
            else:
                onnx_torch.run([item], env)
        loss = torch.nn.functional.cross_entropy(env[m.get("output") or outputs[0]], y)
        sgd.zero_grad(set_to_none=True)
        loss.backward()
        sgd.step()
        return float(loss)

    for _ in range(a.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    dt = time.perf_counter() - t0
    print(json.dumps({"steps_per_s": a.steps / dt, "loss": loss, "threads": a.threads, "torch": torch.__version__}))


if __name__ == "__main__":
    main()
