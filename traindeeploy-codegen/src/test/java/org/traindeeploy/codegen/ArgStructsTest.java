package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The kernel-call records as the one definition of the kernels' argument structs: the header, the
 * initializer, the buffers of a call and the binder's field names all come from the record.
 */
class ArgStructsTest {
    private static final KernelCall.Linear LINEAR = new KernelCall.Linear("k_fc", "t_y", "t_x", "s_w", "NULL", "t_r", 4, 8, 3, 1, "0.5");

    @Test
    void everyRecordIsAStructOfTheHeaderWithUniqueNamesAndKernels() {
        var all = ArgStructs.all();
        Set<String> functions = new HashSet<>();
        for (Class<?> c : KernelCall.class.getPermittedSubclasses()) {
            ArgStructs.Struct s = ArgStructs.of(c);
            assertEquals(s.fields(), all.get(s.name()).fields(), c.getSimpleName());
            assertTrue(!s.functions().isEmpty(), c.getSimpleName() + " names no kernel");
            for (String f : s.functions()) assertTrue(functions.add(f), f + " takes two structs");
        }
        // Nested structs and opcode enums come before their first user; td_args.h is the same text every time.
        List<String> order = new ArrayList<>(all.keySet());
        assertTrue(order.indexOf("td_bcast") < order.indexOf("td_binary_args") && order.indexOf("td_unary_op") < order.indexOf("td_unary_args"), order.toString());
        assertTrue(order.indexOf("td_conv_geom") < order.indexOf("td_conv_args") && order.indexOf("td_dtype") < order.indexOf("td_cast_args"), order.toString());
        String h = ArgStructs.headerText();
        assertSame(h, ArgStructs.headerText());
        assertTrue(h.contains("""
                typedef struct {
                    float *y;
                    const float *x;
                    const float *w;
                    const float *b;
                    const float *r;
                    int32_t rows;
                    int32_t k;
                    int32_t n;
                    int32_t trans_w;
                    td_real alpha;
                    int32_t accumulate;
                } td_linear_args;
                void td_linear(const td_linear_args *a);
                """), h);
        assertTrue(h.contains("    int32_t strides[3][TD_MAX_RANK];\n") && h.contains("    td_acc *stats;\n") && h.contains("    const int32_t *a_off;\n"), h);
        assertTrue(h.contains("void td_avgpool_grad(const td_pool_args *a);\n") && h.contains("    TD_LEAKY_RELU_GRAD\n} td_unary_grad_op;\n"), h);
        assertTrue(h.contains("/* ---- conv.c: 2-D convolution (im2col + GEMM, or direct), and its two gradients ---- */\n\n/* Geometry:"), h);
    }

    @Test
    void aCallsInitializerAndBuffersFollowItsRecord() {
        List<String> fields = ArgStructs.init(LINEAR).stream().map(i -> i.field() + "=" + i.text()).toList();
        assertEquals(List.of("y=t_y", "x=t_x", "w=s_w", "b=NULL", "r=t_r", "rows=4", "k=8", "n=3", "trans_w=1", "alpha=0.5", "accumulate=0"), fields);
        assertEquals(List.of("t_x", "s_w", "t_r"), LINEAR.reads());
        assertEquals(List.of("t_y"), LINEAR.writes());
        assertEquals("td_linear", LINEAR.function());
        assertEquals("td_linear_args", LINEAR.structType());

        var conv = new KernelCall.Conv("k_c", "td_conv_im2col", "t_y", "t_x", "s_w", "NULL", "td_scratch_f",
                new KernelCall.ConvGeometry(1, 2, 3, 3, 4, 2, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1));
        assertEquals(List.of("t_x", "s_w", "td_scratch_f"), conv.reads());
        assertEquals(List.of("t_y", "td_scratch_f"), conv.writes());
        ArgStructs.Init g = ArgStructs.init(conv).get(5);
        assertEquals("g", g.field());
        assertEquals("group=1", g.nested().get(16).field() + "=" + g.nested().get(16).text());
        assertThrows(IllegalStateException.class, () -> new KernelCall.Conv("k_c", "td_conv", "t_y", "t_x", "s_w", "NULL", "NULL", conv.g()));

        var mm = new KernelCall.MatMul("k_m", "t_y", "t_a", "t_b", new int[] {0, 6}, new int[] {0, 0}, 2, 3, 4);
        assertEquals(2, mm.batch());
        assertEquals("ma_k_m", mm.arrays().get(0).name());
        assertEquals("a_off=ma_k_m", ArgStructs.init(mm).get(3).field() + "=" + ArgStructs.init(mm).get(3).text());

        var scatter = new KernelCall.Scatter("k_s", 12, "0.0f", KernelCall.Copy.contiguous("k_s_c", "t_y", "t_x", 4, new int[] {2, 3}));
        assertEquals(List.of("t_x"), scatter.reads());
        assertEquals(List.of("t_y"), scatter.writes());
        var unary = new KernelCall.Unary("k_u", "t_y", "t_x", 5, KernelCall.UnaryOp.TD_RELU, "0.0", "0.0");
        assertEquals("op=TD_RELU", ArgStructs.init(unary).get(3).field() + "=" + ArgStructs.init(unary).get(3).text());
    }

    @Test
    void theBindersFieldNamesAreCheckedAgainstTheRecord() {
        // Ops over absent operands (-1) and constant factors never touch the tile: the names are checked all the same.
        new TileBinding(null).ptr("y", -1).ptr("b", -1).ext("rows").set("accumulate", 0).checked(LINEAR);
        IllegalStateException typo = assertThrows(IllegalStateException.class, () -> new TileBinding(null).ptr("y", -1).ext("rwos").checked(LINEAR));
        assertTrue(typo.getMessage().contains("td_linear_args") && typo.getMessage().contains("'rwos'"), typo.getMessage());
        assertThrows(IllegalStateException.class, () -> new TileBinding(null).ptr("rows", -1).checked(LINEAR));
        assertThrows(IllegalStateException.class, () -> new TileBinding(null).ext("alpha").checked(LINEAR));

        assertEquals(ArgStructs.Leaf.INT, ArgStructs.leaf(KernelCall.Binary.class, "view.strides[1][0]"));
        assertEquals(ArgStructs.Leaf.INT, ArgStructs.leaf(KernelCall.Conv.class, "g.pt"));
        assertEquals(ArgStructs.Leaf.INDEX, ArgStructs.leaf(KernelCall.MatMul.class, "b_off"));
        assertEquals(ArgStructs.Leaf.POINTER, ArgStructs.leaf(KernelCall.Sgd.class, "p_out"));
        assertThrows(IllegalStateException.class, () -> ArgStructs.leaf(KernelCall.Binary.class, "view.strides[1]"));
        assertThrows(IllegalStateException.class, () -> ArgStructs.leaf(KernelCall.Binary.class, "view"));
        assertThrows(IllegalStateException.class, () -> ArgStructs.leaf(KernelCall.Binary.class, "op"));
        assertThrows(IllegalStateException.class, () -> ArgStructs.leaf(KernelCall.Sgd.class, "pOut"));
    }
}
