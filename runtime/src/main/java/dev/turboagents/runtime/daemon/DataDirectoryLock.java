package dev.turboagents.runtime.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * An exclusive OS lock on {@code <data-dir>/daemon.lock}, held for the daemon's life, so a second
 * daemon never opens the same journal. The OS drops it when the process dies, even by SIGKILL.
 */
public final class DataDirectoryLock implements AutoCloseable {

  /** Another process holds the lock. */
  public static final class HeldElsewhere extends Exception {
    public HeldElsewhere(String message) {
      super(message);
    }
  }

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  public static DataDirectoryLock acquire(Path dataDir) throws IOException, HeldElsewhere {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve("daemon.lock");
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = holder(channel).map(pid -> " (pid " + pid + ")").orElse("");
      channel.close();
      throw new HeldElsewhere("another turbo-agents daemon" + holder + " is using the data directory " + dataDir
          + "; stop it, or start this one with another --data-dir");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    channel.force(true);
    return new DataDirectoryLock(channel, lock);
  }

  private static Optional<String> holder(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      String pid = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8).strip();
      return pid.isEmpty() ? Optional.empty() : Optional.of(pid);
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Releases the lock; closing twice is harmless. */
  @Override
  public synchronized void close() throws IOException {
    if (channel.isOpen()) {
      lock.release();
      channel.close();
    }
  }
}
