package org.traindeeploy.tiling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.traindeeploy.testing.T;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.TensorType;
import org.traindeeploy.ops.Conv;
import org.traindeeploy.ops.ConvGradInput;
import org.traindeeploy.ops.ConvGradWeight;
import org.traindeeploy.ir.Op;
import org.traindeeploy.target.CostModel;
import org.traindeeploy.target.Target;

/**
 * The calibrated cost model against its calibration data (tools/calibration/measurements.json,
 * docs/cost-model.md): the coefficients in targets/siracusa.json reproduce the counted critical
 * path of every fit case, and the scalar window loops the conv ops report follow their kernels.
 */
class CostCalibrationTest {
    /** The bound: each fit case's whole step, as the model predicts it on its measured tilings, within 10% of profile's count. */
    private static final double STEP_BOUND = 0.10;

    private static List<TensorType> f(int[]... shapes) {
        List<TensorType> l = new ArrayList<>();
        for (int[] s : shapes) l.add(TensorType.of(DType.FLOAT, s));
        return l;
    }

    private static CostModel.Features features(JsonNode f) {
        return new CostModel.Features(f.get("tiles").asLong(), f.get("outputs").asLong(), f.get("inputs").asLong(), f.get("macs").asLong(),
                f.get("busy").asDouble(), f.path("windows").asLong(0), f.path("taps").asLong(0));
    }

    @Test
    void theFittedCoefficientsReproduceEveryFitCasesCountedStep() throws IOException {
        JsonNode data = new ObjectMapper().readTree(T.root().resolve("tools/calibration/measurements.json").toFile());
        CostModel cm = Target.load("siracusa").cost();
        JsonNode fit = data.get("fit");
        assertTrue(fit.size() >= 10, "fit cases: " + fit.size());
        boolean sawConvLoops = false;
        for (JsonNode m : fit) {
            double predicted = cm.outsideNodes(m.get("inputElements").asLong());
            for (JsonNode n : m.get("nodes")) {
                JsonNode f = n.get("features");
                if (f == null || f.isNull()) continue;
                CostModel.Features x = features(f);
                sawConvLoops |= x.windows() > 0;
                predicted += cm.instructions(n.get("op").asText(), x);
            }
            double counted = m.get("critical").asDouble();
            double ratio = predicted / counted;
            assertEquals(1.0, ratio, STEP_BOUND, m.get("case").asText() + ": predicted " + Math.round(predicted) + " against " + Math.round(counted) + " counted");
        }
        assertTrue(sawConvLoops, "the measurements carry the conv kernels' scalar window loops");
    }

