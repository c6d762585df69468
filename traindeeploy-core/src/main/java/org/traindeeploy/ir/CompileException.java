package org.traindeeploy.ir;

/**
 * The one error type the compiler raises for bad input or an unsupported model. Its message is
 * meant for the user: one line naming the file, node, tensor or flag and the reason. The CLI prints
 * it and exits with code 2; anything else escaping is a bug.
 */
public class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Messages longer than this keep their start (file, node) and end (reason) around an ellipsis. */
    static final int MAX_MESSAGE = 1000;

    public CompileException(String message) {
        super(oneLine(message));
    }

    public CompileException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** {@code s} safe to print on a terminal: control and bidi characters as escapes, as in error messages. */
    public static String printable(String s) { return oneLine(s); }

    /**
     * The message as one printable line. Names in messages come from the model file, which may hold
     * newlines, terminal escapes or bidi overrides (a hostile or corrupted file): those are shown
     * as escapes (backslash-n, backslash-u001b, ...), so {@code error: ...} is always exactly one line and says
     * what the file contains. An absurdly long name is shortened in the middle.
     */
    static String oneLine(String message) {
        if (message == null) return "unknown error";
        StringBuilder sb = new StringBuilder(message.length());
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c == '\u2028' || c == '\u2029'
                    || (c >= '\u202a' && c <= '\u202e') || (c >= '\u2066' && c <= '\u2069')) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (sb.length() > MAX_MESSAGE) {
            int keep = MAX_MESSAGE / 2 - 3;
            return sb.substring(0, keep) + " ... " + sb.substring(sb.length() - keep);
        }
        return sb.toString();
    }

    /** The error for a node: {@code node 'name' (OpType): reason}. */
    public static CompileException atNode(Node node, String reason) {
        return new CompileException("node '" + node.name() + "' (" + node.op().opType() + "): " + reason);
    }

    /** Prefix the message with a location (a file, a strategy), keeping it one line. */
    public CompileException within(String where) {
        if (getMessage().startsWith(where + ": ")) return this; // already says where
        CompileException e = new CompileException(where + ": " + getMessage(), getCause() == null ? this : getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
