package org.traindeeploy.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.traindeeploy.ir.DType;
import org.traindeeploy.ir.Graph;
import org.traindeeploy.onnx.proto.OnnxProto.ModelProto;
import org.traindeeploy.onnx.proto.OnnxProto.NodeProto;
import org.traindeeploy.onnx.proto.OnnxProto.TensorProto;

/**
 * An ONNX model read from its file, for the pipeline: what the trainable selection asks of the file
 * (its floating initializers, BatchNorm running statistics, node names and inputs) and its import
 * to IR. The protobuf classes stay in this package.
 */
public final class OnnxModel {
    private final ModelProto proto;
    private final Path path;

    private OnnxModel(ModelProto proto, Path path) {
        this.proto = proto;
        this.path = path;
    }

    /** Read and check a model file ({@link OnnxReader}). */
    public static OnnxModel read(Path file) { return new OnnxModel(OnnxReader.read(file), file); }

    /** A model already in memory; {@code path} names it in errors and anchors external data. */
    public static OnnxModel of(ModelProto proto, Path path) { return new OnnxModel(proto, path); }

    public Path path() { return path; }

    /** Candidate imports by batch size (null: none given); each made once, on first use. */
    private final java.util.Map<java.util.Optional<Integer>, CandidateImport> candidates = new java.util.HashMap<>();

    /**
     * The model imported once with its floating initializers undecided ({@link CandidateImport}), for
     * {@code batch}: the first call imports, later ones (other strategies, other threads) share it.
     */
    public synchronized CandidateImport candidates(Integer batch) {
        java.util.Optional<Integer> key = java.util.Optional.ofNullable(batch);
        CandidateImport c = candidates.get(key);
        if (c == null) {
            c = OnnxImporter.importCandidates(proto, path, batch);
            candidates.put(key, c);
        }
        return c;
    }

    /** Import to IR, {@code trainable} initializers as state ({@link OnnxImporter}). */
    public Graph importGraph(Integer batch, Set<String> trainable) {
        return OnnxImporter.importModel(proto, path, new OnnxImporter.Options(batch, trainable)).graph();
    }

    public Graph importGraph(Integer batch) { return OnnxImporter.importModel(proto, path, new OnnxImporter.Options(batch)).graph(); }

    /** The floating-point initializers' names, in file order. */
    public Set<String> floatInitializers() {
        Set<String> floats = new LinkedHashSet<>();
        for (TensorProto t : proto.getGraph().getInitializerList()) {
            DType d = DType.fromOnnx(t.getDataType());
            if (d != null && d.isFloat()) floats.add(t.getName());
        }
        return floats;
    }

    /** The running mean and variance inputs of BatchNormalization (and BatchNormInternal) nodes: buffers, not parameters. */
    public Set<String> batchNormStatistics() {
        Set<String> statistics = new LinkedHashSet<>();
        for (NodeProto n : proto.getGraph().getNodeList()) {
            if (!n.getOpType().equals("BatchNormalization") && !n.getOpType().equals("BatchNormInternal")) continue;
            for (int i = 3; i < 5 && i < n.getInputCount(); i++) statistics.add(n.getInput(i));
        }
        return statistics;
    }

    /** A node of the file: its name and input names. */
    public record NodeInputs(String name, List<String> inputs) {}

    public List<NodeInputs> nodes() {
        List<NodeInputs> out = new ArrayList<>();
        for (NodeProto n : proto.getGraph().getNodeList()) out.add(new NodeInputs(n.getName(), List.copyOf(n.getInputList())));
        return out;
    }
}