    @Test
    void convolutionsReportTheScalarLoopsOfTheKernelPathTheyTake() {
        // 3x3, unit stride, group 1, 8 output channels, 16 columns: register blocks only.
        Conv c3 = new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        assertEquals(Op.ScalarLoops.NONE, c3.scalarLoops(f(new int[] {1, 4, 16, 16}, new int[] {8, 4, 3, 3}), f(new int[] {1, 8, 16, 16})));
        // 6 output channels: the 2 past the last block of 4 one element at a time, over 4 input channels, 3x3 taps
        // (the top and bottom output rows see 2 kernel rows inside the input, the others 3).
        Op.ScalarLoops rest = c3.scalarLoops(f(new int[] {1, 4, 16, 16}, new int[] {6, 4, 3, 3}), f(new int[] {1, 6, 16, 16}));
        assertEquals(2L * 16 * 16 * 4, rest.windows());
        assertEquals(2L * 16 * 4 * 3 * (14 * 3 + 2 * 2), rest.taps());
        // Pointwise: a matrix product per image (td_gemm.h), priced by its MACs alone; so its weight and input gradients.
        Conv pw = new Conv(1, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1});
        assertEquals(Op.ScalarLoops.NONE, pw.scalarLoops(f(new int[] {2, 16, 8, 8}, new int[] {32, 16, 1, 1}), f(new int[] {2, 32, 8, 8})));
        assertEquals(Op.ScalarLoops.NONE, new ConvGradInput(pw, new int[] {2, 16, 8, 8}).scalarLoops(f(new int[] {2, 32, 8, 8}, new int[] {32, 16, 1, 1}),
                f(new int[] {2, 16, 8, 8})));
        assertEquals(Op.ScalarLoops.NONE, new ConvGradWeight(pw, new int[] {32, 16, 1, 1}).scalarLoops(f(new int[] {2, 32, 8, 8}, new int[] {2, 16, 8, 8}),
                f(new int[] {32, 16, 1, 1})));
        // Depthwise 3x3 on a 10x10 plane: the staged plane (12 x 12 floats) fits, blocked (none); so its input gradient.
        Conv dw = new Conv(8, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        assertEquals(Op.ScalarLoops.NONE, dw.scalarLoops(f(new int[] {1, 8, 10, 10}, new int[] {8, 1, 3, 3}), f(new int[] {1, 8, 10, 10})));
        assertEquals(Op.ScalarLoops.NONE, new ConvGradInput(dw, new int[] {1, 8, 10, 10}).scalarLoops(f(new int[] {1, 8, 10, 10}, new int[] {8, 1, 3, 3}),
                f(new int[] {1, 8, 10, 10})));
        // On a 16x16 plane (18 x 18 staged floats, more than conv.c's 256): one window per output element.
        Op.ScalarLoops d = dw.scalarLoops(f(new int[] {1, 8, 16, 16}, new int[] {8, 1, 3, 3}), f(new int[] {1, 8, 16, 16}));
        assertEquals(8L * 256, d.windows());
        assertEquals(8L * 16 * 3 * (14 * 3 + 2 * 2), d.taps());
        // Its input gradient: per dX element the output channels of its group (1), the kernel rows reaching it.
        ConvGradInput gi = new ConvGradInput(dw, new int[] {1, 8, 16, 16});
        Op.ScalarLoops g = gi.scalarLoops(f(new int[] {1, 8, 16, 16}, new int[] {8, 1, 3, 3}), f(new int[] {1, 8, 16, 16}));
        assertEquals(8L * 256, g.windows());
        assertEquals(d.taps(), g.taps());
        // A stride of 2 on a 1x1 kernel: the rows the stride skips run no tap.
        Conv s2 = new Conv(1, new int[] {2, 2}, new int[] {0, 0, 0, 0}, new int[] {1, 1});
        Op.ScalarLoops sg = new ConvGradInput(s2, new int[] {1, 4, 8, 8}).scalarLoops(f(new int[] {1, 6, 4, 4}, new int[] {6, 4, 1, 1}), f(new int[] {1, 4, 8, 8}));
        assertEquals(4L * 64 * 6, sg.windows());
        assertEquals(4L * 8 * 6 * 4, sg.taps());
        // The weight gradient (of the strided 1x1, not pointwise): per dW element and image, the output rows inside X
        // (windows) times the output columns (taps).
        Op.ScalarLoops w = new ConvGradWeight(s2, new int[] {6, 4, 1, 1}).scalarLoops(f(new int[] {1, 6, 4, 4}, new int[] {1, 4, 8, 8}), f(new int[] {6, 4, 1, 1}));
        assertEquals(new Op.ScalarLoops(6L * 4 * 1 * 4, 6L * 4 * 4 * 4), w);
        assertFalse(w.equals(Op.ScalarLoops.NONE));
    }

    @Test
    void theModelPricesAPointwiseConvolutionLikeA3x3OfTheSameMacsAndAScalarDepthwiseAbove() {
        CostModel cm = Target.load("siracusa").cost();
        Conv pw = new Conv(1, new int[] {1, 1}, new int[] {0, 0, 0, 0}, new int[] {1, 1});
        Conv c3 = new Conv(1, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        Conv dw = new Conv(32, new int[] {1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1});
        List<TensorType> pin = f(new int[] {1, 72, 16, 16}, new int[] {32, 72, 1, 1});
        List<TensorType> cin = f(new int[] {1, 8, 16, 16}, new int[] {32, 8, 3, 3});
        List<TensorType> din = f(new int[] {1, 32, 16, 16}, new int[] {32, 1, 3, 3});
        List<TensorType> out = f(new int[] {1, 32, 16, 16});
        double perMacPw = perMac(cm, pw, pin, out);
        double perMac3 = perMac(cm, c3, cin, out);
        double perMacDw = perMac(cm, dw, din, out);
        // The same MACs and outputs, both register-blocked (measured ~2.3 and ~2.5 instructions per MAC): the same price.
        assertEquals(pw.macs(pin, out), c3.macs(cin, out));
        assertEquals(perMac3, perMacPw, 0.05 * perMac3);
        // A depthwise 3x3 whose plane is too large to stage gathers each window element by element.
        assertTrue(perMacDw > 2 * perMac3, perMacDw + " vs " + perMac3);
    }

    private static double perMac(CostModel cm, Op op, List<TensorType> in, List<TensorType> out) {
        Op.ScalarLoops l = op.scalarLoops(in, out);
        long outs = out.get(0).size();
        long macs = op.macs(in, out);
        return cm.instructions("Conv", new CostModel.Features(1, outs, 0, macs, 0.125, l.windows(), l.taps())) / macs;
    }
}
