package io.tempokv.systest;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Hands the run's shared {@link Testbed} to test methods and lifecycle methods that ask for one. */
final class TestbedExtension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext c) {
        return p.getParameter().getType() == Testbed.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext c) {
        return Testbed.get(c);
    }
}
