package io.replikit.leaderless.handoff;

import io.replikit.serialization.JournalEvent;
import io.replikit.versioning.DottedVersionVectorSet;

/** The journal events of a hint store: each carries its outcome, so that replay needs no rules and no clock. */
public sealed interface HintEvent extends JournalEvent
    permits HintEvent.HintStored, HintEvent.HintHandedOff, HintEvent.HintExpired {

  /** The hint for {@code home} and {@code key} is now {@code set} (the merge), first stored at the given time. */
  record HintStored(String home, String key, DottedVersionVectorSet set, long firstStoredMillis)
      implements HintEvent {}

  /** The home acknowledged a set descending the hint: it is deleted. */
  record HintHandedOff(String home, String key) implements HintEvent {}

  /** The hint outlived the hint window without being handed off: it is dropped. */
  record HintExpired(String home, String key) implements HintEvent {}
}
