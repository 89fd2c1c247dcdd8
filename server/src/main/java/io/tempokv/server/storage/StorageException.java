package io.tempokv.server.storage;

/**
 * A replica's store cannot read or write its directory. Unchecked because no caller can recover in
 * place: the node stops the shard and reports the message, which names the directory, the operation
 * and what the operator should do.
 */
public final class StorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StorageException(String message, Throwable cause) {
        super(message, cause);
    }

    public StorageException(String message) {
        super(message);
    }
}
