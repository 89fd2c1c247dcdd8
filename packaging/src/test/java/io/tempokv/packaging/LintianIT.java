package io.tempokv.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Debian's package checker: no errors, and every warning it still gives is explained in packaging/README.md. */
class LintianIT {
    @Test
    void lintianFindsNoErrorsAndEveryWarningIsDocumented() throws Exception {
        Packages.assumeOrSkip(Packages.onPath("lintian"),
                "lintian is not installed: this check is SKIPPED here; CI installs it (apt-get install lintian)");
        Packages.Result r = Packages.run(Packages.target(), Map.of(), 300, "lintian", Packages.deb().toString());
        System.out.println("lintian " + Packages.deb().getFileName() + ":\n" + r.out() + r.err());
        List<String> lines = Packages.lines(r.out());
        List<String> errors = lines.stream().filter(l -> l.startsWith("E: ")).toList();
        assertEquals(List.of(), errors, "lintian errors\n" + r.describe());
        assertTrue(r.exit() == 0, "lintian itself failed or found errors\n" + r.describe());

        String readme = Files.readString(Packages.basedir().resolve("README.md"));
        Pattern tag = Pattern.compile("^W: tempokv: (\\S+)");
        for (String l : lines) {
            Matcher m = tag.matcher(l);
            if (m.find()) {
                assertTrue(readme.contains("`" + m.group(1) + "`"), "lintian warns " + m.group(1)
                        + " but packaging/README.md does not explain it (quote the tag in backticks):\n" + l);
            }
        }
    }
}
