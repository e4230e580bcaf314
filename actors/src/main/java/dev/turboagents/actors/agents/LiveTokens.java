package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.Delta;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * The model's tokens of running jobs as they come, for whoever follows a job live (its SSE
 * stream, a streamed chat answer). Tokens are not journalled: a model turn's whole answer is, once
 * it is complete. A follower that falls behind loses the oldest tokens, never the model's time.
 */
public final class LiveTokens {
  private static final int BUFFER = 1024;

  private final Map<String, Set<SourceQueueWithComplete<Delta>>> followers = new ConcurrentHashMap<>();

  /** Hands {@code delta} of job {@code jobId} to every follower of that job (none: nothing happens). */
  public void publish(String jobId, Delta delta) {
    Set<SourceQueueWithComplete<Delta>> queues = followers.get(jobId);
    if (queues != null) {
      queues.forEach(q -> q.offer(delta));
    }
  }

  /** Ends every follower's stream of {@code jobId} (the job's model turns are over). */
  public void end(String jobId) {
    Set<SourceQueueWithComplete<Delta>> queues = followers.remove(jobId);
    if (queues != null) {
      queues.forEach(SourceQueueWithComplete::complete);
    }
  }

  /** The tokens of {@code jobId} from now on, until {@link #end} or the follower cancels. */
  public Source<Delta, NotUsed> follow(String jobId) {
    return Source.<Delta>queue(BUFFER, OverflowStrategy.dropHead()).mapMaterializedValue(queue -> {
      followers.computeIfAbsent(jobId, id -> ConcurrentHashMap.newKeySet()).add(queue);
      queue.watchCompletion().whenComplete((done, error) -> followers.computeIfPresent(jobId, (id, queues) -> {
        queues.remove(queue);
        return queues.isEmpty() ? null : queues;
      }));
      return NotUsed.getInstance();
    });
  }

  /** How many streams follow {@code jobId} now. */
  public int followers(String jobId) {
    return followers.getOrDefault(jobId, Set.of()).size();
  }
}
