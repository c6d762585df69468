package org.traindeeploy.conformance;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.traindeeploy.ir.CompileException;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.onnx.OnnxModel;
import org.traindeeploy.onnx.TensorIo;
import org.traindeeploy.train.TrainingPipeline;
import org.traindeeploy.train.TrainingProgram;

/**
 * Runs a conformance case through an engine and compares with PyTorch's numbers: the forward
 * logits, and per strategy the loss, every gradient and every updated tensor of every step.
 * Prints one row per compared quantity with its worst error; says what a case gave nothing to
 * compare against.
 */
public final class Checker {
    private final Engine engine;
    private final PrintWriter out;
    private final List<Row> rows = new ArrayList<>();
    /** The case's model, read once for its forward check and every strategy (they share one import). */
    private OnnxModel model;

    private OnnxModel model(Manifest m) {
        if (model == null || !model.path().equals(m.modelPath())) model = OnnxModel.read(m.modelPath());
        return model;
    }

    /** One line of the report. {@code ratio} is worst error / allowance; ≤ 1 passes. */
    public record Row(String strategy, String kind, String tensor, double worstAbs, double ratio, boolean passed, String note) {}

    public Checker(Engine engine, PrintWriter out) {
        this.engine = engine;
        this.out = out;
    }

    public List<Row> rows() { return rows; }

    public boolean passed() { return rows.stream().allMatch(Row::passed); }

    /** Compare the untrained model's forward output with data/logits_K. */
    public void checkForward(Manifest m) {
        List<Tensor> inputs = data(m, "input", true);
        List<Tensor> logits = data(m, "logits", false);
        if (logits.isEmpty()) {
            out.println("  (the case has no data/logits_K.pb: nothing to compare the forward pass against)");
            return;
        }
        Graph g = TrainingPipeline.inference(model(m), m.batch(), (p, x) -> { });
        List<Tensor> y = engine.infer(g, inputs.subList(0, logits.size()));
        Comparison c = new Comparison();
        for (int k = 0; k < logits.size(); k++) c.add(y.get(k), logits.get(k));
        add(new Row("forward", "logits", m.output() == null ? "output" : m.output(), c.worstAbs(), c.worstRatio(), c.passed(), c.problem()));
    }

