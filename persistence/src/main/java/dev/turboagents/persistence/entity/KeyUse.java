package dev.turboagents.persistence.entity;

import dev.turboagents.persistence.CborSerializable;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An idempotency key as an entity stores it with the write it made: the key a caller chose (an
 * agent's job and step, an HTTP client's {@code Idempotency-Key}) and a fingerprint of the request
 * it came with. A repeat with the same key and fingerprint gets the first result; the same key
 * with another fingerprint is refused ({@link TrackerRejection#keyReused}).
 */
public record KeyUse(String key, String fingerprint) implements CborSerializable {

  /** Longest key accepted, in characters (a job id and a step fit many times over). */
  public static final int MAX_KEY_LENGTH = 255;

  /** The key with the fingerprint of {@code request}, whose {@code toString()} must name every input that matters. */
  public static Optional<KeyUse> of(Optional<String> key, Object request) {
    return key.map(k -> new KeyUse(checked(k), fingerprint(request.toString())));
  }

  /** A key must be non-blank, printable and short: it is stored with every write it guards. */
  public static String checked(String key) {
    if (key.isBlank() || key.length() > MAX_KEY_LENGTH || key.chars().anyMatch(Character::isISOControl)) {
      throw TrackerRejection.invalid("Idempotency-Key", "an idempotency key must be 1 to " + MAX_KEY_LENGTH
          + " printable characters, was '" + (key.length() > 40 ? key.substring(0, 40) + "..." : key) + "'");
    }
    return key;
  }

  private static String fingerprint(String canonical) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /** A request's inputs in one canonical text, for requests whose {@code toString()} is not one. */
  public record Request(String canonical) {
    @Override
    public String toString() {
      return canonical;
    }
  }

  /** Whether {@code other} is the same key (whatever request it came with). */
  public boolean sameKey(KeyUse other) {
    return key.equals(other.key);
  }
}
