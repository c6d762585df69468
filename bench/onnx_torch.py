#!/usr/bin/python3
"""A PyTorch training step built from an ONNX graph, for bench/cluster.py's host comparison.

Reads the ONNX file with a small protobuf reader of its own (no onnx package needed), turns every
initializer into a tensor (a trainable nn.Parameter when selected) and runs the graph's nodes with
torch operations, so autograd differentiates the same computation that traindeeploy compiles.
Covers the op types of the conformance models' exports (Conv, Gemm, MatMul, LayerNormalization,
Softmax, Erf/Gelu, pooling, shape ops, ...); an unknown op stops with its name.
"""
import os
import struct
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tools"))
from pbwire import fields as _fields, varint as _varint  # noqa: E402


def _packed_varints(v):
    out, i = [], 0
    while i < len(v):
        x, i = _varint(v, i)
        out.append(x)
    return out


def _signed(x):
    return x - (1 << 64) if x >= 1 << 63 else x


_DT = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 11: torch.float64}


def tensor(b):
    """An ONNX TensorProto as (name, torch tensor)."""
    dims, dt, name, raw = [], 1, "", None
    floats, ints = [], []
    for f, w, v in _fields(b):
        if f == 1:
            dims += _packed_varints(v) if w == 2 else [v]
        elif f == 2:
            dt = v
        elif f == 4:
            floats += list(struct.unpack("<%df" % (len(v) // 4), v)) if w == 2 else [struct.unpack("<f", v)[0]]
        elif f in (5, 7):
            ints += [_signed(x) for x in (_packed_varints(v) if w == 2 else [v])]
        elif f == 8:
            name = v.decode()
        elif f == 9:
            raw = bytes(v)
    dtype = _DT.get(dt)
    if dtype is None:
        raise ValueError("tensor %s: ONNX data type %d not supported" % (name, dt))
    if raw is not None:
        t = torch.frombuffer(bytearray(raw), dtype=dtype).clone() if raw else torch.zeros(0, dtype=dtype)
    elif dtype.is_floating_point:
        t = torch.tensor(floats, dtype=dtype)
    else:
        t = torch.tensor(ints, dtype=dtype)
    return name, t.reshape([_signed(d) for d in dims])


def _attribute(b):
    name, val, ints, floats = "", None, [], []
    for f, w, v in _fields(b):
        if f == 1:
            name = v.decode()
        elif f == 2:
            val = struct.unpack("<f", v)[0]
        elif f == 3:
            val = _signed(v)
        elif f == 4:
            val = bytes(v).decode(errors="replace")
        elif f == 5:
            val = tensor(v)[1]
        elif f == 7:
            floats += list(struct.unpack("<%df" % (len(v) // 4), v)) if w == 2 else [struct.unpack("<f", v)[0]]
        elif f == 8:
            ints += [_signed(x) for x in (_packed_varints(v) if w == 2 else [v])]
    if val is None:
        val = ints if ints else floats
    return name, val


class Node:
    def __init__(self, b):
        self.inputs, self.outputs, self.name, self.op, self.attrs = [], [], "", "", {}
        for f, _, v in _fields(b):
            if f == 1:
                self.inputs.append(v.decode())
            elif f == 2:
                self.outputs.append(v.decode())
            elif f == 3:
                self.name = v.decode()
            elif f == 4:
                self.op = v.decode()
            elif f == 5:
                k, a = _attribute(v)
                self.attrs[k] = a


def load(path):
    """(nodes, initializers {name: tensor}, graph input names, graph output names)."""
    model = open(path, "rb").read()
    graph = next(v for f, _, v in _fields(model) if f == 7)
    nodes, inits, inputs, outputs = [], {}, [], []
    for f, _, v in _fields(graph):
        if f == 1:
            nodes.append(Node(v))
        elif f == 5:
            n, t = tensor(v)
            inits[n] = t
        elif f == 11:
            inputs.append(next(x for g, _, x in _fields(v) if g == 1).decode())
        elif f == 12:
            outputs.append(next(x for g, _, x in _fields(v) if g == 1).decode())
    return nodes, inits, [i for i in inputs if i not in inits], outputs


def _pads(a, k):
    p = a.get("pads", [0] * (2 * k))
    return p[:k], p[k:]


def _conv(x, w, b, a):
    k = w.dim() - 2
    lo, hi = _pads(a, k)
    if lo != hi:
        x = F.pad(x, [v for pair in zip(reversed(lo), reversed(hi)) for v in pair])
        lo = [0] * k
    fn = F.conv1d if k == 1 else F.conv2d
    return fn(x, w, b, stride=a.get("strides", [1] * k), padding=lo, dilation=a.get("dilations", [1] * k), groups=a.get("group", 1))


def _pool(x, a, avg):
    k = len(a["kernel_shape"])
    lo, hi = _pads(a, k)
    s = a.get("strides", [1] * k)
    if lo != hi:
        x = F.pad(x, [v for pair in zip(reversed(lo), reversed(hi)) for v in pair], value=0.0 if avg else float("-inf"))
        lo = [0] * k
    if avg:
        fn = F.avg_pool1d if k == 1 else F.avg_pool2d
        return fn(x, a["kernel_shape"], s, lo, ceil_mode=bool(a.get("ceil_mode", 0)), count_include_pad=bool(a.get("count_include_pad", 0)))
    fn = F.max_pool1d if k == 1 else F.max_pool2d
    return fn(x, a["kernel_shape"], s, lo, ceil_mode=bool(a.get("ceil_mode", 0)))


def _axes(n, ins, k):
    if len(ins) > k and ins[k] is not None:
        return [int(v) for v in ins[k].tolist()]
    return n.attrs.get("axes")


def run(nodes, env):
    """Evaluate the nodes in order over env {name: tensor} (updated in place)."""
    for n in nodes:
        ins = [env[i] if i else None for i in n.inputs]
        a = n.attrs
        op = n.op
        x = ins[0] if ins else None
        if op == "Conv":
            y = _conv(x, ins[1], ins[2] if len(ins) > 2 else None, a)
        elif op == "Gemm":
            A = x.t() if a.get("transA", 0) else x
            B = ins[1].t() if a.get("transB", 0) else ins[1]
            y = a.get("alpha", 1.0) * (A @ B)
            if len(ins) > 2 and ins[2] is not None:
                y = y + a.get("beta", 1.0) * ins[2]
        elif op == "MatMul":
            y = x @ ins[1]
        elif op == "Add":
            y = x + ins[1]
        elif op == "Sub":
            y = x - ins[1]
        elif op == "Mul":
            y = x * ins[1]
        elif op == "Div":
            y = x / ins[1]
        elif op == "Pow":
            y = x ** ins[1]
        elif op == "Sqrt":
            y = torch.sqrt(x)
        elif op == "Exp":
            y = torch.exp(x)
        elif op == "Erf":
            y = torch.erf(x)
        elif op == "Tanh":
            y = torch.tanh(x)
        elif op == "Sigmoid":
            y = torch.sigmoid(x)
        elif op == "HardSigmoid":
            y = torch.clamp(a.get("alpha", 0.2) * x + a.get("beta", 0.5), 0, 1)
        elif op == "HardSwish":
            y = F.hardswish(x)
        elif op == "Relu":
            y = F.relu(x)
        elif op == "Clip":
            lo = ins[1] if len(ins) > 1 and ins[1] is not None else a.get("min")
            hi = ins[2] if len(ins) > 2 and ins[2] is not None else a.get("max")
            y = torch.clamp(x, None if lo is None else float(lo), None if hi is None else float(hi))
        elif op == "Gelu":
            y = F.gelu(x, approximate="tanh" if a.get("approximate") == "tanh" else "none")
        elif op == "Softmax":
            y = torch.softmax(x, a.get("axis", -1))
        elif op == "LayerNormalization":
            ax = a.get("axis", -1)
            shape = x.shape[ax:] if ax >= 0 else x.shape[ax:]
            y = F.layer_norm(x, shape, ins[1], ins[2] if len(ins) > 2 else None, a.get("epsilon", 1e-5))
        elif op == "BatchNormalization":
            y = F.batch_norm(x, ins[3], ins[4], ins[1], ins[2], training=bool(a.get("training_mode", 0)), eps=a.get("epsilon", 1e-5))
        elif op == "MaxPool":
            y = _pool(x, a, False)
        elif op == "AveragePool":
            y = _pool(x, a, True)
        elif op == "GlobalAveragePool":
            y = x.mean(dim=list(range(2, x.dim())), keepdim=True)
        elif op == "ReduceMean":
            y = x.mean(dim=_axes(n, ins, 1), keepdim=bool(a.get("keepdims", 1)))
        elif op == "ReduceSum":
            y = x.sum(dim=_axes(n, ins, 1), keepdim=bool(a.get("keepdims", 1)))
        elif op == "Reshape":
            shape = [int(v) for v in ins[1].tolist()]
            shape = [x.shape[i] if s == 0 and not a.get("allowzero", 0) else s for i, s in enumerate(shape)]
            y = x.reshape(shape)
        elif op == "Flatten":
            ax = a.get("axis", 1)
            y = x.reshape(int(torch.tensor(x.shape[:ax]).prod()) if ax > 0 else 1, -1)
        elif op == "Transpose":
            y = x.permute(a.get("perm", list(reversed(range(x.dim())))))
        elif op == "Squeeze":
            ax = _axes(n, ins, 1)
            y = x.squeeze() if ax is None else x.squeeze(tuple(ax)) if len(ax) > 1 else x.squeeze(ax[0])
        elif op == "Unsqueeze":
            y = x
            for d in sorted(_axes(n, ins, 1)):
                y = y.unsqueeze(d)
        elif op == "Concat":
            y = torch.cat([t for t in ins if t is not None], a.get("axis", 0))
        elif op == "Gather":
            y = torch.index_select(x, a.get("axis", 0), ins[1].reshape(-1).long()).reshape(
                list(x.shape[:a.get("axis", 0)]) + list(ins[1].shape) + list(x.shape[a.get("axis", 0) + 1:]))
        elif op == "Shape":
            y = torch.tensor(list(x.shape), dtype=torch.int64)
        elif op == "Constant":
            y = a["value"]
        elif op == "Identity" or op == "Dropout":
            y = x
        elif op == "Slice":
            starts, ends = ins[1].tolist(), ins[2].tolist()
            axes = ins[3].tolist() if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
            steps = ins[4].tolist() if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
            idx = [slice(None)] * x.dim()
            for s, e, ax, st in zip(starts, ends, axes, steps):
                idx[ax] = slice(s, min(e, x.shape[ax]), st)
            y = x[tuple(idx)]
        else:
            raise SystemExit("onnx_torch: op %s (node %s) not supported" % (op, n.name))
        env[n.outputs[0]] = y
    return env