    /** Train every selected strategy for the case's steps and compare. */
    public void checkTraining(Manifest m, List<String> only) {
        List<Tensor> inputs = data(m, "input", true);
        List<Tensor> labels = null;
        for (String name : only.isEmpty() ? m.strategies().keySet() : only) {
            Manifest.Strategy s = m.strategies().get(name);
            if (s == null) throw new CompileException("case " + m.dir() + " has no strategy '" + name + "' (it has " + m.strategies().keySet() + ")");
            if (s.readsLabels() && labels == null) labels = data(m, "label", true);
            int steps = Math.min(m.steps() > 0 ? m.steps() : inputs.size(), inputs.size());
            if (s.readsLabels()) steps = Math.min(steps, labels.size());
            TrainingProgram p;
            try {
                p = TrainingPipeline.compile(model(m), m.config(s), (x, y) -> { });
            } catch (CompileException e) {
                throw e.within("strategy " + name);
            }
            if (s.trainableElements() >= 0) {
                boolean ok = p.trainableElements() == s.trainableElements();
                add(new Row(name, "count", "trainable elements", Math.abs(p.trainableElements() - s.trainableElements()), ok ? 0 : Double.POSITIVE_INFINITY, ok,
                        ok ? null : p.trainableElements() + " vs expected " + s.trainableElements()));
            }
            List<Engine.StepResult> res = engine.train(p, inputs.subList(0, steps), s.readsLabels() ? labels.subList(0, steps) : null);
            if (s.losses() != null) {
                Comparison c = new Comparison();
                for (int k = 0; k < steps && k < s.losses().size(); k++) c.add(res.get(k).loss(), s.losses().get(k));
                add(new Row(name, "loss", "loss", c.worstAbs(), c.worstRatio(), c.passed(), c.problem()));
            } else {
                out.println("  " + name + ": the case gives no losses; nothing to compare them against");
            }
            boolean anyGrad = false;
            boolean adam = s.optimizer().type() == org.traindeeploy.train.OptimizerSpec.Type.ADAM;
            Comparison optimizer = new Comparison();
            for (Map.Entry<String, String> e : s.trainable().entrySet()) {
                Comparison g = new Comparison();
                Comparison v = new Comparison();
                boolean[] undetermined = null;
                TeacherForced tf = new TeacherForced(s.optimizer(), p.trainables().stream()
                        .filter(t -> t.key().equals(e.getKey())).findFirst().map(t -> t.state().data()).orElse(null));
                // With accumulate = A, step_K/grad is micro-batch K's own gradient; step_K/param exists
                // only where an update happened (K + 1 a multiple of A) and applies the group's sum.
                Tensor groupSum = null;
                boolean groupComplete = true;
                for (int k = 0; k < steps; k++) {
                    Path sd = m.dir().resolve(name).resolve("step_" + k);
                    Path gf = sd.resolve("grad").resolve(e.getValue());
                    Path pf = sd.resolve("param").resolve(e.getValue());
                    Tensor gRef = reference(m, name, e.getKey(), gf);
                    Tensor pRef = reference(m, name, e.getKey(), pf);
                    boolean updates = (k + 1) % s.accumulate() == 0;
                    if (gRef != null) {
                        g.add(res.get(k).grads().get(e.getKey()), gRef);
                        groupSum = groupSum == null ? gRef.cast(org.traindeeploy.ir.DType.DOUBLE) : sum(groupSum, gRef);
                    } else {
                        groupComplete = false;
                    }
                    if (!updates) {
                        if (pRef != null) v.fail("step_" + k + "/param exists but step " + k + " applies no update (accumulate " + s.accumulate() + ")");
                        continue;
                    }
                    if (adam && groupComplete && groupSum != null) undetermined = markNearZero(undetermined, groupSum);
                    if (pRef != null) v.add(res.get(k).params().get(e.getKey()), pRef, undetermined);
                    if (groupComplete && groupSum != null && pRef != null) tf.step(groupSum, pRef, optimizer);
                    else tf.invalidate();
                    groupSum = null;
                    groupComplete = true;
                }
                if (g.compared() > 0 || g.problem() != null) {
                    anyGrad = true;
                    add(new Row(name, "grad", e.getKey(), g.worstAbs(), g.worstRatio(), g.passed(), g.problem()));
                }
                if (v.compared() > 0 || v.skipped() > 0 || v.problem() != null) {
                    String note = v.problem() != null ? v.problem() : v.skipped() > 0
                            ? v.skipped() + " element(s) undetermined: gradient within tolerance of 0, so Adam's update is set by rounding noise" : null;
                    add(new Row(name, "param", e.getKey(), v.worstAbs(), v.worstRatio(), v.passed(), note));
                }
            }
            if (optimizer.compared() > 0) {
                add(new Row(name, "optim", "update applied to PyTorch's own gradients", optimizer.worstAbs(), optimizer.worstRatio(), optimizer.passed(), optimizer.problem()));
            }
            if (!anyGrad) out.println("  " + name + ": the case gives no gradients; nothing to compare them against");
        }
    }

    private void add(Row r) {
        rows.add(r);
        out.printf(Locale.ROOT, "  %-10s %-6s %-42s %10.3e %8.3f  %s%s%n", r.strategy(), r.kind(), abbreviate(r.tensor(), 42), r.worstAbs(), r.ratio(),
                r.passed() ? "PASS" : "FAIL", r.note() == null ? "" : "  (" + r.note() + ")");
        out.flush();
    }

    public void header(Manifest m) {
        out.printf(Locale.ROOT, "case %s: %s, batch %d, %d step(s), engine %s%n", m.dir().getFileName(), m.model(), m.batch(), m.steps(), engine.name());
        out.printf(Locale.ROOT, "  %-10s %-6s %-42s %10s %8s  %s%n", "strategy", "kind", "tensor", "worst abs", "err/tol", "status");
    }

    private static String abbreviate(String s, int n) { return s.length() <= n ? s : "…" + s.substring(s.length() - n + 1); }

    /** a + b elementwise in double (a gradient group's sum, as PyTorch's float32 sum rounds it). */
    private static Tensor sum(Tensor a, Tensor b) {
        double[] r = a.reals().clone();
        if (b.size() != r.length) return a;
        for (int i = 0; i < r.length; i++) r[i] += b.getDouble(i);
        return Tensor.ofReal(org.traindeeploy.ir.DType.DOUBLE, a.shape(), r);
    }

