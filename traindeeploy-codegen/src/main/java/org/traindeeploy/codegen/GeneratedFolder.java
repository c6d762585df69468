package org.traindeeploy.codegen;

import java.util.Map;
import java.util.TreeMap;

/**
 * The files of a generated folder by relative path: text files (written as UTF-8) and binary ones
 * (written byte for byte, e.g. {@code network_data.bin}). Both maps are sorted and unmodifiable.
 */
public record GeneratedFolder(Map<String, String> text, Map<String, byte[]> binary) {
    public GeneratedFolder {
        for (String k : binary.keySet()) {
            if (text.containsKey(k)) throw new IllegalArgumentException("generated file " + k + " is both text and binary");
        }
        text = java.util.Collections.unmodifiableMap(new TreeMap<>(text));
        binary = java.util.Collections.unmodifiableMap(new TreeMap<>(binary));
    }

    /** The same folder with more text files (e.g. the reports). */
    public GeneratedFolder withText(Map<String, String> more) {
        Map<String, String> t = new TreeMap<>(text);
        t.putAll(more);
        return new GeneratedFolder(t, binary);
    }

    /** Whether two folders have the same files with the same bytes. */
    public boolean sameAs(GeneratedFolder o) {
        if (!text.equals(o.text) || !binary.keySet().equals(o.binary.keySet())) return false;
        for (Map.Entry<String, byte[]> e : binary.entrySet()) if (!java.util.Arrays.equals(e.getValue(), o.binary.get(e.getKey()))) return false;
        return true;
    }
}
