package org.traindeeploy.passes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.traindeeploy.testing.T.f;
import static org.traindeeploy.testing.T.s;

import java.util.Set;
import org.junit.jupiter.api.Test;
import org.traindeeploy.interp.Interpreter;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Printer;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.*;
import org.traindeeploy.testing.T;

/** Each normalization pass on a small graph: printed IR in, printed IR out; rewrites keep the values. */
class PassesTest {
    static Graph graph() {
        Graph g = new Graph();
        g.setFoldConstants(false);
        return g;
    }

    static String run(Pass p, Graph g) {
        new PassManager().alreadyRan(Set.of("fuse-linear")).add(p).run(g);
        return Printer.print(g);
    }

    @Test
    void constantFoldingEvaluatesConstantSubgraphs() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2));
        Value a = g.add("a", new Add(), g.addConstant("c1", f(s(2), 1, 2)), g.addConstant("c2", f(s(2), 3, 4)));
        Value y = g.add("y", new Mul(), x, g.add("neg", new Neg(), a));
        g.addOutput(y);
        assertEquals("""
                input %x: float[2]
                const %neg: float[2]
                %y: float[2] = Mul(%x, %neg)
                output y = %y
                """, run(new ConstantFolding(), g));
        assertEquals("[-4,-6]", Printer.print(g, true).lines().filter(l -> l.startsWith("const")).findFirst().orElseThrow().replaceAll(".*= ", ""));
    }

    @Test
    void fuseLinearAbsorbsMatMulAndBias() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 3, 4));
        Value w = g.addConstant("w", T.random(DType.FLOAT, 1, 4, 2));
        Value b = g.addState("b", T.random(DType.FLOAT, 2, 2));
        Value mm = g.add("/fc/MatMul", new MatMul(), x, w);
        Value y = g.add("/fc/Add", new Add(), mm, b);
        g.addOutput(y);
        Tensor before = new Interpreter(g).run(java.util.Map.of("x", T.random(DType.FLOAT, 3, 3, 4))).get("/fc/Add");
        String ir = run(new FuseLinear(), g);
        assertEquals("""
                input %x: float[3,4]
                const %w: float[4,2]
                state %b: float[2]
                %/fc/Add: float[3,2] = Linear[transW=false, alpha=1](%x, %w, %b)
                output /fc/Add = %/fc/Add
                """, ir);
        assertEquals("/fc/MatMul", g.nodes().get(0).name(), "the fused node keeps the MatMul's name for node-name globs");
        Tensor after = new Interpreter(g).run(java.util.Map.of("x", T.random(DType.FLOAT, 3, 3, 4))).get("/fc/Add");
        T.assertTensor(after, before.shape(), before.reals());
    }

    @Test
    void fuseLinearLeavesActivationProductsAlone() {
        Graph g = graph();
        Value a = g.addInput("a", TensorType.of(DType.FLOAT, 2, 3));
        Value b = g.addInput("b", TensorType.of(DType.FLOAT, 3, 2));
        g.addOutput(g.add("mm", new MatMul(), a, b));
        assertEquals("""
                input %a: float[2,3]
                input %b: float[3,2]
                %mm: float[2,2] = MatMul(%a, %b)
                output mm = %mm
                """, run(new FuseLinear(), g));
    }

    @Test
    void fuseGeluMatchesTheErfForm() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 4));
        Value d = g.add("div", new Div(), x, g.addConstant("sqrt2", Tensor.scalar(DType.FLOAT, Math.sqrt(2)).roundToType()));
        Value e = g.add("/Erf", new Erf(), d);
        Value a = g.add("add", new Add(), e, g.addConstant("one", Tensor.scalar(DType.FLOAT, 1)));
        Value m = g.add("mul", new Mul(), x, a);
        Value y = g.add("half", new Mul(), m, g.addConstant("c_half", Tensor.scalar(DType.FLOAT, 0.5)));
        g.addOutput(y);
        assertEquals("""
                input %x: float[4]
                %half: float[4] = Gelu[tanh=false](%x)
                output half = %half
                """, run(new FuseGelu(), g));
    }

    @Test
    void fuseLayerNormMatchesTheDecomposedForm() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 4));
        Value mean = g.add("/ln/ReduceMean", new ReduceMean(s(-1), true), x);
        Value d = g.add("/ln/Sub", new Sub(), x, mean);
        Value p = g.add("/ln/Pow", new Pow(), d, g.addConstant("two", Tensor.scalar(DType.FLOAT, 2)));
        Value var = g.add("/ln/ReduceMean_1", new ReduceMean(s(-1), true), p);
        Value ve = g.add("/ln/Add", new Add(), var, g.addConstant("eps", Tensor.scalar(DType.FLOAT, 1e-5).roundToType()));
        Value sd = g.add("/ln/Sqrt", new Sqrt(), ve);
        Value n = g.add("/ln/Div", new Div(), d, sd);
        Value y = g.add("/ln/Mul", new Mul(), n, g.addConstant("gamma", T.random(DType.FLOAT, 3, 4)));
        Value z = g.add("/ln/Add_1", new Add(), y, g.addConstant("beta", T.random(DType.FLOAT, 4, 4)));
        g.addOutput(z);
        Tensor in = T.random(DType.FLOAT, 9, 2, 4);
        Tensor before = new Interpreter(g).run(java.util.Map.of("x", in)).get("/ln/Add_1");
        String ir = run(new FuseLayerNorm(), g);
        assertEquals("""
                input %x: float[2,4]
                const %gamma: float[4]
                const %beta: float[4]
                %/ln/Add_1: float[2,4] = LayerNormalization[axis=1, epsilon=1.0E-5](%x, %gamma, %beta)
                output /ln/Add_1 = %/ln/Add_1
                """, ir);
        Tensor after = new Interpreter(g).run(java.util.Map.of("x", in)).get("/ln/Add_1");
        for (int i = 0; i < in.size(); i++) assertEquals(before.getDouble(i), after.getDouble(i), 1e-5);
    }

    @Test
    void simplifyMergesReshapesAndTransposes() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 3, 4));
        Value r1 = g.add("r1", new Reshape(s(6, 4)), x);
        Value r2 = g.add("r2", new Reshape(s(24)), r1);
        Value t1 = g.add("t1", new Transpose(s(1, 2, 0)), x);
        Value t2 = g.add("t2", new Transpose(s(2, 0, 1)), t1);
        g.addOutput(r2);
        g.addOutput(g.add("out", new Add(), t2, x));
        assertEquals("""
                input %x: float[2,3,4]
                %r2: float[24] = Reshape[shape=[24]](%x)
                %out: float[2,3,4] = Add(%x, %x)
                output r2 = %r2
                output out = %out
                """, run(new Simplify(), g));
    }

    @Test
    void fuseResidualFoldsAnAddIntoTheLinearThatFeedsIt() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 2, 3));
        Value r = g.addInput("r", TensorType.of(DType.FLOAT, 2, 4));
        Value w = g.addConstant("w", T.random(DType.FLOAT, 5, 3, 4));
        Value y = g.add("/lora_B", new Linear(false, 0.5), x, w);
        g.addOutput(g.add("/lora_add", new Add(), r, y));
        java.util.Map<String, Tensor> in = java.util.Map.of("x", T.random(DType.FLOAT, 6, 2, 3), "r", T.random(DType.FLOAT, 7, 2, 4));
        Tensor before = new Interpreter(g).run(in).get("/lora_add");
        assertEquals("""
                input %x: float[2,3]
                input %r: float[2,4]
                const %w: float[3,4]
                %/lora_add: float[2,4] = Linear[transW=false, alpha=0.5](%x, %w, _, %r)
                output /lora_add = %/lora_add
                """, run(new FuseResidual(), g));
        T.assertTensor(new Interpreter(g).run(in).get("/lora_add"), before.shape(), before.reals());
    }

    @Test
    void passManagerEnforcesPrerequisites() {
        PassManager pm = new PassManager().add(new FunctionPass("late", "needs early", Set.of("early"), x -> { }));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pm.run(new Graph()));
        assertEquals("pass 'late' requires 'early' to run first", e.getMessage());
    }

    /** Values of a graph's output with and without fold-pad on the same input. */
    private static void assertFoldKeepsValues(Graph g, String out, String expectOps) {
        Tensor x = T.random(DType.FLOAT, 7, g.inputs().get(0).type().shape());
        Tensor before = new Interpreter(g).run(java.util.Map.of("x", x)).get(out);
        run(new FoldPad(), g);
        String ops = g.nodes().stream().map(n -> n.op().toString().replaceAll("\\[.*", "")).sorted().toList().toString();
        assertEquals(expectOps, ops);
        Tensor after = new Interpreter(g).run(java.util.Map.of("x", x)).get(out);
        for (int i = 0; i < before.size(); i++) assertEquals(before.getDouble(i), after.getDouble(i), 1e-6, "element " + i);
    }

    @Test
    void foldPadIntoAveragePoolCountsThePadsExactly() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 2, 5, 3));
        Value p = g.add("pad", new Pad(new int[] {0, 0, 1, 0}, new int[] {0, 0, 0, 2}, 0), x);
        Value y = g.add("pool", new AveragePool(new Window2d(3, 5, 3, 5, 0, 0, 0, 0, 1, 1, false), false), p);
        g.addOutput(y);
        assertFoldKeepsValues(g, "pool", "[AveragePool]");
        AveragePool a = (AveragePool) g.nodes().get(0).op();
        assertEquals(true, a.countIncludePad());
        assertEquals("[1, 0, 0, 2]", java.util.Arrays.toString(a.window().pads()));
    }

    @Test
    void foldPadIntoConvAddsPads() {
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 2, 4, 4));
        Value p = g.add("pad", new Pad(new int[] {0, 0, 1, 2}, new int[] {0, 0, 1, 0}, 0), x);
        Value y = g.add("conv", new Conv(1, new int[] {1, 1}, new int[] {1, 0, 0, 1}, new int[] {1, 1}), p, g.addConstant("w", T.random(DType.FLOAT, 3, 3, 2, 3, 3)));
        g.addOutput(y);
        assertFoldKeepsValues(g, "conv", "[Conv]");
        assertEquals("[2, 2, 1, 1]", java.util.Arrays.toString(((Conv) g.nodes().get(0).op()).pads()));
    }

    @Test
    void padIsKeptWhereFoldingWouldChangeValues() {
        // A pool that excludes its own pads from the divisor, a ceil-mode pool, a non-zero pad value: no fold.
        Graph g = graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, 1, 5, 5));
        Value p = g.add("pad", new Pad(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 1}, 0), x);
        Value y1 = g.add("own", new AveragePool(new Window2d(2, 2, 2, 2, 1, 1, 1, 1, 1, 1, false), false), p);
        Value y2 = g.add("ceil", new AveragePool(new Window2d(2, 2, 2, 2, 0, 0, 0, 0, 1, 1, true), false), p);
        Value q = g.add("pad1", new Pad(new int[] {0, 0, 1, 1}, new int[] {0, 0, 1, 1}, 1), x);
        Value y3 = g.add("conv", new Conv(1, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1}), q, g.addConstant("w", T.random(DType.FLOAT, 4, 1, 1, 3, 3)));
        g.addOutput(y1);
        g.addOutput(y2);
        g.addOutput(y3);
        assertEquals(false, new FoldPad().run(g));
    }
}
