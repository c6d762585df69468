package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ir.Value;
import org.traindeeploy.ops.Gather;
import org.traindeeploy.ops.Mul;
import org.traindeeploy.target.Target;

/**
 * Constants enter the image as bytes (network_data.bin + the .incbin stub network_data.S): every
 * array at an aligned offset, its elements little-endian and exact (NaN, infinities, -0, subnormals,
 * int64 indices), and the built program computes with them.
 */
class NetworkDataTest {
    private static final double[] SPECIAL = {Double.NaN, -0.0, Float.MIN_VALUE, Float.MAX_VALUE, Double.NEGATIVE_INFINITY, 1.0 / 3, -2.5};

    private static Graph graph() {
        Graph g = new Graph();
        Value x = g.addInput("x", TensorType.of(DType.FLOAT, 1, SPECIAL.length));
        Value c = g.addConstant("c", Tensor.ofReal(DType.FLOAT, new int[] {1, SPECIAL.length}, SPECIAL.clone()).roundToType());
        Value y = g.add("/mul", new Mul(), x, c);
        Value idx = g.addConstant("idx", Tensor.vector(6, 0, -1, 3, 5));
        g.addOutput("out", g.add("/pick", new Gather(1), y, idx));
        return g;
    }

    @Test
    void arraysAreAlignedExactLittleEndianBytes() {
        NetworkModel m = CEmitter.lower(EmitSpec.inference("m.onnx", graph()), 2, Target.load("host"), false);
        byte[] blob = CEmitter.dataBlob(m);
        assertEquals(2, m.data().size(), m.data().toString());
        for (NetworkModel.DataArray d : m.data()) {
            assertEquals(0, d.offset() % 16, d.symbol());
            ByteBuffer b = ByteBuffer.wrap(blob, (int) d.offset(), d.size()).order(ByteOrder.LITTLE_ENDIAN);
            if (d.ctype().equals("float")) {
                assertEquals(SPECIAL.length * 4, d.size());
                for (double v : SPECIAL) assertEquals(Float.floatToIntBits((float) v), Float.floatToIntBits(b.getFloat()), "element " + v);
            } else {
                assertEquals("int64_t", d.ctype());
                for (long v : new long[] {6, 0, -1, 3, 5}) assertEquals(v, b.getLong());
            }
        }
        String asm = CEmitter.render(m).get("network_data.S");
        for (NetworkModel.DataArray d : m.data()) {
            assertTrue(asm.contains(".incbin \"network_data.bin\", " + d.offset() + ", " + d.size()), asm);
        }
        assertTrue(asm.contains(".section .rodata.network_data") && asm.contains(".balign 16"), asm);
    }

    @Test
    void theBuiltProgramReadsTheBytes() {
        Tensor ones = Tensor.floats(new int[] {1, SPECIAL.length}, 1, 1, 1, 1, 1, 1, 1);
        for (Target t : List.of(Target.load("host"), Target.load("host").withDoubleFpu(false))) {
            Tensor out = new CEngine(CEngine.Options.sanitized(2).on(t)).infer(graph(), List.of(ones)).get(0);
            float[] want = {(float) -2.5, Float.NaN, (float) -2.5, Float.MAX_VALUE, (float) (1.0 / 3)};
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits((float) out.getDouble(i)), "element " + i + " (double FPU " + t.hasDoubleFpu() + ")");
            }
        }
        Map<String, Tensor> ref = new org.traindeeploy.interp.Interpreter(graph()).run(Map.of("x", ones));
        assertTrue(Double.isNaN(ref.get("out").getDouble(1)));
    }
}
