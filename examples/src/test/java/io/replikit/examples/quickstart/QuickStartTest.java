package io.replikit.examples.quickstart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.replikit.singleleader.Replica;
import org.junit.jupiter.api.Test;

/** The README's example runs as printed: a synchronous write is visible on a follower at once. */
class QuickStartTest {

  @Test
  void theReadmeExampleReadsTheWriteBackFromAFollower() {
    Replica.Found found = assertInstanceOf(Replica.Found.class, QuickStart.run());
    assertEquals("2 books", found.value().asText());
    assertEquals("f1", found.servedBy().value());
    assertEquals(2, found.version(), "position 1 holds the first epoch's start");
  }
}
