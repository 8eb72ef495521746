/**
 * Change data capture and trigger-based replication on top of the replicas' journals.
 *
 * <ul>
 *   <li>{@link io.replikit.persistence.cdc.ChangeFeed}: one replica's replication log as an Akka Streams source of
 *       {@link io.replikit.persistence.cdc.FeedEvent}s (changes, retractions, restarts from a snapshot), resumable
 *       from the offset each element carries.
 *   <li>{@link io.replikit.persistence.cdc.TriggerRelay}: delivers what table triggers logged with each transaction
 *       to {@link io.replikit.persistence.cdc.TriggerTarget}s, exactly once, the offset kept by each target:
 *       {@link io.replikit.persistence.cdc.JdbcTableTarget} (plain tables of another database),
 *       {@link io.replikit.persistence.cdc.ReplicaGroupTarget} (another replica group) and
 *       {@link io.replikit.persistence.cdc.InMemoryTarget} (tests).
 * </ul>
 *
 * <p>Settings live under {@code replikit.cdc} (see this module's {@code reference.conf}).
 */
package io.replikit.persistence.cdc;
