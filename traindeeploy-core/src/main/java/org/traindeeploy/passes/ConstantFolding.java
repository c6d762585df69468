package org.traindeeploy.passes;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.ir.Node;
import org.traindeeploy.ir.Tensor;
import org.traindeeploy.ir.Value;

/**
 * Evaluates every node whose inputs are all compile-time constants and replaces its outputs by
 * constants, within {@link Graph#withinFoldingBudget the folding budget}.
 */
public record ConstantFolding() implements Pass {
    @Override public String name() { return "constant-folding"; }

    @Override public String summary() { return "evaluate nodes whose inputs are all constants"; }

    @Override
    public boolean run(Graph g) {
        boolean changed = false;
        for (Node n : new ArrayList<>(g.nodes())) {
            if (!n.op().isFoldable()) continue;
            if (!n.inputs().stream().allMatch(v -> v == null || v.isConstant())) continue;
            if (!Graph.withinFoldingBudget(n.op(), n.inputs(), n.outputs().stream().map(Value::type).toList())) continue;
            List<Tensor> args = new ArrayList<>();
            for (Value v : n.inputs()) args.add(v == null ? null : v.data());
            List<Tensor> out = n.op().evaluate(args);
            g.removeNode(n);
            for (int i = 0; i < out.size(); i++) {
                Value c = g.constant(n.output(i).name(), out.get(i).roundToType());
                g.replaceAllUses(n.output(i), c);
            }
            changed = true;
        }
        g.removeDeadCode();
        return changed;
    }
}
