package org.traindeeploy.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Main adds only the command its first argument names: the names must be the commands' own, and the result the same as with all. */
class CommandLineStartTest {
    @Test
    void commandNamesAreTheAnnotatedOnes() {
        for (Map.Entry<String, Class<?>> e : Main.COMMANDS.entrySet()) {
            assertEquals(e.getKey(), new CommandLine(e.getValue()).getCommandName(), e.getValue().getName());
        }
    }

    @Test
    void aNamedCommandIsAddedAloneAndAnythingElseGetsAll() {
        assertEquals(List.of("compile"), List.copyOf(Main.commandLine(new String[] {"compile", "x.onnx"}).getSubcommands().keySet()));
        List<String> all = List.copyOf(Main.COMMANDS.keySet());
        assertEquals(all, List.copyOf(Main.commandLine(new String[] {"help", "compile"}).getSubcommands().keySet()));
        assertEquals(all, List.copyOf(Main.commandLine(new String[] {"compil"}).getSubcommands().keySet()));
        assertEquals(all, List.copyOf(Main.commandLine(new String[] {"--help"}).getSubcommands().keySet()));
        assertEquals(all, List.copyOf(Main.commandLine(new String[0]).getSubcommands().keySet()));
    }

    @Test
    void aCommandsHelpAndErrorsAreTheSameAlone() {
        for (String c : Main.COMMANDS.keySet()) {
            if (c.equals("help")) continue;
            assertEquals(usage(Main.commandLine(new String[0]).getSubcommands().get(c)), usage(Main.commandLine(new String[] {c}).getSubcommands().get(c)), c);
        }
        CliTest.Result alone = CliTest.run("compile", "--no-such-flag");
        assertEquals(2, alone.code());
        assertEquals("error: Missing required parameter: 'MODEL.onnx' (see 'traindeeploy compile --help')\n", alone.err()); // as with every command added
    }

    private static String usage(CommandLine cl) { return cl.getUsageMessage(CommandLine.Help.Ansi.OFF); }
}
