package org.traindeeploy.ops;

import org.traindeeploy.ir.GradientContext;
import org.traindeeploy.ir.Op;
import java.util.Arrays;
import java.util.List;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ir.TileContract;
import org.traindeeploy.ir.TileContract.Axis;
import org.traindeeploy.ir.TileContract.Dim;
import org.traindeeploy.ir.TileContract.Operand;
import org.traindeeploy.ir.TileContract.Role;

/**
 * Y = X viewed with a static {@code shape} (no 0 or −1 left: the importer resolves ONNX's
 * Reshape, Flatten, Squeeze and Unsqueeze to this one form). dX = Reshape(dY, shape(X)).
 */
public record Reshape(int[] shape) implements Op {
    public Reshape {
        shape = shape.clone();
        TensorType.elementCount(shape);
    }

    @Override
    public List<TensorType> inferTypes(List<Value> inputs) {
        OpSupport.arity(inputs, 1, 1, opType());
        TensorType x = inputs.get(0).type();
        if (TensorType.elementCount(shape) != x.size()) {
            throw new CompileException("cannot reshape " + x + " to " + Arrays.toString(shape));
        }
        return List.of(x.withShape(shape));
    }

    @Override public List<Tensor> evaluate(List<Tensor> in) { return List.of(in.get(0).copy().reshape(shape)); }

    @Override public List<Value> gradient(GradientContext g) { return List.of(g.emit(new Reshape(g.input(0).type().shape()), g.gradOutput(0))); }

    @Override public long flops(List<TensorType> in, List<TensorType> out) { return 0; }

    @Override public boolean canRunInPlace() { return true; }

    @Override public boolean isView() { return true; }

    @Override public boolean equals(Object o) { return o instanceof Reshape r && Arrays.equals(r.shape, shape); }

    @Override public int hashCode() { return Arrays.hashCode(shape); }

    @Override public String toString() { return "Reshape" + Arrays.toString(shape); }

    /** A view moves no data and has nothing to tile; when not a view (its output has its own buffer): a copy of the flat elements in chunks, any element type. */
    @Override
    public TileContract tileContract(List<TensorType> in, List<TensorType> out) {
        TensorType x = in.get(0);
        TensorType y = out.get(0);
        if (x.size() != y.size() || x.dtype() != y.dtype() || x.size() < 1) return TileContract.whole(in, out);
        int eb = x.dtype().bytes();
        return new TileContract(List.of(new Dim("elements", x.size())),
                List.of(Operand.of("x", Role.IN, 0, eb, Axis.tiled(x.size(), 0)), Operand.of("y", Role.OUT, 0, eb, Axis.tiled(y.size(), 0))));
    }
}
