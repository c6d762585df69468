package org.traindeeploy.codegen;

import freemarker.ext.beans.ZeroArgumentNonVoidMethodPolicy;
import freemarker.template.Configuration;
import freemarker.template.DefaultObjectWrapperBuilder;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.traindeeploy.ir.CompileException;

/**
 * The FreeMarker set-up and the files under {@code src-templates/} on the classpath. Numbers
 * render in computer format (1000, never 1,000) and a missing value is an error, never an empty
 * string.
 */
final class Templates {
    static final String ROOT = "/src-templates/";

    private static final Configuration CONFIG = configure();

    private Templates() {}

    private static Configuration configure() {
        Configuration c = new Configuration(Configuration.VERSION_2_3_34);
        c.setClassForTemplateLoading(Templates.class, ROOT);
        c.setDefaultEncoding("UTF-8");
        c.setNumberFormat("computer");
        c.setBooleanFormat("c");
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setWrapUncheckedExceptions(true);
        c.setFallbackOnNullLoopVariable(false);
        c.setAPIBuiltinEnabled(false);
        // Records render by their component names (${c.id}); their other no-argument methods too.
        DefaultObjectWrapperBuilder wb = new DefaultObjectWrapperBuilder(Configuration.VERSION_2_3_34);
        wb.setRecordZeroArgumentNonVoidMethodPolicy(ZeroArgumentNonVoidMethodPolicy.BOTH_METHOD_AND_PROPERTY_UNLESS_BEAN_PROPERTY_READ_METHOD);
        wb.setDefaultZeroArgumentNonVoidMethodPolicy(ZeroArgumentNonVoidMethodPolicy.BOTH_METHOD_AND_PROPERTY_UNLESS_BEAN_PROPERTY_READ_METHOD);
        c.setObjectWrapper(wb.build());
        return c;
    }

    /** The templates every generated folder renders (parsed first when warming up). */
    private static final String[] MAIN = {"network.c.ftl", "network.h.ftl", "network_data.h.ftl", "network_data.S.ftl", "Makefile.ftl", "td_target.h.ftl",
            "td_plan.h.ftl", "calls/lib.ftl", "tiles/tables.ftl", "kernels/td_args.h.ftl"};

    /**
     * Load FreeMarker and parse the templates into the configuration's cache, so that a caller can
     * do it on another thread while the compiler works (the parse and the class loading are a good
     * part of a small model's compile): the main ones, then every other {@code .ftl} on the classpath
     * (the call templates a program includes are known only when it renders). Failures are left for
     * {@link #render} to report.
     */
    static void warm() {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(java.util.Arrays.asList(MAIN));
        names.addAll(all());
        for (String name : names) {
            try {
                CONFIG.getTemplate(name);
            } catch (IOException | RuntimeException e) {
                return;
            }
        }
    }

    /** Every template under src-templates/ in the jar or folder this class was loaded from (none when that cannot be listed). */
    private static java.util.List<String> all() {
        java.util.List<String> out = new java.util.ArrayList<>();
        try {
            java.nio.file.Path from = java.nio.file.Path.of(Templates.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            String root = ROOT.substring(1);
            if (java.nio.file.Files.isDirectory(from)) {
                java.nio.file.Path dir = from.resolve(root);
                try (java.util.stream.Stream<java.nio.file.Path> s = java.nio.file.Files.walk(dir)) {
                    s.filter(f -> f.toString().endsWith(".ftl")).forEach(f -> out.add(dir.relativize(f).toString().replace('\\', '/')));
                }
            } else {
                try (java.util.jar.JarFile j = new java.util.jar.JarFile(from.toFile())) {
                    j.stream().map(java.util.zip.ZipEntry::getName).filter(n -> n.startsWith(root) && n.endsWith(".ftl")).forEach(n -> out.add(n.substring(root.length())));
                }
            }
        } catch (IOException | RuntimeException | java.net.URISyntaxException e) {
            // warming up is an optimization: the templates load when first rendered
        }
        java.util.Collections.sort(out);
        return out;
    }

    /** Render template {@code name} (relative to src-templates/) with {@code model} as its root. */
    static String render(String name, Object model) {
        try {
            Template t = CONFIG.getTemplate(name);
            StringWriter w = new StringWriter();
            t.process(model, w);
            return w.toString();
        } catch (IOException | TemplateException e) {
            throw new IllegalStateException("template " + name + " failed: " + e.getMessage(), e);
        }
    }

    /** A file copied verbatim from src-templates/. */
    static String verbatim(String name) {
        try (InputStream in = Templates.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IllegalStateException("missing resource " + ROOT + name + " (is the codegen jar complete?)");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CompileException("cannot read " + ROOT + name + ": " + e.getMessage(), e);
        }
    }
}
