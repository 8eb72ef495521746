package io.replikit.multileader.internal;

/**
 * The first event of a replica that started with an empty journal while {@code incarnate-when-empty} was on:
 * from then on it originates its changes as {@code origin} ({@code <member>~<incarnation>}, see
 * {@link Incarnation}), never as an id it may have written under before its journal was lost.
 */
public record Incarnated(String origin) implements MultiLeaderEvent {}
