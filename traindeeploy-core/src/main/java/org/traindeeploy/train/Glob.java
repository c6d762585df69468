package org.traindeeploy.train;

import java.util.regex.Pattern;

/** A name pattern where {@code *} matches any run of characters ({@code /} included) and everything else is literal. */
public record Glob(String pattern) {
    public boolean matches(String name) {
        String[] parts = pattern.split("\\*", -1);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (i > 0) sb.append(".*");
            sb.append(Pattern.quote(parts[i]));
        }
        return Pattern.compile(sb.toString(), Pattern.DOTALL).matcher(name).matches();
    }

    @Override public String toString() { return pattern; }
}
