package dev.turboagents.actors.agents;

import dev.turboagents.actors.inference.Delta;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;

/**
 * The model's tokens of running jobs as they come, for whoever follows a job live (its SSE
 * stream, a streamed chat answer). Tokens are not journalled: a model turn's whole answer is, once
 * it is complete. The current turn's tokens are kept (at most {@link #TURN_KEPT}) and replayed to a
 * follower that comes late, and the last turn of the {@link #ENDED_KEPT} jobs that ended last, so a
 * chat answered before its stream subscribed still streams whole. A follower that falls behind
 * loses the oldest tokens, never the model's time.
 */
public final class LiveTokens {
  /** Most deltas of one turn kept for a late follower (and buffered per follower). */
  static final int TURN_KEPT = 1024;
  /** How many ended jobs keep their last turn for a follower that comes after the end. */
  static final int ENDED_KEPT = 64;

  /** One job's current turn and followers; guarded by the LiveTokens' lock. */
  private static final class Job {
    final ArrayDeque<Delta> turn = new ArrayDeque<>();
    final Set<SourceQueueWithComplete<Delta>> followers = new HashSet<>();
    boolean ended;
  }

  private final Map<String, Job> jobs = new HashMap<>();
  private final ArrayDeque<String> ended = new ArrayDeque<>();

  /** A new model call of {@code jobId} begins: the tokens kept for late followers are now its. */
  public synchronized void turnStarts(String jobId) {
    Job job = jobs.computeIfAbsent(jobId, id -> new Job());
    job.turn.clear();
    if (job.ended) {
      job.ended = false; // the job runs again (resumed)
      ended.remove(jobId);
    }
  }

  /** Hands {@code delta} of job {@code jobId} to every follower of that job, and keeps it for late ones. */
  public synchronized void publish(String jobId, Delta delta) {
    Job job = jobs.computeIfAbsent(jobId, id -> new Job());
    if (job.turn.size() == TURN_KEPT) {
      job.turn.removeFirst();
    }
    job.turn.addLast(delta);
    job.followers.forEach(q -> q.offer(delta));
  }

  /** Ends every follower's stream of {@code jobId} (the job's model turns are over). */
  public synchronized void end(String jobId) {
    Job job = jobs.computeIfAbsent(jobId, id -> new Job());
    job.followers.forEach(SourceQueueWithComplete::complete);
    job.followers.clear();
    if (!job.ended) {
      job.ended = true;
      ended.addLast(jobId);
      while (ended.size() > ENDED_KEPT) {
        jobs.remove(ended.removeFirst());
      }
    }
  }

  /**
   * The tokens of {@code jobId}: its current turn's so far, then the new ones as they come, until
   * {@link #end} or the follower cancels (a job that has ended gives its last turn and ends).
   */
  public Source<Delta, NotUsed> follow(String jobId) {
    return Source.<Delta>queue(TURN_KEPT, OverflowStrategy.dropHead()).mapMaterializedValue(queue -> {
      add(jobId, queue);
      queue.watchCompletion().whenComplete((done, error) -> remove(jobId, queue));
      return NotUsed.getInstance();
    });
  }

  /**
   * As {@link #follow(String)}, also ending once {@code until} completes; what was handed over by
   * then is still delivered.
   */
  public Source<Delta, NotUsed> follow(String jobId, CompletionStage<?> until) {
    return Source.<Delta>queue(TURN_KEPT, OverflowStrategy.dropHead()).mapMaterializedValue(queue -> {
      add(jobId, queue);
      queue.watchCompletion().whenComplete((done, error) -> remove(jobId, queue));
      until.whenComplete((r, e) -> queue.complete());
      return NotUsed.getInstance();
    });
  }

  private synchronized void add(String jobId, SourceQueueWithComplete<Delta> queue) {
    Job job = jobs.computeIfAbsent(jobId, id -> new Job());
    List.copyOf(job.turn).forEach(queue::offer);
    if (job.ended) {
      queue.complete();
    } else {
      job.followers.add(queue);
    }
  }

  private synchronized void remove(String jobId, SourceQueueWithComplete<Delta> queue) {
    Job job = jobs.get(jobId);
    if (job != null) {
      job.followers.remove(queue);
      if (job.followers.isEmpty() && job.turn.isEmpty() && !job.ended) {
        jobs.remove(jobId); // a follower of a job that never spoke leaves nothing behind
      }
    }
  }

  /** How many streams follow {@code jobId} now. */
  public synchronized int followers(String jobId) {
    Job job = jobs.get(jobId);
    return job == null ? 0 : job.followers.size();
  }
}
