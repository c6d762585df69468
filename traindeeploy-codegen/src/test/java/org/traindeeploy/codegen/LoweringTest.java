package org.traindeeploy.codegen;

import org.traindeeploy.ir.Op;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;

class LoweringTest {
    /** Every op class that can remain in a graph after training has a kernel (ConstantOfShape only has constant inputs: always folded). */
    @Test
    void everyOpThatSurvivesTrainingHasARule() {
        List<Class<? extends Op>> ops = List.of(Add.class, AdamUpdate.class, AveragePool.class, AveragePoolGrad.class, Cast.class, Clip.class,
                ClipGrad.class, Concat.class, Conv.class, ConvGradInput.class, ConvGradWeight.class, Div.class, Equal.class, Erf.class, Exp.class,
                Expand.class, Gather.class, GatherGrad.class, Gelu.class, GeluGrad.class, GlobalAveragePool.class, LayerNormGrad.class,
                LayerNormalization.class, Linear.class, LinearGradWeight.class, MatMul.class, MaxPool.class, MaxPoolGrad.class, MseLoss.class,
                MseLossGrad.class, Mul.class, Neg.class, Pow.class, ReduceMean.class, ReduceSum.class, Relu.class, ReluGrad.class, Reshape.class,
                SgdUpdate.class, Slice.class, SliceGrad.class, Softmax.class, SoftmaxCrossEntropy.class, SoftmaxCrossEntropyGrad.class,
                SoftmaxGrad.class, Split.class, Sqrt.class, Sub.class, Transpose.class, Where.class);
        Set<Class<? extends Op>> have = OpLowering.supported();
        for (Class<? extends Op> c : ops) assertTrue(have.contains(c), "no kernel for " + c.getSimpleName());
    }

    @Test
    void anOpWithoutKernelIsACompileErrorNamingTheNode() {
        Graph g = new Graph();
        g.setFoldConstants(false);
        Value shape = g.addConstant("shape", Tensor.vector(2, 3));
        Value y = g.add("/make/zeros", new ConstantOfShape(Tensor.scalar(DType.FLOAT, 0)), shape);
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 3));
        g.addOutput(g.add("/sum", new Add(), x, y));
        CompileException e = assertThrows(CompileException.class, () -> CEmitter.emit(EmitSpec.inference("m.onnx", g), 1));
        assertTrue(e.getMessage().contains("'/make/zeros'") && e.getMessage().contains("ConstantOfShape"), e.getMessage());
    }

    @Test
    void integerArithmeticIsRefusedWithTheNodeName() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2));
        Value i = g.add("/cast", new Cast(DType.INT64), x);
        Value j = g.add("/twice", new Add(), i, i);
        g.addOutput(g.add("/back", new Cast(DType.FLOAT), j));
        CompileException e = assertThrows(CompileException.class, () -> CEmitter.emit(EmitSpec.inference("m.onnx", g), 1));
        assertTrue(e.getMessage().startsWith("node '/twice' (Add)"), e.getMessage());
    }

    @Test
    void barriersSeparateOnlyDependentKernels() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 4));
        Value a = g.add("/a", new Relu(), x);
        Value b = g.add("/b", new Exp(), x);
        Value c = g.add("/c", new Add(), a, b);
        g.addOutput(g.add("/view", new Reshape(new int[] {2, 2}), c));
        NetworkModel m = CEmitter.lower(EmitSpec.inference("m.onnx", g), 2);
        // Kernel calls only (the profiling build's TD_PROF_NODE markers are steps without a function).
        List<Boolean> barriers = m.inferSteps().stream().filter(st -> st.function() != null).map(NetworkModel.Step::barrier).toList();
        assertEquals(List.of(false, false, true), barriers, "Reshape is a view; /c waits for /a and /b");
    }
}
