package io.replikit.persistence.cdc;

import io.replikit.store.StoreItem;
import java.util.List;

/**
 * The replica's store was replaced by a snapshot of the leader's store taken at {@code position}: it had fallen
 * behind what the leader still kept in its log, or its log had parted from the leader's. The entries between what
 * this replica held and {@code position} were never in its log, so this feed never emits them; the feed continues
 * with position {@code position + 1}. A consumer must rebuild its copy from {@link #items()} (or from another
 * replica), and treat changes it saw at positions after {@code matchPosition} as retracted.
 *
 * <p>A feed of the leader, or of a synchronous follower that stays connected, does not restart; follow one of those
 * when gaps are not acceptable.
 *
 * @param sequenceNr the offset of this element (the last chunk of the snapshot transfer)
 * @param position the log position the snapshot was taken at
 * @param epoch the epoch of the entry at {@code position}
 * @param matchPosition this replica's log agreed with the leader's up to here; its entries after it were set aside
 * @param items the whole store as of {@code position}: plain keys as they are, rows under
 *     {@code io.replikit.store.RowKey} keys (table, U+001F, primary key)
 */
public record FeedRestarted(long sequenceNr, long position, long epoch, long matchPosition, List<StoreItem> items)
    implements FeedEvent {}
