package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package dependencies of the main sources of every module, read off the sources (imports and
 * qualified names in code; comments left out) form no cycle. The op interface's vocabulary (Op,
 * GradientContext, TileContract) lives in ir, below ops and tiling (issue 11).
 */
class PackageCyclesTest {
    private static final Pattern REF = Pattern.compile("org\\.traindeeploy\\.([a-z0-9_.]+?)\\.[A-Z]");

    @Test
    void noPackageCycle() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        for (String module : List.of("traindeeploy-core", "traindeeploy-codegen", "traindeeploy-cli")) {
            Path root = Path.of(CliTest.ROOT, module, "src/main/java/org/traindeeploy");
            try (Stream<Path> files = Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                    String pkg = root.relativize(f.getParent()).toString().replace('/', '.');
                    Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                    Matcher m = REF.matcher(withoutComments(Files.readString(f)));
                    while (m.find()) if (!m.group(1).equals(pkg)) out.add(m.group(1));
                }
            }
        }
        assertTrue(deps.get("train").contains("onnx") && deps.get("codegen").contains("memory"), deps.toString());
        List<Set<String>> cycles = cycles(deps);
        assertEquals(List.of(), cycles, "package cycles " + cycles + " in " + deps);
        // ir is the bottom layer: it names no package of the compiler.
        assertEquals(Set.of(), deps.get("ir"), "ir depends on " + deps.get("ir"));
        assertTrue(!deps.get("ops").contains("tiling") && !deps.get("tiling").contains("ops"), "ops " + deps.get("ops") + ", tiling " + deps.get("tiling"));
        // train reads models through onnx.OnnxModel, never the protobuf classes.
        assertTrue(!deps.get("train").contains("onnx.proto"), deps.get("train").toString());
    }

    private static String withoutComments(String s) {
        return s.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    }

    /** The strongly connected components of more than one package (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> g) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        List<Set<String>> out = new ArrayList<>();
        for (String v : g.keySet()) if (!index.containsKey(v)) visit(v, g, index, low, stack, out);
        return out;
    }

    private static void visit(String v, Map<String, Set<String>> g, Map<String, Integer> index, Map<String, Integer> low, Deque<String> stack, List<Set<String>> out) {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        for (String w : g.getOrDefault(v, Set.of())) {
            if (!index.containsKey(w)) {
                visit(w, g, index, low, stack, out);
                low.put(v, Math.min(low.get(v), low.get(w)));
            } else if (stack.contains(w)) {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v))) {
            Set<String> c = new TreeSet<>();
            String w;
            do {
                w = stack.pop();
                c.add(w);
            } while (!w.equals(v));
            if (c.size() > 1) out.add(c);
        }
    }
}
