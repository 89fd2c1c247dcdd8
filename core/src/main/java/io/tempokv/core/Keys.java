package io.tempokv.core;

import java.nio.charset.StandardCharsets;

/**
 * Stable key hashing (FNV-1a 64 over UTF-8, then a finaliser): the same key maps to the same shard
 * and clock bucket on every JVM and every version, because placement is part of the durable state.
 */
public final class Keys {
    private Keys() {
    }

    public static long hash(String key) {
        long h = 0xcbf29ce484222325L;
        for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    public static int shardOf(String key, int shards) {
        return (int) Long.remainderUnsigned(hash(key), shards);
    }

    /** Clock bucket of a key inside its shard; independent of the shard choice thanks to the mix. */
    public static int bucketOf(String key, int buckets) {
        return (int) Long.remainderUnsigned(mix(hash(key)), buckets);
    }
}
