package dev.turboagents.http.metrics;

import dev.turboagents.persistence.jobs.Job;
import dev.turboagents.persistence.jobs.JobStatus;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;

/** The agents' jobs as a gauge per agent and state ({@code agents_jobs{agent,state}}), from the coordinator's list at each scrape. */
public final class JobMetrics {
  private final MultiGauge jobs;

  public JobMetrics(MeterRegistry registry) {
    jobs = MultiGauge.builder("agents.jobs").description("Jobs per agent and state (queued, running, waiting, succeeded, failed, cancelled)")
        .register(registry);
  }

  /** Takes the coordinator's jobs as the figures to show; every state of an agent that has jobs gets a row, 0 included. */
  public void update(List<Job> all) {
    Map<String, Map<JobStatus, Long>> counts = all.stream().collect(Collectors.groupingBy(Job::agent,
        Collectors.groupingBy(Job::status, Collectors.counting())));
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (String agent : new TreeSet<>(counts.keySet())) {
      for (JobStatus state : JobStatus.values()) {
        rows.add(MultiGauge.Row.of(Tags.of("agent", agent, "state", state.name().toLowerCase(Locale.ROOT)),
            counts.get(agent).getOrDefault(state, 0L)));
      }
    }
    jobs.register(rows, true);
  }
}
