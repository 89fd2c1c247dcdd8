package io.tempokv.server.config;

/**
 * One thing wrong with a config: the setting's dotted path ("" for the file as a whole) and a text
 * that says what is wrong and what to do.
 */
record Problem(String path, String text) {

    String render(String source) {
        return path.isEmpty() ? source + ": " + text : source + ": " + path + ": " + text;
    }
}
