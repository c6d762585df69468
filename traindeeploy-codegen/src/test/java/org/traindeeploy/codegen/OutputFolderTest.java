package org.traindeeploy.codegen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.traindeeploy.ir.CompileException;

class OutputFolderTest {
    @TempDir Path tmp;

    @Test
    void writesAllFilesAndLeavesNoTemporaryFolder() throws Exception {
        Path out = tmp.resolve("gen");
        OutputFolder.write(out, Map.of("a.c", "int a;\n", "sub/b.h", "#define B 1\n"), false);
        assertEquals("int a;\n", Files.readString(out.resolve("a.c")));
        assertEquals("#define B 1\n", Files.readString(out.resolve("sub/b.h")));
        assertEquals(1, entries(tmp));
    }

    @Test
    void aFailureLeavesNoFolderAtAll() throws Exception {
        Path out = tmp.resolve("gen");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("a.c", "int a;\n");
        files.put("../escape.c", "int b;\n");
        assertThrows(IllegalArgumentException.class, () -> OutputFolder.write(out, files, false));
        assertFalse(Files.exists(out));
        assertEquals(0, entries(tmp), "temporary folder left behind");
    }

    @Test
    void anExistingFolderNeedsForce() throws Exception {
        Path out = tmp.resolve("gen");
        OutputFolder.write(out, Map.of("old.c", "old\n"), false);
        CompileException e = assertThrows(CompileException.class, () -> OutputFolder.write(out, Map.of("new.c", "new\n"), false));
        assertTrue(e.getMessage().contains("--force"), e.getMessage());
        assertTrue(Files.exists(out.resolve("old.c")));
        OutputFolder.write(out, Map.of("new.c", "new\n"), true);
        assertFalse(Files.exists(out.resolve("old.c")));
        assertEquals("new\n", Files.readString(out.resolve("new.c")));
        assertEquals(1, entries(tmp));
    }

    private static long entries(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }
}
