package org.traindeeploy.cli;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
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
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:check found a mismatch", "2:bad input, unsupported model or bad usage"})
public final class Main {
    public static final int OK = 0;
    public static final int MISMATCH = 1;
    public static final int BAD_INPUT = 2;

    /**
     * The commands by name, in the order help lists them. Picocli builds a command's model by reflection
     * over its class, its options and mixins (and registers its type converters) when the command is
     * added: for all eight that was a tenth of a compile's start-up, so a run whose first argument names
     * a command adds that one alone ({@link #commandLine}).
     */
    static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("inspect", InspectCommand.class);
        m.put("compile", CompileCommand.class);
        m.put("train", TrainCommand.class);
        m.put("check", CheckCommand.class);
        m.put("profile", ProfileCommand.class);
        m.put("sweep", SweepCommand.class);
        m.put("export", ExportCommand.class);
        m.put("help", CommandLine.HelpCommand.class);
        return m;
    }

    public static void main(String[] args) {
        Timing.mark("main");
        if (args.length > 0 && "compile".equals(args[0])) WarmUp.start();
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /**
     * The command line for {@code args}: every command, or only the one {@code args[0]} names (except
     * help, which looks at the others). The parse of a command's arguments, its help and its errors
     * depend on that command alone, so the result is the same either way.
     */
    static CommandLine commandLine(String[] args) {
        CommandLine cl = new CommandLine(new Main());
        Class<?> only = args.length > 0 && !"help".equals(args[0]) ? COMMANDS.get(args[0]) : null;
        if (only != null) {
            cl.addSubcommand(only);
        } else {
            for (Class<?> c : COMMANDS.values()) cl.addSubcommand(c);
        }
        return cl;
    }

    /** Run the CLI with the given streams and return the exit code (used by tests). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine(args);
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
        Timing.mark("command line built");
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
