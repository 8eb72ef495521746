package io.replikit.examples.security;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Every log event at WARN or above (what the examples' logback.xml lets through) while open, for assertions. */
final class CapturedLogs extends AppenderBase<ILoggingEvent> implements AutoCloseable {
  private final List<ILoggingEvent> events = new ArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  CapturedLogs() {
    setName("captured-" + System.identityHashCode(this));
    start();
    root.addAppender(this);
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    event.prepareForDeferredProcessing();
    events.add(event);
  }

  /** The events so far whose text (message and throwable chain) satisfies {@code test}. */
  synchronized List<String> matching(Predicate<String> test) {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : events) {
      String text = text(e);
      if (test.test(text)) {
        out.add(text);
      }
    }
    return out;
  }

  /** Every event so far, as text. */
  synchronized List<String> all() {
    return matching(t -> true);
  }

  private static String text(ILoggingEvent e) {
    StringBuilder b = new StringBuilder(e.getLevel() + " " + e.getLoggerName() + " - " + e.getFormattedMessage());
    for (var t = e.getThrowableProxy(); t != null; t = t.getCause()) {
      b.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
    }
    return b.toString();
  }

  @Override
  public void close() {
    root.detachAppender(this);
    stop();
  }
}
