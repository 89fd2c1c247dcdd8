package io.tempokv.server.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version this build was made from, as Maven recorded it in {@code tempokv-build.properties}. */
public final class BuildInfo {
    private static final String VERSION = load();

    private BuildInfo() {
    }

    /** E.g. {@code 0.1.0-SNAPSHOT}; {@code unknown} if the build left no record (classes compiled by hand). */
    public static String version() {
        return VERSION;
    }

    private static String load() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("/tempokv-build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "").trim();
            return v.isEmpty() || v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
