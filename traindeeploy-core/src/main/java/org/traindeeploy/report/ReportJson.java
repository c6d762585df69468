package org.traindeeploy.report;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.Map;
import org.traindeeploy.target.CostModel;

/**
 * report.json of a compile: the {@link StepReport} record by its components, in their order, indented
 * as jackson's data binding writes it (the same generator and pretty printer), so the file is the same
 * byte for byte; written through jackson-core's streaming generator because data binding's start-up
 * (its serializer factory, introspection of the records and a reflective accessor per component) cost
 * as much as the writing.
 */
public final class ReportJson {
    private static final JsonFactory FACTORY = new JsonFactory();

    private ReportJson() {}

    /** The report as indented JSON, with a final newline. */
    public static String of(StepReport r) {
        StringWriter w = new StringWriter(1 << 16);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            g.setPrettyPrinter(new DefaultPrettyPrinter());
            write(g, r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.append('\n').toString();
    }

    private static void write(JsonGenerator g, StepReport r) throws IOException {
        g.writeStartObject();
        g.writeStringField("target", r.target());
        g.writeNumberField("trainableElements", r.trainableElements());
        g.writeNumberField("batch", r.batch());
        longs(g, "macs", r.macs());
        longs(g, "flops", r.flops());
        StepReport.Memory m = r.memory();
        g.writeObjectFieldStart("memory");
        g.writeNumberField("dynamicPeak", m.dynamicPeak());
        g.writeNumberField("dynamicLowerBound", m.dynamicLowerBound());
        g.writeNumberField("staticL2", m.staticL2());
        g.writeNumberField("staticL3", m.staticL3());
        g.writeNumberField("l1Peak", m.l1Peak());
        g.writeNumberField("l1Budget", m.l1Budget());
        g.writeEndObject();
        longs(g, "bytesMoved", r.bytesMoved());
        g.writeNumberField("estimatedCycles", r.estimatedCycles());
        g.writeNumberField("estimatedImagesPerSecond", r.estimatedImagesPerSecond());
        g.writeNumberField("estimatedFlopsPerCycle", r.estimatedFlopsPerCycle());
        g.writeArrayFieldStart("layers");
        for (StepReport.Layer l : r.layers()) {
            g.writeStartObject();
            g.writeStringField("node", l.node());
            g.writeStringField("op", l.op());
            g.writeStringField("phase", l.phase());
            g.writeNumberField("macs", l.macs());
            g.writeNumberField("bytesL2L1", l.bytesL2L1());
            g.writeNumberField("cycles", l.cycles());
            g.writeNumberField("tiles", l.tiles());
            g.writeNumberField("l1Bytes", l.l1Bytes());
            g.writeNumberField("instructions", l.instructions());
            CostModel.Features f = l.features();
            if (f == null) {
                g.writeNullField("features");
            } else {
                g.writeObjectFieldStart("features");
                g.writeNumberField("tiles", f.tiles());
                g.writeNumberField("outputs", f.outputs());
                g.writeNumberField("inputs", f.inputs());
                g.writeNumberField("macs", f.macs());
                g.writeNumberField("busy", f.busy());
                g.writeNumberField("windows", f.windows());
                g.writeNumberField("taps", f.taps());
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeNumberField("inputElements", r.inputElements());
        StepReport.Levels v = r.levels();
        g.writeObjectFieldStart("levels");
        g.writeStringField("strategy", v.strategy());
        g.writeNumberField("l3Bytes", v.l3Bytes());
        g.writeNumberField("l3StaticBytes", v.l3StaticBytes());
        g.writeNumberField("l3DynamicBytes", v.l3DynamicBytes());
        g.writeNumberField("l3DynamicSum", v.l3DynamicSum());
        g.writeNumberField("buffersInL3", v.buffersInL3());
        g.writeNumberField("recomputedNodes", v.recomputedNodes());
        g.writeNumberField("recomputedMacs", v.recomputedMacs());
        g.writeNumberField("l3Traffic", v.l3Traffic());
        g.writeNumberField("addedCycles", v.addedCycles());
        g.writeNumberField("recomputeCycles", v.recomputeCycles());
        g.writeArrayFieldStart("moved");
        for (String s : v.moved()) g.writeString(s);
        g.writeEndArray();
        g.writeEndObject();
        g.writeEndObject();
    }

    private static void longs(JsonGenerator g, String name, Map<String, Long> m) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, Long> e : m.entrySet()) {
            if (e.getValue() == null) g.writeNullField(e.getKey());
            else g.writeNumberField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
    }
}
