package io.replikit.leaderless.internal;

import io.replikit.versioning.DottedVersionVectorSet;

/**
 * The journal event of a storage replica: {@code key} now holds {@code set} (the result of a write or a merge, so
 * that replay needs no rules); {@code lwwDiscarded}: values last-write-wins threw away in that step.
 */
public record KeyStored(String key, DottedVersionVectorSet set, int lwwDiscarded) implements StorageEvent {}
