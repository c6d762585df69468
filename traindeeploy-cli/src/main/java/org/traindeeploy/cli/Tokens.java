package org.traindeeploy.cli;

import java.util.ArrayList;
import java.util.List;
import org.traindeeploy.ir.CompileException;

/** Splits a flags string the way a POSIX shell would for words and quotes (no expansion). */
final class Tokens {
    private Tokens() {}

    static String[] split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) quote = 0;
                else if (c == '\\' && quote == '"' && i + 1 < s.length()) cur.append(s.charAt(++i));
                else cur.append(c);
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) out.add(cur.toString());
                cur.setLength(0);
                inWord = false;
            } else if (c == '\\' && i + 1 < s.length()) {
                cur.append(s.charAt(++i));
                inWord = true;
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (quote != 0) throw new CompileException("unterminated quote in '" + s + "'");
        if (inWord) out.add(cur.toString());
        return out.toArray(new String[0]);
    }
}
