package io.tempokv.packaging;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads the entries of a .tar.gz (ustar, with POSIX pax and GNU long-name extensions) without
 * extracting it, so tests see the names, types and modes exactly as stored.
 */
final class TarListing {
    private TarListing() {
    }

    /** One stored entry; {@code type} is the ustar type flag: '0' file, '5' directory, '2' symlink. */
    record Entry(String name, char type, int mode, long size) {
        boolean isDirectory() {
            return type == '5';
        }

        boolean isFile() {
            return type == '0' || type == '\0';
        }

        /** The name without a trailing slash. */
        String path() {
            return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
        }
    }

    static List<Entry> read(Path tarGz) throws IOException {
        List<Entry> entries = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(tarGz))) {
            String longName = null;
            while (true) {
                byte[] h = in.readNBytes(512);
                if (h.length < 512) {
                    throw new EOFException(tarGz + ": truncated tar header");
                }
                if (allZero(h)) {
                    break;
                }
                String name = text(h, 0, 100);
                int mode = (int) octal(h, 100, 8);
                long size = octal(h, 124, 12);
                char type = (char) h[156];
                String prefix = "ustar".equals(text(h, 257, 5)) ? text(h, 345, 155) : "";
                byte[] body = readBody(in, size);
                if (type == 'x') {
                    String path = paxPath(body);
                    if (path != null) {
                        longName = path;
                    }
                    continue;
                }
                if (type == 'L') {
                    longName = new String(body, StandardCharsets.UTF_8).replace("\0", "");
                    continue;
                }
                if (type == 'g') {
                    continue;
                }
                String full = longName != null ? longName : (prefix.isEmpty() ? name : prefix + "/" + name);
                longName = null;
                entries.add(new Entry(full, type, mode, size));
            }
        }
        return entries;
    }

    private static byte[] readBody(InputStream in, long size) throws IOException {
        long padded = (size + 511) / 512 * 512;
        if (size > 1 << 20) {
            // file contents are not needed; skip them
            long left = padded;
            while (left > 0) {
                long n = in.skip(left);
                if (n <= 0) {
                    if (in.read() < 0) {
                        throw new EOFException("truncated tar entry");
                    }
                    n = 1;
                }
                left -= n;
            }
            return new byte[0];
        }
        byte[] b = in.readNBytes((int) padded);
        if (b.length < padded) {
            throw new EOFException("truncated tar entry");
        }
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(b, 0, (int) size);
        return o.toByteArray();
    }

    /** The "path" record of a pax header ("LEN path=VALUE\n" records), or null. */
    private static String paxPath(byte[] body) {
        String s = new String(body, StandardCharsets.UTF_8);
        int i = 0;
        while (i < s.length()) {
            int sp = s.indexOf(' ', i);
            if (sp < 0) {
                break;
            }
            int len = Integer.parseInt(s.substring(i, sp));
            String record = s.substring(sp + 1, i + len - 1);
            if (record.startsWith("path=")) {
                return record.substring(5);
            }
            i += len;
        }
        return null;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        String s = text(b, off, len).trim();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }
}