    /** Under Adam, an element's update is undetermined once its reference gradient is indistinguishable from 0. */
    private static boolean[] markNearZero(boolean[] mask, Tensor gRef) {
        boolean[] m = mask == null ? new boolean[gRef.size()] : mask;
        for (int i = 0; i < m.length && i < gRef.size(); i++) m[i] |= Comparison.indistinguishableFromZero(gRef.getDouble(i));
        return m;
    }

    /**
     * The optimizer checked on its own: our update op applied to PyTorch's gradients and PyTorch's
     * previous parameters must give PyTorch's next parameters, element for element (no noise
     * amplification can hide here, the inputs being identical).
     */
    private static final class TeacherForced {
        private final org.traindeeploy.train.OptimizerSpec spec;
        private Tensor param;
        private Tensor m1;
        private Tensor m2;
        private int t;

        TeacherForced(org.traindeeploy.train.OptimizerSpec spec, Tensor initial) {
            this.spec = spec;
            this.param = initial;
        }

        void invalidate() { param = null; }

        void step(Tensor gRef, Tensor pRef, Comparison c) {
            if (param == null || param.size() != gRef.size()) {
                param = null;
                return;
            }
            Tensor g = gRef.cast(param.dtype()).reshape(param.shape());
            if (m1 == null) {
                m1 = Tensor.zeros(param.type());
                m2 = Tensor.zeros(param.type());
            }
            t++;
            java.util.List<Tensor> out;
            if (spec.type() == org.traindeeploy.train.OptimizerSpec.Type.SGD) {
                var op = new org.traindeeploy.ops.SgdUpdate(spec.lr(), spec.momentum(), spec.weightDecay(), spec.nesterov());
                out = op.evaluate(op.hasVelocity() ? java.util.List.of(param, g, m1) : java.util.List.of(param, g));
                if (op.hasVelocity()) m1 = out.get(1).roundToType();
            } else {
                var op = new org.traindeeploy.ops.AdamUpdate(spec.lr(), spec.beta1(), spec.beta2(), spec.eps(), spec.weightDecay());
                out = op.evaluate(java.util.List.of(param, g, m1, m2, Tensor.scalar(param.dtype(), t)));
                m1 = out.get(1).roundToType();
                m2 = out.get(2).roundToType();
            }
            c.add(out.get(0).roundToType(), pRef);
            param = pRef.cast(param.dtype()).reshape(param.shape());
        }
    }

    /**
     * The reference tensor in {@code f} (a step's grad/ or param/ file), or null when the case has no
     * such folder for that step. A folder that lacks a file the manifest names is an error: the
     * check would otherwise silently compare fewer tensors.
     */
    private static Tensor reference(Manifest m, String strategy, String key, Path f) {
        if (!Files.isDirectory(f.getParent())) return null;
        try {
            Manifest.confined(m.dir(), m.dir().relativize(f).toString(), "trainable '" + key + "'");
            if (!Files.exists(f)) {
                throw new CompileException("trainable '" + key + "': " + m.dir().relativize(f) + " does not exist");
            }
        } catch (CompileException e) {
            throw e.within(m.dir().resolve("manifest.json") + ": strategy '" + strategy + "'");
        }
        return TensorIo.readFile(f);
    }

    /** data/{prefix}_K.pb for K = 0, 1, ... while they exist. */
    static List<Tensor> data(Manifest m, String prefix, boolean required) {
        List<Tensor> out = new ArrayList<>();
        for (int k = 0; ; k++) {
            Path f = m.dir().resolve("data").resolve(prefix + "_" + k + ".pb");
            if (!Files.exists(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)) break;
            try {
                Manifest.confined(m.dir(), "data/" + prefix + "_" + k + ".pb", "data file");
            } catch (CompileException e) {
                throw e.within(m.dir().toString());
            }
            out.add(TensorIo.readFile(f));
        }
        if (required && out.isEmpty()) throw new CompileException(m.dir() + ": no data/" + prefix + "_0.pb");
        return out;
    }

    /** Summary counts for the final line. */
    public Map<String, Integer> summary() {
        Map<String, Integer> s = new LinkedHashMap<>();
        s.put("passed", (int) rows.stream().filter(Row::passed).count());
        s.put("failed", (int) rows.stream().filter(r -> !r.passed()).count());
        return s;
    }
}
