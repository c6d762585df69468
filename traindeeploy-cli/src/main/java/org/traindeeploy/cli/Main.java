package org.traindeeploy.cli;

import java.io.PrintWriter;
import org.traindeeploy.ir.CompileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code traindeeploy <command> ...}. Exit codes: 0 success, 1 mismatch (check), 2 bad input or usage. */
@Command(name = "traindeeploy",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "Ahead-of-time compiler from an ONNX inference graph to an on-device training step in C.",
            "",
            "Typical use:",
            "  traindeeploy inspect models/cct2/model.onnx --train last",
            "  traindeeploy train models/cct2/model.onnx --data models/cct2/data --lora '/blocks.*/*MatMul' --train '/attention_pool/*,/fc/*' --steps 48",
            "  traindeeploy compile models/cct2/model.onnx -o out/cct2 --target host --train last",
            "  traindeeploy check tests/conformance/cct2 --engine reference",
            "  traindeeploy check tests/conformance/cct2 --engine c",
        },
        subcommands = {InspectCommand.class, CompileCommand.class, TrainCommand.class, CheckCommand.class, ProfileCommand.class, SweepCommand.class, ExportCommand.class,
            CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:check found a mismatch", "2:bad input, unsupported model or bad usage"})
public final class Main {
    public static final int OK = 0;
    public static final int MISMATCH = 1;
    public static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Run the CLI with the given streams and return the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new Main());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = false;
            for (CommandLine.ParseResult pr = parsed; pr != null; pr = pr.subcommand()) verbose |= pr.hasMatchedOption("--verbose");
            if (ex instanceof CompileException) {
                err.println("error: " + ex.getMessage());
            } else {
                err.println("error: internal compiler error: " + ex + " (rerun with --verbose and report it)");
            }
            if (verbose) ex.printStackTrace(err);
            err.flush();
            return BAD_INPUT;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            String cmd = ex.getCommandLine().getCommandName().equals("traindeeploy") ? "" : ex.getCommandLine().getCommandName() + " ";
            err.println("error: " + ex.getMessage().replace('\n', ' ').strip() + " (see 'traindeeploy " + cmd + "--help')");
            err.flush();
            return BAD_INPUT;
        });
        int code;
        try {
            code = cl.execute(args);
        } catch (OutOfMemoryError e) {
            // A model (or a string in it) too large for the Java heap: one line, never a trace.
            err.println("error: out of memory: the input is too large for the Java heap ("
                    + Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB); give java a larger -Xmx or a smaller model");
            code = BAD_INPUT;
        } catch (StackOverflowError e) {
            err.println("error: internal compiler error: stack overflow (the input is nested too deeply; rerun with --verbose and report it)");
            code = BAD_INPUT;
        }
        out.flush();
        err.flush();
        return code;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"traindeeploy " + (v == null ? "0.1.0-SNAPSHOT" : v)};
        }
    }
}
