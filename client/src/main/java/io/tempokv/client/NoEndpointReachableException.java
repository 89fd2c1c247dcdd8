package io.tempokv.client;

/** No endpoint accepted a connection before the deadline: the request was never sent, so it surely did not apply. */
public final class NoEndpointReachableException extends Exception {
    private static final long serialVersionUID = 1L;

    public NoEndpointReachableException(String message) {
        super(message);
    }
}
