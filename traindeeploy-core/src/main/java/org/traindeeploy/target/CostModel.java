package org.traindeeploy.target;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * What a node's tiled code executes, in instructions on the busiest core (the critical path), as
 * fitted from {@code traindeeploy profile} measurements by {@code tools/calibrate.sh} (data and
 * method: docs/cost-model.md). A target file carries it as {@code "cost"}; the tiler chooses tiles
 * with it and report.json's estimate adds it up, so both price the same thing.
 *
 * <p>Per kernel family (the op type of the node; {@code default} for one without its own fit):
 * <pre>
 *   instructions = tiles · tile + busy · (outputs · output + macs · mac + inputs · input
 *                                       + windows · window + taps · tap)
 * </pre>
 * where {@code tiles} is the node's tile count (each tile pays the driver, the fork and barrier,
 * argument setup and the DMA issue on core 0), {@code outputs} the output elements summed over
 * every tile (an output box revisited by several reduction tiles pays its epilogue each time),
 * {@code inputs} the input elements summed over every tile, {@code macs} the node's
 * multiply-accumulates, and {@code busy} the busiest core's share of a tile's work: the kernels
 * split a tile's work units evenly over the cores ({@code td_split}), so with U units per tile the
 * busiest core does ⌈U/cores⌉ of them, a share ⌈U/cores⌉/U of the tile (U: the tile's output
 * elements, in blocks of 4 for the matrix-product families, which split over blocks of 4 columns).
 * {@code windows} and {@code taps} count the scalar loops of the kernels that gather a window one
 * element at a time (the direct convolutions and their gradients, {@link
 * org.traindeeploy.ir.Op#scalarLoops}): entries of the loop over one window (per output and
 * input channel, say) and iterations of its innermost tap loop; 0 for every other op.
 *
 * @param source where the coefficients come from (the calibration command and its data)
 * @param step instructions on the critical path outside any node (fork, barriers), per step
 * @param stepPerInputElement critical-path instructions outside any node per element of the step's input (its copy in)
 * @param stateCopyPerByte critical-path instructions per byte of a state copy through L1
 * @param families coefficients per op type, and {@code default}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CostModel(String source, double step, double stepPerInputElement, double stateCopyPerByte, Map<String, Family> families) {

    /** Instructions per tile, per output element (per tile), per MAC and per input element (per tile), before the split over cores. */
    public record Family(double tile, double output, double mac, double input, double window, double tap) {
        /** A family without scalar window loops. */
        public Family(double tile, double output, double mac, double input) { this(tile, output, mac, input, 0, 0); }
    }

    public CostModel {
        families = families == null ? Map.of() : Map.copyOf(families);
    }

    /** The coefficients of an op type: its own, else {@code default}, else zero. */
    public Family family(String opType) {
        Family f = families.get(opType);
        if (f == null) f = families.get("default");
        return f == null ? new Family(0, 0, 0, 0, 0, 0) : f;
    }

    /**
     * The features of one tiled node that the model prices.
     *
     * @param tiles tile count
     * @param outputs output elements summed over tiles
     * @param inputs input elements summed over tiles
     * @param macs the node's multiply-accumulates
     * @param busy the busiest core's share of a tile's work (1/cores when the work splits evenly)
     * @param windows entries of the kernel's scalar loop over one window (0 for a blocked or windowless kernel)
     * @param taps iterations of the innermost loop of those windows
     */
    public record Features(long tiles, long outputs, long inputs, long macs, double busy, long windows, long taps) {
        /** Features of a node without scalar window loops. */
        public Features(long tiles, long outputs, long inputs, long macs, double busy) { this(tiles, outputs, inputs, macs, busy, 0, 0); }
    }

    /** The critical-path instructions of a node of op type {@code op} with features x. */
    public double instructions(String op, Features x) {
        Family f = family(op);
        return x.tiles() * f.tile() + x.busy() * (x.outputs() * f.output() + x.macs() * f.mac() + x.inputs() * f.input()
                + x.windows() * f.window() + x.taps() * f.tap());
    }

    /** The critical-path instructions of the step outside its nodes, for an input of {@code inputElements} elements. */
    public double outsideNodes(long inputElements) { return step + stepPerInputElement * inputElements; }

    /** The busiest core's share of a tile with {@code units} work units split evenly over {@code cores}. */
    public static double busy(long units, int cores) {
        long u = Math.max(1, units);
        return (double) ((u + cores - 1) / cores) / u;
    }
}
