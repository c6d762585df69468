package org.traindeeploy.ir;

/**
 * The one error type the compiler raises for bad input or an unsupported model. Its message is
 * meant for the user: one line naming the file, node, tensor or flag and the reason. The CLI prints
 * it and exits with code 2; anything else escaping is a bug.
 */
public class CompileException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CompileException(String message) {
        super(message);
    }

    public CompileException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The error for a node: {@code node 'name' (OpType): reason}. */
    public static CompileException atNode(Node node, String reason) {
        return new CompileException("node '" + node.name() + "' (" + node.op().opType() + "): " + reason);
    }

    /** Prefix the message with a location (a file, a strategy), keeping it one line. */
    public CompileException within(String where) {
        CompileException e = new CompileException(where + ": " + getMessage(), getCause() == null ? this : getCause());
        e.setStackTrace(getStackTrace());
        return e;
    }
}
