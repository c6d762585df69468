package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;

/** Y = C ? A : B (three-way broadcast). dA = sum_to_A(C ? dY : 0), dB = sum_to_B(C ? 0 : dY). */
public record Where() implements Op {
    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 3, 3, opType());
        TensorType c = inputs.get(0).type();
        if (c.dtype() != DType.BOOL) throw new CompileException("Where condition must be bool, got " + c);
        DType d = OpSupport.sameDType(inputs.get(1).type(), inputs.get(2).type(), opType());
        int[] s = OpSupport.broadcast(c.shape(), OpSupport.broadcast(inputs.get(1).type().shape(), inputs.get(2).type().shape()));
        return List.of(TensorType.of(d, s));
    }

    @Override
    public List<Tensor> evaluate(List<Tensor> in) {
        Tensor c = in.get(0);
        Tensor a = in.get(1);
        Tensor b = in.get(2);
        int[] s = OpSupport.broadcast(c.shape(), OpSupport.broadcast(a.shape(), b.shape()));
        int[][] off = OpSupport.offsets(s, OpSupport.broadcastStrides(c.shape(), s),
                OpSupport.broadcastStrides(a.shape(), s), OpSupport.broadcastStrides(b.shape(), s));
        long[] cond = c.ints();
        int n = off[0].length;
        if (a.isReal()) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) y[i] = cond[off[0][i]] != 0 ? a.reals()[off[1][i]] : b.reals()[off[2][i]];
            return List.of(Tensor.ofReal(a.dtype(), s, y));
        }
        long[] y = new long[n];
        for (int i = 0; i < n; i++) y[i] = cond[off[0][i]] != 0 ? a.ints()[off[1][i]] : b.ints()[off[2][i]];
        return List.of(Tensor.ofInt(a.dtype(), s, y));
    }

    @Override
    public List<Value> gradient(GradientContext g) {
        Value dy = g.gradOutput(0);
        Value zero = g.scalar(0, dy);
        return Arrays.asList(null,
                g.needsGrad(1) ? g.sumToShape(g.emit(new Where(), g.input(0), dy, zero), g.input(1).type()) : null,
                g.needsGrad(2) ? g.sumToShape(g.emit(new Where(), g.input(0), zero, dy), g.input(2).type()) : null);
    }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }
}
