package io.replikit.examples.serve;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who may use which routes of the {@link HttpApi} ({@code replikit.serve.auth}): writes and admin routes need
 * {@code Authorization: Bearer <token>} once a token is configured; reads ({@code GET}/{@code HEAD} outside
 * {@code /admin}, so also {@code /status}, {@code /metrics} and the live page's {@code /events}) are open unless
 * {@code reads = closed}. The live page's static files ({@code /ui/}) hold no data and are always open: with closed
 * reads the page asks for the token and sends it on its own requests. Pure rules: the route asks {@link #check} and
 * renders the answer.
 *
 * <p>Guarantees: without the token nothing is written, no admin action runs and (with closed reads) nothing is
 * read, whatever the request's body; the token is compared in constant time (of SHA-256 digests, so neither its
 * content nor its length leaks through timing). Does not survive: anyone who sees the token in transit — the API
 * speaks plain HTTP, so keep it on loopback or a trusted network, or behind a TLS-terminating proxy — and one shared
 * token means no per-user rights and no revocation but a restart with a new one.
 */
public final class HttpAuth {
  /** The scheme of the {@code Authorization} and {@code WWW-Authenticate} headers. */
  public static final String SCHEME = "Bearer";
  /** The realm named in {@code WWW-Authenticate}. */
  public static final String REALM = "replikit";
  /** Shortest token accepted: a shorter one is guessable. */
  public static final int MIN_TOKEN_LENGTH = 16;

  static final String SECTION = "replikit.serve.auth";
  // RFC 6750's b64token: what may follow "Bearer " in a header
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9\\-._~+/]+=*");

  /** What a request needs. */
  public enum Access {
    /** The live page's static files ({@code GET /ui/...}): the same in every jar, no data, open to anyone. */
    PUBLIC, READ, WRITE, ADMIN
  }

  /** The answer to one request: allowed, or refused with the reason and the RFC 6750 error code. */
  public record Decision(boolean allowed, String reason, String errorCode) {
    static final Decision ALLOWED = new Decision(true, null, null);
  }

  private final byte[] tokenDigest; // null: no token configured, every route is open
  private final boolean readsOpen;

  private HttpAuth(byte[] tokenDigest, boolean readsOpen) {
    this.tokenDigest = tokenDigest;
    this.readsOpen = readsOpen;
  }

  /** No token: every route is open (the default; {@code replikit serve} logs a warning). */
  public static HttpAuth open() {
    return new HttpAuth(null, true);
  }

  /**
   * Writes and admin routes need {@code token}; reads too unless {@code readsOpen}.
   *
   * @throws IllegalArgumentException when the token is shorter than {@value #MIN_TOKEN_LENGTH} characters or has
   *     characters a bearer token cannot carry
   */
  public static HttpAuth withToken(String token, boolean readsOpen) {
    if (token == null || token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(SECTION + ".token must be at least " + MIN_TOKEN_LENGTH + " characters "
          + "(it was " + (token == null ? 0 : token.length()) + "); e.g. the output of: "
          + "head -c 32 /dev/urandom | base64");
    }
    if (!TOKEN.matcher(token).matches()) {
      throw new IllegalArgumentException(SECTION + ".token may hold only letters, digits and - . _ ~ + / "
          + "(with = at the end), as a bearer token can");
    }
    return new HttpAuth(digest(token), readsOpen);
  }

  /**
   * Reads {@code replikit.serve.auth}: {@code token} (empty: none) and {@code reads} ({@code open} or
   * {@code closed}; closed needs a token).
   *
   * @throws IllegalArgumentException naming the path and what was wrong
   */
  public static HttpAuth fromConfig(Config config) {
    String token;
    String reads;
    try {
      Config c = config.getConfig(SECTION);
      token = c.getString("token").trim();
      reads = c.getString("reads").trim().toLowerCase(Locale.ROOT);
    } catch (ConfigException e) {
      throw new IllegalArgumentException(SECTION + " must have token (a string, empty for none) and reads (open "
          + "or closed): " + e.getMessage(), e);
    }
    boolean readsOpen;
    switch (reads) {
      case "open" -> readsOpen = true;
      case "closed" -> readsOpen = false;
      default -> throw new IllegalArgumentException(SECTION + ".reads must be open or closed, was '" + reads + "'");
    }
    if (token.isEmpty()) {
      if (!readsOpen) {
        throw new IllegalArgumentException(SECTION + ".reads = closed needs a token: set " + SECTION
            + ".token (or the environment variable REPLIKIT_HTTP_TOKEN)");
      }
      return open();
    }
    return withToken(token, readsOpen);
  }

  /** Whether a token is configured (false: every route is open). */
  public boolean enabled() {
    return tokenDigest != null;
  }

  /** Whether reads are open to requests without the token. */
  public boolean readsOpen() {
    return readsOpen;
  }

  /**
   * What {@code method path} needs: admin under {@code /admin}; public for GET and HEAD of the live page's static
   * files ({@code /ui}, {@code /ui/app.js}: plain names, no dot segments); read for other GET and HEAD; write otherwise.
   */
  public static Access access(String method, String path) {
    // empty segments are skipped, so that //admin/... cannot pass for something else
    String trimmed = path.replaceFirst("^/+", "");
    if (trimmed.equals("admin") || trimmed.startsWith("admin/")) {
      return Access.ADMIN;
    }
    String m = method.toUpperCase(Locale.ROOT);
    if (!m.equals("GET") && !m.equals("HEAD")) {
      return Access.WRITE;
    }
    return STATIC_FILE.matcher(trimmed).matches() ? Access.PUBLIC : Access.READ;
  }

  // ui, ui/, ui/index.html, ui/app.js: segments of letters, digits, '-', '_' and inner dots; never "." or ".."
  private static final Pattern STATIC_FILE = Pattern.compile("ui(/([A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*)?)?");

  /**
   * Whether a request needing {@code access} with these {@code Authorization} header values may go on.
   *
   * @param authorization every {@code Authorization} header of the request (none: empty)
   */
  public Decision check(Access access, List<String> authorization) {
    if (tokenDigest == null || access == Access.PUBLIC || (access == Access.READ && readsOpen)) {
      return Decision.ALLOWED;
    }
    String what = switch (access) {
      case PUBLIC -> "the live page's files";
      case READ -> "reads on this node (" + SECTION + ".reads = closed)";
      case WRITE -> "writes";
      case ADMIN -> "admin routes";
    };
    if (authorization.isEmpty()) {
      return new Decision(false, what + " need a bearer token: send the header 'Authorization: Bearer <token>' "
          + "with the token of " + SECTION + ".token", null);
    }
    if (authorization.size() > 1) {
      return new Decision(false, "the Authorization header is given " + authorization.size() + " times; give it "
          + "once", "invalid_request");
    }
    Optional<String> presented = bearer(authorization.get(0));
    if (presented.isEmpty()) {
      return new Decision(false, "the Authorization header must be 'Bearer <token>'", "invalid_request");
    }
    if (!MessageDigest.isEqual(tokenDigest, digest(presented.get()))) {
      return new Decision(false, "the bearer token is not this node's (" + SECTION + ".token)", "invalid_token");
    }
    return Decision.ALLOWED;
  }

  /**
   * The {@code WWW-Authenticate} value of a 401 for {@code decision}, as RFC 6750 writes it (quoted parameters:
   * akka-http's own rendering leaves them bare, which some clients do not parse).
   */
  public static String challenge(Decision decision) {
    return SCHEME + " realm=\"" + REALM + "\""
        + (decision.errorCode() == null ? "" : ", error=\"" + decision.errorCode() + "\"");
  }

  private static Optional<String> bearer(String header) {
    String h = header.trim();
    int space = h.indexOf(' ');
    if (space <= 0 || !h.substring(0, space).equalsIgnoreCase(SCHEME)) {
      return Optional.empty();
    }
    String token = h.substring(space + 1).trim();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  @Override
  public String toString() {
    return tokenDigest == null ? "HttpAuth[open]" : "HttpAuth[token, reads " + (readsOpen ? "open" : "closed") + "]";
  }
}
