package dev.turboagents.config;

/** A configuration value that cannot be used; the message names the key and says what is wrong. */
public final class InvalidSettingException extends RuntimeException {
  private final String key;

  public InvalidSettingException(String key, String problem) {
    super(key + ": " + problem);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
