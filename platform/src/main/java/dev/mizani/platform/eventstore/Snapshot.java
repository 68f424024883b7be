package dev.mizani.platform.eventstore;

/** A stream's state after applying its events up to and including {@code version}. */
public record Snapshot(String streamId, long version, byte[] state) {}
