package org.traindeeploy.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.traindeeploy.conformance.Manifest;
import org.traindeeploy.target.CostModel;
import org.traindeeploy.target.Target;
import org.traindeeploy.testing.T;
import org.traindeeploy.train.TrainingPipeline;

/** report.json by the streaming writer is byte for byte what jackson's data binding writes for the record. */
class ReportJsonTest {
    private static String bound(StepReport r) throws Exception {
        return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r) + "\n";
    }

    @Test
    void cct2OnEveryKindOfTargetAsDataBindingWritesIt() throws Exception {
        Manifest m = Manifest.read(T.root().resolve("tests/conformance/cct2"));
        for (String strategy : List.of("LoRA2", "FT2")) {
            for (String target : List.of("siracusa", "host")) {
                StepReport r = StepReport.of(TrainingPipeline.compile(m.modelPath(), m.config(m.strategies().get(strategy)), (x, y) -> { }), Target.load(target));
                String json = ReportJson.of(r);
                assertEquals(bound(r), json, strategy + " on " + target);
                assertTrue(json.contains("\"layers\" : [ {"), json);
            }
        }
    }

    @Test
    void oddValuesAsDataBindingWritesThem() throws Exception {
        StepReport r = new StepReport("t \"quoted\"\n\u00e9", 1, 1, Map.of("forward", 0L), new java.util.LinkedHashMap<>(),
                new StepReport.Memory(1, 2, 3, 4, 5, 6), Map.of(), 0, Double.NaN, Double.POSITIVE_INFINITY,
                List.of(new StepReport.Layer("n\u0001", "Op", "forward", 1, 2, 3, 4, 5, 6, new CostModel.Features(1, 2, 3, 4, 1e-300, 6, 7)),
                        new StepReport.Layer("m", "Op", "update", 0, 0, 0, 0, 0, 0, null)),
                0, new StepReport.Levels("L2", 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, List.of("a", "b\\c")));
        assertEquals(bound(r), ReportJson.of(r));
    }
}
