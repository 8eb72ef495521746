package io.replikit.multileader;

import java.util.List;

/**
 * A conflict one replica detected: at {@code key}, the write {@code detectedBy} arrived while the versions
 * {@code concurrentWith} (written without having seen it, nor it them) were current; {@code strategy} handled it
 * and {@code outcome} says how (the winner, the merged value, the siblings kept, how many writes were discarded).
 */
public record ConflictRecord(String replica, String key, String detectedBy, List<String> concurrentWith,
    String strategy, String outcome, int discarded) {}
