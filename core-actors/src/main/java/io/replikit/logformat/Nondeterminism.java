package io.replikit.logformat;

/**
 * Where the leader draws the values of non-deterministic functions from, once per call in a statement; the values
 * are then logged, so followers never draw their own.
 */
public interface Nondeterminism {
  long nowMillis();

  double random();

  long nextId();
}
