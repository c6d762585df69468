package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Codegen only renders: every line of C comes from a template under src-templates/ fed by typed
 * records, so no string literal of the main Java sources of any module holds a C statement
 * ({@code for (}, {@code if (}, {@code while (}, a {@code td_dma_*(} call). Scans the sources as text
 * (string literals and text blocks; comments and code are skipped).
 */
class NoCInJavaStringsTest {
    private static final Pattern C_STATEMENT = Pattern.compile("\\b(for|if|while|switch)\\s*\\(|\\btd_dma_\\w*\\s*\\(");

    @Test
    void noMainJavaStringLiteralHoldsACStatement() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        if (!Files.isDirectory(root.resolve("traindeeploy-codegen"))) root = root.getParent(); // run from the module
        List<Path> mains = new ArrayList<>();
        try (Stream<Path> modules = Files.list(root)) {
            modules.filter(m -> m.getFileName().toString().startsWith("traindeeploy-")).map(m -> m.resolve("src/main/java")).filter(Files::isDirectory)
                    .forEach(mains::add);
        }
        assertTrue(mains.size() >= 3, "the modules' main sources under " + root + ": " + mains);
        List<String> found = new ArrayList<>();
        int files = 0;
        for (Path main : mains) {
            List<Path> java;
            try (Stream<Path> s = Files.walk(main)) {
                java = s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
            }
            for (Path p : java) {
                files++;
                for (String lit : literals(Files.readString(p))) if (C_STATEMENT.matcher(lit).find()) found.add(root.relativize(p) + ": \"" + lit + "\"");
            }
        }
        assertTrue(files > 50, "scanned only " + files + " files");
        assertEquals(List.of(), found, "C statements in Java string literals (render them from a template instead)");
    }

    @Test
    void theScannerSeesLiteralsAndTextBlocksButNotCommentsOrCode() {
        String src = "class A { // if (x) \"for (\"\n /* while ( */ void f() { if (a) g(\"td_dma_in(l1, l2)\", 'x', \"a\\\"b\"); String t = \"\"\"\n  for (i = 0;\n  \"\"\"; } }";
        List<String> lits = literals(src);
        assertEquals(List.of("td_dma_in(l1, l2)", "a\\\"b", "\n  for (i = 0;\n  "), lits);
        assertEquals(2, lits.stream().filter(l -> C_STATEMENT.matcher(l).find()).count());
    }

    /** The contents of the string literals and text blocks of Java source {@code s}. */
    static List<String> literals(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                while (i < n && s.charAt(i) != '\n') i++;
            } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                int e = s.indexOf("*/", i + 2);
                i = e < 0 ? n : e + 2;
            } else if (s.startsWith("\"\"\"", i)) {
                int start = i + 3;
                int j = start;
                while (j < n && !s.startsWith("\"\"\"", j)) j += s.charAt(j) == '\\' ? 2 : 1;
                out.add(s.substring(start, Math.min(j, n)));
                i = j + 3;
            } else if (c == '"' || c == '\'') {
                int j = i + 1;
                while (j < n && s.charAt(j) != c && s.charAt(j) != '\n') j += s.charAt(j) == '\\' ? 2 : 1;
                if (c == '"') out.add(s.substring(i + 1, Math.min(j, n)));
                i = j + 1;
            } else {
                i++;
            }
        }
        return out;
    }
}
